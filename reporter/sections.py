"""The section registry: one ordered list of nested sections that drives both outputs.

Input: nothing (static specs; this module imports nothing from reporter, so every stage may read
it). Output: ``SECTIONS``, frozen ``SectionSpec`` values. The Excel writer makes one sheet per
spec; the HTML template loops over the same specs (a hand-made ``templates/sections/<key>.html.j2``
when one exists, in ``--templates DIR`` or the bundle, the generic table otherwise). Rows come from
``Report.sections[spec.key]``, built by ``reporter.transform.sections_data`` from these columns.

Column kinds map, in ``KINDS``, to a Jinja filter name and an Excel number format.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    filter: str  # Jinja filter used by the HTML renderer
    excel_format: str | None  # openpyxl number format (None: General / text)
    align: str = "left"


KINDS: dict[str, Kind] = {
    "text": Kind("text", "text", "@"),
    "longtext": Kind("longtext", "text", "@"),
    "code": Kind("code", "text", "@"),
    "int": Kind("int", "integer", "#,##0", "right"),
    "year": Kind("year", "year", "0", "right"),
    "number": Kind("number", "number", "#,##0.####", "right"),
    "rate": Kind("rate", "rate2", "#,##0.00", "right"),
    "emr": Kind("emr", "rate2", "0.00", "right"),
    "percent": Kind("percent", "percent", "0.0%", "right"),
    "money": Kind("money", "amount", None, "right"),  # symbol-free under the column's currency; the Excel format names it
    "date": Kind("date", "date", "yyyy-mm-dd"),
    "bool": Kind("bool", "yesno", None, "center"),
    "email": Kind("email", "text", "@"),
    "url": Kind("url", "text", "@"),
    "phone": Kind("phone", "phone", "@"),
    "status": Kind("status", "text", "@"),
}


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str = "text"
    width: float = 12  # Excel width in characters; the PDF uses the same proportions
    pdf: bool = True  # False: a workbook-only column (see WORKBOOK_COLUMNS)
    # Columns with the same ``one_of`` (next to each other) are one answer in different types: a
    # long list set as lines shows the one given under this header (the workbook keeps each column).
    one_of: str = ""


@dataclass(frozen=True)
class SectionSpec:
    key: str  # key of Report.sections and of the template
    title: str  # heading in the PDF (becomes a bookmark)
    sheet_name: str  # Excel sheet name (<= 31 chars, none of []:*?/\)
    api_field: str  # the record's field the rows come from
    columns: tuple[Column, ...]
    appendix: bool = False  # long lists: compact appendix at the end of the packet


C = Column

SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "insurance", "Insurance coverages", "Insurance", "insuranceCoverages",
        (
            C("insuranceLabel", "Type", "text", 20),
            C("carrier", "Carrier", "text", 26),
            C("perOccurrenceLimit", "Per occurrence", "money", 19),
            C("aggregateLimit", "Aggregate", "money", 19),
            C("policyExpirationDate", "Expires", "date", 12),
            C("status", "Status", "status", 20),
        ),
    ),
    SectionSpec(
        "emr", "Experience modification rate (EMR)", "EMR", "experienceModificationRatings",
        (C("year", "Year", "year", 8), C("experienceModificationRating", "EMR", "emr", 10)),
    ),
    SectionSpec(
        "osha", "OSHA 300A results", "OSHA 300", "osha300Results",
        (
            C("year", "Year", "year", 8),
            C("totalNumberDeathsBoxG", "Deaths (G)", "int", 10),
            C("totalNumberCasesDaysAwayBoxH", "Days away (H)", "int", 12),
            C("totalNumberCasesRestrictionTransferBoxI", "Restricted (I)", "int", 12),
            C("otherRecordableCasesBoxJ", "Other (J)", "int", 10),
            C("totalHoursWorked", "Hours worked", "int", 14),
            C("trir", "TRIR", "rate", 8),
            C("dart", "DART", "rate", 8),
            C("ltir", "LTIR", "rate", 8),
        ),
    ),
    SectionSpec(
        "revenue", "Annual volume revenue", "Revenue", "annualVolumeRevenues",
        (
            C("year", "Year", "year", 8),
            C("estimatedVolumeRevenue", "Estimated volume revenue", "money", 22),
            C("change", "Change y/y", "percent", 12),
        ),
    ),
    SectionSpec(
        "references", "Completed references", "References", "completedReferences",
        (
            C("projectName", "Project", "text", 24),
            C("location", "Location", "text", 24),
            C("yearCompleted", "Year", "year", 7),
            C("value", "Value", "money", 15),
            C("scope", "Scope", "longtext", 26),
            C("referenceContactCompany", "Contact company", "text", 18),
            C("referenceContactName", "Contact", "text", 16),
            C("referenceContactPhone", "Phone", "phone", 14),
            C("referenceContactEmail", "Email", "email", 22),
            C("isLargestProject", "Largest", "bool", 8),
        ),
    ),
    SectionSpec(
        "contacts", "Company contacts", "Contacts", "companyContacts",
        (
            C("contactName", "Name", "text", 18),
            C("positionTitle", "Position", "text", 18),
            C("contactType", "Type", "code", 10),
            C("contactPhone", "Phone", "phone", 14),
            C("contactEmail", "Email", "email", 30),
            C("contactFax", "Fax", "phone", 14),
        ),
    ),
    SectionSpec(
        "csiCodes", "CSI codes for work performed", "CSI Codes", "csiCodesForWorkPerformed",
        (
            C("primaryCode", "Division", "code", 9),
            C("secondaryCode", "Section", "code", 9),
            C("tertiaryCode", "Subsection", "code", 11),
            C("codeDescription", "Description", "text", 50),
        ),
    ),
    SectionSpec("regions", "Regions served", "Regions", "regionsServed", (C("region", "Region", "text", 30),)),
    SectionSpec("markets", "Markets served", "Markets", "marketsServed", (C("market", "Market", "text", 30),)),
    SectionSpec(
        "licenses", "Professional licenses", "Licenses", "professionalLicenses",
        (
            C("type", "License", "text", 26),
            C("number", "Number", "code", 16),
            C("issuingState", "State", "text", 14),
            C("issuingAgency", "Issuing agency", "text", 24),
            C("additionalDescription", "Description", "longtext", 30),
        ),
    ),
    SectionSpec(
        "certificates", "Certificates", "Certificates", "certificates",
        (
            C("typeName", "Certificate", "text", 26),
            C("number", "Number", "code", 18),
            C("agencyName", "Agency", "text", 24),
            C("agencyWebsite", "Website", "url", 20),
            C("expiresAt", "Expires", "date", 13),
            C("status", "Status", "status", 16),
            C("fileName", "File", "text", 16),
        ),
    ),
    SectionSpec(
        "unions", "Union affiliations", "Unions", "unions",
        (C("unionName", "Union", "text", 30), C("unionNumber", "Local / number", "code", 16)),
    ),
    SectionSpec(
        "offices", "Office addresses", "Offices", "companyOfficeAddresses",
        (
            C("isMainOffice", "Main", "bool", 7),
            C("address1", "Address", "text", 30),
            C("address2", "Address 2", "text", 16),
            C("city", "City", "text", 18),
            C("state", "State / province", "text", 16),
            C("zipCode", "Postal code", "code", 11),
        ),
        appendix=True,
    ),
    SectionSpec(
        "customQuestions", "Custom questions", "Custom Questions", "customQuestions",
        (
            C("section", "Section", "text", 12),
            C("question", "Question", "longtext", 40),
            C("textResponse", "Text answer", "longtext", 50, one_of="Answer"),
            C("numberResponse", "Number", "number", 12, one_of="Answer"),
            C("booleanResponse", "Yes/No", "bool", 8, one_of="Answer"),
        ),
        appendix=True,
    ),
)

# Workbook-only columns, appended after a section's ``columns`` in its sheet (the PDF does not show
# them): item fields the packet leaves out but the workbook must hold ("every field of every item").
WORKBOOK_COLUMNS: dict[str, tuple[Column, ...]] = {
    "insurance": (
        C("insuranceType", "Type code", "code", 24, pdf=False),
        C("isNotApplicable", "Not applicable", "bool", 10, pdf=False),
        C("daysToExpiry", "Days to expiry", "int", 10, pdf=False),
    ),
    "certificates": (
        C("id", "Certificate id", "code", 26, pdf=False),
        C("typeId", "Type id", "code", 26, pdf=False),
        C("agencyId", "Agency id", "code", 26, pdf=False),
        C("daysToExpiry", "Days to expiry", "int", 10, pdf=False),
    ),
}


def sheet_columns(spec: SectionSpec) -> tuple[Column, ...]:
    """The columns of a section's sheet: the PDF columns, then the workbook-only ones."""
    return spec.columns + WORKBOOK_COLUMNS.get(spec.key, ())
