"""`reporter whoami`: who the API thinks you are, and which GC companies you can act for.

Input: ``--base-url``, ``--token-file`` and the token precedence of ``resolve_token_provider``.
Output: the user, the GC company, the enterprise parent and child companies (ids usable with
``--gc-company-id``) printed to stdout; exit 0. The call is ``reporter.api.tradetapp.fetch_me``
(same host check, retries and one refresh after a 401 as every API call; ``users/me`` is sent
without the ``general-contractor-company-id`` header, the API takes none there).
"""

from __future__ import annotations

from typing import Any


def register(sub, common) -> None:
    p = sub.add_parser("whoami", parents=[common], help="show the signed-in user and usable GC company ids")
    p.add_argument("--base-url", help="TradeTapp API base URL (default $TRADETAPP_BASE_URL or the APS one)")
    p.add_argument("--token-file", metavar="FILE", help="read the access token from FILE (never refreshed)")
    p.set_defaults(func=run)


def run(args) -> int:
    # Imported here, not at the top: every command's module is imported to parse the arguments,
    # and these pull in httpx/Authlib (start-up cost of every other command).
    from reporter.api.settings import ApiSettings
    from reporter.api.tokens import resolve_token_provider
    from reporter.api.tradetapp import fetch_me

    settings = ApiSettings.from_env(base_url=args.base_url)
    provider = resolve_token_provider(args.token_file)
    import asyncio  # here, not at the top: parsing every command's options stays quick
    me = asyncio.run(fetch_me(settings.base_url, provider))
    print("\n".join(describe_me(me, source=getattr(provider, "source", None))))
    return 0


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

