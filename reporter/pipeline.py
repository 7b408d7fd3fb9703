"""Pipeline: wires the stages for one record; the only place that knows their order.

Input: a validated ``SourceRecord`` and a ``BuildConfig``. Output: a ``Packet`` (the report and the
bytes of each asked format: transform -> JSON / XLSX / HTML -> PDF with the source record and the
workbook attached), then the files in ``config.out_dir`` (``<name>.pdf``, ``.xlsx``, ``.json``,
``.html``), each written atomically. Scheduling many records is ``reporter.batch``'s job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporter.api.saved import SourceRecord, load_file_items
from reporter.api.side_files import is_side_file
from reporter.config import BuildConfig
from reporter.deliver.manifest import file_entry
from reporter.errors import ReporterError
from reporter.fsio import atomic_write
from reporter.jsonio import dumps_exact
from reporter.render.html import make_environment, render_html
from reporter.transform.report import build_report
from reporter.transform.report_json import report_to_json

log = logging.getLogger("reporter.pipeline")


@dataclass
class Packet:
    """The bytes of one record's outputs, before they are written."""

    name: str
    report: Any
    outputs: dict[str, bytes]
    warnings: list[str]


def render_packet(source: SourceRecord, config: BuildConfig, name: str) -> Packet:
    """Transform and render one record into the configured formats (no file I/O)."""
    report = build_report(source.model, config.context)
    if config.redact:
        from reporter.transform.redact import redact_report

        report = redact_report(report, config.redact)
    outputs: dict[str, bytes] = {}
    warnings: list[str] = []
    if "json" in config.formats:
        import json

        outputs["json"] = (json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if "xlsx" in config.formats:
        from reporter.render.xlsx import render_xlsx

        outputs["xlsx"] = render_xlsx(report)
    if "html" in config.formats or "pdf" in config.formats:
        html = render_html(report, config.render, env=make_environment(report.locale, report.timezone))
        if "html" in config.formats:
            outputs["html"] = html.encode("utf-8")
        if "pdf" in config.formats:
            from reporter.render.pdf import render_pdf

            attachments = [
                (f"{name}.source.json", source_json(source.raw, config),
                 "TradeTapp qualification record as received"
                 + ("" if config.context.show_tax_id else " (tax ids masked to the last 4)")),
            ]
            if "xlsx" in outputs:
                attachments.append((f"{name}.xlsx", outputs["xlsx"], "Prequalification workbook"))
            result = render_pdf(html, attachments=attachments, variant=config.pdf_variant)
            outputs["pdf"] = result.data
            warnings.extend(result.warnings)
            if result.blocked:
                warnings.append(f"refused to load {len(result.blocked)} external resource(s) named in the record")
    return Packet(name=name, report=report, outputs=outputs, warnings=warnings)


def source_json(raw: dict[str, Any], config: BuildConfig) -> bytes:
    """The record as received, for the archive (embedded in the PDF, kept in ``sources/``): exact
    numbers, and tax ids masked to their last 4 characters unless ``--show-tax-id``."""
    from reporter.transform.privacy import mask_tax_fields

    return (dumps_exact(mask_tax_fields(raw, config.context.show_tax_id)) + "\n").encode("utf-8")


def write_packet(packet: Packet, out_dir: Path) -> dict[str, dict[str, Any]]:
    files = {}
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
