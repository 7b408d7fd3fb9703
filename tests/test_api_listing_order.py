"""A listed page's records are handed on one by one, in list order, as each is complete (issue 20):
a few are completed at a time, so the first company's packet can render while the page's later
companies are still being fetched, and a company that fails is an item in its place."""

from __future__ import annotations

import asyncio
import re

import httpx

from reporter.api.fetch import fetch_records
from reporter.api.settings import ApiSettings
from reporter.api.side_files import SideOptions
from reporter.api.tokens import StaticToken
from reporter.errors import NotFound
from tests.fakes.records import company_id
from tests.fakes.scripted import BASE, TOKEN, answer, page, rec

COUNT = 30
NESTED = re.compile(r"/qualifications/([0-9a-f]{24})/company-office-addresses$")


def record_with_a_nested_page(n: int) -> dict:
    """Company ``n``: its second office on a nested page the client must fetch."""
    record = rec(n, offices=2)
    offices = record["companyOfficeAddresses"]["results"]
    cid = company_id(n)
    nested = page(offices[:1], "bzE=", f"{BASE}/qualifications/{cid}/company-office-addresses?cursorState=bzE%3D")
    nested["pagination"]["totalResults"] = 2
    record["companyOfficeAddresses"] = nested
    return record


def second_office(n: int) -> dict:
    rest = page(rec(n, offices=2)["companyOfficeAddresses"]["results"][1:])
    rest["pagination"]["totalResults"] = 2
    return rest


def scripted_api(fail: int | None = None):
    records = {company_id(n): record_with_a_nested_page(n) for n in range(1, COUNT + 1)}
    nested_asked: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/qualifications"):
            return answer(200, page(list(records.values())))
        if m := NESTED.search(path):
            nested_asked.append(m.group(1))
            if fail is not None and m.group(1) == company_id(fail):
                return answer(404, {"title": "Not Found"})
            return answer(200, second_office(int(m.group(1)[-4:], 16)))
        if "/financials/" in path:
            return answer(404, {"title": "Not Found"})
        if path.endswith("/flags"):
            return answer(200, page([]))
        return answer(404, {"title": "Not Found"})

    return httpx.MockTransport(route), nested_asked


def test_the_first_record_comes_before_the_rest_of_its_page_is_fetched_and_all_come_in_order():
    transport, nested_asked = scripted_api()
    settings = ApiSettings(BASE, max_in_flight=2, requests_per_minute=100_000)
    seen_at_first: list[str] = []

    async def go():
        out = []
        async for result in fetch_records(settings, StaticToken(TOKEN), all_=True, transport=transport,
                                          side=SideOptions(financials=True, flags=True)):
            if not out:
                seen_at_first.extend(nested_asked)
                await asyncio.sleep(0)
            out.append(result)
        return out

    results = asyncio.run(go())
    assert [r.company_id for r in results] == [company_id(n) for n in range(1, COUNT + 1)]
    assert all(r.ok and len(r.raw["companyOfficeAddresses"]["results"]) == 2 for r in results)
    # when the first company was handed on (its side calls done too), only the few companies
    # completed with it -- twice the requests in flight, the window moving as each is handed on --
    # had had their nested pages asked for; not the whole page of 30, as when a page was
    # completed at once (the old code: all 30)
    assert 1 <= len(set(seen_at_first)) < COUNT // 3
    assert len(set(nested_asked)) == COUNT


def test_a_company_that_fails_mid_page_is_an_item_in_its_place():
    transport, _ = scripted_api(fail=5)

    async def go():
        return [r async for r in fetch_records(ApiSettings(BASE, max_in_flight=2, requests_per_minute=100_000),
                                               StaticToken(TOKEN), all_=True, transport=transport)]

    results = asyncio.run(go())
    assert [r.company_id for r in results] == [company_id(n) for n in range(1, COUNT + 1)]
    assert isinstance(results[4].error, NotFound)
    assert all(r.ok for i, r in enumerate(results) if i != 4)


def test_done_companies_are_handed_on_while_a_later_one_is_still_being_read():
    """Company 3's nested page answers only after companies 1 and 2 were handed on: with the list
    read in a task of its own they are; waiting for company 3 first would never end (timeout)."""
    released = asyncio.Event()
    records = [record_with_a_nested_page(n) for n in (1, 2, 3)]

    async def route(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/qualifications"):
            return answer(200, page(records))
        if m := NESTED.search(path):
            if m.group(1) == company_id(3):
                await released.wait()
            return answer(200, second_office(int(m.group(1)[-4:], 16)))
        return answer(404, {"title": "Not Found"})

    async def go():
        got = []
        async for result in fetch_records(ApiSettings(BASE, requests_per_minute=100_000), StaticToken(TOKEN),
                                          all_=True, transport=httpx.MockTransport(route)):
            got.append(result.company_id)
            if len(got) == 2:
                released.set()
        return got

    assert asyncio.run(asyncio.wait_for(go(), 10)) == [company_id(n) for n in (1, 2, 3)]
