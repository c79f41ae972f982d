"""The key store: keyring only, explained failures, memory only when the user says so."""

from __future__ import annotations

import logging

import keyring
import pytest
from keyring.backends import fail, null
from keyring.errors import KeyringLocked

from app.core.redact import redact
from app.services import secrets
from app.services.secrets import SERVICE, MemoryKeyring, SecretStore, SecretStoreError

KEY = "KeapAK-unit-test-secret-0001"


class LockedKeyring(MemoryKeyring):
    """A keyring whose unlock prompt was dismissed."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


def test_autouse_fixture_gives_every_test_a_memory_keyring() -> None:
    assert isinstance(keyring.get_keyring(), MemoryKeyring)
    status = secrets.backend_status()
    assert status.ok and not status.persistent
    assert "memory only" in status.summary


def test_set_get_delete_under_service_tagdesk_and_the_profile_id() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    assert store.get_key("p1") is None
    assert store.set_key("p1", f"  {KEY}\n") == "keyring"
    assert backend.get_password(SERVICE, "p1") == KEY
    assert store.get_key("p1") == KEY
    store.delete_key("p1")
    assert store.get_key("p1") is None
    store.delete_key("p1")  # deleting twice is fine


def test_keys_read_or_set_are_redacted_everywhere() -> None:
    backend = MemoryKeyring()
    backend.set_password(SERVICE, "p2", "KeapAK-stored-before-this-run")
    store = SecretStore(backend)
    store.get_key("p2")
    assert "KeapAK-stored-before-this-run" not in redact("key=KeapAK-stored-before-this-run")
    store.set_key("p3", KEY)
    assert KEY not in redact(f"oops {KEY}")


def test_module_functions_use_the_default_store() -> None:
    secrets.set_key("p4", KEY)
    assert secrets.get_key("p4") == KEY
    assert secrets.backend_name() == "in-memory keyring"
    secrets.delete_key("p4")
    assert secrets.get_key("p4") is None


def test_empty_key_is_refused() -> None:
    with pytest.raises(SecretStoreError, match="empty"):
        SecretStore(MemoryKeyring()).set_key("p", "   ")


@pytest.mark.parametrize(("backend", "reason"), [
    (fail.Keyring(), "no keyring service was found"),
    (null.Keyring(), "switched off"),
    (LockedKeyring(), "locked"),
])
def test_unusable_backends_are_reported_with_a_reason(backend: object, reason: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    store = SecretStore(backend)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        status = store.status()
    assert not status.ok
    assert reason in status.reason
    assert "cannot be used" in status.summary


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), LockedKeyring()])
def test_no_silent_fallback_but_this_run_only_when_asked(backend: object, caplog) -> None:
    store = SecretStore(backend)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING), pytest.raises(SecretStoreError) as info:
        store.set_key("p", KEY)
    assert KEY not in str(info.value)
    store.session_only = True
    assert store.set_key("p", KEY) == "memory"
    assert store.get_key("p") == KEY
    store.delete_key("p")
    assert store.get_key("p") is None


def test_a_locked_keyring_read_is_an_explained_error() -> None:
    with pytest.raises(SecretStoreError, match="locked"):
        SecretStore(LockedKeyring()).get_key("p")


def test_memory_keyring_is_never_picked_by_keyring_detection() -> None:
    from keyring import backend

    assert MemoryKeyring not in set(backend.KeyringBackend.get_viable_backends())
