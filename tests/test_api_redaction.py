"""Tests of ``reporter.api.redaction``: no form of a token in any message, log line or output."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from urllib.parse import quote

import httpx
import pytest

from reporter.api.fetch import fetch_records
from reporter.api.redaction import Redactor, forms_of
from reporter.api.settings import ApiSettings
from reporter.api.tokens import StaticToken
from reporter.errors import (
    ApiError,
    ServerError,
)
from tests.fakes.records import company_id, make_records
from tests.fakes.scripted import (
    BASE,
    CID,
    TOKEN,
    Script,
    answer,
    cli_main,
    leaked,
    one,
    page,
    rec,
    run,
)
from tests.fakes.tradetapp import FakeTradeTapp, Faults, encode_json

# A token shaped like the real ones (base64 pieces): '+', '/' and '=' change when URL-encoded.
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6WyJkYXRhOnJlYWQiXX0+/Zm9vYmFy=="



def test_token_never_in_errors_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    foreign = "https://evil.test/construction/tradetapp/v2/qualifications?cursorState=Yw=="
    scenarios = [
        Script(answer(429, {}, {"Retry-After": "0"}), answer(500), httpx.ReadTimeout("t"),
               answer(200, page([rec(1)], "Yw==", foreign)), answer(200, page([rec(2)])),
               default=answer(200, rec(1))),
        Script(default=answer(401, {"title": "Unauthorized", "detail": f"token {TOKEN} expired"})),
        Script(default=answer(400, {"title": "Bad Request", "detail": f"Bearer {TOKEN} is odd"})),
        Script(default=answer(500, {"detail": TOKEN})),
    ]
    messages = []
    for script in scenarios:
        async def go(script=script):
            async for r in fetch_records(
                ApiSettings(BASE, max_retries=2, backoff_base=0.001), StaticToken(TOKEN), [CID], all_=True,
                transport=httpx.MockTransport(script),
            ):
                if r.error:
                    messages.append(str(r.error))
                    messages.append(repr(r.error.__dict__))
        run(go())
    assert messages
    assert not any(TOKEN in m for m in messages)
    assert TOKEN not in caplog.text


def test_error_text_from_the_api_is_one_line_and_never_holds_the_token_however_nested():
    body = {"title": "Internal\nServer Error", "detail": {"request": {"headers": [f"Bearer {TOKEN}"]}}}
    with pytest.raises(ServerError) as info:
        run(one(Script(default=answer(500, body)), max_retries=0))
    message = str(info.value)
    assert "\n" not in message and TOKEN not in message and "Internal Server Error" in message
    assert TOKEN not in repr(info.value.__dict__)
    with pytest.raises(ApiError) as info:
        run(one(Script(default=answer(400, {"title": "Bad Request", "detail": "x" * 5000}))))
    assert len(str(info.value)) < 400


@pytest.fixture
def main(monkeypatch, fast):
    """``reporter.cli.main`` as a user runs it (``tests.fakes.scripted.cli_main``)."""
    return cli_main(monkeypatch)


# -- issue 14 --------------------------------------------------------------------------------


def _b64_middle(prefix: str) -> tuple[str, str]:
    """A base64 echo of ``prefix + JWT``, and its part that only the token's bytes decide."""
    text = base64.b64encode(f"{prefix}{JWT}".encode()).decode()
    return text, text[(len(prefix) * 4) // 3 + 4 : -4]


ECHOES = {  # form -> (what the API echoes, the part of it that must not be seen)
    "url-encoded": (f"Authorization: Bearer%20{quote(JWT, safe='')}", quote(JWT, safe="")),
    "minus one character": (f"token {JWT[:-1]} rejected", JWT[:-1]),
    "minus the first characters": (f"token ...{JWT[5:]} rejected", JWT[5:]),
    "base64": _b64_middle("Authorization: Bearer "),
    "base64 at another offset": _b64_middle("x"),
    "url-encoded inside JSON": (json.dumps({"echo": quote(JWT)}), quote(JWT)),
}


@pytest.mark.parametrize("form", sorted(ECHOES))
def test_no_form_of_the_token_in_error_messages(form, caplog):
    caplog.set_level(logging.DEBUG)
    echo, secret = ECHOES[form]
    body = {"title": "Bad Request", "detail": f"your request said {echo}"}
    transport = httpx.MockTransport(lambda request: httpx.Response(400, content=encode_json(body)))

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE, max_retries=0), StaticToken(JWT), [company_id(1)], transport=transport,
        )]

    (result,) = asyncio.run(go())
    assert result.error is not None and "rejected the request" in str(result.error)
    seen = str(result.error) + repr(result.error.__dict__) + caplog.text
    assert leaked(seen, JWT, secret) == []


