"""Deliver stage: mail a built folder's packets to project managers.

Input: a folder written by ``reporter build`` (its ``manifest.json`` and files), recipients and SMTP
settings. Output: one ``EmailMessage`` per run of the folder (or several parts when the attachments
exceed ``max_size``), sent over SMTP (STARTTLS, implicit TLS or plain) or written to a ``.eml`` file
for ``--dry-run``. Bodies (HTML and plain text) come from ``templates/email/``.

Errors: ``DeliveryError`` with one line for an unreachable server, a refused login, and recipients
that were all refused; recipients refused one by one are returned so the run can say who did not
receive it while the others still do.
"""

from __future__ import annotations

import io
import mimetypes
import smtplib
import socket
import ssl
import unicodedata
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from reporter import __version__
from reporter.errors import DeliveryError
from reporter.render.assets import asset_dir

DEFAULT_MAX_SIZE = 20 * 1024 * 1024
_SEVERITY_ORDER = {"red": 0, "amber": 1, "green": 2}


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int | None = None  # default by tls: 587 starttls, 465 ssl, 25 none
    tls: str = "starttls"  # starttls | ssl | none
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None

    @property
    def effective_port(self) -> int:
        return self.port or {"starttls": 587, "ssl": 465, "none": 25}[self.tls]


@dataclass
class Attachment:
    filename: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Outgoing:
    """What ``compose`` built: the messages and what the user should be told about them."""

    messages: list[EmailMessage]
    notes: list[str] = field(default_factory=list)


@dataclass
class SendResult:
    sent: int
    refused: dict[str, str]  # address -> server's reason


