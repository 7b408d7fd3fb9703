"""`reporter send`: a real SMTP server (aiosmtpd) on 127.0.0.1 receives the packets."""

from __future__ import annotations

import email
import email.policy
import io
import json
import socket
import ssl
import zipfile

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import SAMPLES

from reporter.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collect:
    """aiosmtpd handler: keeps every message; refuses recipients listed in ``refuse``."""

    def __init__(self, refuse=()):
        self.messages = []
        self.sizes = []  # bytes of each message as received
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        self.sizes.append(len(envelope.original_content or envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp():
    servers = []

    def start(handler=None, **kwargs):
        handler = handler or Collect()
        c = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
        c.start()
        servers.append(c)
        return c, handler

    yield start
    for c in servers:
        c.stop()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("built")
    inputs = [str(SAMPLES / "gr8-builders.json"), str(SAMPLES / "redline-concrete.json"), str(SAMPLES / "list-page-two-subs.json")]
    status = main(["build", *inputs, "--out", str(out), "--as-of", "2026-11-28", "--project-name", "Mission Tower",
                   "--project-number", "24-117", "-q"])
    assert status == 0
    return out


def companies(folder):
    return [(i["companyName"], i["verdict"]) for i in json.loads((folder / "manifest.json").read_text())["items"]]


def attachments(msg):
    return {part.get_filename(): part.get_content() for part in msg.iter_attachments()}


def bodies(msg):
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_plain_smtp_delivers_packets_and_summary(folder, smtp, monkeypatch):
    monkeypatch.delenv("SMTP_USER", raising=False)
    c, h = smtp()
    status = main(["send", str(folder), "--to", "pm@example.com", "--cc", "estimator@example.com",
                   "--from", "precon@gc.example", "--smtp-host", "127.0.0.1", "--smtp-port", str(c.port), "--tls", "none"])
    assert status == 0
    assert len(h.messages) == 1
    rcpts, msg = h.messages[0]
    assert sorted(rcpts) == ["estimator@example.com", "pm@example.com"]
    assert "24-117 Mission Tower" in msg["Subject"] and "4 subcontractors" in msg["Subject"]
    text, html = bodies(msg)
    for name, verdict in companies(folder):
        assert name in text and verdict.upper() in text
        assert name.replace("&", "&amp;") in html
    files = attachments(msg)
    pdfs = [n for n in files if n.endswith(".pdf")]
    xlsxs = [n for n in files if n.endswith(".xlsx")]
    assert len(pdfs) == 4 and len(xlsxs) == 5 and "leveling.xlsx" in xlsxs
    assert all(files[n][:5] == b"%PDF-" for n in pdfs)
    assert all(files[n][:2] == b"PK" for n in xlsxs)
    assert "Denial" in text or "DENIED" in text.upper()


def test_starttls_with_a_self_signed_certificate_and_login(folder, smtp, tmp_path, monkeypatch):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        ok = auth_data.login == b"pm-bot" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    c, h = smtp(tls_context=server_ctx, require_starttls=True, authenticator=authenticator, auth_required=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    monkeypatch.setenv("SMTP_USER", "pm-bot")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
    argv = ["send", str(folder), "--to", "pm@example.com", "--from", "precon@gc.example",
            "--smtp-host", "127.0.0.1", "--smtp-port", str(c.port), "--tls", "starttls"]
    assert main(argv) == 0
    assert len(h.messages) == 1 and seen == [(b"pm-bot", b"s3cret")]

    monkeypatch.setenv("SMTP_PASSWORD", "wrong")
    assert main(argv) == 1
    assert len(h.messages) == 1


def test_refused_login_message(folder, smtp, tmp_path, monkeypatch, capsys):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    c, h = smtp(tls_context=server_ctx, require_starttls=True,
                authenticator=lambda *a: AuthResult(success=False, handled=False), auth_required=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    monkeypatch.setenv("SMTP_USER", "pm-bot")
    monkeypatch.setenv("SMTP_PASSWORD", "nope")
    status = main(["send", str(folder), "--to", "pm@example.com", "--smtp-host", "127.0.0.1",
                   "--smtp-port", str(c.port)])
    err = capsys.readouterr().err
    assert status == 1
    assert "refused the login for pm-bot" in err and "Traceback" not in err
    assert "nope" not in err
    assert h.messages == []


def test_refused_recipient_others_still_receive(folder, smtp, monkeypatch, capsys):
    monkeypatch.delenv("SMTP_USER", raising=False)
    c, h = smtp(Collect(refuse={"gone@example.com"}))
    status = main(["send", str(folder), "--to", "pm@example.com", "--to", "gone@example.com",
                   "--smtp-host", "127.0.0.1", "--smtp-port", str(c.port), "--tls", "none"])
    err = capsys.readouterr().err
    assert status == 1
    assert [r for r, _ in h.messages] == [["pm@example.com"]]
    assert "not delivered to gone@example.com" in err and "550" in err


def test_unreachable_server_is_one_clear_line(folder, monkeypatch, capsys):
    monkeypatch.delenv("SMTP_USER", raising=False)
    port = free_port()
    status = main(["send", str(folder), "--to", "pm@example.com", "--smtp-host", "127.0.0.1",
                   "--smtp-port", str(port), "--tls", "none"])
    err = capsys.readouterr().err
    assert status == 1
    assert f"cannot reach the SMTP server 127.0.0.1:{port}" in err
    assert len(err.strip().splitlines()) == 1


def test_oversize_attachments_are_zipped_then_split(folder, smtp, monkeypatch, capsys):
    monkeypatch.delenv("SMTP_USER", raising=False)
    listed = json.loads((folder / "manifest.json").read_text())
    total = sum(e["bytes"] for i in listed["items"] for e in i["files"].values()) + listed["leveling"]["bytes"]
    c, h = smtp()
    # --max-size bounds the message as sent: base64 makes the attachments about 1.37x their size, so
    # 1.3x does not hold them as they are but holds them zipped (the workbooks compress a little).
    zipped_limit = int(total * 1.3) // 1024
    assert main(["send", str(folder), "--to", "pm@example.com", "--smtp-host", "127.0.0.1",
                 "--smtp-port", str(c.port), "--tls", "none", "--max-size", f"{zipped_limit}KB"]) == 0
    (_, msg), = h.messages
    assert h.sizes[0] <= zipped_limit * 1024
    files = attachments(msg)
    (zip_name,) = files
    assert zip_name.endswith(".zip")
    names = zipfile.ZipFile(io.BytesIO(files[zip_name])).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == 4
    assert "zip" in capsys.readouterr().err
    # Too big even zipped: split into several messages, each under the limit, all files sent once.
    h.messages.clear()
    biggest = max(e["bytes"] for i in json.loads((folder / "manifest.json").read_text())["items"] for e in i["files"].values())
    limit = int(biggest * 1.4) + 16384
    h.sizes.clear()
    assert main(["send", str(folder), "--to", "pm@example.com", "--smtp-host", "127.0.0.1",
                 "--smtp-port", str(c.port), "--tls", "none", "--max-size", str(limit)]) == 0
    assert len(h.messages) > 1
    assert max(h.sizes) <= limit, (h.sizes, limit)
    sent = [n for _, m in h.messages for n in attachments(m)]
    expected = [e["path"] for i in listed["items"] for e in i["files"].values()] + [listed["leveling"]["path"]]
    assert sorted(sent) == sorted(set(sent)) == sorted(expected)
    assert all("(part " in m["Subject"] for _, m in h.messages)
    assert "split into" in capsys.readouterr().err


def test_dry_run_writes_an_eml(folder, tmp_path):
    eml = tmp_path / "out.eml"
    assert main(["send", str(folder), "--to", "pm@example.com", "--dry-run", str(eml)]) == 0
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "pm@example.com"
    assert any(n.endswith(".pdf") for n in attachments(msg))


def test_bad_address_and_missing_folder(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["send", str(tmp_path)])
    assert main(["send", str(tmp_path), "--to", "not-an-address"]) == 2
    assert main(["send", str(tmp_path), "--to", "pm@example.com", "--dry-run", str(tmp_path / "x.eml")]) == 1
    assert "no manifest.json" in capsys.readouterr().err


def test_redacted_copies_have_no_bank_or_surety_figures(folder, tmp_path):
    import openpyxl
    from pypdf import PdfReader

    eml = tmp_path / "red.eml"
    assert main(["send", str(folder), "--to", "wide-list@example.com", "--redact", "financial", "--dry-run", str(eml)]) == 0
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    files = attachments(msg)
    gr8_pdf = next(n for n in files if n.startswith("24-117_gr8-builders") and n.endswith(".pdf"))
    gr8_xlsx = gr8_pdf[:-4] + ".xlsx"
    # Figures of the example record: bonding 17,000,000 / 50,000,000, line of credit 3,000,000 / 500,000.
    pdf_path = tmp_path / "r.pdf"
    pdf_path.write_bytes(files[gr8_pdf])
    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    for figure in ("17,000,000", "50,000,000", "3,000,000", "500,000", "Gr8 National Bank", "Gr8 Insurance Services"):
        assert figure not in text, figure
    assert "withheld" in text
    assert "Gr8 Builders" in text and "12,000,000" in text  # the rest is still there (backlog)
    xlsx_path = tmp_path / "r.xlsx"
    xlsx_path.write_bytes(files[gr8_xlsx])
    values = [c.value for ws in openpyxl.load_workbook(xlsx_path).worksheets for row in ws.iter_rows() for c in row]
    for figure in (17000000, 50000000, 3000000, 500000, "Gr8 National Bank"):
        assert figure not in values, figure
    # The unredacted originals in the folder are untouched and still verify.
    assert main(["verify", str(folder)]) == 0
    original = next(folder.glob("24-117_gr8-builders*.pdf"))
    assert "17,000,000" in "".join(p.extract_text() for p in PdfReader(original).pages)


def _copy(folder, tmp_path):
    import shutil

    dest = tmp_path / "copy"
    shutil.copytree(folder, dest)
    return dest


def _edit_manifest(folder, change):
    path = folder / "manifest.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("where", ["../secret.pdf", "ABSOLUTE", "link.pdf"])
def test_a_manifest_path_outside_the_folder_is_never_mailed(folder, tmp_path, capsys, where):
    copy = _copy(folder, tmp_path)
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF- the GC's private bid tabulation")
    (copy / "link.pdf").symlink_to(secret)
    rel = str(secret) if where == "ABSOLUTE" else where

    def point_outside(doc):
        doc["items"][0]["files"]["pdf"] = {"path": rel}  # no checksum either
    _edit_manifest(copy, point_outside)
    eml = tmp_path / "x.eml"
    capsys.readouterr()
    assert main(["send", str(copy), "--to", "pm@example.com", "--dry-run", str(eml)]) == 1
    err = capsys.readouterr().err
    assert "not a file inside the folder" in err and len(err.strip().splitlines()) == 1
    assert not eml.exists()
    # verify says the same, in one line per problem, without reading the file
    assert main(["verify", str(copy)]) == 1
    assert "leaves the folder" in capsys.readouterr().err


def test_redacted_copies_come_only_from_intact_kept_sources(folder, tmp_path, capsys):
    copy = _copy(folder, tmp_path)
    m = json.loads((copy / "manifest.json").read_text())
    src = copy / m["items"][0]["sourceRecord"]["path"]
    src.write_text(src.read_text().replace("Gr8 National Bank", "Some Other Bank"))
    eml = tmp_path / "x.eml"
    capsys.readouterr()
    assert main(["send", str(copy), "--to", "pm@example.com", "--redact", "financial", "--dry-run", str(eml)]) == 1
    assert "changed since it was built" in capsys.readouterr().err and not eml.exists()
    outside = tmp_path / "elsewhere.json"
    outside.write_bytes((folder / m["items"][0]["sourceRecord"]["path"]).read_bytes())

    def point_outside(doc):
        doc["items"][0]["sourceRecord"]["path"] = "../elsewhere.json"
    _edit_manifest(copy, point_outside)
    assert main(["send", str(copy), "--to", "pm@example.com", "--redact", "financial", "--dry-run", str(eml)]) == 1
    assert "not a file inside the folder" in capsys.readouterr().err


def test_a_line_break_in_the_project_name_cannot_add_a_header(folder, tmp_path):
    copy = _copy(folder, tmp_path)

    def inject(doc):
        doc["build"]["project"]["name"] = "Mission Tower\r\nBcc: leak@evil.example\u2028X-Evil: 1"
    _edit_manifest(copy, inject)
    eml = tmp_path / "x.eml"
    assert main(["send", str(copy), "--to", "pm@example.com", "--from", "Precon Team <precon@gc.example>",
                 "--dry-run", str(eml)]) == 0
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert msg["Subject"].startswith("24-117 Mission Tower Bcc: leak@evil.example X-Evil: 1: prequalification packets")
    assert msg["Message-ID"].endswith("@gc.example>") and ">>" not in msg["Message-ID"]
    assert main(["send", str(copy), "--to", "pm@example.com", "--from", "precon@gc.example\r\nBcc: leak@evil.example",
                 "--dry-run", str(eml)]) == 2


def test_max_size_too_small_is_a_usage_error(folder, tmp_path, capsys):
    assert main(["send", str(folder), "--to", "pm@example.com", "--max-size", "0", "--dry-run", str(tmp_path / "x.eml")]) == 2
    assert "--max-size" in capsys.readouterr().err


def test_dry_run_into_a_folder_is_one_line(folder, tmp_path, capsys):
    capsys.readouterr()
    assert main(["send", str(folder), "--to", "pm@example.com", "--dry-run", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "--dry-run" in err and "internal error" not in err and len(err.strip().splitlines()) == 1


def test_redacted_copies_refuse_packets_built_with_other_settings(tmp_path, capsys):
    from reporter.jsonio import dumps_exact
    from tests.fakes.records import make_record

    out = tmp_path / "out"
    rules = tmp_path / "rules.toml"
    rules.write_text('[severities]\n"insurance.missing" = "off"\n')
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(dumps_exact(make_record(4)))
    b.write_text(dumps_exact(make_record(8)))
    common = ["--out", str(out), "--formats", "xlsx", "--as-of", "2026-11-28", "--jobs", "1", "-q"]
    assert main(["build", str(a), *common, "--rules", str(rules)]) == 0
    assert main(["build", str(b), *common]) == 0  # a later run without the rules: a is carried over
    items = json.loads((out / "manifest.json").read_text())["items"]
    assert items[1]["fromEarlierRun"] and items[1]["verdict"] != "red"
    capsys.readouterr()
    eml = tmp_path / "x.eml"
    assert main(["send", str(out), "--to", "pm@example.com", "--redact", "financial", "--dry-run", str(eml)]) == 1
    err = capsys.readouterr().err
    assert "would not match the packet" in err and len(err.strip().splitlines()) == 1 and not eml.exists()
