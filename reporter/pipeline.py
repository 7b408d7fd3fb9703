"""Pipeline: wires the stages for one record; the only place that knows their order.

Input: a validated ``SourceRecord`` and a ``BuildConfig``. Output: a ``Packet`` (the report and the
bytes of each asked format: transform -> each renderer of ``reporter.render.renderers.RENDERERS``
(JSON, XLSX, HTML, then PDF with the source record and the workbook attached)), then the files in ``config.out_dir`` (``<name>.pdf``, ``.xlsx``, ``.json``,
``.html``), each written atomically. Scheduling many records is ``reporter.batch``'s job.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporter.api.saved import SourceRecord, load_file_items
from reporter.api.side_files import is_side_file
from reporter.config import BuildConfig
from reporter.deliver.manifest import FileEntry, file_entry
from reporter.errors import ReporterError
from reporter.fsio import atomic_write
from reporter.jsonio import dumps_exact
from reporter.render.renderers import RENDERERS
from reporter.transform.model import Report
from reporter.transform.privacy import mask_tax_fields
from reporter.transform.redact import redact_report
from reporter.transform.report import build_report

log = logging.getLogger("reporter.pipeline")


@dataclass
class Packet:
    """The bytes of one record's outputs, before they are written."""

    name: str
    report: Report
    outputs: dict[str, bytes]
    warnings: list[str]


def render_packet(source: SourceRecord, config: BuildConfig, name: str) -> Packet:
    """Transform and render one record into the configured formats (no file I/O).

    Formats run in ``RENDERERS`` order, so the PDF embeds the source record and, when one was
    made, the workbook; a format another renderer made on the way (the PDF's HTML) is not made
    twice."""
    report = build_report(source.model, config.context)
    if config.redact:
        report = redact_report(report, config.redact)
    attachments: list[tuple[str, bytes, str]] = []
    if "pdf" in config.formats:
        note = "TradeTapp qualification record as received" + (
            "" if config.context.show_tax_id else " (tax ids masked to the last 4)"
        )
        attachments.append((f"{name}.source.json", source_json(source.raw, config), note))
    outputs: dict[str, bytes] = {}
    warnings: list[str] = []
    for fmt, renderer in RENDERERS.items():
        if fmt not in config.formats or fmt in outputs:  # already made on the way to another format
            continue
        options = dataclasses.replace(config.render, pdf_variant=config.pdf_variant, attachments=tuple(attachments))
        rendered = renderer(report, options)
        outputs[fmt] = rendered.data
        outputs.update((k, v) for k, v in rendered.also.items() if k in config.formats and k not in outputs)
        warnings.extend(rendered.warnings)
        if fmt == "xlsx":
            attachments.append((f"{name}.xlsx", rendered.data, "Prequalification workbook"))
    return Packet(name=name, report=report, outputs=outputs, warnings=warnings)


def source_json(raw: dict[str, Any], config: BuildConfig) -> bytes:
    """The record as received, for the archive (embedded in the PDF, kept in ``sources/``): exact
    numbers, and tax ids masked to their last 4 characters unless ``--show-tax-id``."""
    return (dumps_exact(mask_tax_fields(raw, config.context.show_tax_id)) + "\n").encode("utf-8")


def write_packet(packet: Packet, out_dir: Path) -> dict[str, FileEntry]:
    files: dict[str, FileEntry] = {}
    order = ("pdf", "xlsx", "json", "html")
    for fmt in sorted(packet.outputs, key=order.index):
        path = out_dir / f"{packet.name}.{fmt}"
        data = packet.outputs[fmt]
        atomic_write(path, data)
        files[fmt] = file_entry(out_dir, path, data)
    return files


def sources_from_files(paths: Iterable[str], show_tax_id: bool = False) -> Iterable[tuple[str, SourceRecord | ReporterError]]:
    for p in (p for p in paths if not is_side_file(p)):  # *.financials.json / *.flags.json ride along
        try:
            records = load_file_items(p, show_tax_id=show_tax_id)
        except ReporterError as exc:
            yield str(p), exc
            continue
        for rec in records:
            yield (str(p), rec) if isinstance(rec, ReporterError) else (rec.source, rec)