def test_no_form_of_the_token_in_log_lines(caplog):
    caplog.set_level(logging.DEBUG)
    foreign = f"https://evil.test/{JWT[:-2]}/qualifications?cursorState=Yw=="
    pages = [
        {"pagination": {"cursorState": "Yw==", "nextUrl": foreign}, "results": []},
        {"pagination": {"cursorState": None, "nextUrl": None}, "results": []},
    ]
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=encode_json(pages.pop(0))))

    async def go():
        return [r async for r in fetch_records(
            ApiSettings(BASE), StaticToken(JWT), all_=True, transport=transport,
        )]

    assert asyncio.run(go()) == []
    assert "paging link points to" in caplog.text
    assert leaked(caplog.text, JWT) == []


@pytest.mark.parametrize("form", ["url", "cut", "base64", "exact"])
def test_no_form_of_the_token_on_stderr_of_reporter_fetch(main, monkeypatch, tmp_path, capsys, form):
    with FakeTradeTapp(make_records(2), tokens={JWT}, faults=Faults(echo_token=form)) as fake:
        monkeypatch.setenv("APS_ACCESS_TOKEN", JWT)
        fake.faults.failing_companies = {company_id(1)}
        rc = main(["fetch", "--company", company_id(1), "--company", company_id(3),
                   "--base-url", fake.base_url, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 1 and "server error 500" in err and "no such company" in err and "you sent" in err
    middle = base64.b64encode(f"Bearer {JWT}".encode()).decode()[12:-4]
    assert leaked(err, JWT, quote(f"Bearer {JWT}", safe=""), middle) == []



# -- the redactor itself ---------------------------------------------------------------------------


def test_redactor_replaces_every_long_run_of_every_form():
    r = Redactor()
    r.add(JWT)
    assert r.text(f"a {JWT} b") == "a *** b"
    assert r.text(f"x{JWT[10:30]}y") == "x***y"
    assert r.text(f"Bearer%20{quote(JWT, safe='')}") == "Bearer%20***"
    assert r.text("nothing secret here, just construction text") == "nothing secret here, just construction text"
    assert JWT[:11] in r.text(JWT[:11])  # shorter than 12 characters: too short to be told apart
    assert r.value({"k": [f"t={JWT}", 5, {JWT: None}]}) == {"k": ["t=***", 5, {"***": None}]}
    assert quote(JWT, safe="") in forms_of(JWT)


def test_a_short_secret_is_replaced_only_whole():
    r = Redactor()
    r.add("abc123")
    assert r.text("id abc123 and abc12") == "id *** and abc12"


def test_log_records_are_redacted_after_formatting(caplog):
    from reporter.api.redaction import REDACTOR, install_log_filter

    install_log_filter()
    REDACTOR.add(JWT)
    log = logging.getLogger("reporter.api")
    with caplog.at_level(logging.INFO, logger="reporter.api"):
        log.info("echo %s and %d", JWT[:-3], 5)
    assert "echo *** and 5" in caplog.text and leaked(caplog.text, JWT) == []
