"""Transform stage: one list of normalised rows per nested section of the record.

Input: a ``Qualification`` model, the ``ReportContext``, a money converter and the display zone.
Output: ``{section_key: [row, ...]}`` where each row is a dict whose keys are the column fields of
that section in ``reporter.sections.SECTIONS`` (money as ``Money``, days as ``date``, rates as
``Decimal``). Item fields the API added that we don't know travel in ``row["otherFields"]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from reporter.api.models import KNOWN_INSURANCE_TYPES, Qualification
from reporter.dates import days_between, local_day
from reporter.transform import metrics

INSURANCE_LABELS = {
    "GENERAL_LIABILITY": "General liability",
    "AUTOMOBILE_LIABILITY": "Automobile liability",
    "UMBRELLA_EXCESS": "Umbrella / excess",
    "WORKERS_COMPENSATION": "Workers' compensation",
}


def insurance_label(code: str | None) -> str:
    if not code:
        return "(type not given)"
    return INSURANCE_LABELS.get(code, code)


def _row(item, **values) -> dict[str, Any]:
    values["otherFields"] = item.other_fields
    return values


def section_rows(record: Qualification, ctx, money: Callable, zone: ZoneInfo) -> dict[str, list[dict]]:
    as_of = ctx.as_of

    def expiry_status(day, not_applicable=False, warn_days=30):
        if not_applicable:
            return "not applicable", None
        if day is None:
            return "no expiry given", None
        days = days_between(as_of, day)
        if days < 0:
            return "expired", days
        # The nearer deadline first: a policy lapsing within the warning window says so, even
        # when it also lapses before the project end (which it then always does).
        if days <= warn_days:
            return f"expires in {days} day{'' if days == 1 else 's'}", days
        if ctx.project.end and day < ctx.project.end:
            return "expires before project end", days
        return "current", days

    insurance = []
    for c in record.insuranceCoverages:
        status, days = expiry_status(
            c.policyExpirationDate, bool(c.isNotApplicable), ctx.rules.insurance_expiry_warning_days
        )
        insurance.append(
            _row(
                c,
                insuranceType=c.insuranceType,
                insuranceLabel=insurance_label(c.insuranceType),
                typeKnown=c.insuranceType in KNOWN_INSURANCE_TYPES,
                carrier=c.carrier,
                perOccurrenceLimit=money(c.perOccurrenceLimit),
                aggregateLimit=money(c.aggregateLimit),
                policyExpirationDate=c.policyExpirationDate,
                daysToExpiry=days,
                isNotApplicable=bool(c.isNotApplicable),
                status=status,
            )
        )

    certificates = []
    for c in record.certificates:
        day = local_day(c.expiresAt, zone) if c.expiresAt else None
        status, days = expiry_status(day, False, ctx.rules.certificate_expiry_warning_days)
        certificates.append(
            _row(
                c,
                id=c.id,
                typeName=c.type.name if c.type else None,
                typeId=c.type.id if c.type else None,
                agencyId=c.agency.id if c.agency else None,
                number=c.number,
                agencyName=c.agency.name if c.agency else None,
                agencyWebsite=c.agency.website if c.agency else None,
                expiresAt=day,
                daysToExpiry=days,
                status=status,
                fileName=c.fileName,
            )
        )

    osha = []
    for o in sorted(record.osha300Results, key=lambda o: (o.year is None, o.year or 0), reverse=True):
        y = metrics.OshaYear(
            o.year,
            o.totalNumberDeathsBoxG or 0,
            o.totalNumberCasesDaysAwayBoxH or 0,
            o.totalNumberCasesRestrictionTransferBoxI or 0,
            o.otherRecordableCasesBoxJ or 0,
            o.totalHoursWorked,
        )
        r = metrics.year_rates(y)
        osha.append(
            _row(
                o,
                year=o.year,
                totalNumberDeathsBoxG=o.totalNumberDeathsBoxG,
                totalNumberCasesDaysAwayBoxH=o.totalNumberCasesDaysAwayBoxH,
                totalNumberCasesRestrictionTransferBoxI=o.totalNumberCasesRestrictionTransferBoxI,
                otherRecordableCasesBoxJ=o.otherRecordableCasesBoxJ,
                totalHoursWorked=o.totalHoursWorked,
                trir=r.trir,
                dart=r.dart,
                ltir=r.ltir,
            )
        )

    revenue = []
    prev = None
    for a in sorted(record.annualVolumeRevenues, key=lambda a: (a.year is None, a.year or 0)):
        m = money(a.estimatedVolumeRevenue)
        change = metrics.change_ratio(m.value if m else None, prev.value if prev else None)
        revenue.append(_row(a, year=a.year, estimatedVolumeRevenue=m, change=change))
        prev = m
    revenue.reverse()

    return {
        "csiCodes": [
            _row(
                c,
                primaryCode=c.primaryCode,
                secondaryCode=c.secondaryCode,
                tertiaryCode=c.tertiaryCode,
                codeDescription=c.codeDescription,
            )
            for c in record.csiCodesForWorkPerformed
        ],
        "regions": [_row(r, region=r.region) for r in record.regionsServed],
        "markets": [_row(m, market=m.market) for m in record.marketsServed],
        "references": [
            _row(
                r,
                projectName=r.projectName,
                location=r.location,
                yearCompleted=r.yearCompleted,
                value=money(r.value),
                scope=r.scope,
                referenceContactCompany=r.referenceContactCompany,
                referenceContactName=r.referenceContactName,
                referenceContactPhone=r.referenceContactPhone,
                referenceContactEmail=r.referenceContactEmail,
                isLargestProject=r.isLargestProject,
            )
            for r in record.completedReferences
        ],
        "contacts": [
            _row(
                c,
                contactName=c.contactName,
                positionTitle=c.positionTitle,
                contactType=c.contactType,
                contactPhone=c.contactPhone,
                contactEmail=c.contactEmail,
                contactFax=c.contactFax,
            )
            for c in record.companyContacts
        ],
        "insurance": insurance,
        "emr": [
            _row(e, year=e.year, experienceModificationRating=e.experienceModificationRating)
            for e in sorted(
                record.experienceModificationRatings,
                key=lambda e: (e.year is None, e.year or 0),
                reverse=True,
            )
        ],
        "osha": osha,
        "certificates": certificates,
        "unions": [_row(u, unionName=u.unionName, unionNumber=u.unionNumber) for u in record.unions],
        "revenue": revenue,
        "licenses": [
            _row(
                lic,
                type=lic.type,
                number=lic.number,
                issuingState=lic.issuingState,
                issuingAgency=lic.issuingAgency,
                additionalDescription=lic.additionalDescription,
            )
            for lic in record.professionalLicenses
        ],
        "offices": [
            _row(
                o,
                isMainOffice=o.isMainOffice,
                address1=o.address1,
                address2=o.address2,
                city=o.city,
                state=o.state,
                zipCode=o.zipCode,
            )
            for o in record.companyOfficeAddresses.results
        ],
        "customQuestions": [
            _row(
                c,
                section=c.section,
                question=c.question,
                textResponse=c.textResponse,
                numberResponse=c.numberResponse,
                booleanResponse=c.booleanResponse,
            )
            for c in record.customQuestions.results
        ],
    }
