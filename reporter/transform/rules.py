"""Transform stage: the screening rules (thresholds and severities) a GC can override.

Input: defaults from design.md section 4, optionally overridden by a TOML rules file (``--rules``).
Output: a frozen ``Rules`` value read by ``reporter.transform.flags``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

SEVERITIES = ("high", "medium", "low")


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
    insurance_expiry_warning_days: int = 30
    certificate_expiry_warning_days: int = 30
    # Severity of each rule id; a GC may raise or lower any of them.
    severities: dict[str, str] = field(default_factory=dict)

    def severity(self, rule: str, default: str) -> str:
        return self.severities.get(rule, default)


DEFAULT_RULES = Rules()
