"""The task runner: results and errors come back on the GUI thread; stale and late work is dropped."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.errors import CancelledError, EmptyResponseError
from app.ui.tasks import TaskRunner, TaskToken

WAIT = 5_000


def test_result_arrives_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    worker_threads: list[threading.Thread] = []
    seen: list[tuple[int, threading.Thread]] = []

    def work(_token: TaskToken) -> int:
        worker_threads.append(threading.current_thread())
        return 7

    runner.run(work, on_done=lambda v: seen.append((v, threading.current_thread())))
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT)
    assert seen == [(7, threading.main_thread())]
    assert worker_threads[0] is not threading.main_thread()
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)


def test_error_goes_to_on_error_or_else_to_the_presenter_signal(qtbot: QtBot, runner: TaskRunner) -> None:
    errors: list[BaseException] = []

    def fail(_token: TaskToken) -> None:
        raise EmptyResponseError()

    runner.run(fail, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT)
    assert isinstance(errors[0], EmptyResponseError)
    with qtbot.waitSignal(runner.unhandled_error, timeout=WAIT) as blocker:
        runner.run(fail, description="loading things")
    assert isinstance(blocker.args[0], EmptyResponseError) and blocker.args[1] == "loading things"
    runner.unhandled.clear()  # type: ignore[attr-defined]


def test_a_newer_job_with_the_same_key_wins(qtbot: QtBot, runner: TaskRunner) -> None:
    release = threading.Event()
    results: list[str] = []

    def slow(token: TaskToken) -> str:
        release.wait(WAIT / 1000)
        return "old"

    old = runner.run(slow, on_done=results.append, key="search")
    runner.run(lambda _t: "new", on_done=results.append, key="search")
    qtbot.waitUntil(lambda: results == ["new"], timeout=WAIT)
    assert old.token.is_cancelled()
    release.set()
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)
    assert results == ["new"]  # the old search's late result was discarded


def test_progress_is_reported_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    progress: list[Any] = []
    done: list[int] = []

    def work(token: TaskToken) -> int:
        for i in range(3):
            token.report(i)
        return 3

    runner.run(work, on_done=done.append, on_progress=progress.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
    assert progress == [0, 1, 2]


def test_the_write_lane_runs_one_job_at_a_time(qtbot: QtBot, runner: TaskRunner) -> None:
    active = [0]
    most = [0]
    lock = threading.Lock()
    finished: list[int] = []

    def write(_token: TaskToken, n: int) -> int:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        threading.Event().wait(0.02)  # hold the lane a moment so overlap would show
        with lock:
            active[0] -= 1
        return n

    for n in range(5):
        runner.run(lambda t, n=n: write(t, n), on_done=finished.append, lane="write")
    qtbot.waitUntil(lambda: len(finished) == 5, timeout=WAIT)
    assert most[0] == 1 and finished == [0, 1, 2, 3, 4]


def test_after_shutdown_nothing_starts_and_nothing_is_delivered(qtbot: QtBot) -> None:
    runner = TaskRunner()
    release = threading.Event()
    delivered: list[object] = []

    def running(token: TaskToken) -> str:
        release.wait(WAIT / 1000)
        if token.is_cancelled():
            raise CancelledError()
        return "late"

    job = runner.run(running, on_done=delivered.append, on_error=delivered.append)
    started: list[str] = []
    threading.Timer(0.05, release.set).start()
    assert runner.shutdown(WAIT)
    assert job.token.is_cancelled()
    later = runner.run(lambda _t: started.append("ran") or "x", on_done=delivered.append)
    assert later.token.is_cancelled()
    # the running job's (cancelled) outcome is still queued for the GUI thread: let it land
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)
    assert started == [] and delivered == []


def test_background_work_waits_while_foreground_jobs_run(qtbot: QtBot, runner: TaskRunner) -> None:
    release = threading.Event()
    order: list[str] = []

    def foreground(_token: TaskToken) -> None:
        release.wait(WAIT / 1000)
        order.append("foreground done")

    def background(token: TaskToken) -> None:
        runner.wait_for_foreground(token, max_seconds=WAIT / 1000)
        order.append("background page")

    runner.run(foreground)
    runner.run(background, lane="background")
    threading.Timer(0.1, release.set).start()
    qtbot.waitUntil(lambda: len(order) == 2, timeout=WAIT)
    assert order == ["foreground done", "background page"]
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)


def test_the_installed_binding_does_not_leak_and_a_leaking_one_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ui import compat

    assert not compat.emit_leaks_true()  # pyproject keeps PySide6 below the leaking 6.12
    monkeypatch.setitem(compat._state, "checked", True)
    monkeypatch.setitem(compat._state, "leaks", True)
    with pytest.raises(compat.LeakingBindingError, match=r"below 6\.12"):
        TaskRunner()


def test_a_destroyed_owner_gets_nothing_a_read_is_cancelled_a_write_finishes(
        qtbot: QtBot, runner: TaskRunner) -> None:
    """The race of a dialog closed while its calls are in flight, forced with events."""
    from PySide6.QtCore import QObject

    release = threading.Event()
    started = [threading.Event(), threading.Event()]
    delivered: list[str] = []
    read_saw_cancel: list[bool] = []
    wrote: list[bool] = []

    def read(token: TaskToken) -> str:
        started[0].set()
        release.wait(WAIT / 1000)
        read_saw_cancel.append(token.is_cancelled())
        return "read"

    def write(_token: TaskToken) -> str:
        started[1].set()
        release.wait(WAIT / 1000)
        wrote.append(True)
        return "write"

    owner = QObject()
    survivor = QObject()
    read_job = runner.run(read, on_done=delivered.append, owner=owner)
    write_job = runner.run(write, on_done=delivered.append, lane="write", owner=owner)
    other = runner.run(lambda _t: "other", on_done=delivered.append, owner=survivor)
    assert started[0].wait(WAIT / 1000) and started[1].wait(WAIT / 1000)
    with qtbot.waitSignal(owner.destroyed, timeout=WAIT):
        owner.deleteLater()
    release.set()
    qtbot.waitUntil(lambda: read_job.done and write_job.done and other.done, timeout=WAIT)
    assert read_saw_cancel == [True] and wrote == [True]  # the write was asked for, so it ran
    assert delivered == ["other"]  # nothing reached the deleted owner


def test_a_write_whose_owner_is_gone_still_reports_its_failure(qtbot: QtBot, runner: TaskRunner) -> None:
    """A dialog closed while its write was in flight: the write's error must not vanish."""
    from PySide6.QtCore import QObject

    release, started = threading.Event(), threading.Event()
    called: list[str] = []

    def write(_token: TaskToken) -> None:
        started.set()
        release.wait(WAIT / 1000)
        raise ValueError("Keap refused the rename")

    owner = QObject()
    job = runner.run(write, on_error=lambda _e: called.append("dialog"), lane="write", owner=owner,
                     description="tidy tag names")
    assert started.wait(WAIT / 1000)
    with qtbot.waitSignal(owner.destroyed, timeout=WAIT):
        owner.deleteLater()
    with qtbot.waitSignal(runner.unhandled_error, timeout=WAIT) as blocker:
        release.set()
    assert job.done and called == []  # the deleted dialog's handler is not called
    assert str(blocker.args[0]) == "Keap refused the rename" and blocker.args[1] == "tidy tag names"
    runner.unhandled.clear()  # type: ignore[attr-defined]


