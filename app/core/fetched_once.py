"""A value fetched once per backend (the custom-field model), however many threads ask first.

A full read starts six workers at once, and each of them needs the custom fields to read its
first page: with a plain "fetch if unknown" every one of them made the same call (a cold
REST backend asked for ``/contacts/model`` six times at the start of an export). Here the
first caller fetches and the others wait for its answer; a failed fetch leaves the value
unknown, so the next caller tries again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class FetchedOnce(Generic[T]):
    """Holds the value once fetched; :meth:`get` fetches it at most once at a time."""

    def __init__(self) -> None:
        self._value: T | None = None
        self._lock = threading.Lock()  # guards _value
        self._fetching = threading.Lock()  # held by the one caller that fetches

    @property
    def known(self) -> T | None:
        """The value if fetched, else None; never fetches (safe on the GUI thread)."""
        with self._lock:
            return self._value

    def get(self, fetch: Callable[[], T]) -> T:
        known = self.known
        if known is not None:
            return known
        with self._fetching:
            known = self.known
            if known is None:  # the first to ask fetches; the others waited for its answer
                known = fetch()
                with self._lock:
                    self._value = known
            return known
