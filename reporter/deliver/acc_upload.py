"""Deliver stage, one file's bytes into ACC storage: storage, signed URLs, the part PUTs, completion.

Input: a ``DataManagementClient``, a ``SignedUploader``, the ACC project and folder, and an
``Upload`` (the file's name in ACC, its path on disk -- or, for the manifest's filing copy, its
bytes -- and the SHA-256 and size the plan found). Output: the storage id (an
``urn:adsk.objects:os.object:...``) of the finished upload, or one line: an ``ApiError`` of the
step that failed, ``UploadChanged`` when the bytes sent are not the bytes planned.

Streamed, never held: a file on disk goes as ``FilePart`` byte ranges read ``CHUNK`` at a time as
they are sent (a retried part is read again from disk), so the memory a file costs is a chunk,
not a part and not the file. One part up to ``PART_SIZE`` (100 MiB: Autodesk asks for several parts
above about 100 MB), ``ceil(size / PART_SIZE)`` parts above, their URLs asked ``MAX_SIGNED_PARTS``
at a time just before they are used. The SHA-256 is computed over the bytes as they go out (a
part's contribution is taken from its last, successful, try) and compared with the plan's before
the upload is finished: a file changed mid-run is never completed, let alone attached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from reporter.api.data_management import MAX_SIGNED_PARTS, DataManagementClient
from reporter.api.dm_models import parse_storage_urn
from reporter.api.signed_s3 import FilePart, SignedUploader
from reporter.deliver.acc_folders import POST_ATTEMPTS
from reporter.errors import DeliveryError, ServerError

PART_SIZE = 100 * 1024 * 1024  # bytes per signed-upload part (Autodesk: several parts above ~100 MB)
T = TypeVar("T")


class UploadChanged(DeliveryError):
    """The bytes sent for a file are not those the plan checked (it changed while it was filed)."""


@dataclass(frozen=True)
class Upload:
    name: str  # in ACC
    where: str  # the file as a user knows it (its path in the built folder)
    sha256: str
    size: int
    path: Path | None = None  # on disk: streamed
    data: bytes | None = None  # small and in memory (the manifest's filing copy)


def part_spans(size: int, part_size: int = PART_SIZE) -> list[tuple[int, int]]:
    """``(offset, length)`` of each part: one part up to ``part_size`` bytes (an empty file: one
    empty part), ``ceil(size / part_size)`` above, all but the last ``part_size`` long."""
    step = max(1, part_size)
    return [(offset, min(step, size - offset)) for offset in range(0, size, step)] or [(0, 0)]


class _HashedPart:
    """A part whose bytes, as sent, extend the file's running SHA-256 (``hash`` after the last try)."""

    def __init__(self, part: FilePart | bytes, before: Any) -> None:
        self.part, self.before, self.hash = part, before, before.copy()
        self.length = len(part) if isinstance(part, bytes) else part.length

    def chunks(self) -> Iterator[bytes]:
        self.hash = self.before.copy()  # a retry starts the part again
        for chunk in ([self.part] if isinstance(self.part, bytes) else self.part.chunks()):
            self.hash.update(chunk)
            yield chunk


async def post_looking(action: Callable[[], Awaitable[T]], look: Callable[[], Awaitable[Any]] | None = None) -> Any:
    """``action()``; after a server error or a lost answer, ``look()`` (when given) says whether it
    took effect (its answer is returned) before the POST is tried again."""
    for attempt in range(POST_ATTEMPTS):
        try:
            return await action()
        except ServerError:
            if attempt == POST_ATTEMPTS - 1:
                raise
            if look is not None:
                found = await look()
                if found is not None:
                    return found
    raise AssertionError("unreachable")  # pragma: no cover


def _part(up: Upload, offset: int, length: int) -> FilePart | bytes:
    if up.path is not None:
        return FilePart(up.path, offset, length)
    return (up.data or b"")[offset : offset + length]


async def upload(dm: DataManagementClient, s3: SignedUploader, project_id: str, folder_id: str, up: Upload,
                 *, part_size: int = PART_SIZE) -> str:
    """Storage, signed URLs, the PUTs (streamed) and the completion; the storage id."""
    storage = await post_looking(lambda: dm.create_storage(project_id, folder_id, up.name))
    try:
        bucket, key = parse_storage_urn(storage.data.id or "")
    except ValueError:
        raise ServerError(f"ACC Docs answered the storage for {up.name} with an unusable id") from None
    spans = part_spans(up.size, part_size)
    running = hashlib.sha256()
    upload_key: str | None = None
    for first in range(0, len(spans), MAX_SIGNED_PARTS):
        batch = spans[first : first + MAX_SIGNED_PARTS]
        signed = await dm.signed_upload(bucket, key, first + 1, len(batch), upload_key)
        upload_key = upload_key or signed.uploadKey
        for n, (url, (offset, length)) in enumerate(zip(signed.urls, batch, strict=True), start=first + 1):
            body = _HashedPart(_part(up, offset, length), running)
            await s3.put(url, body, f"part {n} of {len(spans)} of {up.name}")
            running = body.hash
    if running.hexdigest() != up.sha256:
        raise UploadChanged(f"{up.where}: changed while it was being filed (its SHA-256 is not the one checked "
                            "against the manifest); not attached: rebuild or run 'reporter verify', then file again")
    assert upload_key is not None
    await post_looking(lambda: dm.complete_upload(bucket, key, upload_key))
    return storage.data.id or ""
