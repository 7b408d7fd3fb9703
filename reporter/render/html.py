"""Render stage: a ``Report`` to the packet's HTML (Jinja2, autoescaped).

Input: a ``Report`` and ``RenderOptions`` (logo, extra CSS, page size, override templates).
Output: an HTML string whose only external references are ``data:`` URLs (styles are inlined),
ready for WeasyPrint.

The Jinja environment (filters, globals, loader) is built once per process and configuration
(``environment``): its loader tries ``--templates DIR`` first, then the bundled templates, so a
template of the same name in that folder replaces the bundled one (Pelican's theme loader). Which
sections have a hand-made ``sections/<key>.html.j2`` is found once, when the environment is built.
Page one's view models and line budget live in ``reporter.render.page_one``.

Column kinds of the section registry map to the filters registered here (``reporter.sections.KINDS``).
Untrusted text from the record is escaped by Jinja2's autoescape; nothing from the record is ever
marked safe.
"""

from __future__ import annotations

import base64
import functools
import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from reporter import __version__
from reporter.dates import WholeDay, get_zone
from reporter.render import charts, labels
from reporter.render.amounts import format_amount, money_currency, units_of
from reporter.render.assets import asset_dir
from reporter.render.dense_lists import DENSE_ROWS, dense_columns, dense_fields, given
from reporter.render.facts import company_fact_groups
from reporter.render.options import PAGE_SIZES, RenderOptions
from reporter.render.page_one import (
    LEGAL_ANSWER_MAX,
    LEGAL_QUESTION_MAX,
    LEGAL_ROWS,
    LINE_MAX,
    MissingCoverage,
    clip,
    emr_years,
    evidence_lines,
    gc_summary,
    insurance_overview,
    osha_years,
    page_one_flags,
    safety_years,
    short_evidence,
    trade_summary,
    verdict_reasons,
    year_span,
)
from reporter.render.page_one_fit import Fit, Fitter
from reporter.render.page_one_tradetapp import tradetapp_block
from reporter.render.template_cache import bytecode_cache
from reporter.render.text_direction import dir_attr, textdir
from reporter.sections import KINDS, SECTIONS
from reporter.transform.model import Report
from reporter.transform.money import Money, format_compact, format_money

NOT_PROVIDED = "not provided"
HEADER_MAX = 60  # the company name in the running header of every page
ROUGH_LINE_CHARS = 125  # characters of page-one text a line holds, roughly (``PacketPages.rough_lines``)


def _money_filter(ctx_locale: str) -> Callable[[Any], str]:
    def money(value: Any) -> str:
        if value is None:
            return NOT_PROVIDED
        if isinstance(value, Money):
            amount, ccy = value.display
            return format_money(amount, ccy, ctx_locale)
        return str(value)

    return money


def _amount_filters(locale: str) -> dict[str, Callable[..., str]]:
    """``amount`` (a Money as a symbol-free figure in the currency a reader compares),
    ``amount_code`` (the same with its ISO code: ``1,000.00 CAD``, for a cell whose column has no
    single currency, or an original amount beside a converted one) and ``amount_in`` (a bare
    ``Decimal`` in a named currency)."""

    def amount(value: Any) -> str:
        if value is None:
            return NOT_PROVIDED
        if isinstance(value, Money):
            return format_amount(*value.display, locale)
        return str(value)

    def amount_code(value: Any) -> str:
        if isinstance(value, Money):
            return f"{amount(value)} {value.display[1]}"
        return amount(value)

    def amount_in(value: Any, currency: str) -> str:
        return NOT_PROVIDED if value is None else format_amount(Decimal(value), currency, locale)

    return dict(amount=amount, amount_code=amount_code, amount_in=amount_in)


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
    """Page one's dense figures under a currency header: ``12.0M`` (no symbol, no code: one
    money style per table); ``not provided`` when missing."""
    if value is None:
        return NOT_PROVIDED
    if isinstance(value, Money):
        amount, ccy = value.display
        return format_compact(amount, ccy).split(" ", 1)[1]
    return str(value)


def _ratio(value: Any) -> str:
    """A capacity ratio as the flags and the workbooks write it: ``0.24x``, ``2.1x``, ``40.0x``;
    beyond 999 just ``>999x``."""
    v = Decimal(value)
    if v > 999:
        return ">999x"
    return f"{v:.1f}x" if v >= 1 else f"{v:.2f}x"


def _label(value: Any) -> str:
    """An enum code as words through the one label table (``reporter.render.labels``):
    ``QUALIFIED_WITH_EXCEPTIONS`` -> ``Qualified with exceptions``."""
    return labels.label(value, NOT_PROVIDED)


def _enum_cell(value: Any) -> Any:
    """A table cell's text: a value that is a whole code becomes words; other text unchanged."""
    return labels.label(value) if labels.is_code(value) else value


_BREAK_AFTER = frozenset("@._-/")


