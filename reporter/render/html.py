"""Render stage: a ``Report`` to the packet's HTML (Jinja2, autoescaped).

Input: a ``Report`` and ``RenderOptions`` (logo, extra CSS, tool version). Output: an HTML string
whose only external references are ``data:`` URLs (styles are inlined), ready for WeasyPrint.

Column kinds of the section registry map to the filters registered here (``reporter.sections.KINDS``).
Untrusted text from the record is escaped by Jinja2's autoescape; nothing from the record is ever
marked safe.
"""

from __future__ import annotations

import base64
import json
import math
import mimetypes
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from reporter import __version__
from reporter.dates import WholeDay, get_zone
from reporter.render import charts
from reporter.render.assets import asset_dir
from reporter.sections import KINDS, SECTIONS
from reporter.transform.money import Money, format_compact, format_money
from reporter.transform.sections_data import INSURANCE_LABELS

NOT_PROVIDED = "not provided"


@dataclass(frozen=True)
class RenderOptions:
    logo: Path | None = None
    style: Path | None = None  # extra CSS appended after the bundled styles
    page_size: str = "a4"  # a4 | letter


PAGE_SIZES = {"a4": "A4", "letter": "letter"}
# Lines of page one's flag list that a page size gains or loses against A4 (Letter is 18 mm shorter).
PAGE_SIZE_LINES = {"a4": 0, "letter": -4}


def _money_filter(ctx_locale: str):
    def money(value: Any) -> str:
        if value is None:
            return NOT_PROVIDED
        if isinstance(value, Money):
            amount, ccy = value.display
            return format_money(amount, ccy, ctx_locale)
        return str(value)

    return money


def _integer(value: Any) -> str:
    if value is None:
        return NOT_PROVIDED
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def _year(value: Any) -> str:
    return NOT_PROVIDED if value is None else str(value)


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:,f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _rate2(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{Decimal(value):.2f}"


def _percent(value: Any) -> str:
    if value is None:
        return "n/a"
    v = Decimal(value) * 100
    return f"{v:+.1f}%" if v else "0.0%"


def _date(value: Any) -> str:
    if value is None:
        return NOT_PROVIDED
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _yesno(value: Any) -> str:
    if value is None:
        return ""
    return "Yes" if value else "No"


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    return str(value)


def _phone(value: Any) -> str:
    if not value:
        return ""
    s = str(value)
    if s.isdigit() and len(s) == 10:
        return f"({s[:3]}) {s[3:6]}-{s[6:]}"
    if s.isdigit() and len(s) == 11 and s[0] == "1":
        return f"+1 ({s[1:4]}) {s[4:7]}-{s[7:]}"
    return s


def _money_short(value: Any) -> str:
    """Page one's dense figures: ``USD 12.0M``; ``not provided`` when missing."""
    if value is None:
        return NOT_PROVIDED
    if isinstance(value, Money):
        amount, ccy = value.display
        return format_compact(amount, ccy)
    return str(value)


_RTL = {"R", "AL"}
_LTR = {"L"}


def _textdir(value: Any) -> str:
    """``rtl`` when the first strong character is right-to-left (as HTML ``dir=auto`` decides), else ``auto``.

    WeasyPrint ignores ``dir="auto"`` (it sets the paragraph direction from CSS only), so the
    direction is decided here and written out; browsers viewing the HTML get the same answer.
    """
    if isinstance(value, str):
        for ch in value:
            bidi = unicodedata.bidirectional(ch)
            if bidi in _RTL:
                return "rtl"
            if bidi in _LTR:
                return "auto"
    return "auto"


def _clip(value: Any, limit: int) -> str:
    """Page one's names: at most ``limit`` characters (``…`` marks the cut; the full text is in the
    Company section), so a very long name cannot push page one onto a second page."""
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ratio(value: Any) -> str:
    """A capacity ratio for page one: ``0.24x``, ``40.0x``; beyond 999 just ``>999x``."""
    v = Decimal(value)
    if v > 999:
        return ">999x"
    return f"{v:.1f}x" if v >= 10 else f"{v:.2f}x"


def _label(value: Any) -> str:
    """An enum code as words: ``QUALIFIED_WITH_EXCEPTIONS`` -> ``Qualified with exceptions``."""
    if not value:
        return NOT_PROVIDED
    return str(value).replace("_", " ").capitalize()


def _localtime(value: Any, zone) -> str:
    """An instant as ``YYYY-MM-DD HH:MM ZONE`` in the report's zone; a bare date the API sent as
    that day alone (it names a day, not an instant, so no zone may shift it)."""
    if value is None:
        return ""
    if isinstance(value, WholeDay):
        return value.date().isoformat()
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def make_environment(locale: str = "en_US", tz: str = "UTC") -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(asset_dir("templates"))),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    zone = get_zone(tz)
    env.filters.update(
        money=_money_filter(locale),
        integer=_integer,
        year=_year,
        number=_number,
        rate2=_rate2,
        percent=_percent,
        date=_date,
        yesno=_yesno,
        text=_text,
        phone=_phone,
        label=_label,
        clip=_clip,
        ratio=_ratio,
        money_short=_money_short,
        textdir=_textdir,
        localtime=lambda v: _localtime(v, zone),
    )
    env.globals["KINDS"] = KINDS
    env.globals["NOT_PROVIDED"] = NOT_PROVIDED
    env.globals["NAME_MAX"] = NAME_MAX
    env.globals["NAME_CHARS"] = NAME_CHARS
    env.globals["HEADER_MAX"] = HEADER_MAX
    env.globals["AKA_MAX"] = AKA_MAX
    env.globals["DENIAL_MAX"] = DENIAL_MAX
    env.globals["CARRIER_MAX"] = CARRIER_MAX
    env.globals["TYPE_MAX"] = TYPE_MAX
    env.globals["LINE_MAX"] = LINE_MAX
    env.globals["fmt"] = lambda kind, v: env.filters[KINDS[kind].filter](v)
    env.filters["rawjson"] = lambda v: json.dumps(v, ensure_ascii=False, default=str)
    return env


