"""The GC's own backlog with each sub, from an ERP export (--gc-backlog FILE)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from reporter.errors import ConfigError
from reporter.transform.gc_backlog import parse_amount, parse_gc_backlog

ERP = (
    "\ufeffCompany ID , Unique_ID,Project,Remaining Amount,Currency\r\n"
    "5f3c1a9e2b7d4c0011aa2201,SUMMIT-ELEC,Front Range Tower,\"4,250,000.00\",USD\r\n"
    "5f3c1a9e2b7d4c0011aa2201,SUMMIT-ELEC,Aurora Clinic,\"1,100,000\",usd\r\n"
    ",NLM-TORONTO,King & Bathurst,\"2,400,000\",CAD\r\n"
    "\r\n"
)


def test_erp_export_with_bom_spaced_headers_and_thousands_separators():
    b = parse_gc_backlog(ERP, source="--gc-backlog erp.csv")
    assert b.for_record("5f3c1a9e2b7d4c0011aa2201") == {"USD": D("5350000.00")}  # two contracts summed
    assert b.for_record(None, "SUMMIT-ELEC") == {"USD": D("5350000.00")}
    assert b.for_record("unknown-id", "NLM-TORONTO") == {"CAD": D("2400000")}
    assert b.for_record("nobody") is None  # falls back to the self-reported backlog, and says so
    assert [r.line for r in b.rows] == [2, 3, 4]


def test_semicolon_export_with_decimal_commas():
    b = parse_gc_backlog("companyId;amount;currency\nabc;1.250.000,50;EUR\n")
    assert b.for_record("abc") == {"EUR": D("1250000.50")}


@pytest.mark.parametrize(("text", "value"), [
    ("1,250,000", D("1250000")), ("1 250 000", D("1250000")), ("$1,250,000.00", D("1250000.00")),
    ("1250000", D("1250000")), ("1.250.000,50", D("1250000.50")), ("(500)", D("-500")), ("12,5", D("12.5")),
])
def test_amounts(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize(("text", "says"), [
    ("", "--gc-backlog erp.csv: the file is empty"),
    ("name,amount,currency\nx,1,USD\n", "--gc-backlog erp.csv, line 1: no companyId or uniqueId column"),
    ("companyId,currency\nx,USD\n", "--gc-backlog erp.csv, line 1: no amount column"),
    ("companyId,amount,currency\nabc,12x,USD\n", "--gc-backlog erp.csv, line 2: amount '12x' is not an amount"),
    ("companyId,amount,currency\nabc,100,USD\nabd,-5,USD\n", "--gc-backlog erp.csv, line 3: amount -5 is negative"),
    ("companyId,amount,currency\nabc,100,DOLLARS\n", "--gc-backlog erp.csv, line 2: currency: 'DOLLARS' is not an ISO 4217"),
    ("companyId,amount,currency\n,100,USD\n", "--gc-backlog erp.csv, line 2: no companyId or uniqueId"),
    ("companyId,amount,currency\nabc,100\n", "--gc-backlog erp.csv, line 2: expected 3 columns, found 2"),
])
def test_bad_lines_are_one_line_errors_naming_file_and_line(text, says):
    with pytest.raises(ConfigError) as exc:
        parse_gc_backlog(text, source="--gc-backlog erp.csv")
    assert str(exc.value).startswith(says) and "\n" not in str(exc.value)


def test_internal_total_limit_uses_the_gcs_own_backlog_with_the_sub():
    from datetime import date

    from reporter.transform.fx import FxRate, FxTable
    from reporter.transform.gc_backlog import total_limit_backlog

    b = parse_gc_backlog(ERP, source="--gc-backlog erp.csv")
    as_of = date(2026, 11, 28)
    # Summit reports a 128.5M total backlog (all its clients); with this GC it has 5.35M.
    basis = total_limit_backlog(b, "5f3c1a9e2b7d4c0011aa2201", None, D("128500000"), "USD", None, as_of)
    assert (basis.amount, basis.basis, basis.finding) == (D("5350000.00"), "gc", None)
    # No row for the sub: the self-reported backlog, and a low note saying so.
    basis = total_limit_backlog(b, "other", None, D("9800000"), "USD", None, as_of)
    assert basis.amount == D("9800000") and basis.basis == "reported"
    assert basis.finding is not None and basis.finding.rule == "capacity.total_limit_reported_backlog"
    assert "--gc-backlog erp.csv has no row for this sub" in basis.finding.message
    assert "no --gc-backlog file was given" in total_limit_backlog(None, "x", None, None, "USD", None, as_of).note
    # ERP rows in USD for a CAD record are converted, or the check says it could not be made.
    fx = FxTable((FxRate(date(2026, 11, 27), "USD", "CAD", D("1.4")),))
    assert total_limit_backlog(b, None, "SUMMIT-ELEC", None, "CAD", fx, as_of).amount == D("7490000.00")
    basis = total_limit_backlog(b, None, "SUMMIT-ELEC", None, "CAD", None, as_of)
    assert basis.amount is None and "could not be checked" in basis.note
