"""Transform stage: the screening rules (thresholds and severities) a GC can override.

Input: the defaults below (``DEFAULT_RULES``; the README's "Rules file" section lists them),
optionally overridden by a TOML rules file (``--rules``, read by ``reporter.transform.rules_file``). Output: a frozen ``Rules`` value read by
``reporter.transform.flags``, and ``CATALOG``: every rule id with its default severity and what it
checks, in order of importance (the verdict's reasons are picked in this order).

Rule ids are a public contract (they appear in the JSON report and the README): never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

SEVERITIES = ("high", "medium", "low")
OFF = "off"  # a rules file may switch a rule off


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: str  # default
    checks: str  # one line for the README table
    threshold: str = ""  # the Rules attribute(s) it reads, for the README table
    source: str = ""  # where the default comes from (round-2 rules)


_R = RuleInfo
CATALOG: tuple[RuleInfo, ...] = (
    _R("qualification.denied", "high", "the GC's qualification status is DENIED (message carries `denialReason`)"),
    _R("qualification.expired", "high", "status is EXPIRED"),
    _R("qualification.lapsed", "high", "`dateExpires` (its day in `--timezone`) is before `--as-of` though the status is not EXPIRED"),
    _R("qualification.missing", "medium", "no qualification status on the record"),
    _R("qualification.unknown", "medium", "a status this version does not know (shown raw)"),
    _R("qualification.exceptions", "medium", "status is QUALIFIED_WITH_EXCEPTIONS (message carries the summary)"),
    _R("qualification.expiring", "medium", "expires within N days of `--as-of`", "qualification.expiry_warning_days = 30"),
    _R("qualification.before_project_end", "low", "expires before `--project-end`"),
    _R("qualification.no_expiry", "low", "a current status with no `dateExpires`"),
    _R("safety.fatality", "high", "a death (OSHA 300A box G) in the as-of year or the N calendar years before it", "safety.fatality_lookback_years = 3"),
    _R("capacity.single_limit", "high", "award > internal single limit"),
    _R("capacity.total_limit", "high", "backlog + award > internal total limit"),
    _R("capacity.bonding_single", "high", "award > single-project bonding capacity"),
    _R("capacity.bonding_aggregate", "medium", "backlog + award > aggregate bonding capacity"),
    _R("capacity.largest_project", "medium", "award > R x the largest completed reference", "capacity.largest_project_ratio = 2"),
    _R("capacity.unchecked", "low", "with `--project-value`: a limit or capacity is not provided, so the check cannot be made"),
    _R("safety.emr_critical", "high", "latest EMR above the critical level", "safety.emr_critical = 1.25"),
    _R("safety.emr_caution", "medium", "latest EMR above the caution level (and not critical)", "safety.emr_caution = 1.0"),
    _R("safety.emr_average", "medium", "average of the latest 3 EMRs (at least 2) above the caution level", "safety.emr_caution = 1.0"),
    _R("safety.trir_high", "medium", "pooled TRIR of the latest N OSHA years above the threshold", "safety.trir_caution = 3.6, safety.pooled_years = 3"),
    _R("safety.dart_high", "medium", "pooled DART of the latest N OSHA years above the threshold", "safety.dart_caution = 2.2, safety.pooled_years = 3"),
    _R("safety.emr_missing", "low", "no EMR submitted"),
    _R("safety.osha_missing", "low", "no OSHA 300A results submitted"),
    _R("safety.low_hours", "low", "an OSHA year with fewer hours than the threshold (its rates are unstable)", "safety.low_hours = 100000"),
    _R("safety.no_hours", "low", "an OSHA year with 0 or no hours (it has no rates)"),
    _R("insurance.missing", "high", "a required insurance type is not provided (severity per type: general liability and workers' compensation high, other required types medium)", "insurance.required, insurance.severity"),
    _R("insurance.expired", "high", "a policy expired before `--as-of`"),
    _R("insurance.below_minimum", "medium", "a required policy's per-occurrence or aggregate limit is below the minimum", "insurance.minimums"),
    _R("insurance.not_applicable", "medium", "a required type is marked not applicable (severity per type, as for `insurance.missing`: GL and WC high, others medium)", "insurance.severity"),
    _R("insurance.before_project_end", "medium", "a policy expires before `--project-end`"),
    _R("insurance.expiring", "medium", "a policy expires within N days of `--as-of`", "insurance.expiry_warning_days = 30"),
    _R("insurance.minimum_unchecked", "low", "minimums are in another currency and no rate converts them", "insurance.currency = \"USD\""),
    _R("financial.loc_utilisation", "medium", "line of credit outstanding / total above the threshold", "financial.loc_utilisation_caution = 0.75"),
    _R("financial.revenue_drop", "medium", "latest revenue fell more than the threshold year over year", "financial.revenue_drop_caution = -0.20"),
    _R("certificate.expired", "low", "a certificate expired before `--as-of`"),
    _R("money.currency_assumed", "low", "`submissionCurrency` is missing: amounts are taken as USD"),
)
# Round-2 rules ("Verdicts a preconstruction manager would sign"). Listed apart so the existing
# ids keep their place; ``CATALOG`` below puts each where it belongs in order of importance.
NEW_RULES: tuple[RuleInfo, ...] = (
    _R("legal.termination_default", "high", "a custom question on terminations, defaults or surety takeovers answered yes (the answer is quoted)", "legal.keywords.termination_default", source="a default costs 1.5-3x the subcontract value [O11][O20]"),
    _R("legal.bankruptcy", "high", "a custom question on bankruptcy, insolvency or receivership answered yes", "legal.keywords.bankruptcy", source="surety/GC character screen [O11]"),
    _R("legal.debarment", "high", "a custom question on debarment or suspension from public work answered yes", "legal.keywords.debarment", source="SAM.gov exclusion is part of the character check [O11][O23]"),
    _R("capacity.award_exceeds_revenue", "high", "award above the sub's latest annual revenue (the job is bigger than a year of its whole volume)", source="surety practice: a single job is a fraction of annual volume [O5][O19]; TradeTapp SPC <= 25% of revenue [S5]"),
    _R("capacity.award_unconverted", "medium", "the award is in another currency than the record and no `--fx-rates` rate converts it: no capacity check could be made", source="design.md section 4: amounts are compared in one currency with a printed rate"),
    _R("capacity.award_revenue_share", "medium", "award above a share of the latest annual revenue", "capacity.award_revenue_share = 0.25", source="TradeTapp single-project capacity uses 25% of average revenue [S5]"),
    _R("legal.liquidated_damages", "medium", "a custom question on liquidated damages answered yes or with an amount above 0", "legal.keywords.liquidated_damages", source="prequal questionnaires (AIA A305 Exhibit B) [O25]"),
    _R("legal.osha_citation", "medium", "a custom question on OSHA (or provincial) citations, violations or penalties answered yes or above 0; or a yes whose answer mentions a citation", "legal.keywords.osha_citation", source="Highwire: serious/repeat/willful citations are flags [H7]; no willful citations in 3 years [O15]"),
    _R("legal.arbitration", "medium", "a custom question on arbitration or mediation answered yes or above 0", "legal.keywords.arbitration", source="AIA A305 / ConsensusDocs 721 'Conflicts' [O25][O26]"),
    _R("legal.liens", "medium", "a custom question on liens answered yes", "legal.keywords.liens", source="AIA A305 Exhibit B [O25]"),
    _R("legal.judgments", "medium", "a custom question on judgments answered yes", "legal.keywords.judgments", source="AIA A305 Exhibit B [O25]"),
    _R("legal.litigation", "medium", "a custom question on litigation or lawsuits answered yes (or a text that is not a plain no)", "legal.keywords.litigation", source="AIA A305 / ConsensusDocs 721 'Conflicts' [O25][O26]"),
    _R("legal.claims", "medium", "a custom question on claims, disputes or back-charges answered yes or above 0", "legal.keywords.claims", source="AIA A305 / ConsensusDocs 721 'Conflicts' [O25][O26]"),
    _R("safety.trir_trade", "medium", "pooled TRIR above N x the BLS rate of the sub's trade (CSI codes -> NAICS; parent NAICS or all construction when the trade has no figure)", "safety.trade_multiple = 1.25", source="BLS SOII Table 1 by NAICS [O17][O18]; Highwire flags >25% above the industry average [H7]"),
    _R("safety.dart_trade", "medium", "pooled DART above N x the BLS DART rate of the sub's trade (same fallback)", "safety.trade_multiple = 1.25", source="BLS SOII Table 1 by NAICS [O17]; Highwire >25% [H7]"),
    _R("evidence.emr_missing", "medium", "no EMR at all (none submitted, or every year submitted as 0)", source="EMR is a standard prequal screen [H7][O15]"),
    _R("evidence.osha_missing", "medium", "no OSHA year with hours worked at all", source="OSHA 300A summaries are a standard prequal requirement [H7][O15]"),
    _R("staleness.record", "medium", "the record's `updatedAt` is older than N months before `--as-of`", "evidence.max_record_age_months = 12", source="house default: annual requalification"),
    _R("staleness.emr", "medium", "the latest EMR year is older than the newest year one can expect at `--as-of`", "evidence.max_year_age = 1, evidence.year_grace_months = 3", source="house default; OSHA 300A posted by 1 Feb, e-filed by 2 Mar (29 CFR 1904.32, 1904.41)"),
    _R("staleness.osha", "medium", "the latest OSHA 300A year is older than expected at `--as-of`", "evidence.max_year_age = 1, evidence.year_grace_months = 3", source="house default; OSHA 300A posted by 1 Feb, e-filed by 2 Mar (29 CFR 1904.32, 1904.41)"),
    _R("staleness.revenue", "medium", "the latest revenue year is older than expected at `--as-of`", "evidence.max_year_age = 1, evidence.year_grace_months = 3", source="house default"),
    _R("plausibility.revenue_vs_largest_project", "medium", "latest annual revenue below R x the largest completed project: check the figures", "plausibility.min_revenue_to_largest_project = 0.5", source="surety rule of thumb: single job <= 1.5-2x the largest completed [O5][O19]; the reverse check catches typing slips"),
    _R("plausibility.revenue_vs_backlog", "medium", "backlog above R x the latest annual revenue: check the figures", "plausibility.max_backlog_to_revenue = 3", source="house default: backlog is typically below a year or two of revenue"),
    _R("capacity.total_limit_reported_backlog", "low", "the internal total limit was checked against the sub's self-reported total backlog (no `--gc-backlog` row for it)", source="COMPASS aggregate contract limit = active contracts with the GC [C9]; TradeTapp internal backlog [S7]"),
    _R("evidence.emr_not_submitted", "low", "an EMR year submitted as 0 or blank: shown as not submitted, kept out of the latest value, average, trend, charts and sorting", source="an EMR of 0 does not exist (design.md section 5)"),
    _R("evidence.revenue_not_submitted", "low", "a revenue year submitted as 0 or blank: shown as not submitted, kept out of the trend", source="design.md section 5"),
    _R("safety.rates_unstable", "low", "the latest N OSHA years are all below the low-hours threshold and even their pooled hours are: the pooled rates are shown but not judged", "safety.low_hours = 100000", source="design.md section 4: few hours make rates unstable"),
)
_BEFORE = {  # new id -> the existing id it is listed before (importance order)
    "legal.termination_default": "capacity.single_limit",
    "legal.bankruptcy": "capacity.single_limit",
    "legal.debarment": "capacity.single_limit",
    "capacity.award_exceeds_revenue": "capacity.bonding_aggregate",
    "capacity.award_unconverted": "capacity.bonding_aggregate",
    "capacity.award_revenue_share": "capacity.largest_project",
    "legal.liquidated_damages": "safety.emr_critical",
    "legal.osha_citation": "safety.emr_critical",
    "legal.arbitration": "safety.emr_critical",
    "legal.liens": "safety.emr_critical",
    "legal.judgments": "safety.emr_critical",
    "legal.litigation": "safety.emr_critical",
    "legal.claims": "safety.emr_critical",
    "safety.trir_trade": "safety.trir_high",
    "safety.dart_trade": "safety.trir_high",
    "evidence.emr_missing": "safety.emr_missing",
    "evidence.osha_missing": "safety.emr_missing",
    "staleness.record": "insurance.missing",
    "staleness.emr": "insurance.missing",
    "staleness.osha": "insurance.missing",
    "staleness.revenue": "insurance.missing",
    "plausibility.revenue_vs_largest_project": "insurance.missing",
    "plausibility.revenue_vs_backlog": "insurance.missing",
    "capacity.total_limit_reported_backlog": "certificate.expired",
    "evidence.emr_not_submitted": "certificate.expired",
    "evidence.revenue_not_submitted": "certificate.expired",
    "safety.rates_unstable": "safety.low_hours",
}


def _ordered(old: tuple[RuleInfo, ...], new: tuple[RuleInfo, ...]) -> tuple[RuleInfo, ...]:
    out: list[RuleInfo] = []
    for r in old:
        out.extend(n for n in new if _BEFORE[n.id] == r.id)
        out.append(r)
    return tuple(out)


# Every rule, new ones in their place. ``CATALOG`` stays the README's current table until the new
# rows (reporter/data/RULES-README-ROWS.md) are pasted into the README; then ``CATALOG`` becomes
# ``FULL_CATALOG``. Severity overrides and the verdict's order already know every id.
FULL_CATALOG = _ordered(CATALOG, NEW_RULES)
RULE_IDS: dict[str, RuleInfo] = {r.id: r for r in FULL_CATALOG}
PRIORITY: dict[str, int] = {r.id: i for i, r in enumerate(FULL_CATALOG)}


# Legal, claims and citations (``reporter.transform.legal``): category -> label, in the order a
# question is matched (the most specific and most serious first).
LEGAL_CATEGORIES: dict[str, str] = {
    "termination_default": "Termination or default",
    "bankruptcy": "Bankruptcy",
    "debarment": "Debarment",
    "liquidated_damages": "Liquidated damages",
    "osha_citation": "OSHA citations",
    "arbitration": "Arbitration",
    "liens": "Liens",
    "judgments": "Judgments",
    "litigation": "Litigation",
    "claims": "Claims",
}
# Keywords match the start of a word (case and accents ignored); French terms for Quebec records.
LEGAL_KEYWORDS: dict[str, tuple[str, ...]] = {
    "termination_default": ("terminat", "default", "surety ever completed", "surety completed", "takeover",
                            "taken over", "resili", "en defaut"),
    "bankruptcy": ("bankrupt", "insolven", "receivership", "chapter 7", "chapter 11", "creditor protection",
                   "faillite"),
    "debarment": ("debar", "suspended from public", "suspended or debarred", "excluded from public",
                  "exclusion list", "ineligible for public"),
    "liquidated_damages": ("liquidated damages", "penalites de retard"),
    "osha_citation": ("citation", "cited", "osha violation", "osha penalt", "osha fine", "willful", "serious violation",
                      "notice of violation", "cnesst", "wsib order", "constat d'infraction"),
    "arbitration": ("arbitrat", "mediation", "arbitrage"),
    "liens": ("lien", "stop notice", "hypotheque legale"),
    "judgments": ("judgment", "judgement", "jugement", "garnish"),
    "litigation": ("litigat", "lawsuit", "law suit", "sued", "legal action", "legal proceeding", "court case",
                   "litige", "poursuite"),
    "claims": ("claim", "dispute", "backcharg", "back charg", "reclamation"),
}
# Insurance: missing or not-applicable GL or WC is a stop for on-site work; other required types
# are a caution. A rules file's [insurance.severity] entries win over the [severities] table.
INSURANCE_SEVERITY: dict[str, str] = {"GENERAL_LIABILITY": "high", "WORKERS_COMPENSATION": "high"}


@dataclass(frozen=True)
class InsuranceMinimum:
    per_occurrence: Decimal | None = None
    aggregate: Decimal | None = None


@dataclass(frozen=True)
class Rules:
    # Safety
    emr_caution: Decimal = Decimal("1.0")
    emr_critical: Decimal = Decimal("1.25")
    trir_caution: Decimal = Decimal("3.6")  # 1.5x the BLS NAICS 23 average (~2.4)
    dart_caution: Decimal = Decimal("2.2")  # 1.5x the BLS NAICS 23 DART (~1.5)
    fatality_lookback_years: int = 3
    low_hours: int = 100_000
    pooled_years: int = 3
    # Qualification
    expiry_warning_days: int = 30
    # Capacity and money
    largest_project_ratio: Decimal = Decimal("2")
    loc_utilisation_caution: Decimal = Decimal("0.75")
    revenue_drop_caution: Decimal = Decimal("-0.20")
    # Insurance
    required_insurance: tuple[str, ...] = (
        "GENERAL_LIABILITY",
        "AUTOMOBILE_LIABILITY",
        "UMBRELLA_EXCESS",
        "WORKERS_COMPENSATION",
    )
    insurance_minimums: dict[str, InsuranceMinimum] = field(
        default_factory=lambda: {
            "GENERAL_LIABILITY": InsuranceMinimum(Decimal(1_000_000), Decimal(2_000_000)),
            "AUTOMOBILE_LIABILITY": InsuranceMinimum(Decimal(1_000_000), None),
            "UMBRELLA_EXCESS": InsuranceMinimum(Decimal(5_000_000), None),
        }
    )
    insurance_currency: str = "USD"  # the currency the minimums are written in
    insurance_expiry_warning_days: int = 30
    certificate_expiry_warning_days: int = 30
    # Insurance severity per type for insurance.missing and insurance.not_applicable.
    insurance_severity: dict[str, str] = field(default_factory=lambda: dict(INSURANCE_SEVERITY))
    insurance_severity_other: str = "medium"  # required types not in insurance_severity
    insurance_severity_file: dict[str, str] = field(default_factory=dict)  # set by a rules file
    # Trade-aware safety (reporter.transform.trades): flag above N x the trade's BLS rate
    # (Highwire flags >25% above the industry average [H7]).
    trade_multiple: Decimal = Decimal("1.25")
    trade_benchmarks: bool = True
    # Capacity against revenue (TradeTapp's single-project capacity uses 25% of revenue [S5]).
    award_revenue_share: Decimal = Decimal("0.25")
    # Plausibility ("check the figures").
    min_revenue_to_largest_project: Decimal = Decimal("0.5")
    max_backlog_to_revenue: Decimal = Decimal("3")
    # Staleness (reporter.transform.evidence).
    max_record_age_months: int = 12
    max_year_age: int = 1
    year_grace_months: int = 3
    # Legal, claims and citations keywords by category.
    legal_keywords: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(LEGAL_KEYWORDS))
    # Severity overrides by rule id (high | medium | low | off); defaults are in CATALOG.
    severities: dict[str, str] = field(default_factory=dict)

    def severity(self, rule: str, default: str | None = None) -> str:
        """The severity of ``rule``: the override, else ``default``, else the catalog's."""
        if rule in self.severities:
            return self.severities[rule]
        if default is not None:
            return default
        return RULE_IDS[rule].severity

    def insurance_gap_severity(self, rule: str, insurance_type: str) -> str:
        """Severity of ``insurance.missing`` / ``insurance.not_applicable`` for one type: the rules
        file's [insurance.severity] entry, else a [severities] override of the rule, else the
        per-type default (GL and WC high), else ``insurance_severity_other`` (medium)."""
        itype = insurance_type.strip().upper()
        if itype in self.insurance_severity_file:
            return self.insurance_severity_file[itype]
        if rule in self.severities:
            return self.severities[rule]
        return self.insurance_severity.get(itype, self.insurance_severity_other)


DEFAULT_RULES = Rules()
