"""Pipeline: wires the stages; the only place that knows their order.

Input: record sources (saved files, or records fetched from the API) and a ``BuildConfig``.
Output: packets in ``config.out_dir`` (``<name>.pdf``, ``<name>.xlsx``, ``<name>.json``,
``<name>.html`` as asked) and ``manifest.json``; returns the manifest items. A record that fails
does not stop the others; its item says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from reporter.api.saved import SourceRecord, dumps_exact, load_file_items
from reporter.config import BuildConfig
from reporter.deliver.files import atomic_write, file_entry, safe_name, write_manifest
from reporter.errors import ReporterError
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
                (f"{name}.source.json", dumps_exact(source.raw).encode("utf-8"),
                 "TradeTapp qualification record as received"),
            ]
            if "xlsx" in outputs:
                attachments.append((f"{name}.xlsx", outputs["xlsx"], "Prequalification workbook"))
            result = render_pdf(html, attachments=attachments, variant=config.pdf_variant)
            outputs["pdf"] = result.data
            warnings.extend(result.warnings)
            if result.blocked:
                warnings.append(f"refused to load {len(result.blocked)} external resource(s) named in the record")
    return Packet(name=name, report=report, outputs=outputs, warnings=warnings)


def write_packet(packet: Packet, out_dir: Path) -> dict[str, dict[str, Any]]:
    files = {}
    order = ("pdf", "xlsx", "json", "html")
    for fmt in sorted(packet.outputs, key=order.index):
        path = out_dir / f"{packet.name}.{fmt}"
        data = packet.outputs[fmt]
        atomic_write(path, data)
        files[fmt] = file_entry(out_dir, path, data)
    return files


def build_sources(
    sources: Iterable[tuple[str, SourceRecord | ReporterError]], config: BuildConfig
) -> list[dict[str, Any]]:
    """Build every source; ``sources`` yields ``(input label, record or the error reading it)``."""
    out_dir = config.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    items: list[dict[str, Any]] = []
    used: set[str] = set()
    for label, source in sources:
        if isinstance(source, ReporterError):
            log.error("error: %s", source)
            items.append(_item(label, None, None, error=str(source)))
            write_manifest(out_dir, items)
            continue
        model = source.model
        name = safe_name(model.companyName, model.id)
        base, n = name, 2
        while name in used:
            name = f"{base}-{n}"
            n += 1
        used.add(name)
        try:
            packet = render_packet(source, config, name)
            files = write_packet(packet, out_dir)
        except ReporterError as exc:
            log.error("error: %s (%s): %s", model.companyName, source.source, exc)
            items.append(_item(label, model.id, model.companyName, error=str(exc)))
        except Exception as exc:
            if config.debug:
                raise
            log.error("error: %s (%s): internal error %s: %s", model.companyName, source.source, type(exc).__name__, exc)
            items.append(_item(label, model.id, model.companyName, error=f"internal error: {type(exc).__name__}: {exc}"))
        else:
            for w in packet.warnings:
                log.debug("%s: %s", name, w)
            r = packet.report
            log.info("built %s: %s (%s)", name, r.verdict.upper(), r.qualification["status"] or "no status")
            item = _item(label, model.id, model.companyName, files=files)
            item["verdict"] = r.verdict
            item["qualificationStatus"] = r.qualification["status"]
            items.append(item)
        write_manifest(out_dir, items)
    write_manifest(out_dir, items)
    return items


def _item(label, company_id, company_name, *, files=None, error=None) -> dict[str, Any]:
    return {
        "input": label,
        "companyId": company_id,
        "companyName": company_name,
        "status": "error" if error else "ok",
        "error": error,
        "files": files or {},
    }


def sources_from_files(paths: Iterable[str]) -> Iterable[tuple[str, SourceRecord | ReporterError]]:
    for p in paths:
        try:
            records = load_file_items(p)
        except ReporterError as exc:
            yield str(p), exc
            continue
        for rec in records:
            yield (str(p), rec) if isinstance(rec, ReporterError) else (rec.source, rec)


def build_files(paths: list[str], config: BuildConfig) -> list[dict[str, Any]]:
    return build_sources(sources_from_files(paths), config)
