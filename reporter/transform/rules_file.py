"""Transform stage (settings side): read a GC's rules file (``--rules FILE``, TOML).

Input: the path of a TOML file (read with the standard library's ``tomllib``; floats are read as
``Decimal``). Output: a ``Rules`` value: the defaults with the file's values laid over them.
Any unknown key, wrong type or unknown severity is a ``ConfigError`` of one line that names the
file and the key. This module is the only transform module that reads a file; the transform
functions themselves stay pure.

The format (every key optional; README "Rules file" has a commented example)::

    [qualification]  expiry_warning_days
    [safety]         emr_caution emr_critical trir_caution dart_caution fatality_lookback_years
                     low_hours pooled_years
    [capacity]       largest_project_ratio
    [financial]      loc_utilisation_caution revenue_drop_caution
    [insurance]      required currency expiry_warning_days
    [insurance.minimums.<TYPE>]  per_occurrence aggregate
    [certificates]   expiry_warning_days
    [safety]         trade_multiple trade_benchmarks (round 2)
    [capacity]       award_revenue_share
    [plausibility]   min_revenue_to_largest_project max_backlog_to_revenue
    [evidence]       max_record_age_months max_year_age year_grace_months
    [insurance.severity]  <TYPE> = "high" | "medium" | "low" | "off"; other = ...
    [legal.keywords] <category> = ["keyword", ...]   (replaces that category's defaults)
    [tradetapp]      benchmark_very_poor current_ratio_min working_capital_share debt_to_equity_max
                     statement_max_age_months reviewed_above audited_above (issue 17)
    [severities]     "<rule id>" = "high" | "medium" | "low" | "off"
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from reporter.errors import ConfigError, CurrencyError
from reporter.transform.money import validate_currency
from reporter.transform.rules import (
    DEFAULT_RULES,
    LEGAL_CATEGORIES,
    OFF,
    RULE_IDS,
    SEVERITIES,
    InsuranceMinimum,
    Rules,
)

# (section, key) -> (Rules attribute, kind)
_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("qualification", "expiry_warning_days"): ("expiry_warning_days", "days"),
    ("safety", "emr_caution"): ("emr_caution", "number"),
    ("safety", "emr_critical"): ("emr_critical", "number"),
    ("safety", "trir_caution"): ("trir_caution", "number"),
    ("safety", "dart_caution"): ("dart_caution", "number"),
    ("safety", "fatality_lookback_years"): ("fatality_lookback_years", "count"),
    ("safety", "low_hours"): ("low_hours", "count"),
    ("safety", "pooled_years"): ("pooled_years", "positive"),
    ("capacity", "largest_project_ratio"): ("largest_project_ratio", "number"),
    ("financial", "loc_utilisation_caution"): ("loc_utilisation_caution", "number"),
    ("financial", "revenue_drop_caution"): ("revenue_drop_caution", "signed"),
    ("insurance", "required"): ("required_insurance", "types"),
    ("insurance", "currency"): ("insurance_currency", "currency"),
    ("insurance", "expiry_warning_days"): ("insurance_expiry_warning_days", "days"),
    ("certificates", "expiry_warning_days"): ("certificate_expiry_warning_days", "days"),
    ("safety", "trade_multiple"): ("trade_multiple", "number"),
    ("safety", "trade_benchmarks"): ("trade_benchmarks", "bool"),
    ("capacity", "award_revenue_share"): ("award_revenue_share", "number"),
    ("plausibility", "min_revenue_to_largest_project"): ("min_revenue_to_largest_project", "number"),
    ("plausibility", "max_backlog_to_revenue"): ("max_backlog_to_revenue", "number"),
    ("evidence", "max_record_age_months"): ("max_record_age_months", "positive"),
    ("evidence", "max_year_age"): ("max_year_age", "positive"),
    ("evidence", "year_grace_months"): ("year_grace_months", "months"),
    # TradeTapp's analysis (issue 17, reporter.transform.tradetapp_rules)
    ("tradetapp", "benchmark_very_poor"): ("tradetapp_benchmark_very_poor", "number"),
    ("tradetapp", "current_ratio_min"): ("tradetapp_current_ratio_min", "number"),
    ("tradetapp", "working_capital_share"): ("tradetapp_working_capital_share", "number"),
    ("tradetapp", "debt_to_equity_max"): ("tradetapp_debt_to_equity_max", "number"),
    ("tradetapp", "statement_max_age_months"): ("tradetapp_statement_max_age_months", "positive"),
    ("tradetapp", "reviewed_above"): ("tradetapp_reviewed_above", "number"),
    ("tradetapp", "audited_above"): ("tradetapp_audited_above", "number"),
}
_SECTIONS = {s for s, _ in _FIELDS} | {"severities", "legal"}
_KIND_TEXT = {
    "days": "a whole number of days (>= 0)",
    "count": "a whole number (>= 0)",
    "positive": "a whole number (>= 1)",
    "number": "a number (>= 0)",
    "signed": "a number",
    "types": "a list of insurance type codes (strings)",
    "currency": "an ISO 4217 currency code",
    "amount": "an amount (>= 0)",
    "bool": "true or false",
    "months": "a whole number of months (0-12)",
    "keywords": "a list of keywords (non-empty strings)",
}


class _Bad(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")


def _typename(v: Any) -> str:
    return {bool: "a boolean", int: "an integer", Decimal: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(v), type(v).__name__)


def _value(key: str, kind: str, v: Any) -> Any:
    def bad() -> _Bad:
        return _Bad(key, f"expected {_KIND_TEXT[kind]}, got {_typename(v)} {v!r}")

    if kind in ("days", "count", "positive", "months"):
        if isinstance(v, bool) or not isinstance(v, int) or v < (1 if kind == "positive" else 0) or (kind == "months" and v > 12):
            raise bad()
        return v
    if kind == "bool":
        if not isinstance(v, bool):
            raise bad()
        return v
    if kind == "keywords":
        if not isinstance(v, list) or not v or not all(isinstance(t, str) and t.strip() for t in v):
            raise bad()
        return tuple(dict.fromkeys(t.strip() for t in v))
    if kind in ("number", "signed", "amount"):
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            raise bad()
        d = Decimal(v)
        if not d.is_finite() or (kind != "signed" and d < 0):
            raise bad()
        return d
    if kind == "types":
        if not isinstance(v, list) or not all(isinstance(t, str) and t.strip() for t in v):
            raise bad()
        return tuple(dict.fromkeys(t.strip().upper() for t in v))
    if kind == "currency":
        if not isinstance(v, str):
            raise bad()
        try:
            return validate_currency(v, where=key)
        except CurrencyError as exc:
            raise _Bad(key, str(exc).split(": ", 1)[-1]) from None
    raise AssertionError(kind)


def _minimums(table: Any, base: dict[str, InsuranceMinimum]) -> dict[str, InsuranceMinimum]:
    if not isinstance(table, dict):
        raise _Bad("insurance.minimums", f"expected a table, got {_typename(table)}")
    out = dict(base)
    for itype, spec in table.items():
        key = f"insurance.minimums.{itype}"
        if not isinstance(spec, dict):
            raise _Bad(key, f"expected a table with per_occurrence / aggregate, got {_typename(spec)}")
        unknown = set(spec) - {"per_occurrence", "aggregate"}
        if unknown:
            raise _Bad(f"{key}.{sorted(unknown)[0]}", "unknown key (expected per_occurrence or aggregate)")
        out[itype.strip().upper()] = InsuranceMinimum(
            per_occurrence=_value(f"{key}.per_occurrence", "amount", spec["per_occurrence"]) if "per_occurrence" in spec else None,
            aggregate=_value(f"{key}.aggregate", "amount", spec["aggregate"]) if "aggregate" in spec else None,
        )
    return out


def _insurance_severity(table: Any) -> dict[str, Any]:
    """[insurance.severity]: TYPE = "high" | "medium" | "low" | "off"; ``other`` for the rest."""
    if not isinstance(table, dict):
        raise _Bad("insurance.severity", f"expected a table, got {_typename(table)}")
    per_type: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for itype, sev in table.items():
        key = f"insurance.severity.{itype}"
        if not isinstance(sev, str) or sev.lower() not in (*SEVERITIES, OFF):
            raise _Bad(key, f"unknown severity {sev!r} (use high, medium, low or off)")
        if itype == "other":
            changes["insurance_severity_other"] = sev.lower()
        else:
            per_type[itype.strip().upper()] = sev.lower()
    changes["insurance_severity_file"] = per_type
    return changes


def _legal(table: Any, base: Rules) -> dict[str, Any]:
    """[legal.keywords]: category = ["keyword", ...]; a category given replaces its default list."""
    unknown = set(table) - {"keywords"}
    if unknown:
        raise _Bad(f"legal.{sorted(unknown)[0]}", "unknown key (expected the [legal.keywords] table)")
    keywords = table.get("keywords", {})
    if not isinstance(keywords, dict):
        raise _Bad("legal.keywords", f"expected a table, got {_typename(keywords)}")
    out = dict(base.legal_keywords)
    for cat, words in keywords.items():
        if cat not in LEGAL_CATEGORIES:
            raise _Bad(f"legal.keywords.{cat}", "unknown category (expected one of " + ", ".join(LEGAL_CATEGORIES) + ")")
        out[cat] = _value(f"legal.keywords.{cat}", "keywords", words)
    return {"legal_keywords": out}


def _severities(table: Any) -> dict[str, str]:
    if not isinstance(table, dict):
        raise _Bad("severities", f"expected a table, got {_typename(table)}")
    out = {}
    for rule, sev in table.items():
        key = f'severities."{rule}"'
        if rule not in RULE_IDS:
            raise _Bad(key, "unknown rule id (see the README's rule table)")
        if not isinstance(sev, str) or sev.lower() not in (*SEVERITIES, OFF):
            raise _Bad(key, f"unknown severity {sev!r} (use high, medium, low or off)")
        out[rule] = sev.lower()
    return out


def rules_from_dict(doc: dict[str, Any], base: Rules = DEFAULT_RULES) -> Rules:
    """Lay a decoded rules document over ``base``; raises ``_Bad`` naming the key."""
    changes: dict[str, Any] = {}
    for section, table in doc.items():
        if section not in _SECTIONS:
            raise _Bad(section, "unknown section (expected one of " + ", ".join(sorted(_SECTIONS)) + ")")
        if not isinstance(table, dict):
            raise _Bad(section, f"expected a table, got {_typename(table)}")
        if section == "severities":
            changes["severities"] = {**base.severities, **_severities(table)}
            continue
        if section == "legal":
            changes.update(_legal(table, base))
            continue
        for key, v in table.items():
            if section == "insurance" and key == "minimums":
                changes["insurance_minimums"] = _minimums(v, base.insurance_minimums)
                continue
            if section == "insurance" and key == "severity":
                changes.update(_insurance_severity(v))
                continue
            if (section, key) not in _FIELDS:
                raise _Bad(f"{section}.{key}", "unknown key")
            attr, kind = _FIELDS[(section, key)]
            changes[attr] = _value(f"{section}.{key}", kind, v)
    rules = replace(base, **changes)
    if rules.emr_critical < rules.emr_caution:
        raise _Bad("safety.emr_critical", f"{rules.emr_critical} is below safety.emr_caution {rules.emr_caution}")
    return rules


def load_rules(path: Path) -> Rules:
    """Read ``path`` (TOML) into ``Rules``; ``ConfigError`` naming the file and key on any problem."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh, parse_float=Decimal)
    except OSError as exc:
        raise ConfigError(f"--rules {path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--rules {path}: not valid TOML ({exc})") from None
    try:
        return rules_from_dict(doc)
    except _Bad as exc:
        raise ConfigError(f"--rules {path}: {exc}") from None
