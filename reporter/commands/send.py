"""`reporter send DIR --to ADDR...`: mail a built folder's packets to project managers.

Input: a folder written by ``reporter build``, recipients, SMTP options; credentials from
``SMTP_USER`` / ``SMTP_PASSWORD``. Output: the message(s) sent (or written as ``.eml`` with
``--dry-run``); exit 0 when every recipient accepted, 1 when some were refused.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from reporter.deliver.mail import SmtpSettings, compose, format_sender, send, write_eml
from reporter.errors import UsageError

log = logging.getLogger("reporter")
_ADDR = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$|^[^@\s<>,;]+@localhost$")


def _size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", text)
    if not m:
        raise UsageError(f"--max-size: expected a size like 20MB or 500KB, got {text!r}")
    mult = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]
    size = int(float(m.group(1)) * mult)
    if size < 64 * 1024:
        raise UsageError(f"--max-size: {text!r} is too small for a message (at least 64KB)")
    return size


def _sender(text: str | None) -> str | None:
    """``--from``: an address, or ``Name <address>``; one header line."""
    if text is None:
        return None
    from email.utils import parseaddr

    if any(ord(c) < 32 or ord(c) == 127 for c in text) or not _ADDR.match(parseaddr(text)[1]):
        raise UsageError(f"--from: not an email address: {text!r}")
    return text


def register(sub, common) -> None:
    p = sub.add_parser("send", parents=[common], help="email a built folder's packets")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--to", action="append", default=[], metavar="ADDR", required=True, help="recipient (repeat)")
    p.add_argument("--cc", action="append", default=[], metavar="ADDR", help="copy recipient (repeat)")
    p.add_argument("--from", dest="sender", metavar="ADDR", help="sender address")
    p.add_argument("--smtp-host", default=os.environ.get("SMTP_HOST", "localhost"))
    p.add_argument("--smtp-port", type=int, default=None)
    p.add_argument("--tls", choices=("starttls", "ssl", "none"), default="starttls")
    p.add_argument("--max-size", default="20MB", help="largest message; above it attachments are zipped or split (default 20MB)")
    p.add_argument("--redact", choices=("financial",), help="send copies without bank and surety figures")
    p.add_argument("--dry-run", metavar="FILE.eml", help="write the message to a file instead of sending")
    p.set_defaults(func=run)


def run(args) -> int:
    recipients = [a.strip() for a in (*args.to, *args.cc) for a in a.split(",") if a.strip()]
    for a in recipients:
        if not _ADDR.match(a):
            raise UsageError(f"not an email address: {a!r}")
    to = [a.strip() for x in args.to for a in x.split(",") if a.strip()]
    cc = [a.strip() for x in args.cc for a in x.split(",") if a.strip()]
    user = os.environ.get("SMTP_USER") or None
    sender = format_sender(_sender(args.sender), user)
    folder = Path(args.folder)
    attachments = items = None
    if args.redact:
        from reporter.deliver.redact import redacted_attachments

        attachments, items = redacted_attachments(folder, args.redact)
    out = compose(folder, sender=sender, to=to, cc=cc, max_size=_size(args.max_size), attachments=attachments, items=items)
    for note in out.notes:
        log.warning("note: %s", note)
    if args.dry_run:
        paths = write_eml(out.messages, Path(args.dry_run))
        log.info("wrote %s (not sent)", ", ".join(map(str, paths)))
        return 0
    settings = SmtpSettings(
        host=args.smtp_host,
        port=args.smtp_port,
        tls=args.tls,
        user=user,
        password=os.environ.get("SMTP_PASSWORD"),
    )
    result = send(out.messages, recipients, settings)
    delivered = [a for a in recipients if a not in result.refused]
    for addr, reason in result.refused.items():
        log.error("not delivered to %s: %s", addr, reason)
    parts = f" in {result.sent} messages" if result.sent > 1 else ""
    log.info("sent%s to %s", parts, ", ".join(delivered))
    return 1 if result.refused else 0
