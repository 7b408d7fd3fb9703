"""Wire models of TradeTapp financials and flags: the reference's example bodies validate exactly,
odd-but-legal data is kept, and money never passes through a float."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from reporter.api.financials_models import (
    METRIC_FIELDS,
    RAW_DATA_FIELDS,
    Financials,
    Flag,
    FlagPage,
)
from reporter.jsonio import loads_exact

FINANCIALS_EXAMPLE = """{
  "id": "59d2b8660675250927442cbf", "uniqueId": "98h2fbd84k9s322ch",
  "companyName": "Gr8 Builders Inc.", "companyTaxName": "Gr8 Builders Incorporated",
  "doingBusinessAsName": "Gr8", "companyNetworkName": "Gr8 Builders", "hasParentCompany": true,
  "parentCompanyName": "Gr8 Holdings", "taxIdType": "US_FEIN", "federalTaxId": "123456789",
  "riskEvaluationScore": 2,
  "benchmarks": {
    "debtScore": 39, "debtYear": 2019, "liquidityScore": 49, "liquidityYear": 2019,
    "profitabilityScore": 34, "profitabilityYear": 2019, "turnoverScore": 47, "turnoverYear": 2019,
    "overallBenchmarkingScore": 43, "overallBenchmarkingYear": 2020 },
  "keyMetrics": {
    "dartRates": [{"score": 1.5623, "year": 2019}],
    "experienceModificationRatings": [{"score": 1.5623, "year": 2019}],
    "recordableIncidentRates": [{"score": 1.5623, "year": 2019}],
    "aggregateTotalCapacity": 105123000, "singleProjectCapacity": 26586963,
    "largestProject": 54000000, "largestProjectYear": 2019,
    "netCashFlow": 55222000, "netCashFlowYear": 2020,
    "workingCapital": 11556329, "workingCapitalYear": 2020 },
  "statements": [{
    "period": 12, "type": "REVIEWED", "date": "2019-12-31",
    "rawData": {RAW},
    "metrics": {METRICS, "customRatios": [{"name": "Equity to Largest Project", "value": 0.0123}]}}]
}"""


def _example() -> str:
    raw = ", ".join(f'"{name}": {1000 + i}.25' for i, name in enumerate(RAW_DATA_FIELDS))
    metrics = ", ".join(f'"{name}": {i}.0123' for i, name in enumerate(METRIC_FIELDS))
    return FINANCIALS_EXAMPLE.replace("{RAW}", "{" + raw + "}").replace("{METRICS", "{" + metrics)


FLAG_EXAMPLE = """{ "id": 1234,
  "company": {"id": "59d2b8660675250927442cbf", "uniqueId": "98h2fbd84k9s322chr", "name": "Gr8 Builders",
              "taxId": 321654876, "taxType": "US_FEIN"},
  "name": "Safety Concern", "type": "SAFETY", "priority": "HIGH", "eventDate": "2017-05-21",
  "summary": "Two lost-time incidents on the Oak St job.", "triggerAlert": true,
  "isVisibleInPlatform": false, "flagProposalId": 1234,
  "createdAt": "2017-05-04T14:11:35.100929Z", "updatedAt": "2017-05-04T14:11:35.100929Z",
  "createdBy": {"id": "ABCDEF3XYZABCD1M", "email": "user@example.com", "firstName": "Jane", "lastName": "Doe"},
  "state": {"value": "RESOLVED", "summary": "Retrained crew", "createdAt": "2017-06-01T10:00:00.000Z",
            "updatedAt": "2017-06-01T10:00:00.000Z",
            "createdBy": {"id": "ABCDEF3XYZABCD1M", "email": "user@example.com", "firstName": "Jane",
                          "lastName": "Doe"}},
  "stateHistory": {"results": [
      {"value": "RESOLVED", "summary": "Retrained crew", "createdAt": "2017-06-01T10:00:00.000Z"},
      {"value": "ACTIVE", "summary": "Raised", "createdAt": "2017-05-04T14:11:35.100929Z"}],
    "pagination": {"limit": 50, "cursorState": null, "totalResults": 2, "nextUrl": null, "previousUrl": null}} }"""


def test_financials_example_validates_exactly():
    fin = Financials.model_validate(loads_exact(_example()))
    assert fin.id == "59d2b8660675250927442cbf" and fin.riskEvaluationScore == 2
    assert fin.benchmarks.liquidityScore == 49 and fin.benchmarks.overallBenchmarkingYear == 2020
    assert fin.benchmarks.score_and_year("debt") == (39, 2019)
    km = fin.keyMetrics
    assert km.singleProjectCapacity == Decimal("26586963") and km.aggregateTotalCapacity == 105123000
    assert km.workingCapital == 11556329 and km.netCashFlowYear == 2020 and km.largestProjectYear == 2019
    assert km.experienceModificationRatings[0].score == Decimal("1.5623")
    assert km.dartRates[0].year == 2019 and km.recordableIncidentRates[0].score == Decimal("1.5623")
    st = fin.statements[0]
    assert (st.period, st.type, st.date) == (12, "REVIEWED", date(2019, 12, 31))
    for i, name in enumerate(RAW_DATA_FIELDS):
        assert getattr(st.rawData, name) == Decimal(f"{1000 + i}.25"), name
    for i, name in enumerate(METRIC_FIELDS):
        assert getattr(st.metrics, name) == Decimal(f"{i}.0123"), name
    assert st.metrics.customRatios[0].name == "Equity to Largest Project"
    assert st.metrics.customRatios[0].value == Decimal("0.0123")
    assert fin.latest_statement is st
    assert fin.other_fields == {}


def test_financials_odd_but_legal():
    body = loads_exact(
        '{"id": "a", "riskEvaluationScore": null, "benchmarks": null, "keyMetrics": {"dartRates": null,'
        ' "singleProjectCapacity": 12345678901234567890.000000001}, "statements": [{"type": "TAX_RETURN",'
        ' "date": "2023-06-30", "rawData": null, "metrics": {"currentRatio": 0.87, "customRatios": null}},'
        ' {"type": "AUDITED", "date": "2024-12-31T00:00:00Z", "period": 12.0}, {"date": null}],'
        ' "newField2027": {"x": 1}}'
    )
    fin = Financials.model_validate(body)
    assert fin.riskEvaluationScore is None and fin.benchmarks.debtScore is None
    assert fin.keyMetrics.dartRates == []
    assert fin.keyMetrics.singleProjectCapacity == Decimal("12345678901234567890.000000001")
    assert fin.statements[0].type == "TAX_RETURN"  # unknown statement type kept raw
    assert fin.statements[0].metrics.currentRatio == Decimal("0.87")
    assert fin.statements[1].period == 12 and fin.statements[1].date == date(2024, 12, 31)
    assert fin.latest_statement is fin.statements[1]
    assert fin.other_fields == {"newField2027": {"x": 1}}


@pytest.mark.parametrize(
    "body",
    ['{"riskEvaluationScore": true}', '{"statements": [{"date": "31/12/2019"}]}',
     '{"keyMetrics": {"workingCapital": false}}', '{"statements": [{"date": 20191231}]}'],
)
def test_financials_refuses_wrong_types(body):
    with pytest.raises(ValidationError):
        Financials.model_validate(loads_exact(body))


def test_flag_example_validates_exactly():
    flag = Flag.model_validate(loads_exact(FLAG_EXAMPLE))
    assert flag.id == 1234 and flag.company and flag.company.taxId == "321654876"
    assert (flag.type, flag.priority, flag.eventDate) == ("SAFETY", "HIGH", date(2017, 5, 21))
    assert flag.createdAt == datetime(2017, 5, 4, 14, 11, 35, 100929, tzinfo=UTC)
    assert flag.createdBy and flag.createdBy.display_name == "Jane Doe"
    assert flag.state and flag.state.value == "RESOLVED" and not flag.is_active
    assert flag.stateHistory is not None
    assert [s.value for s in flag.stateHistory.results] == ["RESOLVED", "ACTIVE"]
    assert not flag.stateHistory.pagination.has_next


def test_flag_page_with_unknown_values_and_paging():
    page = FlagPage.model_validate(loads_exact(
        '{"pagination": {"limit": 1, "cursorState": "cD0x", "totalResults": 2,'
        ' "nextUrl": "https://x/construction/tradetapp/v2/flags?cursorState=cD0x", "previousUrl": null},'
        ' "results": [{"id": "77", "type": "REPUTATION", "priority": "CRITICAL", "state": {"value": "ON_HOLD"},'
        ' "createdBy": {"email": "a@b.c"}, "eventDate": "2026-02-03T00:00:00.000Z", "stateHistory": null}]}'
    ))
    assert page.pagination.has_next and page.pagination.totalResults == 2
    flag = page.results[0]
    assert flag.id == 77 and flag.type == "REPUTATION" and flag.priority == "CRITICAL"
    assert flag.state and flag.state.value == "ON_HOLD" and not flag.is_active
    assert flag.createdBy and flag.createdBy.display_name == "a@b.c"
    assert flag.eventDate == date(2026, 2, 3) and flag.stateHistory is None
    assert FlagPage.model_validate({"pagination": None, "results": None}).results == []
