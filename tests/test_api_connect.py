"""Tests of ``reporter.api.connect``: proxies. A loopback API is never reached through a proxy (the
token would travel in clear); a proxy setting httpx cannot use is a one-line error."""

from __future__ import annotations

import importlib.util
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.fakes.records import company_id, make_records
from tests.fakes.scripted import (
    cli_main,
)
from tests.fakes.tradetapp import FakeTradeTapp

BASE_HTTPS = "https://api.example.test/construction/tradetapp/v2"


@pytest.fixture
def main(monkeypatch, fast):
    """``reporter.cli.main`` as a user runs it (``tests.fakes.scripted.cli_main``)."""
    return cli_main(monkeypatch)


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that records what it is asked for and answers 502."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                seen.append((self.path, self.headers.get("Authorization")))
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_CONNECT = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_loopback_api_is_never_reached_through_a_proxy(main, monkeypatch, tmp_path, variable):
    proxy = RecordingProxy()
    try:
        monkeypatch.setenv(variable, proxy.url)
        with FakeTradeTapp(make_records(2)) as fake:
            rc = main(["fetch", "--company", company_id(1), "--base-url", fake.base_url, "--out", str(tmp_path),
                       "--no-financials", "--no-flags"])  # the record's one request only (issue 17)
            direct = len(fake.requests)
    finally:
        proxy.close()
    assert proxy.seen == []  # neither the request nor its bearer token went to the proxy
    assert rc == 0 and direct == 1


@pytest.mark.skipif(importlib.util.find_spec("socksio") is not None, reason="socksio installed: SOCKS works")
@pytest.mark.parametrize("variable", ["ALL_PROXY", "all_proxy", "HTTPS_PROXY"])
def test_a_socks_proxy_without_socksio_is_a_clear_error(main, monkeypatch, tmp_path, capsys, variable):
    monkeypatch.setenv(variable, "socks5://user:secret@127.0.0.1:1080")
    rc = main(["fetch", "--company", company_id(1), "--base-url", BASE_HTTPS, "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "internal error" not in err
    assert f"{variable} names a socks5:// proxy" in err and "socksio" in err
    assert "secret" not in err


@pytest.mark.skipif(importlib.util.find_spec("socksio") is not None, reason="socksio installed: SOCKS works")
def test_a_socks_proxy_at_sign_in_is_a_clear_error(main, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("APS_CLIENT_ID", "cid")
    monkeypatch.delenv("APS_AUTH_BASE_URL", raising=False)
    monkeypatch.setenv("REPORTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("REPORTER_TOKEN_STORE", "file")
    rc = main(["login", "--no-browser", "--timeout", "1"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "\n" not in err and "internal error" not in err
    assert "ALL_PROXY names a socks5:// proxy" in err

