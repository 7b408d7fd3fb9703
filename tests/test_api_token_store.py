"""The token store: backend choice, the keyring path (with an in-memory keyring, never the real
one), the fallback to the file when the keyring refuses, and unreadable stored sign-ins."""

from __future__ import annotations

import logging
import time

import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError, PasswordSetError

from reporter.api.token_store import (
    FileTokenStore,
    KeyringTokenStore,
    StoredTokens,
    choose_store,
    config_dir,
    keyring_usable,
)
from reporter.errors import SignInError

TOKENS = StoredTokens(
    access_token="at-secret-value",
    refresh_token="rt-secret-value",
    expires_at=time.time() + 3600,
    refresh_expires_at=time.time() + 15 * 86400,
    client_id="cid",
    auth_base_url="https://developer.api.autodesk.com/authentication/v2",
    scope="data:read",
)


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self, refuse: bool = False) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.refuse = refuse

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        if self.refuse:
            raise PasswordSetError("the keyring is locked")
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("REPORTER_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("REPORTER_TOKEN_STORE", raising=False)
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())


def _use_keyring(monkeypatch, backend: KeyringBackend) -> KeyringBackend:
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    return backend


def test_no_usable_keyring_means_the_file(tmp_path):
    assert not keyring_usable()
    store = choose_store()
    assert isinstance(store, FileTokenStore)
    assert store.path == tmp_path / "cfg" / "tokens.json" == config_dir() / "tokens.json"


def test_file_can_be_forced_even_with_a_keyring(monkeypatch):
    _use_keyring(monkeypatch, MemoryKeyring())
    assert isinstance(choose_store(), KeyringTokenStore)
    monkeypatch.setenv("REPORTER_TOKEN_STORE", "file")
    assert isinstance(choose_store(), FileTokenStore)


def test_forcing_a_missing_keyring_or_a_bad_value_is_an_error(monkeypatch):
    monkeypatch.setenv("REPORTER_TOKEN_STORE", "keyring")
    with pytest.raises(SignInError, match="no usable system keyring"):
        choose_store()
    monkeypatch.setenv("REPORTER_TOKEN_STORE", "vault")
    with pytest.raises(SignInError, match="must be 'auto', 'file' or 'keyring'"):
        choose_store()


def test_keyring_round_trip(monkeypatch):
    backend = _use_keyring(monkeypatch, MemoryKeyring())
    store = choose_store()
    store.save(TOKENS)
    assert store.load() == TOKENS
    assert not store.fallback.path.exists()
    assert store.delete() is True
    assert store.load() is None and backend.items == {}


def test_keyring_refusal_falls_back_to_the_file(monkeypatch, caplog):
    _use_keyring(monkeypatch, MemoryKeyring(refuse=True))
    store = KeyringTokenStore()
    store.save(TOKENS)
    assert store.fallback.load() == TOKENS
    assert store.load() == TOKENS
    assert "refused" in caplog.text and "rt-secret-value" not in caplog.text
    assert store.delete() is True and not store.fallback.path.exists()


def test_repr_hides_tokens():
    assert "secret" not in repr(TOKENS) and "secret" not in str(TOKENS)


def test_unreadable_file_says_to_log_in_again(tmp_path):
    store = FileTokenStore(tmp_path / "tokens.json")
    store.path.write_text('{"access_token": "at-secret-value"}')
    with pytest.raises(SignInError, match="unreadable .*run 'reporter login' again") as info:
        store.load()
    assert "secret" not in str(info.value)


def test_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("REPORTER_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "reporter"


def test_write_failure_is_a_sign_in_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(SignInError, match="cannot write the sign-in"):
        FileTokenStore(blocker / "reporter" / "tokens.json").save(TOKENS)


def test_keyring_read_error_is_logged_and_the_file_used(monkeypatch, caplog):
    class Broken(MemoryKeyring):
        def get_password(self, service, username):
            raise keyring.errors.KeyringLocked("locked")

    _use_keyring(monkeypatch, Broken())
    store = KeyringTokenStore()
    store.fallback.save(TOKENS)
    with caplog.at_level(logging.WARNING):
        assert store.load() == TOKENS
    assert "cannot read the system keyring" in caplog.text
