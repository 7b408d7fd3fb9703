"""`reporter send DIR --to ADDR... | --project-team`: mail a built folder's packets to project managers.

``--project-team`` (a folder built from BuildingConnected bid packages) addresses the team kept in
``DIR/sources/`` (``reporter.deliver.project_team``); ``--to``/``--cc`` still add more.

Input: a folder written by ``reporter build``, recipients, SMTP options; credentials from
``SMTP_USER`` / ``SMTP_PASSWORD``. Output: the message(s) sent (or written as ``.eml`` with
``--dry-run``); exit 0 when every recipient accepted, 1 when some were refused or sending failed,
2 for a usage error. The parts of a split send the server accepted are recorded in the folder
(``.reporter-send.json``) until the send completes: ``--resume`` then skips them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from reporter.errors import UsageError

log = logging.getLogger("reporter")


def register(sub, common) -> None:
    p = sub.add_parser("send", parents=[common], help="email a built folder's packets")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--to", action="append", default=[], metavar="ADDR", help="recipient (repeat)")
    p.add_argument("--project-team", action="store_true",
                   help="also mail the BuildingConnected project team of the folder's bid packages: the project "
                   "lead, each package's lead and the members subscribed to it or notified of everything")
    p.add_argument("--include-external", action="store_true",
                   help="with --project-team: external team members too (the owner's rep...)")
    p.add_argument("--cc", action="append", default=[], metavar="ADDR", help="copy recipient (repeat)")
    p.add_argument("--from", dest="sender", metavar="ADDR", help="sender address")
    p.add_argument("--smtp-host", default=os.environ.get("SMTP_HOST", "localhost"))
    p.add_argument("--smtp-port", type=int, default=None)
    p.add_argument("--tls", choices=("starttls", "ssl", "none"), default="starttls")
    p.add_argument("--max-size", default="20MB", help="largest message; above it attachments are zipped or split (default 20MB)")
    p.add_argument("--redact", choices=("financial",), help="send copies without bank and surety figures")
    p.add_argument("--dry-run", metavar="FILE.eml", help="write the message to a file instead of sending")
    p.add_argument("--resume", action="store_true",
                   help="after a failed split send: skip the parts the server already accepted")
    p.set_defaults(func=run, send_parser=p)


def run(args) -> int:
    # Imported here, not at the top: every command's module is imported to parse the arguments,
    # and mail composing pulls in Jinja2, zipfile and smtplib (start-up cost of every build).
    from reporter.deliver.mail import Recipients, check_sender, compose, parse_size, write_eml
    from reporter.deliver.project_team_folder import project_team_of
    from reporter.deliver.send_record import SendRecord
    from reporter.deliver.smtp import SmtpSettings, format_sender, send

    folder = Path(args.folder)
    to = list(args.to)
    if args.project_team:
        team = project_team_of(folder, include_external=args.include_external)
        for note in team.notes:
            log.warning("note: %s", note)
        to = team.addresses + to
    elif args.include_external:
        raise UsageError("--include-external goes with --project-team")
    if not to and not args.project_team:  # argparse's own usage error, as when --to was required
        args.send_parser.error("say who gets it: --to ADDR and/or --project-team")
    if not to:
        raise UsageError(f"{folder}: --project-team found no one to mail (and no --to)")
    recipients = Recipients.parse(_dedupe(to), args.cc)
    user = os.environ.get("SMTP_USER") or None
    sender = format_sender(check_sender(args.sender), user)
    max_size = parse_size(args.max_size)
    attachments = items = None
    if args.redact:
        from reporter.rebuild import redacted_attachments

        attachments, items = redacted_attachments(folder, args.redact)
    out = compose(folder, sender=sender, to=recipients.to, cc=recipients.cc, max_size=max_size,
                  attachments=attachments, items=items)
    for note in out.notes:
        log.warning("note: %s", note)
    if args.dry_run:
        paths = write_eml(out.messages, Path(args.dry_run))
        log.info("wrote %s (not sent)", ", ".join(map(str, paths)))
        return 0
    settings = SmtpSettings(host=args.smtp_host, port=args.smtp_port, tls=args.tls, user=user,
                            password=os.environ.get("SMTP_PASSWORD"))
    record = SendRecord(folder, out.messages, recipients.all)
    done = record.load() if args.resume else set()
    if done:
        log.info("resuming: part(s) %s already sent, not sent again", ", ".join(map(str, sorted(done))))
    result = send(out.messages, recipients.all, settings, already_sent=done, on_sent=record.mark)
    record.clear()
    delivered = [a for a in recipients.all if a not in result.refused]
    for addr, reason in result.refused.items():
        log.error("not delivered to %s: %s", addr, reason)
    parts = f" in {result.sent} messages" if result.sent > 1 else ""
    log.info("sent%s to %s", parts, ", ".join(delivered))
    return 1 if result.refused else 0


def _dedupe(addresses: list[str]) -> list[str]:
    """Each address once, compared case-insensitively (the first spelling kept)."""
    seen: set[str] = set()
    out = []
    for a in addresses:
        if a.strip().lower() not in seen:
            seen.add(a.strip().lower())
            out.append(a)
    return out