def test_building_a_runner_leaves_the_interpreter_alone_and_long_work_is_collected(
        qtbot: QtBot, qapp: Any) -> None:
    """Garbage goes on the GUI thread, between events, also while a long job runs; the
    collector belongs to the application, so a collection never frees the object ticking."""
    import gc
    import sys

    from app.ui import collector

    interval = sys.getswitchinterval()
    runner = TaskRunner()
    assert sys.getswitchinterval() == interval  # start-up's job, not the runner's
    assert not gc.isenabled()  # switched off at start-up (here: by the GUI tests' set-up)
    ticker = collector.GuiCollector(qapp, tick_ms=collector.BUSY_TICK_MS * 2)
    try:
        release = threading.Event()
        job = runner.run(lambda _t: release.wait(WAIT / 1000))
        assert runner in collector.BUSY_RUNNERS  # full passes wait while the job runs
        before = ticker.collections
        qtbot.waitUntil(lambda: ticker.collections >= before + 3, timeout=WAIT)
        assert not job.done and ticker.full_passes == 0 and ticker.trims == 0
        assert ticker.interval_ms == collector.BUSY_TICK_MS  # smaller young collections while busy
        release.set()
        qtbot.waitUntil(lambda: job.done, timeout=WAIT)
        assert runner not in collector.BUSY_RUNNERS
        qtbot.waitUntil(lambda: ticker.interval_ms == collector.BUSY_TICK_MS * 2, timeout=WAIT)
        # the load ended: the freed heap goes back to the system at once (app/core/memory.py),
        # not only after the next idle full pass thirty ticks later
        qtbot.waitUntil(lambda: ticker.trims >= 1, timeout=WAIT)
        assert ticker.full_passes == 0
    finally:
        ticker.deleteLater()
    assert runner.wait_idle(WAIT)

def test_the_gui_collection_waits_for_decodes_under_way(qtbot: QtBot, qapp: Any) -> None:
    """A young collection over live reply trees held the GUI for 40-50 ms: a tick while a
    decode runs waits, but never more than MAX_WAITED_TICKS in a row."""
    from app.core.memory import collection_paused
    from app.ui import collector

    ticker = collector.GuiCollector(qapp, tick_ms=10)
    try:
        with collection_paused():  # a worker decoding a reply
            qtbot.waitUntil(lambda: ticker.ticks >= collector.MAX_WAITED_TICKS + 2, timeout=WAIT)
            # ten ticks wait, the eleventh collects anyway, and so on
            assert ticker.collections == ticker.ticks // (collector.MAX_WAITED_TICKS + 1) >= 1
            assert ticker.waited == ticker.ticks - ticker.collections
        waited = ticker.waited
        qtbot.waitUntil(lambda: ticker.collections >= ticker.ticks // 2 + 3, timeout=WAIT)
        assert ticker.waited == waited  # no decode: every tick collects
    finally:
        ticker.deleteLater()


def test_a_job_holds_no_qobject_of_its_own(qtbot: QtBot, runner: TaskRunner) -> None:
    """A job lives in reference cycles (its token reports through it), so the cyclic collector
    frees it at any moment; a parentless QObject freed then, inside Qt's signal handling,
    deadlocked the GUI on Qt's lock. Every QObject a job reaches belongs to its runner."""
    from PySide6.QtCore import QObject

    jobs = [runner.run(lambda token: token.report(1) or 1, on_progress=lambda _v: None) for _ in range(5)]
    qtbot.waitUntil(lambda: all(job.done for job in jobs), timeout=WAIT)
    for job in jobs:
        held = [v for v in vars(job).values() if isinstance(v, QObject)]
        assert held and all(obj is runner or obj.parent() is runner for obj in held)
