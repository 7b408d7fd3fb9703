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
    _R("insurance.missing", "high", "a required insurance type is not provided", "insurance.required"),
    _R("insurance.expired", "high", "a policy expired before `--as-of`"),
    _R("insurance.below_minimum", "medium", "a required policy's per-occurrence or aggregate limit is below the minimum", "insurance.minimums"),
    _R("insurance.not_applicable", "medium", "a required type is marked not applicable"),
    _R("insurance.before_project_end", "medium", "a policy expires before `--project-end`"),
    _R("insurance.expiring", "medium", "a policy expires within N days of `--as-of`", "insurance.expiry_warning_days = 30"),
    _R("insurance.minimum_unchecked", "low", "minimums are in another currency and no rate converts them", "insurance.currency = \"USD\""),
    _R("financial.loc_utilisation", "medium", "line of credit outstanding / total above the threshold", "financial.loc_utilisation_caution = 0.75"),
    _R("financial.revenue_drop", "medium", "latest revenue fell more than the threshold year over year", "financial.revenue_drop_caution = -0.20"),
    _R("certificate.expired", "low", "a certificate expired before `--as-of`"),
    _R("money.currency_assumed", "low", "`submissionCurrency` is missing: amounts are taken as USD"),
)
RULE_IDS: dict[str, RuleInfo] = {r.id: r for r in CATALOG}
PRIORITY: dict[str, int] = {r.id: i for i, r in enumerate(CATALOG)}


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
    # Severity overrides by rule id (high | medium | low | off); defaults are in CATALOG.
    severities: dict[str, str] = field(default_factory=dict)

    def severity(self, rule: str, default: str | None = None) -> str:
        """The severity of ``rule``: the override, else ``default``, else the catalog's."""
        if rule in self.severities:
            return self.severities[rule]
        if default is not None:
            return default
        return RULE_IDS[rule].severity


DEFAULT_RULES = Rules()
