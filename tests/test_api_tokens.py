"""Unit tests of ``reporter.api.tokens``: static tokens, the environment, tokens that cannot be sent."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reporter.api.fetch import fetch_records
from reporter.api.settings import ApiSettings
from reporter.api.tokens import StaticToken, token_from_env
from tests.fakes.records import company_id, make_records
from tests.fakes.scripted import (
    BASE,
    cli_main,
    run,
)
from tests.fakes.tradetapp import FakeTradeTapp


def test_static_token_and_env(monkeypatch):
    assert run(StaticToken(" Bearer abc ").token()) == "abc"
    assert run(StaticToken("abc").refreshed()) is None
    assert "abc" not in repr(StaticToken("abc"))
    monkeypatch.setenv("APS_ACCESS_TOKEN", "  env-token ")
    assert run(token_from_env().token()) == "env-token"
    monkeypatch.setenv("APS_ACCESS_TOKEN", "")
    assert token_from_env() is None


@pytest.fixture
def main(monkeypatch, fast):
    """``reporter.cli.main`` as a user runs it (``tests.fakes.scripted.cli_main``)."""
    return cli_main(monkeypatch)


# -- issue 14 --------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["tökén-0123456789", "abc\u200bdef", "two words"])
def test_a_token_that_cannot_be_sent_is_a_clear_error(main, monkeypatch, tmp_path, capsys, token):
    monkeypatch.setenv("APS_ACCESS_TOKEN", token)
    with FakeTradeTapp(make_records(1)) as fake:
        rc = main(["fetch", "--company", company_id(1), "--base-url", fake.base_url, "--out", str(tmp_path)])
        assert fake.requests == []
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "\n" not in err and "internal error" not in err
    assert err.startswith("reporter: error: the access token from APS_ACCESS_TOKEN holds")
    assert token not in err


def test_a_non_ascii_token_from_a_provider_is_a_clear_error():
    class Odd:
        source = "a test provider"

        async def token(self) -> str:
            return "tökén-0123456789"

        async def refreshed(self) -> None:
            return None

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"{}"))

    async def go():
        return [r async for r in fetch_records(ApiSettings(BASE), Odd(), [company_id(1)], transport=transport)]

    (result,) = asyncio.run(go())
    assert "a test provider holds a character that is not ASCII" in str(result.error)

