"""Fetch stage (sign-in), the OAuth callback listener: a one-shot HTTP server on this machine.

Input: the registered callback URL (``APS_CALLBACK_URL``, which must be plain http on a loopback
address) and the ``state`` the sign-in sent. Output: ``{"code": ...}`` or ``{"error": ...}`` from the
browser's redirect (``_CallbackListener.wait``), and a small page telling the user what happened.
An answer whose ``state`` does not match is a ``state_mismatch`` error; stray requests get 404.
The query (it holds the code) is never logged.
"""

from __future__ import annotations

import errno
import html
import http.server
import secrets
import socket
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reporter.api.settings import is_loopback
from reporter.errors import SignInError

DEFAULT_CALLBACK_URL = "http://localhost:8080/oauth/callback/"


def loopback_address(callback_url: str) -> tuple[str, int, str]:
    """(bind host, port, path) of the loopback callback; ``SignInError`` for any other URL."""
    parts = urlsplit(callback_url)
    if parts.scheme != "http" or not is_loopback(parts.hostname):
        raise SignInError(
            f"APS_CALLBACK_URL must be a loopback address such as {DEFAULT_CALLBACK_URL}, not {callback_url!r}"
        )
    try:
        port = parts.port or 80
    except ValueError:
        raise SignInError(f"APS_CALLBACK_URL has a bad port: {callback_url!r}") from None
    host = "127.0.0.1" if parts.hostname == "localhost" else str(parts.hostname)
    return host, port, parts.path or "/"


class _LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _LoopbackServer6(_LoopbackServer):
    address_family = socket.AF_INET6


class _CallbackListener:
    """A one-shot HTTP server on the loopback callback that waits for the browser's redirect."""

    def __init__(self, callback_url: str, expected_state: str) -> None:
        host, port, self.path = loopback_address(callback_url)
        self.expected_state = expected_state
        self.result: dict[str, str] | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10  # a browser's idle pre-connection must not hold a thread forever

            def do_GET(self) -> None:  # noqa: N802 (stdlib name)
                listener._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # the query holds the code
                pass

        server_cls = _LoopbackServer6 if ":" in host else _LoopbackServer
        try:
            self._server = server_cls((host, port), Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", None) in (10048, 10013):
                raise SignInError(
                    f"port {port} is in use: free it or set APS_CALLBACK_URL to another registered callback"
                ) from None
            raise SignInError(f"cannot listen on {host}:{port} for the sign-in callback: {exc.strerror}") from None
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def _handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:  # the first complete answer wins; the browser may send more requests
            if parts.path.rstrip("/") != self.path.rstrip("/") or self._done.is_set():
                _answer(request, 404, "Not the sign-in callback", "This address only receives the reporter sign-in.")
                return
            if not secrets.compare_digest(query.get("state", "").encode(), self.expected_state.encode()):
                outcome = {"error": "state_mismatch"}
                _answer(request, 400, "Sign-in refused", "This answer does not belong to the sign-in that reporter "
                        "started. Nothing was stored. Close this window and run 'reporter login' again.")
            elif "error" in query:
                outcome = {"error": query["error"]}
                _answer(request, 200, "Sign-in not completed", "Sign-in was not completed. You can close this window.")
            elif not query.get("code"):
                _answer(request, 400, "Sign-in incomplete", "The answer carries no authorization code. Still waiting.")
                return
            else:
                outcome = {"code": query["code"]}
                _answer(request, 200, "Signed in",
                        "reporter is signed in. You can close this window and return to the terminal.")
            self.result = outcome
            self._done.set()

    def wait(self, timeout: float) -> dict[str, str] | None:
        self._done.wait(timeout)
        return self.result

    def close(self) -> None:
        self._done.set()
        self._server.shutdown()
        self._server.server_close()


def _answer(request: http.server.BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
    body = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>reporter: {html.escape(title)}</title></head>"
        f"<body style='font-family:sans-serif;margin:3em'><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p></body></html>"
    ).encode()
    request.send_response(status)
    request.send_header("Content-Type", "text/html; charset=utf-8")
    request.send_header("Content-Length", str(len(body)))
    request.send_header("Cache-Control", "no-store")
    request.end_headers()
    request.wfile.write(body)
    request.wfile.flush()
