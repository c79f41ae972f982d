"""bounded_map: at most N in flight, and the reader sets the pace."""

from __future__ import annotations

import threading

import pytest

from app.core.bounded import bounded_map


class Gate:
    """Counts the calls started and holds each until released, so a test sees what is in flight."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.lock = threading.Lock()
        self.go = threading.Semaphore(0)
        self.seen = threading.Condition(self.lock)

    def __call__(self, item: int) -> int:
        with self.lock:
            self.started.append(item)
            self.seen.notify_all()
        self.go.acquire()
        return item * 10

    def wait_started(self, n: int) -> None:
        with self.lock:
            assert self.seen.wait_for(lambda: len(self.started) >= n, timeout=5)


def test_at_most_workers_in_flight_and_nothing_more_while_the_reader_waits() -> None:
    gate = Gate()
    results = bounded_map(gate, range(20), 4)
    first = threading.Thread(target=lambda: got.append(next(results)))
    got: list[tuple[int, int]] = []
    first.start()
    gate.wait_started(4)
    for _ in range(4):
        gate.go.release()  # all four finish while the reader has taken one result only
    first.join(5)
    assert len(got) == 1
    # the reader holds its result: three are done and waiting, none new was started
    with gate.lock:
        assert len(gate.started) == 4
    gate.go.release(16)
    rest = list(results)
    assert sorted(got + rest) == [(i, i * 10) for i in range(20)]


def test_an_error_reaches_the_reader_and_stops_new_starts() -> None:
    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        if item == 2:
            raise ValueError("no")
        return item

    with pytest.raises(ValueError):
        list(bounded_map(work, range(100), 2))
    assert len(started) < 10


def test_closing_early_starts_nothing_more() -> None:
    started: list[int] = []
    results = bounded_map(lambda i: started.append(i) or i, range(100), 3)
    next(results)
    results.close()
    assert len(started) <= 4


def test_no_items() -> None:
    assert list(bounded_map(lambda i: i, [], 4)) == []