def _breakable(value: Any) -> Markup:
    """An e-mail address, web address or file name that may wrap only after ``@ . _ - /`` (never
    inside a word: "...@autodesk.c / om"). Every piece is escaped; only ``<wbr>`` is added."""
    out = Markup("")
    for ch in "" if value is None else str(value):
        out += escape(ch)
        if ch in _BREAK_AFTER:
            out += Markup("<wbr>")
    return out


def _localtime(value: Any, zone: tzinfo) -> str:
    """An instant as ``YYYY-MM-DD HH:MM ZONE`` in the report's zone; a bare date the API sent as
    that day alone (it names a day, not an instant, so no zone may shift it)."""
    if value is None:
        return ""
    if isinstance(value, WholeDay):
        return value.date().isoformat()
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _day(value: Any, zone: tzinfo) -> str:
    """A day field (an expiry) as its calendar day in the report's zone, ``YYYY-MM-DD``: no clock
    time (TradeTapp sends some days as instants, ``2027-01-01T03:00:00Z``)."""
    if value is None:
        return ""
    if isinstance(value, WholeDay) or not isinstance(value, datetime):
        return _date(value)
    return value.astimezone(zone).date().isoformat()


def _day_rule(value: Any, zone: tzinfo, name: str) -> str:
    """How ``_day`` found the day, when it matters: the instant TradeTapp sent falls on another
    day in UTC than in the report's zone (``its day in America/Los_Angeles; sent as
    2027-01-01 03:00 UTC``); empty otherwise."""
    if not isinstance(value, datetime) or isinstance(value, WholeDay) or value.tzinfo is None:
        return ""
    utc = value.astimezone(get_zone("UTC"))
    if utc.date() == value.astimezone(zone).date():
        return ""
    return f"its day in {name}; sent as {utc.strftime('%Y-%m-%d %H:%M')} UTC"


def make_environment(locale: str = "en_US", tz: str = "UTC", templates: Path | None = None) -> jinja2.Environment:
    """A new environment: ``templates`` (a folder) overrides the bundled templates by name."""
    bundled = jinja2.FileSystemLoader(str(asset_dir("templates")))
    loader: jinja2.BaseLoader = bundled
    if templates is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(templates)), bundled])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=bytecode_cache(),  # compiled once per machine, not per process
    )
    zone = get_zone(tz)
    env.filters.update(
        money=_money_filter(locale),
        **_amount_filters(locale),
        prose_money=lambda v, ccy: NOT_PROVIDED if v is None else format_money(Decimal(v), ccy, locale),
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
        words=labels.in_words,
        code_words=lambda v: labels.LABELS.get(v) or labels.words(v),  # a one-word code too: AUDITED -> Audited
        figure_words=labels.figure_words,  # a statement's figure: daysOfCashOnHand -> Days of cash on hand
        enum_cell=_enum_cell,
        breakable=_breakable,
        known_label=lambda v: labels.LABELS.get(v, v) if isinstance(v, str) else v,
        clip=clip,
        ratio=_ratio,
        money_short=_money_short,
        textdir=textdir,
        dir_attr=dir_attr,
        localtime=lambda v: _localtime(v, zone),
        day=lambda v: _day(v, zone),
        day_rule=lambda v: _day_rule(v, zone, tz),
        rawjson=lambda v: json.dumps(v, ensure_ascii=False, default=str),
    )
    env.tests["missing"] = lambda v: isinstance(v, MissingCoverage)
    env.globals.update(KINDS=KINDS, NOT_PROVIDED=NOT_PROVIDED, HEADER_MAX=HEADER_MAX, LINE_MAX=LINE_MAX,
                       LEGAL_QUESTION_MAX=LEGAL_QUESTION_MAX, LEGAL_ANSWER_MAX=LEGAL_ANSWER_MAX)
    env.globals.update(money_currency=money_currency, units_of=units_of, dense_columns=dense_columns, DENSE_ROWS=DENSE_ROWS,
                       dense_fields=dense_fields, given=given,
                       short_in=lambda ccy, v: _money_short(None if v is None else Money(Decimal(v), ccy)))
    env.globals["fmt"] = lambda kind, v: env.filters[KINDS[kind].filter](v)
    names = set(env.list_templates(filter_func=lambda n: n.startswith("sections/")))
    env.globals["custom_sections"] = frozenset(s.key for s in SECTIONS if f"sections/{s.key}.html.j2" in names)
    return env


@functools.lru_cache(maxsize=8)
def environment(locale: str = "en_US", tz: str = "UTC", templates: Path | None = None) -> jinja2.Environment:
    """The process's environment for this locale, zone and override folder (built once, so its
    compiled templates are reused by every record)."""
    return make_environment(locale, tz, templates)


