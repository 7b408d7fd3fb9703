"""`reporter logout`: revoke the stored APS tokens and forget them.

Input: the token store. Output: the refresh and access tokens revoked at ``{auth}/revoke`` and
removed from the store (removed even when revoking fails, which is then said); exit 0.
"""

from __future__ import annotations

import logging

from reporter.errors import SignInError

log = logging.getLogger("reporter.auth")


def register(sub, common) -> None:
    p = sub.add_parser("logout", parents=[common], help="revoke and forget the stored sign-in")
    p.set_defaults(func=run)


def run(args) -> int:
    # Imported here, not at the top: every command's module is imported to parse the arguments,
    # and these pull in httpx/Authlib (start-up cost of every other command).
    from reporter.api.auth import revoke_tokens
    from reporter.api.token_store import choose_store

    store = choose_store()
    try:
        tokens = store.load()
    except SignInError as exc:  # unreadable: nothing to revoke, but still forget it
        log.warning("%s", exc)
        store.delete()
        print(f"Removed the unreadable sign-in from {store.location}.")
        return 0
    if tokens is None:
        store.delete()  # nothing readable; make sure nothing is left either
        print("Not signed in: nothing to do.")
        return 0
    import asyncio  # here, not at the top: parsing every command's options stays quick
    problems = asyncio.run(revoke_tokens(tokens))
    store.delete()
    if problems:
        log.warning(
            "could not revoke the tokens at the sign-in server (%s); they were removed from this computer anyway",
            "; ".join(problems),
        )
        print(f"Signed out on this computer (removed from {store.location}).")
    else:
        print(f"Signed out: the tokens were revoked and removed from {store.location}.")
    return 0
