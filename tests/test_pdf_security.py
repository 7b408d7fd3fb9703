"""Untrusted text stays text: markup typed by a subcontractor is printed literally, nothing named in
a record (``file://``, ``http://``, CSS ``url(...)``) is fetched, long text wraps inside the page, and
scripts of other languages get fonts and their direction. Branding (``--logo``, ``--style``) works
without editing the package."""

from __future__ import annotations

import http.server
import json
import re
import struct
import threading
import zlib
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from conftest import EXAMPLE
from helpers import needs_tools, pdftotext

from reporter.api.saved import load_file
from reporter.config import BuildConfig
from reporter.pipeline import render_packet
from reporter.render.options import RenderOptions
from reporter.render.pdf import render_pdf
from reporter.transform.model import Project, ReportContext

pytestmark = needs_tools("pdftotext")

RIGHT_EDGE = 595.28 - 14 * 72 / 25.4
LONG_WORD = "Supercalifragilistic" * 10  # 200 characters, no break opportunity
ARABIC = "شركة البناء الحديثة"
HEBREW = "חברת בנייה"
CJK = "東京電気工事株式会社"


@pytest.fixture(scope="module")
def server():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { background: red }")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


def png(width: int = 8, height: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xc0\x10\x10" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def hostile_record(base: str) -> dict:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    doc["doingBusinessAsName"] = "<script>alert(1)</script>"
    doc["completedReferences"][0]["scope"] = '<img src="file:///etc/passwd">'
    doc["completedReferences"][0]["projectName"] = f"<img src=\"{base}/ref.png\">"
    doc["professionalLicenses"][0]["additionalDescription"] = (
        f'<link rel=stylesheet href="{base}/x.css"> url({base}/u.png) @import url("{base}/i.css");'
    )
    doc["certificates"][0]["agency"]["website"] = f"{base}/site"
    doc["regionsServed"].append({"region": ARABIC})
    doc["marketsServed"].append({"market": HEBREW})
    doc["unions"].append({"unionName": CJK, "unionNumber": "第3支部"})
    words = [f"word{i:04d}" for i in range(330)]
    doc["customQuestions"]["results"] += [
        {"question": "Table breaker", "section": "General", "textResponse": "</td></tr></table>"},
        {"question": "Long answer", "section": "General", "textResponse": " ".join(words)[:3000]},
        {"question": "Long word", "section": "General", "textResponse": LONG_WORD},
        {"question": f'<style>@import url("{base}/q.css");</style>', "section": "General",
         "textResponse": f"background: url('{base}/bg.png')"},
    ]
    return doc


@pytest.fixture(scope="module")
def packet(server, tmp_path_factory):
    base, hits = server
    folder = tmp_path_factory.mktemp("hostile")
    record = folder / "hostile.json"
    record.write_text(json.dumps(hostile_record(base), default=str), encoding="utf-8")
    logo = folder / "logo.png"
    logo.write_bytes(png())
    style = folder / "brand.css"
    style.write_text(".verdict-red .word { background: #0a5f38; }\n", encoding="utf-8")
    ctx = ReportContext(as_of=date(2026, 11, 28), project=Project(value=Decimal(450000), end=date(2027, 9, 30)))
    config = BuildConfig(out_dir=folder, formats=("pdf", "html"), context=ctx,
                         render=RenderOptions(logo=logo, style=style))
    result = render_packet(load_file(record)[0], config, "hostile")
    pdf = folder / "hostile.pdf"
    (folder / "hostile.html").write_bytes(result.outputs["html"])
    pdf.write_bytes(result.outputs["pdf"])
    text = pdftotext(pdf)
    return result, pdf, text, hits


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_markup_is_printed_as_text(packet):
    result, _pdf, text, _hits = packet
    flat = squash(text)
    for literal in ["<script>alert(1)</script>", "</td></tr></table>", '<imgsrc="file:///etc/passwd">',
                    "<linkrel=stylesheet", "@importurl("]:
        assert literal in flat, literal
    html = result.outputs["html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert '<img src="file://' not in html and "<link" not in html


def test_nothing_named_in_the_record_is_fetched(packet):
    result, _pdf, _text, hits = packet
    assert hits == []
    assert not any("blocked" in w or "refused" in w for w in result.warnings), result.warnings


def test_locked_fetcher_refuses_file_and_http_even_in_markup(server):
    base, hits = server
    before = len(hits)
    html = (f'<html><head><link rel="stylesheet" href="{base}/a.css"><style>@import url("{base}/b.css");'
            f'p {{ background: url({base}/c.png) }}</style></head><body><p>x</p>'
            f'<img src="file:///etc/passwd"><img src="{base}/d.png"></body></html>')
    result = render_pdf(html, variant="none")
    assert len(hits) == before
    assert any(u.startswith("file:///etc/passwd") for u in result.blocked)
    assert sum(u.startswith(base) for u in result.blocked) >= 3


def test_long_text_wraps_inside_the_page(packet):
    _result, pdf, text, _hits = packet
    bbox = pdftotext(pdf, "-bbox")
    xmax = [float(x) for x in re.findall(r'xMax="([0-9.]+)"', bbox)]
    assert max(xmax) <= RIGHT_EDGE + 1
    flat = squash(text)
    assert LONG_WORD in flat.replace("-", "")  # all 200 characters, broken over lines
    assert "word0001" in flat and "word0299" in flat  # the 3,000-character answer, whole


def test_logo_and_style_override(packet):
    result, pdf, _text, _hits = packet
    page_one = pypdf.PdfReader(pdf).pages[0]
    assert len(page_one.images) == 1  # the logo (the charts are vector SVG)
    html = result.outputs["html"].decode()
    bundled, user = html.split("/* user style */", 1)
    assert "#0a5f38" in user and "#0a5f38" not in bundled


def test_other_scripts_get_fonts_and_direction(packet):
    result, pdf, text, _hits = packet
    html = result.outputs["html"].decode()
    assert re.search(r'dir="rtl"[^>]*>' + re.escape(ARABIC), html)
    assert re.search(r'dir="rtl"[^>]*>' + re.escape(HEBREW), html)
    assert CJK in squash(text)
    fonts = set()
    for page in pypdf.PdfReader(pdf).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    names = " ".join(fonts)
    assert "Arabic" in names and "Hebrew" in names and "CJK" in names, names
