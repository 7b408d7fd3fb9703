"""Test fake: an APS authorization server (authorize, token, revoke) and a ``users/me`` API, on 127.0.0.1.

Input: HTTP requests from the code under test (and from the test playing the browser).
Output: APS-shaped answers, plus a record of every request and every value it issued, so tests can
check rotation, revocation and that no issued secret leaks into logs or messages.

Behaviour follows section 9 of the TradeTapp reference: a public client with PKCE S256; the code
lives 5 minutes and works once; each refresh issues a new refresh token and kills the old one;
an expired or unknown refresh token gets ``400 {"error": "invalid_grant"}``.

    with FakeAps(client_id="cid", redirect_uris={"http://127.0.0.1:5000/cb/"}) as aps:
        aps.auth_base_url   # http://127.0.0.1:<port>/authentication/v2
        aps.api_base_url    # http://127.0.0.1:<port>/construction/tradetapp/v2
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

USERS_ME = {
    "user": {"id": "u-1001", "email": "pat.manager@example.com", "firstName": "Pat", "lastName": "Manager"},
    "company": {
        "id": "5d1a9c0e8f4a2b0012345678",
        "name": "Acme Builders West",
        "enterprise": {
            "parentCompany": {"id": "5d1a9c0e8f4a2b0000000001", "name": "Acme Holdings"},
            "childrenCompanies": [
                {"id": "5d1a9c0e8f4a2b0012345678", "name": "Acme Builders West"},
                {"id": "5d1a9c0e8f4a2b0087654321", "name": "Acme Builders East"},
            ],
        },
        "additionalLinkedNetworkCompanyIds": [],
    },
    "isAdmin": False,
    "role": "APPROVER",
    "userPermissions": [],
    "companyPermissions": ["CAN_COMPLETE_APPLICATION"],
}


@dataclass
class Recorded:
    server: str  # "auth" or "api"
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class _State:
    client_id: str
    redirect_uris: set[str]
    expires_in: int = 3599
    refresh_lifetime: float = 15 * 24 * 3600
    deny: bool = False  # /authorize answers error=access_denied (the user clicked "Deny")
    codes: dict[str, dict] = field(default_factory=dict)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at
    refresh_tokens: dict[str, float] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # every code and token ever handed out
    revoked: list[tuple[str, str]] = field(default_factory=list)  # (token_type_hint, token)
    requests: list[Recorded] = field(default_factory=list)
    users_me: dict = field(default_factory=lambda: json.loads(json.dumps(USERS_ME)))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_secret(self, prefix: str) -> str:
        value = f"{prefix}-{secrets.token_urlsafe(24)}"
        self.issued.append(value)
        return value


class FakeAps:
    def __init__(self, *, client_id: str = "test-client-id", redirect_uris: set[str] | None = None, expires_in: int = 3599) -> None:
        self.state = _State(client_id=client_id, redirect_uris=set(redirect_uris or ()), expires_in=expires_in)
        self._auth = _serve(_auth_handler(self.state))
        self._api = _serve(_api_handler(self.state))

    # ---- addresses
    @property
    def auth_base_url(self) -> str:
        return f"http://127.0.0.1:{self._auth.server_port}/authentication/v2"

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self._api.server_port}/construction/tradetapp/v2"

    # ---- helpers for tests
    def issue_tokens(self, *, access_expires_in: float | None = None, refresh_expires_in: float | None = None) -> dict:
        """Mint a valid token pair directly (as if a sign-in had happened earlier)."""
        s = self.state
        with s.lock:
            return _issue(s, access_expires_in, refresh_expires_in)

    @property
    def requests(self) -> list[Recorded]:
        return list(self.state.requests)

    def token_requests(self, grant_type: str | None = None) -> list[Recorded]:
        return [r for r in self.state.requests if r.path.endswith("/token") and (grant_type is None or r.params.get("grant_type") == grant_type)]

    def close(self) -> None:
        for server in (self._auth, self._api):
            server.shutdown()
            server.server_close()

    def __enter__(self) -> FakeAps:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _issue(s: _State, access_expires_in: float | None = None, refresh_expires_in: float | None = None) -> dict:
    now = time.time()
    access = s.new_secret("at")
    refresh = s.new_secret("rt")
    expires_in = s.expires_in if access_expires_in is None else access_expires_in
    s.access_tokens[access] = now + expires_in
    s.refresh_tokens[refresh] = now + (s.refresh_lifetime if refresh_expires_in is None else refresh_expires_in)
    return {"token_type": "Bearer", "access_token": access, "refresh_token": refresh, "expires_in": expires_in}


def _serve(handler_cls) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


class _Base(BaseHTTPRequestHandler):
    state: _State
    name = ""

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass

    def _record(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            params.update({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
        with self.state.lock:
            self.state.requests.append(Recorded(self.name, self.command, parts.path, params, dict(self.headers)))
        return parts.path, params

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _auth_handler(state: _State):
    class Handler(_Base):
        name = "auth"

        def do_GET(self) -> None:  # noqa: N802
            path, p = self._record()
            if not path.endswith("/authorize"):
                return self._json(404, {"error": "not_found"})
            s = self.state
            problems = []
            if p.get("client_id") != s.client_id:
                problems.append("client_id")
            if s.redirect_uris and p.get("redirect_uri") not in s.redirect_uris:
                problems.append("redirect_uri")
            if p.get("response_type") != "code":
                problems.append("response_type")
            if p.get("code_challenge_method") != "S256" or not p.get("code_challenge"):
                problems.append("code_challenge")
            if not p.get("state"):
                problems.append("state")
            if problems:
                return self._json(400, {"error": "invalid_request", "error_description": ",".join(problems)})
            if s.deny:
                query = {"error": "access_denied", "error_description": "The user denied access", "state": p["state"]}
            else:
                with s.lock:
                    code = s.new_secret("code")
                    s.codes[code] = {
                        "challenge": p["code_challenge"],
                        "redirect_uri": p["redirect_uri"],
                        "scope": p.get("scope", ""),
                        "expires_at": time.time() + 300,
                    }
                query = {"code": code, "state": p["state"]}
            self.send_response(302)
            self.send_header("Location", f"{p['redirect_uri']}?{urlencode(query)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802
            path, p = self._record()
            s = self.state
            if path.endswith("/revoke"):
                with s.lock:
                    token = p.get("token", "")
                    s.revoked.append((p.get("token_type_hint", ""), token))
                    s.access_tokens.pop(token, None)
                    s.refresh_tokens.pop(token, None)
                if p.get("client_id") != s.client_id:
                    return self._json(401, {"error": "invalid_client"})
                return self._json(200, {})
            if not path.endswith("/token"):
                return self._json(404, {"error": "not_found"})
            if p.get("client_id") != s.client_id or "client_secret" in p:
                return self._json(401, {"error": "invalid_client"})
            grant = p.get("grant_type")
            with s.lock:
                if grant == "authorization_code":
                    entry = s.codes.pop(p.get("code", ""), None)  # a code works once
                    verifier = p.get("code_verifier", "")
                    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                    if (
                        entry is None
                        or entry["expires_at"] < time.time()
                        or entry["redirect_uri"] != p.get("redirect_uri")
                        or not 43 <= len(verifier) <= 128
                        or not secrets.compare_digest(challenge, entry["challenge"])
                    ):
                        return self._json(400, {"error": "invalid_grant"})
                    return self._json(200, _issue(s))
                if grant == "refresh_token":
                    expires = s.refresh_tokens.pop(p.get("refresh_token", ""), None)  # rotation: the old one dies
                    if expires is None or expires < time.time():
                        return self._json(400, {"error": "invalid_grant"})
                    return self._json(200, _issue(s))
            return self._json(400, {"error": "unsupported_grant_type"})

    Handler.state = state
    return Handler


def _api_handler(state: _State):
    class Handler(_Base):
        name = "api"

        def do_GET(self) -> None:  # noqa: N802
            path, _ = self._record()
            header = self.headers.get("Authorization", "")
            token = header[7:] if header.startswith("Bearer ") else ""
            with self.state.lock:
                expires = self.state.access_tokens.get(token)
            if expires is None or expires < time.time():
                return self._json(401, {"title": "Unauthorized", "detail": "The access token is missing, invalid or expired."})
            if not path.endswith("/users/me"):
                return self._json(404, {"title": "Not Found", "detail": path})
            return self._json(200, self.state.users_me)

    Handler.state = state
    return Handler
