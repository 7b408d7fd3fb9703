"""One renderer interface: every ``--formats`` name has a renderer taking ``(report, options)``;
the pipeline loops over them, the PDF embeds the source and the workbook, and the HTML is made once."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pypdf
from helpers import clean_record

from reporter.api.saved import validate_record
from reporter.config import BuildConfig
from reporter.jsonio import loads_exact
from reporter.pipeline import render_packet
from reporter.render.options import FORMATS, RenderOptions
from reporter.render.renderers import RENDERERS, Rendered
from reporter.transform.model import ReportContext
from reporter.transform.report import build_report


def clean_source():
    return validate_record(loads_exact(json.dumps(clean_record())), "t")  # exact numbers, as read from a file


CTX = ReportContext(as_of=date(2026, 11, 28), generated_at=datetime(2026, 11, 28, 9, tzinfo=UTC))
MAGIC = {"pdf": b"%PDF-", "xlsx": b"PK", "json": b"{", "html": b"<!DOCTYPE html>"}


def test_every_format_has_a_renderer_of_one_shape():
    assert set(RENDERERS) == set(FORMATS)
    source = clean_source()
    report = build_report(source.model, CTX)
    for fmt, renderer in RENDERERS.items():
        out = renderer(report, RenderOptions())
        assert isinstance(out, Rendered) and out.data.startswith(MAGIC[fmt]), fmt
    assert json.loads(RENDERERS["json"](report, RenderOptions()).data)["companyName"] == "Clean Co"


def test_the_pipeline_renders_each_format_once_and_the_pdf_embeds_source_and_workbook():
    source = clean_source()
    config = BuildConfig(out_dir=Path("/nonexistent"), formats=("html", "pdf", "xlsx", "json"), context=CTX)
    packet = render_packet(source, config, "clean")
    assert set(packet.outputs) == {"html", "pdf", "xlsx", "json"}
    alone = RENDERERS["html"](packet.report, RenderOptions()).data
    assert packet.outputs["html"] == alone  # the PDF's own HTML, not a second render that could differ
    attached = pypdf.PdfReader(io.BytesIO(packet.outputs["pdf"])).attachments
    assert sorted(attached) == ["clean.source.json", "clean.xlsx"]
    assert attached["clean.xlsx"][0] == packet.outputs["xlsx"]
    assert json.loads(attached["clean.source.json"][0])["companyName"] == "Clean Co"
