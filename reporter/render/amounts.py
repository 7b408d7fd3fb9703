"""Render stage: amounts as tables show them (one money style per context).

Input: ``Money`` values or ``Decimal`` amounts with their ISO currency, and the report's locale.
Output: symbol-free figures for a table under a currency header (``format_amount``: the locale's
grouping and decimal mark, ISO 4217 minor units), and which one currency a column of amounts is
in (``money_currency``, ``units_of``: the units row under a section table's money headers). Prose
keeps the locale's money style (``reporter.transform.money.format_money``).
"""

from __future__ import annotations

import copy
from decimal import Decimal, localcontext
from typing import Any

from reporter.transform.money import Money, babel_locale, minor_units, quantize


def format_amount(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """A symbol-free amount for a table under a currency header: the locale's grouping and decimal
    mark (``1,234,567.89``; ``1 234 567,89`` for ``fr_CA``) with the currency's ISO 4217 minor units."""
    digits = minor_units(currency)
    loc = babel_locale(locale)
    pattern = copy.copy(loc.decimal_formats[None])
    pattern.frac_prec = (digits, digits)
    value = quantize(amount, currency)
    with localcontext() as ctx:  # as format_money: room for very large figures
        ctx.prec = max(28, value.adjusted() + digits + 2)
        return str(pattern.apply(value, loc))


def money_currency(values: Any) -> str | None:
    """The one currency a column (or a list of facts) of Money values is shown in, or ``None``
    when they mix currencies (then every cell names its own) or hold no amount."""
    found = {v.display[1] for v in values if isinstance(v, Money)}
    return found.pop() if len(found) == 1 else None


def units_of(columns: Any, rows: Any) -> dict[str, str | None]:
    """A section table's units row: each money column's one currency (``None`` where the column
    mixes currencies or holds no amount: its cells then name their own); empty when the table has
    no money column (no units row)."""
    rows = list(rows)
    return {c.field: money_currency(r.get(c.field) for r in rows) for c in columns if c.kind == "money"}


