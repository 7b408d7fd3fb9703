"""Render stage: the one-page award recommendation of a bid package (PDF/A-3b).

Input: a ``PackageView`` (``reporter.render.bid_rows``) and the ``BuildConfig`` (locale, time zone,
page size, PDF variant, ``--templates``). Output: PDF bytes from ``award.html.j2``: the package,
due date and estimate, every invite by price with its verdict and top reason, the apparent low and
the lowest qualified, what choosing the lowest qualified over the apparent low costs, and a
sign-off block with a line for why the apparent low was passed over. The template is loaded
through the packet's Jinja environment (``reporter.render.html.environment``): an
``award.html.j2`` in ``--templates DIR`` replaces the bundled one; without one, the bundled one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reporter import __version__
from reporter.dates import get_zone, local_day
from reporter.render.amounts import format_amount
from reporter.render.bid_rows import PackageView
from reporter.render.html import environment
from reporter.render.labels import in_words
from reporter.render.pdf import render_pdf
from reporter.transform.money import format_money

VERDICTS = {"green": "GREEN", "amber": "AMBER", "red": "RED"}
REASON_MAX = 150
DENSE_ROWS = 12  # above this many invites: one line a row (reasons clipped shorter)
DENSER_ROWS = 30
DENSE_REASON_MAX = {"": REASON_MAX, "dense": 72, "denser": 80}
AWARD_TEMPLATE = "award.html.j2"


def _clip(text: str, limit: int = REASON_MAX) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def summary_text(view: PackageView, money: Any) -> str:
    """The sentence naming the apparent low, the lowest qualified and the difference in price."""
    low, lq = view.apparent_low, view.lowest_qualified
    if low is None:
        return "No priced bid yet: no apparent low and no lowest qualified bidder."
    head = f"Apparent low: {low.company_name} at {money(low.price)}"
    if lq is None:
        return head + ". No bidder is qualified (every priced bidder is red or has no TradeTapp record): do not award without a review."
    if lq is low:
        return head + f"; it is also the lowest qualified{' (with conditions)' if lq.facts.verdict == 'amber' else ''}. No premium over the low bid."
    diff = view.difference or Decimal(0)
    pct = f" ({diff / low.price * 100:.1f}%)" if low.price else ""
    cond = " (with conditions)" if lq.facts.verdict == "amber" else ""
    return (head + f" ({VERDICTS.get(low.facts.verdict or '', 'no verdict')}: {_clip(in_words(low.top_reason), 90)}). "
            f"Lowest qualified{cond}: {lq.company_name} at {money(lq.price)}. "
            f"Choosing the lowest qualified costs {money(diff)}{pct} more than the apparent low.")


def award_context(view: PackageView, config: Any) -> dict[str, Any]:
    ctx = config.context
    zone = get_zone(ctx.timezone)

    def money(v: Decimal | None) -> str:  # prose: the locale's style
        return "" if v is None else format_money(v, view.currency, ctx.locale)

    def cell(v: Decimal | None) -> str:  # the table: symbol-free, under "amounts in <currency>"
        return "" if v is None else format_amount(v, view.currency, ctx.locale)

    due = view.package.bidsDueAt or view.project.bidsDueAt
    density = "" if len(view.rows) <= DENSE_ROWS else ("dense" if len(view.rows) <= DENSER_ROWS else "denser")
    rows = []
    for r in view.rows:
        verdict = r.facts.verdict
        rows.append({
            "rank": r.rank if r.rank is not None else "\u2013", "name": r.company_name, "state": (r.invite_state or "").replace("_", " ").lower(),
            "total": cell(r.total) if r.total is not None else ("sealed" if "sealed" in r.status else "\u2013"),
            "leveled": cell(r.leveled_total), "delta": "" if not r.delta else f"+{cell(r.delta)} ({r.delta_pct}%)",
            "verdict": VERDICTS.get(verdict or "", "\u2013"), "verdict_class": verdict if verdict in VERDICTS else "none",
            "reason": _clip(in_words(r.top_reason), DENSE_REASON_MAX[density]), "mark": r.mark, "is_low": r is view.apparent_low,
        })
    loc = view.project.location
    return {
        "title": view.title, "project_name": view.project.name or "", "project_number": view.project.number or "",
        "location": (loc.complete if loc else None) or "", "currency": view.currency,
        "due": local_day(due, zone).isoformat() if due else "not set",
        "estimate": money(view.package.estimatedCost) or "not set", "rows": rows,
        "priced": sum(1 for r in view.rows if r.price is not None), "sealed": view.sealed,
        "low_name": view.apparent_low.company_name if view.apparent_low else "none",
        "lq_name": view.lowest_qualified.company_name if view.lowest_qualified else "none",
        "summary": summary_text(view, money), "version": __version__,
        "generated": local_day(ctx.generated_at, zone).isoformat(),
        "page_size": "letter" if config.render.page_size == "letter" else "A4", "density": density,
    }


def render_award_html(view: PackageView, config: Any) -> str:
    """The award page's HTML: ``--templates DIR/award.html.j2`` when there is one, else the bundled
    template (the same loader, autoescape and strictness as the packet's)."""
    ctx = config.context
    env = environment(ctx.locale, ctx.timezone, getattr(config.render, "templates", None))
    return env.get_template(AWARD_TEMPLATE).render(**award_context(view, config))


def render_award(view: PackageView, config: Any) -> bytes:
    """The award recommendation PDF (the build's ``--pdf-variant``, PDF/A-3b by default)."""
    return render_pdf(render_award_html(view, config), variant=config.pdf_variant).data
