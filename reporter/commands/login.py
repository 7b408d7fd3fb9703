"""`reporter login`: sign in to Autodesk (APS) in the browser and keep the tokens for later runs.

Input: ``--no-browser``, ``--timeout S``, ``--scope``, ``--acc-upload`` (adds ``data:write
data:create``, which ``reporter file`` needs); the APS app settings from the environment
(``APS_CLIENT_ID``, ``APS_CALLBACK_URL``, ``APS_AUTH_BASE_URL``). Output: tokens in the token store,
one line saying where; exit 0. Errors are ``SignInError`` with a message the user can act on.
"""

from __future__ import annotations

import os

from reporter.api.settings import DEFAULT_LOGIN_TIMEOUT, DEFAULT_SCOPE, UPLOAD_SCOPES
from reporter.errors import UsageError


def register(sub, common) -> None:
    p = sub.add_parser(
        "login",
        parents=[common],
        help="sign in to Autodesk in the browser and keep the sign-in for later runs",
        description="Sign in to Autodesk Platform Services (Authorization Code with PKCE). "
        "Needs APS_CLIENT_ID; the callback APS_CALLBACK_URL (default http://localhost:8080/oauth/callback/) "
        "must be registered for the app.",
    )
    p.add_argument("--no-browser", action="store_true", help="print the sign-in address instead of opening a browser")
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_LOGIN_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for the browser (default {DEFAULT_LOGIN_TIMEOUT:g})",
    )
    p.add_argument(
        "--scope",
        default=DEFAULT_SCOPE,
        help=f"space-separated scopes (default {DEFAULT_SCOPE!r}; add 'data:write data:create' for flags)",
    )
    p.add_argument(
        "--acc-upload", action="store_true",
        help=f"also ask for {UPLOAD_SCOPES!r}, which 'reporter file' needs to put packets in ACC Docs",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    # Imported here, not at the top: every command's module is imported to parse the arguments,
    # and these pull in httpx/Authlib (start-up cost of every other command).
    from reporter.api.auth import AuthSettings, sign_in
    from reporter.api.token_store import choose_store

    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    scope = args.scope
    if args.acc_upload:
        scope = " ".join(dict.fromkeys([*scope.replace(",", " ").split(), *UPLOAD_SCOPES.split()]))
    settings = AuthSettings.from_env(scope=scope)
    store = choose_store()
    quiet = getattr(args, "quiet", False)
    import asyncio  # here, not at the top: parsing every command's options stays quick
    tokens = asyncio.run(
        sign_in(settings, store, say=_say, open_browser=not args.no_browser, timeout=args.timeout)
    )
    if not quiet:
        print(f"Signed in (scope {tokens.scope}). The sign-in is kept in {store.location}.", flush=True)
        granted = set((tokens.scope or "").split())
        if set(UPLOAD_SCOPES.split()) <= granted:
            print("This sign-in may file packets into ACC Docs ('reporter file').")
        else:
            print(f"To file packets into ACC Docs ('reporter file'), sign in with --acc-upload ({UPLOAD_SCOPES}).")
        if os.environ.get("APS_ACCESS_TOKEN"):
            print("Note: APS_ACCESS_TOKEN is set and takes precedence over this sign-in until you unset it.")
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
