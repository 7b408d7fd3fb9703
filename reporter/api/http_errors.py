"""Fetch stage, HTTP errors: one ``ApiError`` with one clear line for every failed answer.

Input: an HTTP status, the error body (``error_body`` decodes and redacts it) and what was asked
for. Output:
the ``reporter.errors`` exception for it (``AuthError`` for 401, ``PermissionDenied`` 403,
``NotFound`` 404, ``Conflict`` 409, ``RateLimited`` 429, ``ServerError`` 5xx, ``ApiError`` else),
its message on one line, API-given text squeezed to one line and cut at 300 characters, and
``show_url`` for URLs in messages (no user info, no query).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from reporter.api.redaction import REDACTOR
from reporter.errors import (
    ApiError,
    AuthError,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
)


def error_body(response: httpx.Response) -> Any:
    """The decoded error body with every token form redacted (an API may echo the token)."""
    try:
        return REDACTOR.value(json.loads(response.content or b"null"))
    except ValueError:
        return None


def one_line(value: Any, limit: int = 300) -> str | None:
    """An API-given text for a one-line message: whitespace runs (newlines too) made one space."""
    if not value:
        return None
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def body_fields(body: Any) -> tuple[str | None, str | None]:
    """(title, detail) of an error body in any of the shapes Autodesk APIs use."""
    if not isinstance(body, dict):
        return None, None
    title = body.get("title") or body.get("error") or None
    detail = body.get("detail") or body.get("developerMessage") or body.get("message") or None
    return one_line(title), one_line(detail)


def _api_says(title: str | None, detail: str | None) -> str:
    parts = [p for p in (title, detail) if p]
    if title and detail and detail.startswith(title):
        parts = [detail]
    return ": ".join(parts)


def show_url(url: httpx.URL) -> str:
    """A URL for messages: no user info, no query."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def error_for_status(
    status: int,
    body: Any,
    *,
    what: str,
    company_id: str | None = None,
    url: str | None = None,
    service: str = "TradeTapp",
    tries: int | None = None,
) -> ApiError:
    """The one ``ApiError`` (with its one-line message) for an error answer; ``tries`` is said
    at the end when the request was retried."""
    title, detail = body_fields(body)
    says = _api_says(title, detail)
    extra = f" (the API says: {says})" if says else ""
    tail = f", after {tries} tries" if tries else ""
    kwargs: dict[str, Any] = dict(status=status, title=title, detail=detail, url=url)
    if status == 401:
        return AuthError(
            f"{service} sign-in expired or invalid (401): run 'reporter login' again"
            f" or set a fresh APS_ACCESS_TOKEN{tail}",
            **kwargs,
        )
    if status == 403:
        return PermissionDenied(
            f"no permission to read {what} (403): the signed-in user needs {service} access"
            f" and the data:read scope{extra}{tail}",
            **kwargs,
        )
    if status == 404:
        if company_id is not None:
            return NotFound(f"no such company in {service}: {company_id} (404){tail}", **kwargs)
        return NotFound(f"{what} not found (404){extra}{tail}", **kwargs)
    if status == 409:
        target = f"company id {company_id}" if company_id else what
        return Conflict(f"several records match {target} (409){extra}{tail}", **kwargs)
    if status == 400:
        return ApiError(
            f"{service} rejected the request for {what} (400): {says or 'invalid parameters'}{tail}",
            **kwargs,
        )
    if status == 429:
        return RateLimited(f"{service} rate limit still exceeded for {what} (429){extra}{tail}", **kwargs)
    if status >= 500:
        return ServerError(f"{service} server error {status} for {what}{extra}{tail}", **kwargs)
    return ApiError(f"unexpected answer {status} for {what}{extra}{tail}", **kwargs)
