"""API keys live only in the operating system's keyring.

The key for a connection profile is stored under service ``TagDesk`` with the
profile's id as the user name; it never goes into settings, profiles.json, logs or
exception text (every key read or written is registered with
:func:`app.core.redact.register_secret`). When the keyring cannot be used (no
Secret Service, a locked or refused keyring, the null/fail backends) we say so in
plain words and offer to keep the key in memory for this run only. There is
deliberately no plain-file fallback.

Keyring calls can block on an unlock prompt, so the GUI calls this module through
its task runner, never on the GUI thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import InitError, KeyringLocked, NoKeyringError, PasswordDeleteError

from app.core.redact import redact, register_secret

log = logging.getLogger("app.services.secrets")

SERVICE = "TagDesk"
_PROBE_USER = "tagdesk-keyring-probe"

T = TypeVar("T")


class SecretStoreError(Exception):
    """The key could not be stored, read or removed; ``str()`` is a user-facing explanation."""


@dataclass(frozen=True)
class BackendStatus:
    """Whether keys can be kept in the OS keyring, and if not, why (for the user)."""

    ok: bool
    backend: str
    reason: str = ""
    persistent: bool = True

    @property
    def summary(self) -> str:
        if self.ok and not self.persistent:
            return f"Keys are kept in memory only ({self.backend}) and forgotten when TagDesk quits."
        if self.ok:
            return f"Keys are kept in the system keyring ({self.backend})."
        return f"The system keyring cannot be used: {self.reason}"


class MemoryKeyring(KeyringBackend):
    """Keys in memory only: the "this run only" store, and the keyring of the tests.

    Never chosen by keyring's own backend detection (``viable`` is False); it is used
    only when set explicitly, e.g. ``PYTHON_KEYRING_BACKEND=app.services.secrets.MemoryKeyring``.
    """

    name = "in-memory keyring"
    priority = 0.1
    viable = False

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's __init__ is untyped
        self._values: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._values.pop((service, username), None) is None:
                raise PasswordDeleteError("No such password")


def describe_backend(backend: KeyringBackend) -> str:
    """A short human name such as ``SecretService Keyring`` or ``macOS Keyring``."""
    name = getattr(type(backend), "name", None)
    return str(name) if name else type(backend).__name__


def _static_problem(backend: KeyringBackend) -> str | None:
    """A reason the backend is unusable that needs no call to find out."""
    if isinstance(backend, fail.Keyring):
        return ("no keyring service was found on this computer (on Linux, install and start "
                "GNOME Keyring or KWallet; a desktop session usually provides one).")
    if isinstance(backend, null.Keyring):
        return "the keyring is switched off (the 'null' backend is configured), so keys would be lost."
    if isinstance(backend, chainer.ChainerBackend) and not chainer.ChainerBackend.backends:
        return "no keyring service was found on this computer."
    return None


def _explain(exc: BaseException) -> str:
    if isinstance(exc, KeyringLocked):
        return "the keyring is locked and was not unlocked (the unlock prompt was dismissed or failed)."
    if isinstance(exc, NoKeyringError):
        return "no keyring service was found on this computer."
    text = redact(str(exc)).strip().rstrip(".") or type(exc).__name__
    if isinstance(exc, InitError):
        return (f"the keyring could not be opened or created; it may be locked with no way to show "
                f"its unlock prompt ({text}).")
    return f"the keyring refused the request ({text})."


class SecretStore:
    """Reads and writes profile keys; falls back to memory only when the user said so.

    Attributes:
        session_only: when True, new keys are kept in memory for this run only.
    """

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend
        self._memory = MemoryKeyring()
        self.session_only = False

    @property
    def backend(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def backend_name(self) -> str:
        return describe_backend(self.backend)

    def status(self) -> BackendStatus:
        """Check the backend by type and by one harmless read (which may show an unlock prompt)."""
        backend = self.backend
        name = describe_backend(backend)
        problem = _static_problem(backend)
        if problem is None:
            try:
                backend.get_password(SERVICE, _PROBE_USER)
            except Exception as exc:  # any backend failure means "unusable", with its reason
                problem = _explain(exc)
        if problem is not None:
            log.warning("keyring unavailable (%s): %s", name, problem)
            return BackendStatus(False, name, problem)
        return BackendStatus(True, name, persistent=not isinstance(backend, MemoryKeyring))

    # -- keys ---------------------------------------------------------------------------

    def get_key(self, profile_id: str) -> str | None:
        """The stored key, from memory (this run) first, then the keyring; None if none."""
        value = self._memory.get_password(SERVICE, profile_id)
        if value is None:
            try:
                value = self._call("read", lambda b: b.get_password(SERVICE, profile_id))
            except SecretStoreError:
                if not self.session_only:
                    raise
                # the user already chose memory because the keyring fails; do not nag again
        if value:
            register_secret(value)
        return value or None

    def set_key(self, profile_id: str, key: str) -> str:
        """Store ``key`` (without any whitespace: a key has none, a paste may add a line
        break or spaces); return where it went ("keyring" or "memory")."""
        register_secret(key)  # the pasted form too, should it reach a log
        key = "".join(key.split())
        if not key:
            raise SecretStoreError("The key is empty.")
        register_secret(key)
        if self.session_only:
            self._memory.set_password(SERVICE, profile_id, key)
            log.info("key for profile %s kept in memory for this run only", profile_id)
            return "memory"
        problem = _static_problem(self.backend)
        if problem is not None:
            raise SecretStoreError(f"The key was not saved: {problem} "
                                   "You can keep it for this run only.")
        self._call("save", lambda b: b.set_password(SERVICE, profile_id, key))
        self._memory_discard(profile_id)
        log.info("key for profile %s stored in %s", profile_id, self.backend_name())
        return "keyring"

    def delete_key(self, profile_id: str) -> None:
        """Forget the key everywhere; a key that was never stored is not an error."""
        self._memory_discard(profile_id)
        if _static_problem(self.backend) is not None:
            return

        def delete(b: KeyringBackend) -> None:
            with contextlib.suppress(PasswordDeleteError):
                b.delete_password(SERVICE, profile_id)

        self._call("remove", delete)
        log.info("key for profile %s removed", profile_id)

    def has_key(self, profile_id: str) -> bool:
        return self.get_key(profile_id) is not None

    def _memory_discard(self, profile_id: str) -> None:
        with contextlib.suppress(PasswordDeleteError):
            self._memory.delete_password(SERVICE, profile_id)

    def _call(self, what: str, fn: Callable[[KeyringBackend], T]) -> T | None:
        """Run one backend call; a read from an absent keyring finds nothing."""
        backend = self.backend
        if what == "read" and _static_problem(backend) is not None:
            return None
        try:
            return fn(backend)
        except Exception as exc:  # every backend failure becomes one user-facing error
            reason = _explain(exc)
            log.warning("keyring %s failed: %s", what, reason)
            raise SecretStoreError(f"Could not {what} the key: {reason}") from None

_default: SecretStore | None = None


def default_store() -> SecretStore:
    """The process-wide store (the app has one keyring)."""
    global _default
    if _default is None:
        _default = SecretStore()
    return _default


def set_default_store(store: SecretStore | None) -> None:
    """Replace the process-wide store (tests)."""
    global _default
    _default = store


def get_key(profile_id: str) -> str | None:
    return default_store().get_key(profile_id)


def set_key(profile_id: str, key: str) -> str:
    return default_store().set_key(profile_id, key)


def delete_key(profile_id: str) -> None:
    default_store().delete_key(profile_id)


def backend_name() -> str:
    return default_store().backend_name()


def backend_status() -> BackendStatus:
    return default_store().status()
