"""`reporter send` faults of issue 14 item 11: a connection lost after the final dot is "delivery
unknown", a split send that fails at part 2 resumes without resending part 1, and a manifest with
a wrong-typed ``files`` fails ``verify`` and ``send`` cleanly. Real SMTP servers on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
import threading

import pytest
from conftest import SAMPLES

from reporter.cli import main


class ScriptedSmtp:
    """A minimal SMTP server on 127.0.0.1 that accepts messages, and for message number ``drop``
    (1-based, counted over its life) reads the whole message then closes the connection without
    answering the final dot (``after_dot=True``) or refuses it with 451 before the data."""

    def __init__(self, drop: int | None = None, after_dot: bool = True) -> None:
        self.drop, self.after_dot = drop, after_dot
        self.received: list[bytes] = []
        self.count = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    self._session(conn.makefile("rb"), conn)
                except OSError:
                    pass

    def _session(self, rfile, conn) -> None:
        conn.sendall(b"220 test ESMTP\r\n")
        while True:
            line = rfile.readline()
            if not line:
                return
            cmd = line.strip().upper()
            if cmd.startswith((b"EHLO", b"HELO")):
                conn.sendall(b"250-test\r\n250 8BITMIME\r\n")
            elif cmd.startswith((b"MAIL", b"RCPT", b"RSET", b"NOOP")):
                conn.sendall(b"250 OK\r\n")
            elif cmd == b"DATA":
                self.count += 1
                if self.drop == self.count and not self.after_dot:
                    conn.sendall(b"451 4.3.0 try again later\r\n")
                    continue
                conn.sendall(b"354 go ahead\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                if self.drop == self.count:
                    self.received.append(data)  # it arrived in full; the answer never leaves
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                self.received.append(data)
                conn.sendall(b"250 accepted\r\n")
            elif cmd == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"502 not implemented\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("built")
    inputs = [str(SAMPLES / "gr8-builders.json"), str(SAMPLES / "redline-concrete.json")]
    assert main(["build", *inputs, "--out", str(out), "--as-of", "2026-11-28", "--formats", "pdf,xlsx", "-q"]) == 0
    return out


def _send(folder, port, *extra):
    return main(["send", str(folder), "--to", "pm@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
                 "--tls", "none", *extra])


def test_a_connection_lost_after_the_final_dot_is_delivery_unknown(folder, capsys, monkeypatch):
    monkeypatch.delenv("SMTP_USER", raising=False)
    server = ScriptedSmtp(drop=1, after_dot=True)
    try:
        capsys.readouterr()
        assert _send(folder, server.port) == 1
    finally:
        server.close()
    err = capsys.readouterr().err
    assert len(server.received) == 1  # the server has the message
    assert "delivery unknown" in err and "before resending" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _split_limit(folder) -> int:
    listed = json.loads((folder / "manifest.json").read_text())
    biggest = max(e["bytes"] for i in listed["items"] for e in i["files"].values())
    return int(biggest * 1.4) + 16384


def test_a_split_send_that_fails_at_part_2_resumes_without_resending_part_1(folder, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SMTP_USER", raising=False)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    limit = str(_split_limit(copy))
    failing = ScriptedSmtp(drop=2, after_dot=False)  # part 2 refused with a temporary error
    try:
        assert _send(copy, failing.port, "--max-size", limit) == 1
    finally:
        failing.close()
    assert len(failing.received) == 1
    assert "1 of" in capsys.readouterr().err
    good = ScriptedSmtp()
    try:
        assert _send(copy, good.port, "--max-size", limit, "--resume") == 0
    finally:
        good.close()
    err = capsys.readouterr().err
    assert "already sent" in err
    subjects = [email.message_from_bytes(m, policy=email.policy.default)["Subject"] for m in good.received]
    assert subjects and not any("(part 1 of" in s for s in subjects)
    assert any("(part 2 of" in s for s in subjects)
    assert not (copy / ".reporter-send.json").exists()  # the send completed: no record left
    assert main(["verify", str(copy)]) == 0


def test_a_manifest_with_files_of_the_wrong_type_fails_cleanly(folder, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    doc = json.loads((copy / "manifest.json").read_text())
    doc["items"][0]["files"] = [doc["items"][0]["files"]["pdf"]]
    (copy / "manifest.json").write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["verify", str(copy)]) == 1
    err = capsys.readouterr().err
    assert "items[0].files" in err and "Traceback" not in err and "internal error" not in err
    assert main(["send", str(copy), "--to", "pm@example.com", "--dry-run", str(tmp_path / "x.eml")]) == 1
    err = capsys.readouterr().err
    assert "items[0].files" in err and "internal error" not in err and len(err.strip().splitlines()) == 1
