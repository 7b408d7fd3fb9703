"""Fetch stage, signed S3 uploads: PUT a file's parts to the pre-signed URLs OSS handed out.

Input: the part URLs of ``DataManagementClient.signed_upload`` and each part's body: ``bytes`` (a
small in-memory file: the manifest's filing copy), or a ``FilePart`` -- a byte range of a file on
disk, read ``CHUNK`` bytes at a time as it is sent (afresh on every try), so no part, and no
file, is ever held whole in memory. Output: every part stored (``put`` / ``put_parts``), or one
``ServerError`` / ``ApiError`` line naming the part; ``PartUnreadable`` when the file changed
size under a part (the run then fails that file, not the others).

The URLs point at another host (Amazon S3) and carry their own signature: this client is a plain
httpx client with NO ``Authorization`` header and no default headers of ours -- the bearer token
never leaves the APS host. A streamed part is sent with its ``Content-Length`` (S3 refuses a
chunked PUT). It still retries a 5xx, a 429 (honouring ``Retry-After``), a timeout and a dropped
connection (a part PUT is idempotent), with a timeout on every request. A part URL that is not
https (plain http only to this machine, as the tests' fake) is refused: the bytes are a
subcontractor's finances.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self

import httpx

from reporter.api.connect import async_client
from reporter.api.http_errors import show_url
from reporter.api.retry import Sleep, backoff_delay, parse_retry_after
from reporter.api.settings import token_url_problem
from reporter.errors import ApiError, ReporterError, ServerError, UnsafeUrl

_NETWORK = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
CHUNK = 1024 * 1024  # bytes read from disk (and handed to the socket) at a time


class PartUnreadable(ReporterError):
    """A part's bytes could not be read as planned (the file shrank, vanished or cannot be read)."""


class PartBody(Protocol):
    """A part streamed from somewhere: its exact length, and its bytes (a fresh iterator each call)."""

    length: int

    def chunks(self) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class FilePart:
    """Bytes ``[offset, offset + length)`` of ``path``, read ``CHUNK`` at a time when sent."""

    path: Path
    offset: int
    length: int

    def chunks(self) -> Iterator[bytes]:
        left = self.length
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                while left > 0:
                    chunk = fh.read(min(CHUNK, left))
                    if not chunk:
                        raise PartUnreadable(f"{self.path}: ended {left} bytes early (changed while it was uploaded)")
                    left -= len(chunk)
                    yield chunk
        except OSError as exc:
            raise PartUnreadable(f"{self.path}: cannot be read ({exc.strerror or exc})") from None


async def _stream(body: PartBody) -> AsyncIterator[bytes]:
    for chunk in body.chunks():
        yield chunk


class SignedUploader:
    """``async with SignedUploader() as s3: await s3.put_parts(urls, parts)``."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 120,
                 max_retries: int = 6, backoff_base: float = 0.5, retry_cap: float = 60,
                 sleep: Sleep = asyncio.sleep, rng: random.Random | None = None) -> None:
        self._transport = transport
        self._timeout = httpx.Timeout(timeout)
        self._clients: dict[str, httpx.AsyncClient] = {}
        self.max_retries, self.backoff_base, self.retry_cap = max_retries, backoff_base, retry_cap
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.puts_sent = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    def _client(self, url: httpx.URL) -> httpx.AsyncClient:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        if origin not in self._clients:
            # no headers=, no auth=: httpx adds only Host, Content-Length and its own defaults
            self._clients[origin] = async_client(origin, transport=self._transport, timeout=self._timeout,
                                                 follow_redirects=False)
        return self._clients[origin]

    async def put_parts(self, urls: Sequence[str], parts: Sequence[bytes | PartBody]) -> None:
        if len(urls) != len(parts):
            raise ServerError(f"got {len(urls)} upload URLs for {len(parts)} parts")
        for n, (url, data) in enumerate(zip(urls, parts, strict=True), start=1):
            await self.put(url, data, f"part {n} of {len(parts)}")

    async def put(self, address: str, data: bytes | PartBody, what: str) -> None:
        """PUT one part (retried as a whole, re-read from its start, on a 5xx, 429 or lost connection)."""
        try:
            url = httpx.URL(address)
        except httpx.InvalidURL:
            raise ServerError(f"the signed upload URL for {what} is not a URL") from None
        problem = token_url_problem(url)
        if problem:
            raise UnsafeUrl(f"refusing to upload {what} to {show_url(url)}: {problem}", url=show_url(url))
        attempt = 0
        while True:
            response: httpx.Response | None
            try:
                self.puts_sent += 1
                if isinstance(data, bytes | bytearray):
                    response = await self._client(url).put(url, content=bytes(data))
                else:
                    response = await self._client(url).put(url, content=_stream(data),
                                                           headers={"Content-Length": str(data.length)})
            except _NETWORK as exc:
                response = None
                failure = f"{type(exc).__name__}"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return
                if status != 429 and status < 500:
                    raise ApiError(f"the signed upload of {what} was refused ({status}) by {show_url(url)}",
                                   status=status, url=show_url(url))
                failure = f"status {status}"
            attempt += 1
            if attempt > self.max_retries:
                raise ServerError(f"the signed upload of {what} failed after {attempt} tries ({failure})",
                                  url=show_url(url))
            wait = parse_retry_after(response.headers.get("Retry-After")) if response is not None else None
            delay = min(wait, self.retry_cap) if wait is not None else backoff_delay(
                attempt, self.backoff_base, self.retry_cap, self._rng)
            await self._sleep(delay)
