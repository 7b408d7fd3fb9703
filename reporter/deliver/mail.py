"""Deliver stage: compose the mail of a built folder's packets for project managers.

Input: a folder written by ``reporter build`` (its manifest and files, read through
``deliver.manifest``) and recipients. Output: one ``EmailMessage`` per run of the folder (or
several parts when the attachments exceed ``max_size``: zipped, else split), for
``deliver.smtp.send`` or written to a ``.eml`` file for ``--dry-run``. Bodies (HTML and plain
text) come from ``templates/email/``. Errors: ``DeliveryError`` with one line.
"""

from __future__ import annotations

import io
import mimetypes
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from reporter import __version__
from reporter.deliver.files import slugify
from reporter.deliver.manifest import (
    FileProblem,
    Item,
    Manifest,
    one_line,
    read_manifest,
    read_verified,
    refusal,
)
from reporter.deliver.manifest_bids import BidPackageEntry
from reporter.errors import DeliveryError, UsageError
from reporter.fsio import atomic_write
from reporter.render.assets import asset_dir
from reporter.transform.money import format_money

DEFAULT_MAX_SIZE = 20 * 1024 * 1024
_SEVERITY_ORDER = {"red": 0, "amber": 1, "green": 2}


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


def read_folder(folder: Path) -> tuple[Manifest, list[Item]]:
    """The manifest of a built folder and its successful items."""
    manifest = read_manifest(folder)
    items = manifest.ok_items()
    if not items:
        raise DeliveryError(f"{folder}: the manifest lists no built packets to send")
    return manifest, items


def collect_attachments(folder: Path, manifest: Manifest, items: list[Item]) -> list[Attachment]:
    """The PDFs and workbooks of every item, then ``leveling.xlsx``; checked against the manifest.

    Only files inside the folder whose SHA-256 matches are attached: a hand-edited or hostile
    manifest cannot make the run mail a file from elsewhere (``../``, an absolute path, a symlink)."""
    out: list[Attachment] = []
    entries = [e for i in items for kind, e in sorted(i.files.items()) if kind in ("pdf", "xlsx")]
    if manifest.leveling:
        entries.append(manifest.leveling)
    entries.extend(manifest.awards.values())
    if manifest.bid_leveling:
        entries.append(manifest.bid_leveling)
    seen: set[Any] = set()
    for entry in entries:
        if entry.path in seen:  # listed twice: attach once
            continue
        seen.add(entry.path)
        try:
            data = read_verified(folder, entry)
        except FileProblem as exc:
            raise refusal(folder, exc) from None
        out.append(Attachment(Path(entry.path).name, data))
    return out


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(asset_dir("templates") / "email")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def body_context(manifest: Manifest, items: list[Item], failed: list[Item]) -> dict[str, Any]:
    build = manifest.build
    project = build.get("project") if isinstance(build.get("project"), dict) else {}
    rows = sorted(items, key=lambda i: (_SEVERITY_ORDER.get(i.verdict or "", 3), (i.company_name or "").lower()))
    return {
        "project": project,
        "as_of": build.get("asOf"),
        "rows": [i.to_json() for i in rows],
        "failed": [i.to_json() for i in failed],
        "version": __version__,
        "generated_at": manifest.generated_at,
        "bid_packages": [award_lines(p) for p in manifest.bid_packages],
    }


def _bidder_name(pkg: BidPackageEntry, company_id: str | None) -> str | None:
    if company_id is None:
        return None
    return next((b.company_name for b in pkg.bidders if b.company_id == company_id), None) or company_id


def _price(pkg: BidPackageEntry, company_id: str | None) -> str:
    b = next((b for b in pkg.bidders if b.company_id == company_id), None)
    value = (b.leveled_total or b.total) if b else None
    return f" at {format_money(Decimal(value), pkg.currency or 'USD')}" if value else ""


