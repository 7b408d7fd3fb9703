"""Transform stage: one list of normalised rows per nested section of the record.

Input: a ``Qualification`` model, the ``ReportContext``, a money converter and the display zone.
Output: a ``SectionData``: ``rows`` (``{section_key: [row, ...]}``, each row a dict keyed by the
column fields of that section in ``reporter.sections.SECTIONS``: money as ``Money``, days as
``date``, rates as ``Decimal``; item fields the API added that we don't know travel in
``row["otherFields"]``), plus the typed ``InsuranceRow`` and ``CertificateRow`` values the flags
and page one read.

Most sections are the registry's columns read off the record's items (money columns converted);
only the sections with derived columns (insurance and certificate expiry, OSHA rates, revenue
change) and the sorted ones (EMR, OSHA, revenue: newest first) are written out here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from reporter.api.models import KNOWN_INSURANCE_TYPES, Qualification
from reporter.dates import days_between, local_day
from reporter.sections import SECTIONS, SectionSpec, sheet_columns
from reporter.transform import metrics
from reporter.transform.model import (
    CertificateRow,
    Expiry,
    ExpiryStatus,
    InsuranceRow,
    Project,
    ReportContext,
    SectionRow,
)
from reporter.transform.money import Money

INSURANCE_LABELS = {
    "GENERAL_LIABILITY": "General liability",
    "AUTOMOBILE_LIABILITY": "Automobile liability",
    "UMBRELLA_EXCESS": "Umbrella / excess",
    "WORKERS_COMPENSATION": "Workers' compensation",
}

MoneyOf = Callable[[Decimal | None], Money | None]


def insurance_label(code: str | None) -> str:
    if not code:
        return "(type not given)"
    return INSURANCE_LABELS.get(code, code)


@dataclass(frozen=True)
class SectionData:
    rows: dict[str, list[SectionRow]]
    insurance: list[InsuranceRow]
    certificates: list[CertificateRow]


def expiry_status(day: date | None, as_of: date, project: Project, warn_days: int,
                  not_applicable: bool = False) -> ExpiryStatus:
    """Where a policy or certificate expiring on ``day`` stands on ``as_of``."""
    if not_applicable:
        return ExpiryStatus(Expiry.NOT_APPLICABLE)
    if day is None:
        return ExpiryStatus(Expiry.NO_DATE)
    days = days_between(as_of, day)
    if days < 0:
        return ExpiryStatus(Expiry.EXPIRED, days)
    # The nearer deadline first: a policy lapsing within the warning window says so, even
    # when it also lapses before the project end (which it then always does).
    if days <= warn_days:
        return ExpiryStatus(Expiry.EXPIRING, days)
    if project.end and day < project.end:
        return ExpiryStatus(Expiry.BEFORE_PROJECT_END, days)
    return ExpiryStatus(Expiry.CURRENT, days)


# Per section, worked out once: every registry column's field, and those holding money.
_FIELDS = {spec.key: tuple(c.field for c in sheet_columns(spec)) for spec in SECTIONS}
_MONEY = {spec.key: tuple(c.field for c in sheet_columns(spec) if c.kind == "money") for spec in SECTIONS}


def _registry_row(item: Any, spec: SectionSpec, money: MoneyOf) -> SectionRow:
    """A row whose every column is the item's field of that name (money converted)."""
    row: SectionRow = {name: getattr(item, name) for name in _FIELDS[spec.key]}
    for name in _MONEY[spec.key]:
        row[name] = money(row[name])
    row["otherFields"] = item.other_fields
    return row


def _items(record: Qualification, spec: SectionSpec) -> list[Any]:
    items = getattr(record, spec.api_field)
    return list(items.results if hasattr(items, "results") else items)


def _newest_first(items: Iterable[Any], year: Callable[[Any], int | None]) -> list[Any]:
    return sorted(items, key=lambda i: (year(i) is None, year(i) or 0), reverse=True)


