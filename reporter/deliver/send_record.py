"""Deliver stage: the record of a split send, so a failed one can resume.

Input: the messages of one send (their part numbers, recipients and attachments) and the
folder. Output: ``DIR/.reporter-send.json`` listing the parts the server accepted, keyed by what
the parts hold (recipients and each part's attachments' SHA-256, not Message-IDs or dates, which
change on every try). ``reporter send --resume`` skips the parts listed under the same key; a
send that completes removes the record. Dot-named, so ``verify`` does not count it.
"""

from __future__ import annotations

import hashlib
import json
from email.message import EmailMessage
from pathlib import Path

from reporter.fsio import atomic_write

RECORD = ".reporter-send.json"


def part_keys(messages: list[EmailMessage], recipients: list[str]) -> list[str]:
    """One key per message: its part number, the part count, the recipients and its attachments."""
    keys = []
    for n, msg in enumerate(messages, start=1):
        h = hashlib.sha256(f"{n}/{len(messages)}|{','.join(sorted(recipients))}".encode())
        for part in msg.iter_attachments():
            h.update(f"|{part.get_filename()}:".encode())
            data = part.get_payload(decode=True)
            h.update(hashlib.sha256(data if isinstance(data, bytes) else b"").digest())
        keys.append(h.hexdigest())
    return keys


class SendRecord:
    def __init__(self, folder: Path, messages: list[EmailMessage], recipients: list[str]) -> None:
        self.path = Path(folder) / RECORD
        self.keys = part_keys(messages, recipients)
        self.sent: set[str] = set()

    def load(self) -> set[int]:
        """The part numbers (1-based) an earlier try of this same send delivered."""
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        sent = doc.get("sentParts") if isinstance(doc, dict) else None
        self.sent = {k for k in sent if isinstance(k, str)} if isinstance(sent, list) else set()
        return {n for n, k in enumerate(self.keys, start=1) if k in self.sent}

    def mark(self, n: int) -> None:
        """Part ``n`` was accepted by the server: record it now (a crash after it keeps it)."""
        self.sent.add(self.keys[n - 1])
        try:
            atomic_write(self.path, (json.dumps({"sentParts": sorted(self.sent)}, indent=2) + "\n").encode())
        except OSError:
            pass  # the record only saves a resend; the mail itself went out

    def clear(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass
