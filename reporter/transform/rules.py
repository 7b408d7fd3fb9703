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
BASE_CATALOG: tuple[RuleInfo, ...] = (  # the round-1 rules, in their order
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
    _R("safety.trir_trade", "medium", "pooled TRIR (low-hours years left out) above N x the BLS rate of the sub's trade (CSI codes -> NAICS; parent NAICS, else all construction when the trade has no figure: then low by default, a weaker benchmark, with the flat `safety.trir_caution` still at medium)", "safety.trade_multiple = 1.25", source="BLS SOII Table 1 by NAICS [O17][O18]; Highwire flags >25% above the industry average [H7]"),
    _R("safety.dart_trade", "medium", "pooled DART above N x the BLS DART rate of the sub's trade (same fallback and severity; the bundled table has no sourced DART row yet, so it stays silent and page one says so)", "safety.trade_multiple = 1.25", source="BLS SOII Table 1 by NAICS [O17]; Highwire >25% [H7]"),
    _R("evidence.emr_missing", "medium", "no EMR at all (none submitted, or every year submitted as 0)", source="EMR is a standard prequal screen [H7][O15]"),
    _R("evidence.osha_missing", "medium", "no OSHA year with hours worked at all", source="OSHA 300A summaries are a standard prequal requirement [H7][O15]"),
    _R("staleness.record", "medium", "the record's `updatedAt` is older than N months before `--as-of`", "evidence.max_record_age_months = 12", source="house default: annual requalification"),
    _R("staleness.emr", "medium", "the latest EMR year is older than the newest year one can expect at `--as-of`", "evidence.max_year_age = 1, evidence.year_grace_months = 3", source="house default; OSHA 300A posted by 1 Feb, e-filed by 2 Mar (29 CFR 1904.32, 1904.41)"),
    _R("staleness.osha", "medium", "the latest OSHA 300A year is older than expected at `--as-of`", "evidence.max_year_age = 1, evidence.year_grace_months = 3", source="house default; OSHA 300A posted by 1 Feb, e-filed by 2 Mar (29 CFR 1904.32, 1904.41)"),
    _R("staleness.revenue", "medium", "the latest revenue year is older than expected at `--as-of`", "evidence.max_year_age = 1, evidence.year_grace_months = 3", source="house default"),
    _R("plausibility.revenue_vs_largest_project", "medium", "latest annual revenue below R x the largest completed project: check the figures", "plausibility.min_revenue_to_largest_project = 0.5", source="surety rule of thumb: single job <= 1.5-2x the largest completed [O5][O19]; the reverse check catches typing slips"),
    _R("plausibility.revenue_vs_backlog", "medium", "backlog above R x the latest annual revenue: check the figures", "plausibility.max_backlog_to_revenue = 3", source="house default: backlog is typically below a year or two of revenue"),
    _R("capacity.total_limit_reported_backlog", "low", "a `--gc-backlog` file was given but has no row for the sub: the internal total limit was checked against its self-reported total backlog (without the option the capacity row says so, no flag)", source="COMPASS aggregate contract limit = active contracts with the GC [C9]; TradeTapp internal backlog [S7]"),
    _R("evidence.emr_not_submitted", "low", "an EMR year submitted as 0 or blank: shown as not submitted, kept out of the latest value, average, trend, charts and sorting", source="an EMR of 0 does not exist (design.md section 5)"),
    _R("evidence.revenue_not_submitted", "low", "a revenue year submitted as 0 or blank: shown as not submitted, kept out of the trend", source="design.md section 5"),
    _R("safety.rates_unstable", "low", "the latest N OSHA years are all below the low-hours threshold and even their pooled hours are: the pooled rates are shown but not judged", "safety.low_hours = 100000", source="design.md section 4: few hours make rates unstable"),
)
# TradeTapp's own analysis (issue 17: ``reporter.transform.tradetapp_rules``): the GC's flags from
# ``GET /flags`` and the figures of ``GET /financials/{id}``.
TRADETAPP_RULES: tuple[RuleInfo, ...] = (
    _R("tradetapp.gc_flag_high", "high", "an ACTIVE flag of HIGH priority that the GC's people raised on the sub in TradeTapp (its name, summary, who raised it and when); RESOLVED flags never raise one", source="the GC's own risk decision, TradeTapp flags (GET /flags) [S10]"),
    _R("tradetapp.single_capacity", "high", "award above TradeTapp's recommended single-project capacity (`keyMetrics.singleProjectCapacity`; both figures in the message)", source="TradeTapp SPC = min(1-1.5x largest project, 4x WC, 25% of revenue) [S5]"),
    _R("tradetapp.gc_flag_medium", "medium", "an ACTIVE GC flag of MEDIUM priority (or a priority this version does not know)", source="TradeTapp flags [S10]"),
    _R("tradetapp.aggregate_capacity", "medium", "backlog + award above TradeTapp's recommended aggregate total capacity (`keyMetrics.aggregateTotalCapacity`)", source="TradeTapp ATC = min(10x equity, WC/7.5%, 125% of revenue) [S5]"),
    _R("tradetapp.benchmark_very_poor", "medium", "a TradeTapp benchmark percentile (debt, liquidity, profitability, turnover, overall) in the 'very poor' band", "tradetapp.benchmark_very_poor = 30", source="TradeTapp's bands: <30 very poor, 30-40 poor, 40-50 fair, 50-70 great, >70 excellent [S3]"),
    _R("tradetapp.current_ratio", "medium", "the latest statement's current ratio below the minimum", "tradetapp.current_ratio_min = 1.0", source="current ratio >= 1.0, preferred >= 1.3 [O21][O15]"),
    _R("tradetapp.working_capital", "medium", "TradeTapp's working capital negative, or (with `--project-value`) below a share of the award", "tradetapp.working_capital_share = 0.05", source="working capital 5-10% of the project value [O21][O15]"),
    _R("tradetapp.debt_to_equity", "medium", "the latest statement's debt to equity above the maximum", "tradetapp.debt_to_equity_max = 2.0", source="D/E < 2.0 ok, < 1.5 preferred [O21][O15]"),
    _R("tradetapp.net_loss", "medium", "the latest statement's net income below 0", source="house default: a loss year erodes the equity behind the capacity [S5]"),
    _R("tradetapp.statement_age", "medium", "the latest statement closes more than N months before `--as-of`", "tradetapp.statement_max_age_months = 18", source="house default: a fiscal year's statement is due within about 6 months of its close"),
    _R("tradetapp.statement_type", "medium", "the latest statement's quality is below what the award calls for: COMPILED or tax-return above the reviewed threshold, REVIEWED above the audited one", "tradetapp.reviewed_above = 500000, tradetapp.audited_above = 2000000", source="statement quality: compiled < $500K, reviewed $500K-2M, audited above [O21][O15]"),
    _R("tradetapp.gc_flag_low", "low", "an ACTIVE GC flag of LOW priority", source="TradeTapp flags [S10]"),
)
_TRADETAPP_BEFORE = {
    "tradetapp.gc_flag_high": "qualification.denied",
    "tradetapp.single_capacity": "capacity.bonding_single",
    "tradetapp.gc_flag_medium": "qualification.exceptions",
    "tradetapp.aggregate_capacity": "capacity.bonding_aggregate",
    "tradetapp.benchmark_very_poor": "financial.loc_utilisation",
    "tradetapp.current_ratio": "financial.loc_utilisation",
    "tradetapp.working_capital": "financial.loc_utilisation",
    "tradetapp.debt_to_equity": "financial.loc_utilisation",
    "tradetapp.net_loss": "financial.loc_utilisation",
    "tradetapp.statement_age": "financial.loc_utilisation",
    "tradetapp.statement_type": "financial.loc_utilisation",
    "tradetapp.gc_flag_low": "certificate.expired",
}
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


# Every rule, new ones in their place: the README's rule table (``CATALOG``) and the verdict's order.
_BEFORE.update(_TRADETAPP_BEFORE)
NEW_RULES = NEW_RULES + TRADETAPP_RULES  # round 2, then TradeTapp's analysis (issue 17)
FULL_CATALOG = _ordered(BASE_CATALOG, NEW_RULES)
CATALOG = FULL_CATALOG  # the README's rule table lists every rule
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
    # TradeTapp's analysis (reporter.transform.tradetapp_rules; sources in TRADETAPP_RULES).
    tradetapp_benchmark_very_poor: Decimal = Decimal("30")
    tradetapp_current_ratio_min: Decimal = Decimal("1.0")
    tradetapp_working_capital_share: Decimal = Decimal("0.05")
    tradetapp_debt_to_equity_max: Decimal = Decimal("2.0")
    tradetapp_statement_max_age_months: int = 18
    tradetapp_reviewed_above: Decimal = Decimal("500000")
    tradetapp_audited_above: Decimal = Decimal("2000000")
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
