"""Shared test set-up: headless Qt, and real Keap sandboxes on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Headless unless a test run asks for a real screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def demo_sandbox() -> Iterator[object]:
    """One read-mostly demo sandbox for the whole run; tests that write use ``sandbox``."""
    from app.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(seed="demo")) as sb:
        yield sb


@pytest.fixture
def sandbox() -> Iterator[object]:
    """A fresh demo sandbox for a test that writes or injects faults."""
    from app.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(seed="demo")) as sb:
        yield sb


@pytest.fixture(autouse=True)
def isolated_user_state(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test touches the real keyring or the user's config, data, log or cache folders.

    The keyring is an in-memory backend, and the per-user folders platformdirs would
    pick point into a temporary directory. Tests that need a real Secret Service run it
    in a subprocess of their own (tests/keyring/).
    """
    import keyring

    from app.services import secrets

    home = tmp_path_factory.mktemp("user-home")
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
                     ("XDG_CACHE_HOME", "cache"), ("APPDATA", "appdata"), ("LOCALAPPDATA", "localappdata")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "app.services.secrets.MemoryKeyring")
    previous = keyring.get_keyring() if keyring.core._keyring_backend is not None else None
    keyring.set_keyring(secrets.MemoryKeyring())
    secrets.set_default_store(None)
    yield
    secrets.set_default_store(None)
    if previous is not None:
        keyring.set_keyring(previous)
    else:
        keyring.core._keyring_backend = None
