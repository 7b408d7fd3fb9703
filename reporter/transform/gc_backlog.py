"""Transform stage (settings side): the GC's own backlog with each sub (``--gc-backlog FILE``).

Input: the text of an ERP-export CSV (the file is read by ``reporter.config``) and the name to
quote in errors. Columns, in any order, header case and spacing ignored: ``companyId`` or
``uniqueId`` (at least one), ``amount`` (also ``backlog``, ``remaining``), ``currency``. One row per
contract is fine: rows of one sub are summed per currency. A BOM, ``;`` or tab delimiters,
thousands separators (``1,250,000`` / ``1.250.000,50`` / ``1 250 000``) and a currency symbol are
tolerated. Output: a ``GcBacklog`` keyed by company id and unique id (any bad line is a
``ConfigError`` of one line naming the file and the line), and per record a ``BacklogBasis``:
the backlog the internal-total-limit check adds to the award, and which one it is.

TradeTapp tracks the GC's internal backlog "against internal limits" [S7]; COMPASS defines the
aggregate contract limit as the total active contracts with the general contractor [C9]. So the
internal total limit is checked against this backlog + award, not the sub's total backlog.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from reporter.errors import ConfigError, CurrencyError
from reporter.transform.evidence import Finding
from reporter.transform.fx import FxTable
from reporter.transform.money import multiply, quantize, validate_currency

_ID_COLUMNS = {"companyid": "companyId", "company": "companyId", "uniqueid": "uniqueId"}
_AMOUNT_COLUMNS = ("amount", "backlog", "remaining", "remainingamount", "backlogamount", "value")
_CURRENCY_COLUMNS = ("currency", "ccy", "currencycode")
_SYMBOLS = re.compile(r"[$€£¥]|\b(?:US|CA|C|A)\$")


@dataclass(frozen=True)
class BacklogRow:
    line: int
    company_id: str | None
    unique_id: str | None
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class GcBacklog:
    source: str
    rows: tuple[BacklogRow, ...] = ()
    by_company: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    by_unique: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def for_record(self, company_id: str | None, unique_id: str | None = None) -> dict[str, Decimal] | None:
        """The GC's backlog with one sub, per currency; ``None`` when the file has no row for it
        (then the check falls back to the sub's self-reported backlog, and says so)."""
        if company_id and company_id in self.by_company:
            return dict(self.by_company[company_id])
        if unique_id and unique_id in self.by_unique:
            return dict(self.by_unique[unique_id])
        return None


def _key(header: str) -> str:
    return re.sub(r"[\s_\-.]", "", header.strip().lower())


def parse_amount(text: str) -> Decimal:
    """``1,250,000`` / ``1.250.000,50`` / ``1 250 000`` / ``$1,250,000.00`` / ``(500)`` -> Decimal."""
    t = _SYMBOLS.sub("", text.strip()).replace("\u00a0", " ").replace("\u202f", " ").strip()
    negative = t.startswith("(") and t.endswith(")")
    t = t.strip("()").replace(" ", "").replace("'", "")
    if t.startswith("-"):
        negative, t = True, t[1:]
    if "," in t and "." in t:
        decimal_mark = "," if t.rfind(",") > t.rfind(".") else "."
    elif t.count(",") == 1 and not re.fullmatch(r"\d{1,3},\d{3}", t):
        decimal_mark = ","
    else:
        decimal_mark = "."
    thousands = "." if decimal_mark == "," else ","
    t = t.replace(thousands, "").replace(decimal_mark, ".")
    if not re.fullmatch(r"\d+(\.\d+)?", t):
        raise ValueError(f"{text.strip()!r} is not an amount")
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not an amount") from None
    return -d if negative else d


def _columns(header: list[str], where: str) -> tuple[dict[str, int], int, int]:
    keys = [_key(h) for h in header]
    ids = {_ID_COLUMNS[k]: i for i, k in enumerate(keys) if k in _ID_COLUMNS}
    amount = next((keys.index(k) for k in _AMOUNT_COLUMNS if k in keys), None)
    currency = next((keys.index(k) for k in _CURRENCY_COLUMNS if k in keys), None)
    missing = [name for name, col in (("companyId or uniqueId", ids or None), ("amount", amount), ("currency", currency)) if col is None]
    if missing or amount is None or currency is None:
        raise ConfigError(f"{where}, line 1: no {' and no '.join(missing)} column (header: {', '.join(header) or 'empty'})")
    return ids, amount, currency


def parse_gc_backlog(text: str, *, source: str = "--gc-backlog") -> GcBacklog:
    """Parse the CSV text; ``source`` names the file in errors (``--gc-backlog backlog.csv``)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ConfigError(f"{source}: the file is empty (expected a header: companyId,amount,currency)")
    first = text.splitlines()[0]
    delimiter = max((";", "\t", ","), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader)
    ids, amount_col, currency_col = _columns(header, source)
    rows: list[BacklogRow] = []
    by_company: dict[str, dict[str, Decimal]] = {}
    by_unique: dict[str, dict[str, Decimal]] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        where = f"{source}, line {line}"
        if len(cells) < len(header):
            raise ConfigError(f"{where}: expected {len(header)} columns, found {len(cells)}")
        cid = (cells[ids["companyId"]].strip() or None) if "companyId" in ids else None
        uid = (cells[ids["uniqueId"]].strip() or None) if "uniqueId" in ids else None
        if cid is None and uid is None:
            raise ConfigError(f"{where}: no companyId or uniqueId")
        try:
            amount = parse_amount(cells[amount_col])
        except ValueError as exc:
            raise ConfigError(f"{where}: amount {exc}") from None
        if amount < 0:
            raise ConfigError(f"{where}: amount {cells[amount_col].strip()} is negative")
        try:
            ccy = validate_currency(cells[currency_col], where="currency")
        except CurrencyError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        rows.append(BacklogRow(line, cid, uid, amount, ccy))
        for key, table in ((cid, by_company), (uid, by_unique)):
            if key is not None:
                per = table.setdefault(key, {})
                per[ccy] = per.get(ccy, Decimal(0)) + amount
    return GcBacklog(source, tuple(rows), by_company, by_unique)


@dataclass(frozen=True)
class BacklogBasis:
    amount: Decimal | None  # the backlog to add to the award for the internal total limit
    basis: str  # "gc" (this GC's backlog with the sub) or "reported" (the sub's own total backlog)
    note: str  # one sentence for the capacity row
    finding: Finding | None = None  # capacity.total_limit_reported_backlog when the basis is "reported"


def total_limit_backlog(
    gc: GcBacklog | None, company_id: str | None, unique_id: str | None, reported: Decimal | None,
    currency: str, fx: FxTable | None, as_of: date,
) -> BacklogBasis:
    """The backlog for the internal-total-limit check, in the record's ``currency``: this GC's
    backlog with the sub from ``--gc-backlog`` (converted with ``fx`` when the ERP rows are in
    another currency), else the sub's self-reported total backlog, saying so."""
    rows = gc.for_record(company_id, unique_id) if gc is not None else None
    if rows is not None:
        total = Decimal(0)
        for ccy, amount in sorted(rows.items()):
            if ccy == currency:
                total += amount
                continue
            try:
                rate = fx.lookup(ccy, currency, as_of) if fx is not None else None
            except CurrencyError:
                rate = None
            if rate is None:
                return BacklogBasis(None, "gc", f"The GC backlog with this sub is partly in {ccy} and no {ccy}->{currency} "
                                                "rate was given: the internal total limit could not be checked")
            total += quantize(multiply(amount, rate.rate), currency)
        return BacklogBasis(total, "gc", f"Backlog with this GC from {gc.source if gc else '--gc-backlog'}")
    why = "no --gc-backlog file was given" if gc is None else f"{gc.source} has no row for this sub"
    note = f"Used the sub's self-reported total backlog ({why})"
    return BacklogBasis(reported, "reported", note,
                        Finding("capacity.total_limit_reported_backlog",
                                f"Internal total limit checked against the sub's self-reported total backlog: {why}",
                                {"reportedBacklog": reported, "currency": currency}))