def _data_url(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def read_styles(options: RenderOptions) -> str:
    css = (asset_dir("styles") / "packet.css").read_text(encoding="utf-8")
    if options.page_size != "a4":
        css += f"\n@page {{ size: {PAGE_SIZES[options.page_size]}; }}\n"
    if options.style:
        css += "\n/* user style */\n" + Path(options.style).read_text(encoding="utf-8")
    return css


def insurance_overview(report) -> list[dict[str, Any]]:
    """Page one's insurance rows: the four usual coverages always (``not provided`` when missing),
    then any other coverage the record lists."""
    rows = list(report.insurance_status)
    out: list[dict[str, Any]] = []
    for code, label in INSURANCE_LABELS.items():
        found = [r for r in rows if r.get("insuranceType") == code]
        out.extend(found or [{"insuranceLabel": label, "missing": True}])
    out.extend(r for r in rows if r.get("insuranceType") not in INSURANCE_LABELS)
    return out


def safety_years(report, n: int = 3) -> list[dict[str, Any]]:
    """The last ``n`` years that have an EMR or an OSHA 300A entry, oldest first, merged per year."""
    emr = {e["year"]: e["value"] for e in report.safety["emr"]}
    osha = {y["year"]: y for y in report.safety["years"] if y["year"] is not None}
    years = sorted(set(emr) | set(osha))[-n:]
    return [
        {"year": y, "emr": emr.get(y), "hasOsha": y in osha,
         **{k: (osha.get(y) or {}).get(k) for k in ("trir", "dart", "ltir", "hoursWorked")}}
        for y in years
    ]


# Page one must stay one page: the flag list takes what the variable blocks above it leave.
# Estimated in text lines of 8.5 pt (calibrated on the samples, with a margin of about two lines).
PAGE_ONE_LINES = 22
REASON_CHARS, FLAG_CHARS, CARRIER_CHARS, AKA_CHARS = 95, 115, 26, 120
MIN_FLAGS = 1  # the verdict reasons above already name the worst ones
# Page one clips the company name and the DBA / legal names. A name longer than NAME_CHARS (what
# fits a line at 17 pt) is set smaller (class "long", about NAME_CHARS_LONG a line, even in wide
# letters); each extra line costs about two flag lines.
NAME_MAX, AKA_MAX, NAME_CHARS, NAME_CHARS_LONG, NAME_LINE_COST, HEADER_MAX = 90, 80, 42, 30, 2, 60
# Page one also clips the denial reason and carrier names, and lists at most INSURANCE_ROWS
# coverages (the four usual ones first), with "and N more" pointing to the Insurance section.
DENIAL_MAX, CARRIER_MAX, TYPE_MAX, TYPE_CHARS, INSURANCE_ROWS = 320, 60, 40, 20, 6
LINE_MAX = 240  # a verdict reason or flag message on page one (in full under "All flags")


def _lines(text: str | None, per_line: int) -> int:
    # Capitals and wide letters take about a third more room than the average the limits assume.
    width = sum(1.35 if c.isupper() or c in "mw" else 1 for c in text or "")
    return max(1, math.ceil(width / per_line))


def page_one_flag_count(report, insurance_rows: list[dict[str, Any]], page_size: str = "a4") -> int:
    """How many flags page one lists before "and N more" (at least ``MIN_FLAGS``)."""
    q = report.qualification
    used = sum(_lines(_clip(r, LINE_MAX), REASON_CHARS) for r in report.verdict_reasons)
    if q.get("denialReason") and q.get("status") == "DENIED":
        used += _lines(_clip(q["denialReason"], DENIAL_MAX) + " (in full under Qualification decision)", REASON_CHARS)
    used += sum(
        max(_lines(_clip(r.get("carrier"), CARRIER_MAX), CARRIER_CHARS),
            _lines(_clip(r.get("insuranceLabel"), TYPE_MAX), TYPE_CHARS))
        for r in insurance_rows[:INSURANCE_ROWS]
    )
    used += 1 if len(insurance_rows) > INSURANCE_ROWS else 0
    aka = " ".join(_clip(report.company.get(k), AKA_MAX) for k in ("doingBusinessAsName", "companyTaxName", "uniqueId"))
    used += _lines(aka, AKA_CHARS) - 1
    name = _clip(report.company_name, NAME_MAX)
    used += NAME_LINE_COST * (_lines(name, NAME_CHARS if len(name) <= NAME_CHARS else NAME_CHARS_LONG) - 1)
    left = PAGE_ONE_LINES + PAGE_SIZE_LINES[page_size] - used
    if sum(_lines(_clip(f.message, LINE_MAX), FLAG_CHARS) for f in report.flags) <= left:
        return len(report.flags)
    left -= 1  # the "and N more" line
    shown = 0
    for f in report.flags:
        left -= _lines(_clip(f.message, LINE_MAX), FLAG_CHARS)
        if left < 0:
            break
        shown += 1
    return max(shown, MIN_FLAGS)


def render_html(report, options: RenderOptions | None = None, *, env: jinja2.Environment | None = None) -> str:
    options = options or RenderOptions()
    env = env or make_environment(report.locale, report.timezone)
    template = env.get_template("packet.html.j2")
    insurance = insurance_overview(report)
    custom = {s.key for s in SECTIONS if (asset_dir("templates") / "sections" / f"{s.key}.html.j2").is_file()}
    return template.render(
        r=report,
        sections=SECTIONS,
        custom_sections=custom,
        css=read_styles(options),
        logo=_data_url(Path(options.logo)) if options.logo else None,
        version=__version__,
        charts=charts.page_one_charts(report),
        insurance_overview=insurance,
        insurance_shown=INSURANCE_ROWS,
        flags_shown=page_one_flag_count(report, insurance, options.page_size),
        safety_years=safety_years(report),
        capacity={c.key: c for c in report.capacity},
    )
