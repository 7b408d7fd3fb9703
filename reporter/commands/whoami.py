"""`reporter whoami`: who the API thinks you are, and which GC companies you can act for.

Input: ``--base-url``, ``--token-file`` and the token precedence of ``resolve_token_provider``.
Output: the user, the GC company, the enterprise parent and child companies (ids usable with
``--gc-company-id``) printed to stdout; exit 0. ``fetch_me`` asks the API client
(``reporter.api.client``): same host check, retries and one refresh after a 401; ``users/me`` is
sent without the ``general-contractor-company-id`` header (the API takes none there).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from reporter.api.auth import TokenProvider, resolve_token_provider
from reporter.api.client import ApiSettings, TradeTappClient
from reporter.errors import ApiError, AuthError


def register(sub, common) -> None:
    p = sub.add_parser("whoami", parents=[common], help="show the signed-in user and usable GC company ids")
    p.add_argument("--base-url", help="TradeTapp API base URL (default $TRADETAPP_BASE_URL or the APS one)")
    p.add_argument("--token-file", metavar="FILE", help="read the access token from FILE (never refreshed)")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = ApiSettings.from_env(base_url=args.base_url)
    provider = resolve_token_provider(args.token_file)
    me = asyncio.run(fetch_me(settings.base_url, provider))
    print("\n".join(describe_me(me, source=getattr(provider, "source", None))))
    return 0


async def fetch_me(
    base_url: str, provider: TokenProvider, *, transport: httpx.AsyncBaseTransport | None = None
) -> dict[str, Any]:
    """``GET {base_url}/users/me`` through the API client; one refresh and retry after a 401."""
    async with TradeTappClient(ApiSettings(base_url=base_url), provider, transport=transport) as client:
        try:
            body = await client.get_json("/users/me", what="users/me", gc_header=False)
        except AuthError as exc:
            if exc.status != 401:
                raise
            raise AuthError(
                "the API refused the access token (HTTP 401): run 'reporter login' again, "
                "or renew APS_ACCESS_TOKEN / the --token-file",
                status=401,
                url=exc.url,
            ) from None
    if not isinstance(body, dict):
        raise ApiError("GET users/me answered with an unexpected shape", url=str(client.url("/users/me")))
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


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

