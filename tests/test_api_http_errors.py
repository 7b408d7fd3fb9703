"""Unit tests of ``reporter.api.http_errors`` through a client: one clear, one-line error per
failed answer, never retried when retrying cannot help."""

from __future__ import annotations

import httpx
import pytest

from reporter.errors import (
    ApiError,
    AuthError,
    Conflict,
    NotFound,
    PermissionDenied,
    ServerError,
)
from tests.fakes.scripted import (
    CID,
    TOKEN,
    Script,
    answer,
    one,
    run,
)


@pytest.mark.parametrize(
    "status, body, kind, words",
    [
        (400, {"title": "Bad Request", "detail": "limit must be between 1 and 40"}, ApiError,
         ["rejected", "(400)", "Bad Request", "limit must be between 1 and 40"]),
        (401, {"title": "Unauthorized"}, AuthError, ["sign-in expired or invalid", "reporter login"]),
        (403, {"title": "Forbidden", "detail": "no data:read"}, PermissionDenied, ["no permission", "(403)"]),
        (404, {"title": "Not Found"}, NotFound, ["no such company", CID, "(404)"]),
        (409, {"title": "Conflict", "detail": "two matched"}, Conflict, ["several records match", CID, "(409)"]),
        (422, {"title": "Unprocessable"}, ApiError, ["unexpected answer 422"]),
    ],
)
def test_each_status_has_one_clear_message_and_is_not_retried(status, body, kind, words):
    script = Script(default=answer(status, body))
    with pytest.raises(kind) as info:
        run(one(script))
    message = str(info.value)
    for word in words:
        assert word in message
    assert "\n" not in message and TOKEN not in message
    assert info.value.status == status
    assert len(script.requests) == 1


def test_400_without_a_body_still_says_what_happened():
    with pytest.raises(ApiError, match=r"\(400\): invalid parameters"):
        run(one(Script(default=httpx.Response(400, content=b"<html>oops</html>"))))


def test_ok_answer_that_is_not_json_is_a_server_error():
    with pytest.raises(ServerError, match="not JSON"):
        run(one(Script(default=httpx.Response(200, content=b"<html>"))))


def test_redirects_are_not_followed():
    script = Script(default=httpx.Response(302, headers={"Location": "https://evil.test/x"}))
    with pytest.raises(ApiError, match="redirect"):
        run(one(script))
    assert [r.url.host for r in script.requests] == ["api.example.test"]