def section_rows(record: Qualification, ctx: ReportContext, money: MoneyOf, zone: ZoneInfo) -> SectionData:
    insurance = _insurance(record, ctx, money)
    certificates = _certificates(record, ctx, zone)
    derived: dict[str, list[SectionRow]] = {
        "insurance": [r.section_row() for r in insurance],
        "certificates": [c.section_row() for c in certificates],
        "osha": _osha(record),
        "revenue": _revenue(record, money),
    }
    rows: dict[str, list[SectionRow]] = {}
    for spec in SECTIONS:
        if spec.key in derived:
            rows[spec.key] = derived[spec.key]
            continue
        items = _items(record, spec)
        if spec.key == "emr":
            items = _newest_first(items, lambda e: e.year)
        rows[spec.key] = [_registry_row(i, spec, money) for i in items]
    return SectionData(rows=rows, insurance=insurance, certificates=certificates)


def _insurance(record: Qualification, ctx: ReportContext, money: MoneyOf) -> list[InsuranceRow]:
    warn = ctx.rules.insurance_expiry_warning_days
    return [
        InsuranceRow(
            insurance_type=c.insuranceType,
            label=insurance_label(c.insuranceType),
            type_known=c.insuranceType in KNOWN_INSURANCE_TYPES,
            carrier=c.carrier,
            per_occurrence_limit=money(c.perOccurrenceLimit),
            aggregate_limit=money(c.aggregateLimit),
            policy_expiration_date=c.policyExpirationDate,
            not_applicable=bool(c.isNotApplicable),
            expiry=expiry_status(c.policyExpirationDate, ctx.as_of, ctx.project, warn, bool(c.isNotApplicable)),
            other_fields=c.other_fields,
        )
        for c in record.insuranceCoverages
    ]


def _certificates(record: Qualification, ctx: ReportContext, zone: ZoneInfo) -> list[CertificateRow]:
    warn = ctx.rules.certificate_expiry_warning_days
    out = []
    for c in record.certificates:
        day = local_day(c.expiresAt, zone) if c.expiresAt else None
        out.append(
            CertificateRow(
                id=c.id,
                type_name=c.type.name if c.type else None,
                type_id=c.type.id if c.type else None,
                agency_id=c.agency.id if c.agency else None,
                number=c.number,
                agency_name=c.agency.name if c.agency else None,
                agency_website=c.agency.website if c.agency else None,
                expires_at=day,
                expiry=expiry_status(day, ctx.as_of, ctx.project, warn),
                file_name=c.fileName,
                other_fields=c.other_fields,
            )
        )
    return out


def _osha(record: Qualification) -> list[SectionRow]:
    rows = []
    for o in _newest_first(record.osha300Results, lambda o: o.year):
        r = metrics.year_rates(
            metrics.OshaYear(
                o.year,
                o.totalNumberDeathsBoxG or 0,
                o.totalNumberCasesDaysAwayBoxH or 0,
                o.totalNumberCasesRestrictionTransferBoxI or 0,
                o.otherRecordableCasesBoxJ or 0,
                o.totalHoursWorked,
            )
        )
        rows.append(
            {
                "year": o.year,
                "totalNumberDeathsBoxG": o.totalNumberDeathsBoxG,
                "totalNumberCasesDaysAwayBoxH": o.totalNumberCasesDaysAwayBoxH,
                "totalNumberCasesRestrictionTransferBoxI": o.totalNumberCasesRestrictionTransferBoxI,
                "otherRecordableCasesBoxJ": o.otherRecordableCasesBoxJ,
                "totalHoursWorked": o.totalHoursWorked,
                "trir": r.trir,
                "dart": r.dart,
                "ltir": r.ltir,
                "otherFields": o.other_fields,
            }
        )
    return rows


def _revenue(record: Qualification, money: MoneyOf) -> list[SectionRow]:
    rows: list[SectionRow] = []
    prev: Money | None = None
    prev_year: int | None = None
    for a in sorted(record.annualVolumeRevenues, key=lambda a: (a.year is None, a.year or 0)):
        m = money(a.estimatedVolumeRevenue)
        # Year over year: only against the year just before (2023 vs 2021 across a missing year is not y/y).
        consecutive = a.year is not None and prev_year is not None and a.year == prev_year + 1
        change = metrics.change_ratio(m.value if m else None, prev.value if prev and consecutive else None)
        rows.append({"year": a.year, "estimatedVolumeRevenue": m, "change": change, "otherFields": a.other_fields})
        prev, prev_year = m, a.year
    rows.reverse()
    return rows
