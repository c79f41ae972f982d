"""Workers step aside while the GUI paints, and never for longer than the bound."""

from __future__ import annotations

import threading
import time

from app.core import gui_priority
from app.core.gui_priority import gui_is_working, gui_working, step_aside


class WatchedEvent(threading.Event):
    """The gate, telling the test when a worker has started waiting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting.set()
        return super().wait(timeout)


def test_a_worker_waits_for_the_paint_then_goes_on(monkeypatch) -> None:
    gate = WatchedEvent()
    gate.set()
    monkeypatch.setattr(gui_priority, "_gui_idle", gate)
    monkeypatch.setattr(gui_priority, "MAX_STEP_ASIDE", 30.0)
    monkeypatch.setattr(gui_priority, "MAX_BURST", 30.0)
    in_paint = threading.Event()
    done: list[bool] = []

    def worker() -> None:
        in_paint.wait(5)
        step_aside()
        done.append(gui_is_working())

    thread = threading.Thread(target=worker)
    thread.start()
    with gui_working():
        with gui_working():  # nested paints count once
            in_paint.set()
            assert gate.waiting.wait(5)  # the worker is waiting for the paint
        assert gui_is_working() and not done
    thread.join(5)
    assert done == [False] and not gui_is_working()


def test_the_wait_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(gui_priority, "MAX_STEP_ASIDE", 0.02)
    with gui_working():
        started = time.monotonic()
        step_aside()  # a paint that does not end cannot hold a worker up
        assert time.monotonic() - started < 1.0


def test_gui_work_longer_than_a_burst_is_not_waited_for(monkeypatch) -> None:
    """A modal dialog opened from a delivered result keeps the mark set: after MAX_BURST the
    workers go on at full speed instead of waiting at every step."""
    monkeypatch.setattr(gui_priority, "MAX_STEP_ASIDE", 30.0)
    monkeypatch.setattr(gui_priority, "MAX_BURST", 0.0)
    with gui_working():
        started = time.monotonic()
        step_aside()
        assert time.monotonic() - started < 1.0


def test_no_paint_no_wait() -> None:
    started = time.monotonic()
    for _ in range(10_000):
        step_aside()
    assert time.monotonic() - started < 1.0


class WatchedLock:
    """The turn, telling the test when a worker has asked for it (and blocking it meanwhile)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.asked = threading.Event()

    def __enter__(self) -> None:
        self.asked.set()
        self.lock.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.lock.release()


def decodes_only_in_turn(monkeypatch, decode) -> None:  # type: ignore[no-untyped-def]
    """``decode()`` on a worker asks for the turn and waits while another thread holds it."""
    turn = WatchedLock()
    monkeypatch.setattr(gui_priority, "_turn", turn)
    results: list[object] = []
    with turn.lock:  # another decoder holds the turn
        worker = threading.Thread(target=lambda: results.append(decode()))
        worker.start()
        assert turn.asked.wait(5), "the decoder never asked for the turn"
        assert not results  # blocked on the turn, not decoding beside the other one
    worker.join(5)
    assert results and results[0] is not None


def test_xmlrpc_replies_are_decoded_one_at_a_time(monkeypatch) -> None:
    from app.api.xmlrpc.codec import decode_response

    body = (b"<?xml version='1.0'?><methodResponse><params><param><value><array><data>"
            b"<value><struct><member><name>Id</name><value><i4>7</i4></value></member></struct></value>"
            b"</data></array></value></param></params></methodResponse>")
    decodes_only_in_turn(monkeypatch, lambda: decode_response(body))


def test_rest_replies_are_decoded_one_at_a_time(monkeypatch) -> None:
    from app.api.http_common import HttpReply
    from app.api.quota import QuotaInfo
    from app.api.rest.replies import interpret

    reply = HttpReply(200, {"content-type": "application/json"}, b'{"contacts": [{"id": "7"}]}', 0.1)
    decodes_only_in_turn(monkeypatch, lambda: interpret(reply, "GET /rest/v2/contacts", http_method="GET",
                                                          quota=QuotaInfo.from_headers({})))
