"""A cancel token: one per job, checked between pages, retries and waits.

Cancellation is cooperative: the worker stops at the next safe point, so what is
done is done and can be reported.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Cancellable(Protocol):
    def is_cancelled(self) -> bool: ...


class CancelToken:
    """Thread-safe flag with an interruptible sleep."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def is_cancelled(self) -> bool:
        return self._event.is_set()

    def sleep(self, seconds: float) -> bool:
        """Wait up to ``seconds``; return True if cancelled meanwhile."""
        return self._event.wait(max(0.0, seconds))


class NeverCancelled:
    """The token for calls that nobody can cancel."""

    def is_cancelled(self) -> bool:
        return False

    def sleep(self, seconds: float) -> bool:
        threading.Event().wait(max(0.0, seconds))
        return False