def _data_url(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def read_styles(options: RenderOptions) -> str:
    """The bundled stylesheets (``packet.css``, then ``sections.css``: the later pages' long lists),
    the page size, then ``--style``."""
    styles = asset_dir("styles")
    css = (styles / "packet.css").read_text(encoding="utf-8")
    css += "\n" + (styles / "sections.css").read_text(encoding="utf-8")
    if options.page_size != "a4":
        css += f"\n@page {{ size: {PAGE_SIZES[options.page_size]}; }}\n"
    if options.style:
        css += "\n/* user style */\n" + Path(options.style).read_text(encoding="utf-8")
    return css


@dataclass(frozen=True)
class PacketPages:
    """One report's packet, ready to render with any page-one ``Fit`` (the view models built
    once); ``styles``: the CSS text (``read_styles``) inlined unless ``css`` says otherwise."""

    template: jinja2.Template
    context: dict[str, Any]
    report: Report
    flags: list[Any]  # the flags page one could list
    evidence: list[str]
    styles: str

    @property
    def n_flags(self) -> int:
        return len(self.flags)

    def _render(self, f: Fit, page_one_only: bool, css: str | None, flags: list[Any]) -> str:
        report = self.report
        blocks = dict(  # the page-one partials, as full as ``f`` allows
            evidence_lines=short_evidence(self.evidence) if f.evidence_short else self.evidence,
            legal_shown=min(len(report.legal), LEGAL_ROWS if f.legal_rows is None else f.legal_rows),
            tradetapp=tradetapp_block(report, compact=f.tradetapp_compact),
        )
        return self.template.render(self.context, fit=f, page_one_only=page_one_only, page_one_flags=flags,
                                    css=self.styles if css is None else css, **blocks)

    def html(self, fit: Fit, *, css: str | None = None) -> str:
        """The whole packet with page one as ``fit`` says."""
        return self._render(fit, False, css, self.flags)

    def page_one(self, fit: Fit, *, css: str | None = None, more_line: bool = False) -> str:
        """Page one alone (``reporter.render.page_one_fit`` lays it out); ``more_line``: one flag
        more than ``fit`` lists is added, so its "and 1 more" line is laid out too (measuring only)."""
        return self._render(fit, True, css, self.flags + self.flags[-1:] if more_line else self.flags)

    def rough_lines(self) -> int:
        """A cheap count of page one's variable lines, no layout (``Fitter.likely_fits``): flag
        lines, verdict reasons, the denial and GC summary, the evidence line (about 125 characters
        a line), the legal box, the TradeTapp block and the coverage rows."""
        c, q = self.context, self.report.qualification

        def lines(text: str | None) -> int:
            return -(-len(text) // ROUGH_LINE_CHARS) if text else 0

        denial = q.denial_reason if q.denial_reason and q.status == "DENIED" else None
        texts = [f.message for f in self.flags] + list(c["reasons"]) + [denial, c["gc_summary"], " · ".join(self.evidence)]
        legal = 2 + min(len(self.report.legal), LEGAL_ROWS) if self.report.legal else 0
        block = tradetapp_block(self.report)
        return sum(lines(t) for t in texts) + legal + (block.lines if block else 0) + min(len(c["insurance_overview"]), 6)


def packet_pages(report: Report, options: RenderOptions | None = None, *,
                 env: jinja2.Environment | None = None) -> PacketPages:
    """The packet of ``report``, not yet rendered (``PacketPages``)."""
    options = options or RenderOptions()
    env = env or environment(report.locale, report.timezone, options.templates)
    context = dict(
        r=report,
        sections=SECTIONS,
        facts=company_fact_groups(report),
        logo=_data_url(Path(options.logo)) if options.logo else None,
        version=__version__,
        charts=charts.page_one_charts(report),
        insurance_overview=insurance_overview(report),
        reasons=verdict_reasons(report),
        emr_years=emr_years(report),
        osha_years=osha_years(report),
        safety_years=safety_years(report),
        year_span=year_span,
        trade=trade_summary(report),
        gc_summary=gc_summary(report),
        capacity={c.key: c for c in report.capacity},
    )
    return PacketPages(env.get_template("packet.html.j2"), context, report, list(page_one_flags(report)),
                       evidence_lines(report), read_styles(options))


def render_html(report: Report, options: RenderOptions | None = None, *, env: jinja2.Environment | None = None,
                fit: Fit | None = None, css: str | None = None) -> str:
    """The packet's HTML, with as much of page one as one page holds (measured, then confirmed by a
    layout of page one: ``reporter.render.page_one_fit.Fitter``); ``fit`` given: page one as that
    says, not measured. ``css`` replaces the styles (``read_styles``) inlined in its ``<style>``
    (the PDF renderer passes ``""`` and hands WeasyPrint the styles parsed once per process)."""
    packet = packet_pages(report, options, env=env)
    if fit is None:
        fit = Fitter(packet).find()
    return packet.html(fit, css=css)


def render_html_bytes(report: Report, options: RenderOptions) -> bytes:
    """The ``html`` format: the packet's HTML as UTF-8."""
    return render_html(report, options).encode("utf-8")
