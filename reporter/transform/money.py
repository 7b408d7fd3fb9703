"""Transform stage: money.

Input: ``Decimal`` amounts with the record's ``submissionCurrency``; optional FX rates.
Output: ``Money`` values (exact, ISO 4217 validated, the original kept beside any converted figure)
and display strings.

Minor units come from ISO 4217 (not from CLDR/Babel, which says 0 for HUF, COP, IDR); Babel is used
only to format for display.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import parse_pattern

from reporter.errors import CurrencyError

# ISO 4217 minor units (list one, active codes). Codes absent here have 2 decimals unless listed.
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP "
    "GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK "
    "LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK "
    "NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD "
    "SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD YER "
    "ZAR ZMW ZWG ZWL"
)
MINOR_UNITS: dict[str, int] = {
    **{c: 2 for c in _TWO.split()},
    **{c: 0 for c in _ZERO.split()},
    **{c: 3 for c in _THREE.split()},
    **{c: 4 for c in _FOUR.split()},
}


def validate_currency(code: str | None, *, where: str = "currency") -> str:
    """Return an upper-case ISO 4217 code or raise ``CurrencyError`` naming ``where``."""
    if code is None or not str(code).strip():
        raise CurrencyError(f"{where}: no currency given")
    norm = str(code).strip().upper()
    if norm not in MINOR_UNITS:
        raise CurrencyError(f"{where}: {code!r} is not an ISO 4217 currency code")
    return norm


def minor_units(code: str) -> int:
    return MINOR_UNITS[validate_currency(code)]


def round_to(amount: Decimal, places: int, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """Round (half-even by default) to ``places`` decimals, whatever the size of ``amount``
    (the default 28-digit context would refuse to quantize a very large figure)."""
    with localcontext() as ctx:
        ctx.prec = max(28, amount.adjusted() + places + 2)
        return amount.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def round_display(value: Decimal, places: int) -> Decimal:
    """Round a ratio or rate for a reader (half-up: 2.25 -> 2.3), as printf-style displays do."""
    return round_to(value, places, ROUND_HALF_UP)


def multiply(a: Decimal, b: Decimal) -> Decimal:
    """``a * b`` exactly (enough digits for both operands)."""
    with localcontext() as ctx:
        ctx.prec = max(28, len(a.as_tuple().digits) + len(b.as_tuple().digits) + 2)
        return a * b


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's ISO 4217 minor units (half-even: 0.5 JPY -> 0, 1.5 JPY -> 2)."""
    return round_to(amount, minor_units(currency))


@dataclass(frozen=True)
class Converted:
    amount: Decimal
    currency: str
    rate: Decimal
    rate_date: date


@dataclass(frozen=True)
class Money:
    """An exact amount in its currency; ``converted`` holds the report-currency figure if any."""

    amount: Decimal
    currency: str
    converted: Converted | None = None

    @property
    def display(self) -> tuple[Decimal, str]:
        """The figure a reader compares: converted when there is one, else the original."""
        if self.converted is not None:
            return self.converted.amount, self.converted.currency
        return self.amount, self.currency

    @property
    def value(self) -> Decimal:
        return self.display[0]

    def to_json(self) -> dict[str, Any]:
        # Plain decimal strings (``format(d, "f")``, as ``reporter.render.json.plain`` writes every other
        # figure): ``str(Decimal("1E+20"))`` would give exponent notation.
        out: dict[str, Any] = {"amount": format(self.amount, "f"), "currency": self.currency, "converted": None}
        if self.converted is not None:
            c = self.converted
            out["converted"] = {
                "amount": format(c.amount, "f"),
                "currency": c.currency,
                "rate": format(c.rate, "f"),
                "rateDate": c.rate_date.isoformat(),
            }
        return out


def format_money(amount: Decimal | None, currency: str, locale: str = "en_US") -> str:
    """Locale-aware display with exactly the currency's ISO 4217 minor units."""
    if amount is None:
        return "not provided"
    digits = minor_units(currency)
    loc = babel_locale(locale)
    pattern = copy.copy(parse_pattern(loc.currency_formats["standard"]))
    pattern.frac_prec = (digits, digits)
    value = quantize(amount, currency)
    with localcontext() as ctx:  # Babel quantizes again in the current context: make room
        ctx.prec = max(28, value.adjusted() + digits + 2)
        return str(pattern.apply(value, loc, currency=currency, currency_digits=False))


@functools.lru_cache(maxsize=32)
def babel_locale(name: str) -> Locale:
    """A Babel locale by name (``en_US``, ``fr-CA``); ``CurrencyError`` if unknown."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        raise CurrencyError(f"--locale: unknown locale {name!r} (use e.g. en_US, fr_CA)") from None


def format_compact(amount: Decimal | None, currency: str) -> str:
    """Short form for dense tables: ``12.0M``, ``450K``, with the code: ``USD 12.0M``."""
    if amount is None:
        return "not provided"
    a = abs(amount)
    sign = "-" if amount < 0 else ""
    if a >= 1_000_000_000_000_000:  # beyond any real figure: keep it short (page one is dense)
        text = f"{a:.1E}"
    elif a >= 1_000_000_000_000:
        text = f"{a / Decimal(1_000_000_000_000):.1f}T"
    elif a >= 1_000_000_000:
        text = f"{a / Decimal(1_000_000_000):.1f}B"
    elif a >= 1_000_000:
        text = f"{a / Decimal(1_000_000):.1f}M"
    elif a >= 10_000:
        text = f"{a / Decimal(1_000):.0f}K"
    else:
        text = f"{a:,.{minor_units(currency) if a != a.to_integral_value() else 0}f}"
    return f"{currency} {sign}{text}"
