"""Unit tests of ``reporter.api.fetch``: many companies, each failure a result, the others go on."""

from __future__ import annotations

import httpx

from reporter.api.fetch import FetchResult, fetch_records
from reporter.api.settings import ApiSettings
from reporter.api.tokens import StaticToken
from reporter.errors import (
    NotFound,
)
from tests.fakes.records import company_id
from tests.fakes.scripted import (
    BASE,
    TOKEN,
    answer,
    page,
    rec,
    run,
)


def test_fetch_records_reports_failures_as_results_and_goes_on():
    def route(request: httpx.Request) -> httpx.Response:
        cid = request.url.path.rsplit("/", 1)[1]
        if cid == company_id(2):
            return answer(404, {"title": "Not Found"})
        if request.url.path.endswith("/qualifications"):
            return answer(200, page([rec(1), rec(3), rec(4)]))
        return answer(200, {**rec(1), "id": cid})

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE), StaticToken(TOKEN), [company_id(1), company_id(2), company_id(1)], all_=True,
            transport=httpx.MockTransport(route),
        )]

    results = run(go())
    assert [r.company_id for r in results] == [company_id(i) for i in (1, 2, 3, 4)]
    assert isinstance(results[1].error, NotFound) and results[1].raw is None
    assert all(isinstance(r, FetchResult) for r in results)


def test_a_failing_list_is_one_result_without_company():
    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE, max_retries=0), StaticToken(TOKEN), all_=True,
            transport=httpx.MockTransport(lambda r: answer(400, {"title": "Bad Request", "detail": "bad filter"})),
        )]

    (result,) = run(go())
    assert result.company_id is None and "bad filter" in str(result.error)