def read_folder(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The manifest of a built folder and its successful items."""
    from reporter.deliver.files import read_manifest

    manifest = read_manifest(folder)
    items = [i for i in manifest.get("items", []) if i.get("status") == "ok"]
    if not items:
        raise DeliveryError(f"{folder}: the manifest lists no built packets to send")
    return manifest, items


def collect_attachments(folder: Path, manifest: dict[str, Any], items: list[dict[str, Any]]) -> list[Attachment]:
    """The PDFs and workbooks of every item, then ``leveling.xlsx``; checked against the manifest.

    Only files inside the folder whose SHA-256 matches are attached: a hand-edited or hostile
    manifest cannot make the run mail a file from elsewhere (``../``, an absolute path, a symlink)."""
    from reporter.fsio import inside, sha256_bytes

    out: list[Attachment] = []
    entries = [e for i in items for kind, e in sorted((i.get("files") or {}).items()) if kind in ("pdf", "xlsx")]
    if manifest.get("leveling"):
        entries.append(manifest["leveling"])
    seen: set[Path] = set()
    for entry in entries:
        rel = entry.get("path") if isinstance(entry, dict) else None
        p = inside(folder, rel)
        if p is None:
            raise DeliveryError(f"{folder}/manifest.json: {rel!r} is not a file inside the folder; refusing to send")
        if p in seen:  # listed twice: attach once
            continue
        seen.add(p)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise DeliveryError(f"{folder / rel}: listed in the manifest but cannot be read ({exc.strerror})") from None
        if sha256_bytes(data) != entry.get("sha256"):
            raise DeliveryError(
                f"{folder / rel}: changed since it was built (checksum differs from the manifest); rebuild or run 'reporter verify'"
            )
        out.append(Attachment(p.name, data))
    return out


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(asset_dir("templates") / "email")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def body_context(manifest: dict[str, Any], items: list[dict[str, Any]], failed: list[dict[str, Any]]) -> dict[str, Any]:
    build = manifest.get("build", {})
    project = build.get("project") or {}
    rows = sorted(items, key=lambda i: (_SEVERITY_ORDER.get(i.get("verdict") or "", 3), (i.get("companyName") or "").lower()))
    return {
        "project": project,
        "as_of": build.get("asOf"),
        "rows": rows,
        "failed": failed,
        "version": __version__,
        "generated_at": manifest.get("generatedAt"),
    }


def header_text(text: Any) -> str:
    """One header line: control characters and line breaks (CR, LF, U+2028...) become spaces, so
    a project name can never end the Subject and start another header."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in str(text))
    return " ".join(cleaned.split())


def subject_line(manifest: dict[str, Any], count: int) -> str:
    project = (manifest.get("build") or {}).get("project") or {}
    label = header_text(" ".join(str(x) for x in (project.get("number"), project.get("name")) if x)) or "Subcontractor prequalification"
    return f"{label}: prequalification packets for {count} subcontractor{'s' if count != 1 else ''}"


def compose(
    folder: Path,
    *,
    sender: str,
    to: list[str],
    cc: list[str] = (),
    max_size: int = DEFAULT_MAX_SIZE,
    attachments: list[Attachment] | None = None,
    items: list[dict[str, Any]] | None = None,
) -> Outgoing:
    """Build the message(s): all attachments in one when they fit, else zipped, else split.
    ``attachments``/``items`` replace the folder's own (redacted copies)."""
    manifest, folder_items = read_folder(folder)
    items = items if items is not None else folder_items
    failed = [i for i in manifest.get("items", []) if i.get("status") != "ok"]
    files = attachments if attachments is not None else collect_attachments(folder, manifest, items)
    env = _env()
    ctx = body_context(manifest, items, failed)
    subject = subject_line(manifest, len(items))
    notes: list[str] = []

    domain = parseaddr(sender)[1].rpartition("@")[2] or None

    def message(n: int, parts: int, names: list[str], notes: list[str]) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = subject + (f" (part {n} of {parts})" if parts > 1 else "")
        msg["From"] = sender
        msg["To"] = ", ".join(to)
        if cc:
            msg["Cc"] = ", ".join(cc)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=domain)
        msg["X-Mailer"] = f"reporter {__version__}"
        pctx = dict(ctx, part=n, parts=parts, attachments=names, notes=notes)
        msg.set_content(env.get_template("packets.txt.j2").render(**pctx))
        msg.add_alternative(env.get_template("packets.html.j2").render(**pctx), subtype="html")
        return msg

    # --max-size bounds each message as sent: headers, both bodies and base64-encoded attachments
    # (a third larger than the files), so a 20 MB limit never produces a 27 MB message.
    stem = _stem(manifest)
    overhead = len(_wire(message(99, 99, [a.filename for a in files] + [f"{stem}.zip"], ["x" * 300] * 2))) + 1024
    budget = max_size - overhead
    if budget <= 0:
        raise DeliveryError(f"--max-size {_mb(max_size)} leaves no room for attachments (the message text alone is {_mb(overhead)})")
    total = sum(a.size for a in files)
    need = sum(_encoded(a.size) for a in files)
    groups: list[list[Attachment]]
    if need <= budget:
        groups = [files]
    else:
        zipped = _zip(files, f"{stem}.zip")
        if _encoded(zipped.size) <= budget:
            groups = [[zipped]]
            notes.append(f"attachments ({_mb(total)}, {_mb(need)} encoded) exceed --max-size {_mb(max_size)}: "
                         f"sent as one zip file ({_mb(zipped.size)})")
        else:
            groups = _split(files, budget, max_size)
            notes.append(f"attachments ({_mb(total)}, {_mb(need)} encoded) exceed --max-size {_mb(max_size)} even zipped: "
                         f"split into {len(groups)} messages")

    messages = []
    for n, group in enumerate(groups, start=1):
        msg = message(n, len(groups), [a.filename for a in group], notes)
        for a in group:
            mime = mimetypes.guess_type(a.filename)[0] or "application/octet-stream"
            maintype, subtype = mime.split("/", 1)
            msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
        messages.append(msg)
    return Outgoing(messages, notes)


def _stem(manifest: dict[str, Any]) -> str:
    from reporter.deliver.files import slugify

    project = (manifest.get("build") or {}).get("project") or {}
    return slugify(" ".join(x for x in (project.get("number"), project.get("name")) if x) or "prequalification-packets", 60)


def _zip(files: list[Attachment], name: str) -> Attachment:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for a in files:
            zf.writestr(a.filename, a.data)
    return Attachment(name, buf.getvalue())


