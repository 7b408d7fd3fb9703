"""Unit tests of ``reporter.api.tradetapp.TradeTappClient``: its headers, company URLs, nested pages
merged into complete records, exact numbers, and the rule that an answer is the company asked for."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from reporter.api.settings import QueryFilters
from reporter.errors import (
    ServerError,
    UsageError,
)
from reporter.jsonio import dumps_exact
from tests.fakes.records import company_id
from tests.fakes.scripted import (
    BASE,
    CID,
    TOKEN,
    Script,
    answer,
    client,
    one,
    page,
    rec,
    run,
    utc,
)


def test_bearer_and_gc_headers_are_sent():
    script = Script(answer(200, rec(1)))
    run(one(script, gc_company_id="gc-42"))
    sent = script.requests[0].headers
    assert sent["Authorization"] == f"Bearer {TOKEN}"
    assert sent["general-contractor-company-id"] == "gc-42"
    script = Script(answer(200, rec(1)))
    run(one(script))
    assert "general-contractor-company-id" not in script.requests[0].headers


def test_company_ids_cannot_escape_the_path():
    script = Script(default=answer(200, {**rec(1), "id": "a/../../users/me"}))
    run(one(script, company="a/../../users/me"))
    assert script.requests[0].url.raw_path.startswith(b"/construction/tradetapp/v2/qualifications/a%2F..")
    with pytest.raises(UsageError):
        run(one(Script(), company=".."))


def test_nested_pages_are_fetched_merged_and_marked_complete():
    record = rec(1, offices=3, questions=2)
    offices = record["companyOfficeAddresses"]["results"]
    record["companyOfficeAddresses"] = {
        "pagination": {"limit": 1, "cursorState": "bzE=", "totalResults": 3,
                       "nextUrl": f"{BASE}/qualifications/{CID}/company-office-addresses?cursorState=bzE%3D", "previousUrl": None},
        "results": offices[:1],
    }
    questions = record["customQuestions"]["results"]
    record["customQuestions"] = {
        "pagination": {"limit": 1, "cursorState": "cTE=", "totalResults": 2,
                       "nextUrl": f"{BASE}/qualifications/{CID}/custom-questions?cursorState=cTE%3D", "previousUrl": None},
        "results": questions[:1],
    }

    def route(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/company-office-addresses"):
            if request.url.params["cursorState"] == "bzE=":
                return answer(200, page(offices[1:2], "bzI=", f"{BASE}/qualifications/{CID}/company-office-addresses?cursorState=bzI%3D"))
            return answer(200, page(offices[2:], None, None))
        if path.endswith("/custom-questions"):
            return answer(200, page(questions[1:], None, ""))
        return answer(200, record)

    script = Script(default=route)
    raw = run(one(script))
    assert raw["companyOfficeAddresses"]["results"] == offices
    assert raw["customQuestions"]["results"] == questions
    for key, n in (("companyOfficeAddresses", 3), ("customQuestions", 2)):
        p = raw[key]["pagination"]
        assert p["cursorState"] is None and p["nextUrl"] is None and p["previousUrl"] is None
        assert p["totalResults"] == n
    assert len(script.requests) == 4
    assert isinstance(raw["customQuestions"]["results"][0]["numberResponse"], Decimal)


def test_list_records_get_their_nested_pages_too():
    big = rec(2, offices=2)
    first, rest = big["companyOfficeAddresses"]["results"][:1], big["companyOfficeAddresses"]["results"][1:]
    big["companyOfficeAddresses"] = {
        "pagination": {"cursorState": "bzE=", "nextUrl": f"{BASE}/qualifications/{company_id(2)}/company-office-addresses?cursorState=bzE%3D"},
        "results": first,
    }

    def route(request):
        if request.url.path.endswith("/qualifications"):
            return answer(200, page([rec(1), big]))
        return answer(200, page(rest))

    async def go():
        async with client(Script(default=route)) as c:
            return [r async for r in c.iter_qualifications()]

    records = run(go())
    assert [len(r["companyOfficeAddresses"]["results"]) for r in records] == [1, 2]


def test_each_company_once_when_pages_shift():
    n1 = f"{BASE}/qualifications?cursorState=MQ%3D%3D"
    n2 = f"{BASE}/qualifications?cursorState=Mg%3D%3D"
    script = Script(
        answer(200, page([rec(1), rec(2)], "MQ==", n1)),
        answer(200, page([rec(2), rec(3)], "Mg==", n2)),  # rec 2 again: a record moved
        answer(200, page([rec(3), rec(4)])),
    )

    async def go():
        async with client(script) as c:
            return [r["id"] async for r in c.iter_qualifications()]

    assert run(go()) == [company_id(i) for i in (1, 2, 3, 4)]


def test_numbers_are_decimal_never_float():
    script = Script(answer(200, rec(1, questions=1)))
    raw = run(one(script))
    number = raw["customQuestions"]["results"][0]["numberResponse"]
    assert isinstance(number, Decimal) and str(number) == "5600.89650000000000000001"
    assert "5600.89650000000000000001" in dumps_exact(raw)


def test_filters_are_sent_on_the_first_page():
    script = Script(answer(200, page([])))

    async def go():
        async with client(script) as c:
            return [r async for r in c.iter_qualifications(QueryFilters(updated_since=utc(2024, 1, 1), limit=5))]

    assert run(go()) == []
    assert script.requests[0].url.params["filter[updatedAt]"] == "2024-01-01T00:00:00.000Z.."
    assert script.requests[0].url.params["limit"] == "5"


def test_a_record_of_another_company_is_not_taken_for_the_one_asked():
    script = Script(default=answer(200, rec(2)))
    with pytest.raises(ServerError, match="record of company"):
        run(one(script, company=company_id(1)))
    assert run(one(Script(default=answer(200, rec(1))), company=company_id(1).upper()))["id"] == company_id(1)


def test_get_json_can_leave_out_the_gc_header():
    script = Script(default=answer(200, {"user": {}}))

    async def go():
        async with client(script, gc_company_id="gc-42") as c:
            await c.get_json("/users/me", gc_header=False)
            await c.get_json("/qualifications")

    run(go())
    assert "general-contractor-company-id" not in script.requests[0].headers
    assert script.requests[1].headers["general-contractor-company-id"] == "gc-42"
