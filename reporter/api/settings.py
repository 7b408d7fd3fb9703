"""Fetch stage, settings: where the API is, how hard to push it, and what a query asks for.

Input: a base URL (argument, ``TRADETAPP_BASE_URL`` or the default), limits, a GC company id and
list filters. Output: checked ``ApiSettings`` and ``QueryFilters`` values (bad values are one-line
``UsageError``\\ s), plus the rules every part of the tool shares:

- ``COMPANY_ID`` / ``is_company_id``: the one shape of a company id (a header value and a file name:
  letters, digits, ``_`` and ``-``, at most 128, not starting with a separator);
- ``is_loopback`` / ``check_token_url``: a token travels over https, or plain http only to this
  machine (``localhost``, ``127.0.0.0/8``, ``::1``).
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from reporter.errors import UsageError

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://developer.api.autodesk.com/construction/tradetapp/v2"
BASE_URL_ENV = "TRADETAPP_BASE_URL"
MAX_LIST_LIMIT = 40
# Sign-in defaults (``reporter.api.auth`` uses them; here so `reporter login --help` needs no httpx).
DEFAULT_SCOPE = "data:read"
DEFAULT_LOGIN_TIMEOUT = 300.0
UPLOAD_SCOPES = "data:write data:create"  # what `reporter file` needs on top (login --acc-upload)
COMPANY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


def is_company_id(value: Any) -> bool:
    """True for a string shaped like a company id (safe as a header value and as a file name)."""
    return isinstance(value, str) and bool(COMPANY_ID.match(value))


def is_loopback(host: str | None) -> bool:
    """``localhost`` or a loopback IP address (``127.0.0.0/8``, ``::1``, brackets allowed)."""
    name = (host or "").strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def token_url_problem(url: httpx.URL) -> str | None:
    """Why a token must not be sent to ``url`` (None when it may): https, or http on loopback."""
    if url.scheme not in ("http", "https") or not url.host:
        return "not an http(s) address"
    if url.scheme == "http" and not is_loopback(url.host):
        return f"plain http to {url.host}"
    return None


@dataclass
class ApiSettings:
    """How to reach the API and how hard to push it."""

    base_url: str = DEFAULT_BASE_URL
    gc_company_id: str | None = None
    max_in_flight: int = 4
    requests_per_minute: int = 900
    max_retries: int = 6
    retry_cap_seconds: float = 60
    timeout: float = 30
    backoff_base: float = 0.5  # first 5xx/network retry waits 0.25-0.5 s, then doubles (capped)
    burst: int | None = None  # token-bucket size; None: requests_per_minute / 30, at most 60

    def __post_init__(self) -> None:
        self.base_url = check_base_url(self.base_url, "--base-url")
        gc = (self.gc_company_id or "").strip()
        if gc and not is_company_id(gc):  # a header value: no spaces, line breaks or other text
            raise UsageError(
                f"--gc-company-id must be a company id such as 5d1a9c0e8f4a2b0012345678"
                f" ('reporter whoami' lists them), got {self.gc_company_id!r}"
            )
        self.gc_company_id = gc or None
        if self.max_in_flight < 1 or self.requests_per_minute < 1 or self.max_retries < 0:
            raise UsageError("max_in_flight and requests_per_minute must be >= 1, max_retries >= 0")

    @classmethod
    def from_env(cls, base_url: str | None = None, **kwargs: Any) -> ApiSettings:
        """Settings with ``base_url`` from the argument, else ``TRADETAPP_BASE_URL``, else the default."""
        base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        return cls(base_url=base, **kwargs)


def check_base_url(value: str | None, option: str) -> str:
    """``value`` without a trailing slash, if it is a base URL a token may be sent to."""
    # httpx is imported here, not at the top: every command's argument parsing imports this module,
    # and an offline build never needs httpx (about 0.1-0.2 s of start-up).
    import httpx

    base = (value or "").strip().rstrip("/")
    try:
        url = httpx.URL(base) if base else None
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise UsageError(f"{option} must be an http(s) URL, got {value!r}")
    if url.userinfo or url.query or url.fragment:
        raise UsageError(f"{option} must not hold a user name, password, query or fragment")
    if token_url_problem(url):
        raise UsageError(f"refusing to send a token over plain http to {url.host}: use https")
    return base


def format_instant(moment: datetime, *, round_up: bool = False) -> str:
    """``YYYY-MM-DDThh:mm:ss.SSSZ`` in UTC; ``round_up`` for an exclusive upper bound."""
    if moment.tzinfo is None:
        raise UsageError(f"timestamp {moment.isoformat()} has no time zone")
    moment = moment.astimezone(UTC)
    if round_up and moment.microsecond % 1000:
        moment += timedelta(microseconds=1000 - moment.microsecond % 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class QueryFilters:
    """Filters of ``GET /qualifications``; ``updated_since`` inclusive, ``updated_before`` exclusive."""

    updated_since: datetime | None = None
    updated_before: datetime | None = None
    unique_id: str | None = None
    federal_tax_ids: tuple[str, ...] = ()
    search_text: str | None = None
    limit: int = MAX_LIST_LIMIT

    def __post_init__(self) -> None:
        self.check()
        self.federal_tax_ids = tuple(t.strip() for t in self.federal_tax_ids if t and t.strip())

    def check(self) -> None:
        """Refuse a bad limit or time range (call again after changing a bound)."""
        if not 1 <= int(self.limit) <= MAX_LIST_LIMIT:
            raise UsageError(f"--limit must be between 1 and {MAX_LIST_LIMIT}, got {self.limit}")
        for moment in (self.updated_since, self.updated_before):
            if moment is not None and moment.tzinfo is None:
                raise UsageError(f"timestamp {moment.isoformat()} has no time zone")
        if self.updated_since and self.updated_before and self.updated_since >= self.updated_before:
            raise UsageError("--updated-since must be earlier than --updated-before")

    def updated_at_param(self) -> str | None:
        """``A..``, ``..B`` or ``A..B`` (None without bounds)."""
        if self.updated_since is None and self.updated_before is None:
            return None
        low = format_instant(self.updated_since) if self.updated_since else ""
        high = format_instant(self.updated_before, round_up=True) if self.updated_before else ""
        return f"{low}..{high}"

    def to_params(self) -> dict[str, str]:
        params: dict[str, str] = {"limit": str(int(self.limit))}
        updated = self.updated_at_param()
        if updated:
            params["filter[updatedAt]"] = updated
        if self.unique_id:
            params["filter[uniqueId]"] = self.unique_id
        if self.federal_tax_ids:
            params["filter[federalTaxId]"] = ",".join(self.federal_tax_ids)
        if self.search_text:
            params["searchText"] = self.search_text
        return params

    def scope_params(self) -> dict[str, str]:
        """The query apart from its time range and page size: what names a sync scope."""
        return {k: v for k, v in self.to_params().items() if k not in ("limit", "filter[updatedAt]")}
