"""`reporter whoami`: who the API thinks you are, and which GC companies you can act for.

Input: ``--base-url``, ``--token-file`` and the token precedence of ``resolve_token_provider``.
Output: the user, the GC company, the enterprise parent and child companies (ids usable with
``--gc-company-id``) printed to stdout; exit 0. ``fetch_me`` is a plain httpx call for now; it can
move to the API client (``reporter.api.client``) once that exists.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx

from reporter.api.auth import TokenProvider, require_secure_url, resolve_token_provider
from reporter.errors import ApiError, AuthError

DEFAULT_BASE_URL = "https://developer.api.autodesk.com/construction/tradetapp/v2"


def register(sub, common) -> None:
    p = sub.add_parser("whoami", parents=[common], help="show the signed-in user and usable GC company ids")
    p.add_argument("--base-url", help="TradeTapp API base URL (default $TRADETAPP_BASE_URL or the APS one)")
    p.add_argument("--token-file", metavar="FILE", help="read the access token from FILE (never refreshed)")
    p.set_defaults(func=run)


def run(args) -> int:
    base_url = (args.base_url or os.environ.get("TRADETAPP_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    require_secure_url(base_url, "the API base URL")
    provider = resolve_token_provider(args.token_file)
    me = asyncio.run(fetch_me(base_url, provider))
    print("\n".join(describe_me(me, source=getattr(provider, "source", None))))
    return 0


async def fetch_me(base_url: str, provider: TokenProvider) -> dict[str, Any]:
    """``GET {base_url}/users/me``; one refresh and retry after a 401."""
    url = f"{base_url.rstrip('/')}/users/me"
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
        try:
            response = await client.get(url, headers=_auth(await provider.token()))
            if response.status_code == 401:
                fresh = await provider.refreshed()
                if fresh is not None:
                    response = await client.get(url, headers=_auth(fresh))
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach the API at {url} ({type(exc).__name__})", url=url) from None
    if response.status_code == 401:
        raise AuthError(
            "the API refused the access token (HTTP 401): run 'reporter login' again, "
            "or renew APS_ACCESS_TOKEN / the --token-file",
            status=401,
            url=url,
        )
    if response.status_code >= 400:
        title = _title(response)
        raise ApiError(f"GET users/me failed: HTTP {response.status_code}{': ' + title if title else ''}", status=response.status_code, title=title, url=url)
    try:
        body = response.json()
    except ValueError:
        raise ApiError(f"GET users/me answered with something that is not JSON ({url})", url=url) from None
    if not isinstance(body, dict):
        raise ApiError(f"GET users/me answered with an unexpected shape ({url})", url=url)
    return body


def describe_me(me: dict[str, Any], *, source: str | None = None) -> list[str]:
    """The lines ``whoami`` prints (users/me shape: reference section 5.5)."""
    user = _obj(me.get("user"))
    company = _obj(me.get("company"))
    enterprise = _obj(company.get("enterprise"))
    name = " ".join(str(part) for part in (user.get("firstName"), user.get("lastName")) if part) or "(no name)"
    role = me.get("role") or "(none)"
    lines = [f"User:        {name} <{user.get('email') or 'no email'}> (id {user.get('id') or '?'})"]
    lines.append(f"Role:        {role}{', admin' if me.get('isAdmin') else ''}")
    lines.append(f"GC company:  {company.get('name') or '(no name)'} (id {company.get('id') or '?'})")
    parent = _obj(enterprise.get("parentCompany"))
    children = [_obj(c) for c in enterprise.get("childrenCompanies") or []]
    if parent:
        lines.append(f"Enterprise:  {parent.get('name') or '(no name)'} (id {parent.get('id') or '?'})")
    if children:
        lines.append("Child companies (use an id with --gc-company-id to act for that company):")
        width = max(len(str(c.get("id") or "?")) for c in children)
        for child in children:
            lines.append(f"  {str(child.get('id') or '?'):<{width}}  {child.get('name') or '(no name)'}")
    elif parent:
        lines.append("No child companies are listed for this enterprise.")
    if source:
        lines.append(f"Token from:  {source}")
    return lines


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _title(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        title = body.get("title") or body.get("detail")
        return str(title)[:200] if title else None
    return None
