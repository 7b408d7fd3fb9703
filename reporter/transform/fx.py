"""Transform stage: currency conversion with a printed rates table.

Input: an ``FxTable`` of ``(date, base, quote) -> rate`` rows (loaded from ``--fx-rates`` by
``reporter.config``), a ``Money`` and a target currency. Output: the same ``Money`` with
``converted`` set (rate and rate date kept beside the figure). A missing rate is a
``CurrencyError`` naming the pair; never a silent 1.0.

Lookup: the latest rate on or before the as-of day. A ``base->quote`` row wins over the inverse of
a ``quote->base`` row of the same day; an inverse rate is ``1 / rate`` to 10 significant digits,
and that rounded rate is the one used and printed (so the printed rate reproduces the figure).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, localcontext

from reporter.errors import CurrencyError
from reporter.transform.money import Converted, Money, multiply, quantize, validate_currency

INVERSE_DIGITS = 10


@dataclass(frozen=True)
class FxRate:
    day: date
    base: str
    quote: str
    rate: Decimal
    inverted: bool = False  # computed from a quote->base row


def _inverse(r: FxRate) -> FxRate:
    with localcontext() as ctx:
        ctx.prec = INVERSE_DIGITS
        inv = Decimal(1) / r.rate
    return FxRate(r.day, r.quote, r.base, inv, inverted=True)


@dataclass(frozen=True)
class FxTable:
    rates: tuple[FxRate, ...] = field(default_factory=tuple)

    def lookup(self, base: str, quote: str, as_of: date) -> FxRate:
        """The latest rate for ``base->quote`` on or before ``as_of`` (inverse rows are used too)."""
        base, quote = validate_currency(base), validate_currency(quote)
        if base == quote:
            return FxRate(as_of, base, quote, Decimal(1))
        best: FxRate | None = None
        for r in self.rates:
            if r.day > as_of or r.rate <= 0:
                continue
            if r.base == base and r.quote == quote:
                cand = r
            elif r.base == quote and r.quote == base:
                cand = _inverse(r)
            else:
                continue
            if best is None or (cand.day, not cand.inverted) > (best.day, not best.inverted):
                best = cand
        if best is None:
            later = [r.day for r in self.rates if {r.base, r.quote} == {base, quote}]
            hint = f" (the table has it only from {min(later).isoformat()})" if later else ""
            raise CurrencyError(
                f"no exchange rate {base}->{quote} on or before {as_of.isoformat()} in the --fx-rates table{hint}"
            )
        return best

    def convert(self, money: Money, target: str, as_of: date) -> Money:
        target = validate_currency(target)
        if money.currency == target:
            return money
        r = self.lookup(money.currency, target, as_of)
        return apply_rate(money, r)


def apply_rate(money: Money, r: FxRate) -> Money:
    """``money`` with its converted figure: amount x rate rounded to the target's minor units."""
    converted = Converted(
        amount=quantize(multiply(money.amount, r.rate), r.quote), currency=r.quote, rate=r.rate, rate_date=r.day
    )
    return replace(money, converted=converted)
