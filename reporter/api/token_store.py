"""Fetch stage (sign-in): where the APS tokens of a signed-in user are kept between runs.

Input: a ``StoredTokens`` value to save, or nothing to load. Output: the ``StoredTokens`` saved by
the last ``reporter login`` or refresh, or ``None`` when nobody is signed in.

Two backends behind one small interface (``load`` / ``save`` / ``delete`` / ``location``):

- the OS keyring (macOS Keychain, Windows Credential Locker, Secret Service) when a usable one is
  installed. The ``fail`` / ``null`` backends and the plaintext ``keyrings.alt`` ones count as "no
  keyring". If the keyring refuses a write (locked, no D-Bus session, value too long for Windows)
  the tokens go to the file instead, with a warning.
- a JSON file ``tokens.json`` in the user's config folder (``$REPORTER_CONFIG_DIR``, else
  ``$XDG_CONFIG_HOME/reporter``, else ``~/.config/reporter``; ``%APPDATA%\\reporter`` on Windows),
  folder mode 0700, file mode 0600, written atomically (``reporter.fsio.atomic_write``: temp file
  in the same folder, mode 0600 before the first byte, fsync, ``os.replace``).

``REPORTER_TOKEN_STORE=file`` forces the file (tests use it so they never touch a real keyring);
``keyring`` forces the keyring; ``auto`` (the default) picks as above.

Token values never appear in a ``repr``, a log line or an error message.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from reporter.errors import SignInError
from reporter.fsio import atomic_write

log = logging.getLogger("reporter.auth")

FILE_NAME = "tokens.json"
KEYRING_SERVICE = "reporter"
KEYRING_USER = "aps-sign-in"
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class StoredTokens:
    """One signed-in user's tokens and what is needed to refresh them later."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float  # epoch seconds when the access token stops working
    refresh_expires_at: float  # epoch seconds when the refresh token stops working (issued + 15 days)
    client_id: str
    auth_base_url: str
    scope: str

    def to_json(self) -> str:
        return json.dumps({"version": _FORMAT_VERSION, **asdict(self)}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> StoredTokens:
        """Parse what ``to_json`` wrote; ``ValueError`` when it is not that shape."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        try:
            tokens = cls(
                access_token=str(data["access_token"]),
                refresh_token=str(data["refresh_token"]),
                expires_at=float(data["expires_at"]),
                refresh_expires_at=float(data["refresh_expires_at"]),
                client_id=str(data["client_id"]),
                auth_base_url=str(data["auth_base_url"]),
                scope=str(data.get("scope") or ""),
            )
        except (KeyError, TypeError) as exc:  # the message names a field, never a value
            raise ValueError(f"missing or malformed field {exc}") from None
        if not tokens.access_token or not tokens.refresh_token:
            raise ValueError("empty token")
        return tokens


class TokenStore(Protocol):
    def load(self) -> StoredTokens | None: ...
    def save(self, tokens: StoredTokens) -> None: ...
    def delete(self) -> bool: ...  # True when something was removed
    @property
    def location(self) -> str: ...  # for messages: "the file ~/.config/reporter/tokens.json"


def config_dir() -> Path:
    """The folder for the token file (and other per-user settings)."""
    explicit = os.environ.get("REPORTER_CONFIG_DIR")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "reporter"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return base / "reporter"


class FileTokenStore:
    """A JSON file readable by its owner only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / FILE_NAME

    @property
    def location(self) -> str:
        return f"the file {self.path}"

    def load(self) -> StoredTokens | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SignInError(f"cannot read the stored sign-in {self.path}: {exc.strerror}") from None
        try:
            return StoredTokens.from_json(text)
        except ValueError as exc:
            raise SignInError(
                f"the stored sign-in {self.path} is unreadable ({_short(exc)}): run 'reporter login' again"
            ) from None

    def save(self, tokens: StoredTokens) -> None:
        folder = self.path.parent
        try:
            if not folder.exists():
                folder.mkdir(mode=0o700, parents=True)
                os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
            atomic_write(self.path, tokens.to_json().encode("utf-8"), mode=0o600)
        except OSError as exc:
            raise SignInError(f"cannot write the sign-in to {self.path}: {exc.strerror}") from None
        log.debug("stored the sign-in in %s", self.location)

    def delete(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise SignInError(f"cannot remove the stored sign-in {self.path}: {exc.strerror}") from None
        return True


class KeyringTokenStore:
    """The OS keyring, one entry holding the JSON; falls back to ``fallback`` if a write is refused."""

    def __init__(self, fallback: FileTokenStore | None = None) -> None:
        self.fallback = fallback or FileTokenStore()

    @property
    def location(self) -> str:
        return f"the system keyring (service '{KEYRING_SERVICE}')"

    def load(self) -> StoredTokens | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            text = keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
        except KeyringError as exc:
            log.warning("cannot read the system keyring (%s); trying %s", _short(exc), self.fallback.location)
            text = None
        if text is None:
            return self.fallback.load()
        try:
            return StoredTokens.from_json(text)
        except ValueError as exc:
            raise SignInError(
                f"the sign-in stored in {self.location} is unreadable ({_short(exc)}): run 'reporter login' again"
            ) from None

    def save(self, tokens: StoredTokens) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(KEYRING_SERVICE, KEYRING_USER, tokens.to_json())
        except KeyringError as exc:
            log.warning(
                "the system keyring refused the sign-in (%s); keeping it in %s (owner-only) instead",
                _short(exc),
                self.fallback.location,
            )
            self.fallback.save(tokens)
            self._delete_keyring_entry()  # an older entry there would shadow the file
            return
        self.fallback.delete()  # an older file would be stale
        log.debug("stored the sign-in in %s", self.location)

    def delete(self) -> bool:
        removed = self._delete_keyring_entry()
        return self.fallback.delete() or removed

    def _delete_keyring_entry(self) -> bool:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
        except PasswordDeleteError:
            return False
        except KeyringError as exc:
            log.warning("cannot remove the sign-in from the system keyring (%s)", _short(exc))
            return False
        return True


def keyring_usable() -> bool:
    """True when ``keyring`` has a real, non-plaintext backend on this machine."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null

        backend = keyring.get_keyring()
    except Exception:  # a broken keyring install is the same as none
        return False
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return False
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return False
    return not type(backend).__module__.startswith("keyrings.alt")


def choose_store() -> TokenStore:
    """The store to use, from ``REPORTER_TOKEN_STORE`` (``auto`` | ``file`` | ``keyring``)."""
    wanted = (os.environ.get("REPORTER_TOKEN_STORE") or "auto").strip().lower()
    if wanted == "file":
        return FileTokenStore()
    if wanted == "keyring":
        if not keyring_usable():
            raise SignInError("REPORTER_TOKEN_STORE=keyring, but no usable system keyring was found")
        return KeyringTokenStore()
    if wanted != "auto":
        raise SignInError(f"REPORTER_TOKEN_STORE must be 'auto', 'file' or 'keyring', not {wanted!r}")
    return KeyringTokenStore() if keyring_usable() else FileTokenStore()


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