def award_lines(pkg: BidPackageEntry) -> dict[str, Any]:
    """A bid package as the award mail names it: title, apparent low and lowest qualified."""
    title = header_text(" ".join(str(x) for x in (pkg.number, pkg.name) if x) or pkg.id or "bid package")
    low, lq = _bidder_name(pkg, pkg.apparent_low), _bidder_name(pkg, pkg.lowest_qualified)
    return {"title": title, "apparent_low": header_text(low or "none"), "lowest_qualified": header_text(lq or "none"),
            "low_price": _price(pkg, pkg.apparent_low), "lq_price": _price(pkg, pkg.lowest_qualified),
            "invites": len(pkg.bidders), "same": low is not None and pkg.apparent_low == pkg.lowest_qualified}


def _project(manifest: Manifest) -> dict[str, Any]:
    project = manifest.build.get("project")
    return project if isinstance(project, dict) else {}


def header_text(text: Any) -> str:
    """One header line: control characters and line breaks (CR, LF, U+2028...) become spaces, so
    a project name can never end the Subject and start another header."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in str(text))
    return " ".join(cleaned.split())


def subject_line(manifest: Manifest, count: int) -> str:
    project = _project(manifest)
    label = header_text(" ".join(str(x) for x in (project.get("number"), project.get("name")) if x)) or "Subcontractor prequalification"
    if manifest.bid_packages:
        parts = [f"{a['title']}: apparent low {a['apparent_low']}, lowest qualified {a['lowest_qualified']}"
                 for a in map(award_lines, manifest.bid_packages)]
        return f"{label}: award recommendation, " + "; ".join(parts)
    return f"{label}: prequalification packets for {count} subcontractor{'s' if count != 1 else ''}"


def compose(
    folder: Path,
    *,
    sender: str,
    to: list[str],
    cc: Sequence[str] = (),
    max_size: int = DEFAULT_MAX_SIZE,
    attachments: list[Attachment] | None = None,
    items: list[Item] | None = None,
) -> Outgoing:
    """Build the message(s): all attachments in one when they fit, else zipped, else split.
    ``attachments``/``items`` replace the folder's own (redacted copies)."""
    manifest, folder_items = read_folder(folder)
    items = items if items is not None else folder_items
    failed = manifest.failed_items()
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


def _stem(manifest: Manifest) -> str:
    project = _project(manifest)
    label = " ".join(str(x) for x in (project.get("number"), project.get("name")) if x)
    return slugify(label or "prequalification-packets", 60)


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
    paths = []
    for n, msg in enumerate(messages, start=1):
        p = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            atomic_write(p, msg.as_bytes())
        except OSError as exc:
            raise DeliveryError(f"--dry-run {p}: cannot write ({exc.strerror or exc})") from None
        paths.append(p)
    return paths




_ADDR = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$|^[^@\s<>,;]+@localhost$")


@dataclass(frozen=True)
class Recipients:
    to: list[str]
    cc: list[str]

    @property
    def all(self) -> list[str]:
        return [*self.to, *self.cc]

    @classmethod
    def parse(cls, to: list[str], cc: list[str] = ()) -> Recipients:  # type: ignore[assignment]
        """``--to``/``--cc`` values, each one address or a comma list; ``UsageError`` naming the
        first that is not an address."""
        def split(values: list[str]) -> list[str]:
            return [a.strip() for v in values for a in v.split(",") if a.strip()]

        out = cls(split(list(to)), split(list(cc)))
        for a in out.all:
            if not _ADDR.match(a):
                raise UsageError(f"not an email address: {one_line(repr(a))}")
        return out


def parse_size(text: str) -> int:
    """``--max-size``: ``20MB``, ``500KB``..., at least 64 KB."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", text)
    if not m:
        raise UsageError(f"--max-size: expected a size like 20MB or 500KB, got {text!r}")
    mult = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]
    size = int(float(m.group(1)) * mult)
    if size < 64 * 1024:
        raise UsageError(f"--max-size: {text!r} is too small for a message (at least 64KB)")
    return size


def check_sender(text: str | None) -> str | None:
    """``--from``: an address, or ``Name <address>``; one header line."""
    if text is None:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in text) or not _ADDR.match(parseaddr(text)[1]):
        raise UsageError(f"--from: not an email address: {text!r}")
    return text
