"""Transform stage: the award (``--project-value``) in one currency.

Input: the option text (``"2500000 USD"``, ``"USD 2,500,000"``, ``"2.5M USD"``, or a bare number
with ``--project-currency``), then a record's currency, the ``FxTable`` (``--fx-rates``) and the
as-of day. Output: an ``AwardValue`` (amount and ISO currency as the user wrote them) and, per
record, an ``AwardConversion``: the award in the record's currency with the rate used, or no
amount and a plain sentence saying the capacity checks could not be made. The number is never
reinterpreted in a sub's currency: 2,500,000 USD stays USD for a Canadian sub.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from reporter.errors import CurrencyError, UsageError
from reporter.transform.evidence import Finding
from reporter.transform.fx import FxRate, FxTable
from reporter.transform.money import format_money, multiply, quantize, validate_currency

_SUFFIX = {"": Decimal(1), "K": Decimal(1_000), "M": Decimal(1_000_000), "MM": Decimal(1_000_000), "B": Decimal(1_000_000_000)}
_VALUE = re.compile(
    r"^\s*(?:(?P<pre>[A-Za-z]{3})\s*)?(?P<num>[0-9][0-9,_ ]*(?:\.[0-9]+)?)\s*(?P<suf>k|m|mm|b)?\s*(?:(?P<post>[A-Za-z]{3}))?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AwardValue:
    amount: Decimal
    currency: str  # ISO 4217, as the user gave it

    def text(self, locale: str = "en_US") -> str:
        return format_money(self.amount, self.currency, locale)


@dataclass(frozen=True)
class AwardConversion:
    award: AwardValue
    currency: str  # the record's currency
    amount: Decimal | None  # the award in ``currency``; None when no rate converts it
    rate: FxRate | None  # the rate used (None when the currencies match or no rate exists)
    note: str  # "" when same currency; else how it was converted, or why it could not be


def parse_project_value(text: str, currency: str | None = None, *, where: str = "--project-value") -> AwardValue:
    """Read ``--project-value`` (and ``--project-currency`` as ``currency``); ``UsageError`` of one
    line when the number is bad, no currency is given, or the two currencies disagree."""
    m = _VALUE.match(text or "")
    if not m or (m.group("pre") and m.group("post")):
        raise UsageError(f'{where}: expected an amount and an ISO currency such as "2500000 USD", got {text!r}')
    digits = re.sub(r"[,_ ]", "", m.group("num"))
    try:
        amount = Decimal(digits) * _SUFFIX[(m.group("suf") or "").upper()]
    except (InvalidOperation, KeyError):
        raise UsageError(f"{where}: {text!r} is not a number") from None
    if amount <= 0:
        raise UsageError(f"{where}: the award must be above 0, got {text!r}")
    written = m.group("pre") or m.group("post")
    try:
        in_text = validate_currency(written, where=where) if written else None
        given = validate_currency(currency, where="--project-currency") if currency else None
    except CurrencyError as exc:
        raise UsageError(str(exc)) from None
    if in_text and given and in_text != given:
        raise UsageError(f"{where}: {text!r} is in {in_text} but --project-currency says {given}")
    ccy = in_text or given
    if ccy is None:
        raise UsageError(f'{where}: {text!r} has no currency; write it as "{digits} USD" or add --project-currency')
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))
    return AwardValue(amount, ccy)


def award_in(award: AwardValue, currency: str, fx: FxTable | None, as_of: date, locale: str = "en_US") -> AwardConversion:
    """The award in a record's ``currency``: converted with ``fx`` at ``as_of``, or not at all."""
    target = validate_currency(currency)
    if award.currency == target:
        return AwardConversion(award, target, award.amount, None, "")
    if fx is None:
        return AwardConversion(award, target, None, None,
                               f"The award is {award.text(locale)} and this record is in {target}; no --fx-rates table was given, "
                               "so the capacity checks against this record could not be made")
    try:
        rate = fx.lookup(award.currency, target, as_of)
    except CurrencyError:
        return AwardConversion(award, target, None, None,
                               f"The award is {award.text(locale)} and this record is in {target}; the --fx-rates table has no "
                               f"{award.currency}->{target} rate on or before {as_of.isoformat()}, so the capacity checks could not be made")
    amount = quantize(multiply(award.amount, rate.rate), target)
    return AwardConversion(award, target, amount, rate,
                           f"Award {award.text(locale)} = {format_money(amount, target, locale)} at {rate.rate} "
                           f"{award.currency}->{target} ({rate.day.isoformat()})")


def award_finding(conversion: AwardConversion) -> Finding | None:
    """``capacity.award_unconverted`` when no rate turned the award into the record's currency."""
    if conversion.amount is not None:
        return None
    a = conversion.award
    return Finding("capacity.award_unconverted", conversion.note,
                   {"award": a.amount, "awardCurrency": a.currency, "currency": conversion.currency})
