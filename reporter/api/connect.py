"""Fetch stage, connections: the httpx client every API and sign-in call goes through.

Input: the address the client will talk to, an optional httpx transport (tests pass
``httpx.MockTransport``) and client options. Output: an ``httpx.AsyncClient`` that never sends a
token through a proxy over plain http: for a loopback address (the only plain-http address a
token may go to) the proxy variables (``HTTP_PROXY``, ``ALL_PROXY``...) are not used at all; for an
https address a proxy only ever sees an encrypted tunnel. A proxy setting httpx cannot use (a
``socks5://`` proxy without the ``socksio`` package, an unknown scheme) is a one-line error naming
the variable, never an internal error.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from reporter.api.settings import is_loopback
from reporter.errors import ReporterError, UsageError

PROXY_VARIABLES = ("ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY")


def uses_env_proxies(address: str | httpx.URL) -> bool:
    """False for a loopback address: requests to this machine never go through a proxy."""
    try:
        host = httpx.URL(str(address)).host
    except httpx.InvalidURL:
        return True
    return not is_loopback(host)


def proxy_problem(exc: Exception) -> str:
    """A one-line explanation of a proxy setting httpx refused (never the proxy's password)."""
    for name in PROXY_VARIABLES:
        for variable in (name, name.lower()):
            value = os.environ.get(variable)
            if value:
                scheme = value.split("://", 1)[0] if "://" in value else "(no scheme)"
                if isinstance(exc, ImportError) and scheme.startswith("socks"):
                    return (
                        f"{variable} names a {scheme}:// proxy, which needs the 'socksio' package"
                        " (pip install 'httpx[socks]'); install it or unset the variable"
                    )
                if not isinstance(exc, ImportError):
                    return f"{variable} is not a proxy address httpx can use (scheme {scheme}); fix or unset it"
    return f"the proxy settings cannot be used ({type(exc).__name__})"


def async_client(
    address: str | httpx.URL,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    error: type[ReporterError] = UsageError,
    factory: Any = httpx.AsyncClient,
    **options: Any,
) -> Any:
    """``factory(**options)`` (an ``httpx.AsyncClient`` or a subclass such as Authlib's) with the
    proxy rule above; a refused proxy setting raises ``error``."""
    options.setdefault("trust_env", uses_env_proxies(address))
    try:
        if factory is not httpx.AsyncClient and options["trust_env"]:
            # check the proxy settings on a plain client first: a subclass that fails half-built
            # (Authlib's) prints an "Exception ignored in __del__" line later
            httpx.AsyncClient(trust_env=True)
        return factory(transport=transport, **options)
    except (ImportError, ValueError) as exc:
        raise error(proxy_problem(exc)) from None
