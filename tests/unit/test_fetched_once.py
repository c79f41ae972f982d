"""FetchedOnce: one fetch however many ask; a failed fetch is tried again by the next caller."""

from __future__ import annotations

import pytest

from app.core.fetched_once import FetchedOnce


def test_a_failed_fetch_leaves_the_value_unknown_and_the_next_caller_fetches_again() -> None:
    once: FetchedOnce[list[str]] = FetchedOnce()
    calls: list[int] = []

    def failing() -> list[str]:
        calls.append(1)
        raise OSError("connection reset")

    with pytest.raises(OSError):
        once.get(failing)
    assert once.known is None
    assert once.get(lambda: ["_Birthday"]) == ["_Birthday"]
    assert once.get(failing) == ["_Birthday"] and calls == [1]  # known now: no second fetch