def _encoded(n: int) -> int:
    """Bytes an ``n``-byte attachment takes in a message: base64 in 76-character CRLF lines, plus
    its part headers."""
    b64 = 4 * ((n + 2) // 3)
    return b64 + 2 * ((b64 + 75) // 76) + 512


def _wire(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def _split(files: list[Attachment], budget: int, max_size: int) -> list[list[Attachment]]:
    groups: list[list[Attachment]] = [[]]
    size = 0
    for a in files:
        need = _encoded(a.size)
        if need > budget:
            raise DeliveryError(f"{a.filename} alone ({_mb(a.size)}, {_mb(need)} encoded) does not fit in a message of --max-size {_mb(max_size)}")
        if groups[-1] and size + need > budget:
            groups.append([])
            size = 0
        groups[-1].append(a)
        size += need
    return groups


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def write_eml(messages: list[EmailMessage], path: Path) -> list[Path]:
    """``--dry-run``: write the message (or ``name-2.eml``... for split parts) instead of sending."""
    from reporter.fsio import atomic_write

    paths = []
    for n, msg in enumerate(messages, start=1):
        p = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            atomic_write(p, msg.as_bytes())
        except OSError as exc:
            raise DeliveryError(f"--dry-run {p}: cannot write ({exc.strerror or exc})") from None
        paths.append(p)
    return paths


def send(messages: list[EmailMessage], recipients: list[str], settings: SmtpSettings) -> SendResult:
    """Send every message to ``recipients`` (To + Cc); per-recipient refusals are collected."""
    host, port = settings.host, settings.effective_port
    where = f"{host}:{port}"
    context = settings.ssl_context or ssl.create_default_context()
    try:
        if settings.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"cannot reach the SMTP server {where}: {_reason(exc)}") from None
    refused: dict[str, str] = {}
    sent = 0
    try:
        smtp.ehlo_or_helo_if_needed()
        if settings.tls == "starttls":
            if not smtp.has_extn("starttls"):
                raise DeliveryError(f"SMTP server {where} does not offer STARTTLS (use --tls ssl or --tls none)")
            try:
                smtp.starttls(context=context)
            except ssl.SSLError as exc:
                raise DeliveryError(f"TLS with {where} failed: {exc.reason or exc}") from None
            smtp.ehlo()
        if settings.user:
            if settings.tls == "none" and host not in ("localhost", "127.0.0.1", "::1"):
                raise DeliveryError(
                    f"refusing to send the SMTP password to {where} without TLS: use --tls starttls or --tls ssl"
                )
            try:
                _login(smtp, settings.user, settings.password or "")
            except smtplib.SMTPAuthenticationError as exc:
                raise DeliveryError(f"SMTP server {where} refused the login for {settings.user}: {_smtp_text(exc)}") from None
            except smtplib.SMTPNotSupportedError:
                raise DeliveryError(f"SMTP server {where} does not accept a login (unset SMTP_USER, or use --tls)") from None
        for msg in messages:
            try:
                bad = smtp.send_message(msg, to_addrs=recipients)
            except smtplib.SMTPRecipientsRefused as exc:
                reasons = {a: _smtp_text(r) for a, r in exc.recipients.items()}
                raise DeliveryError("every recipient was refused: " + "; ".join(f"{a} ({r})" for a, r in reasons.items())
                                    + _already(sent, messages)) from None
            except smtplib.SMTPSenderRefused as exc:
                raise DeliveryError(f"SMTP server {where} refused the sender {exc.sender}: {_smtp_text(exc)}"
                                    + _already(sent, messages)) from None
            except smtplib.SMTPDataError as exc:
                raise DeliveryError(f"SMTP server {where} refused the message: {_smtp_text(exc)}" + _already(sent, messages)) from None
            for addr, reply in bad.items():
                refused[addr] = _smtp_text(reply)
            sent += 1
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise DeliveryError(f"connection to the SMTP server {where} was lost: {_reason(exc)}" + _already(sent, messages)) from None
    except smtplib.SMTPException as exc:  # any other refusal (HELO, STARTTLS, AUTH, SMTPUTF8...): one line
        raise DeliveryError(f"SMTP server {where} refused: {_smtp_text(exc)}" + _already(sent, messages)) from None
    finally:
        try:
            smtp.quit()
        except Exception:
            pass
    return SendResult(sent=sent, refused=refused)


def _already(sent: int, messages: list[EmailMessage]) -> str:
    return f" ({sent} of {len(messages)} messages had been sent)" if sent else ""


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in once with the best mechanism offered (PLAIN over TLS when there is one).

    ``smtplib.login`` retries every advertised mechanism after a refusal, and some servers hang on
    the second try; one attempt gives one clear answer.
    """
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        smtp.user, smtp.password = user, password
        code, resp = smtp.auth("PLAIN", smtp.auth_plain, initial_response_ok=True)
        return
    smtp.login(user, password)


def _smtp_text(obj: Any) -> str:
    if isinstance(obj, tuple) and len(obj) >= 2:
        code, text = obj[0], obj[1]
    else:
        code, text = getattr(obj, "smtp_code", None), getattr(obj, "smtp_error", obj)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip() if code else str(text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def format_sender(address: str | None, user: str | None) -> str:
    if address:
        return address
    if user and "@" in user:
        return formataddr(("reporter", user))
    return f"reporter@{socket.getfqdn() or 'localhost'}"
