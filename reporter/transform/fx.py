"""Transform stage: currency conversion with a printed rates table.

Input: an ``FxTable`` of ``(date, base, quote) -> rate`` rows (loaded from ``--fx-rates`` by
``reporter.config``), a ``Money`` and a target currency. Output: the same ``Money`` with
``converted`` set (rate and rate date kept beside the figure). A missing rate is a
``CurrencyError`` naming the pair; never a silent 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from reporter.errors import CurrencyError
from reporter.transform.money import Converted, Money, quantize, validate_currency


@dataclass(frozen=True)
class FxRate:
    day: date
    base: str
    quote: str
    rate: Decimal


@dataclass(frozen=True)
class FxTable:
    rates: tuple[FxRate, ...] = field(default_factory=tuple)

    def lookup(self, base: str, quote: str, as_of: date) -> FxRate:
        """The latest rate for ``base->quote`` on or before ``as_of`` (inverse rates are used too)."""
        base, quote = validate_currency(base), validate_currency(quote)
        best: FxRate | None = None
        for r in self.rates:
            if r.day > as_of:
                continue
            if r.base == base and r.quote == quote:
                cand = r
            elif r.base == quote and r.quote == base and r.rate != 0:
                cand = FxRate(r.day, base, quote, Decimal(1) / r.rate)
            else:
                continue
            if best is None or cand.day > best.day:
                best = cand
        if best is None:
            raise CurrencyError(
                f"no exchange rate {base}->{quote} on or before {as_of.isoformat()} in the --fx-rates table"
            )
        return best

    def convert(self, money: Money, target: str, as_of: date) -> Money:
        if money.currency == target:
            return money
        r = self.lookup(money.currency, target, as_of)
        converted = Converted(
            amount=quantize(money.amount * r.rate, target), currency=target, rate=r.rate, rate_date=r.day
        )
        return replace(money, converted=converted)
