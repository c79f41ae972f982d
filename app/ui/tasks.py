"""The one way TagDesk runs work off the GUI thread.

Every API call goes through :class:`TaskRunner`: a read lane (a small thread pool, so
pages and tabs load in parallel) and a write lane (one thread, so saves never race
each other). The worker gets a :class:`CancelToken`; its result or error comes back
on the GUI thread through a queued signal. A job started with a ``key`` replaces the
previous job with that key: the old one is cancelled and its late result discarded,
so a slow reply for an old search never overwrites a newer one. A job started with an
``owner`` (the widget that shows its result) is dropped when that widget is destroyed: a
dialog closed, or a tab rebuilt, while its call was in flight gets no late result.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from app.core.cancel import CancelToken
from app.ui.collector import BUSY_RUNNERS
from app.ui.compat import refuse_leaking_binding

log = logging.getLogger("app.tasks")


T = TypeVar("T")
Lane = Literal["read", "write", "background"]


class TaskToken(CancelToken):
    """The token a task receives: cancellation, plus :meth:`report` for progress."""

    def __init__(self, report: Callable[[object], None]) -> None:
        super().__init__()
        self._report = report

    def report(self, value: object) -> None:
        """Send ``value`` to the job's ``on_progress`` on the GUI thread (any thread may call)."""
        if not self.is_cancelled():
            self._report(value)


class _Relay(QObject):
    """The runner's one mailbox on the GUI thread: workers emit ``(job, value)`` into it and
    its slots run on the GUI thread.

    One per runner (its child), not one per job: a QObject per job sat in a reference cycle
    with its job, so the cyclic garbage collector destroyed it at whatever moment it ran,
    and a QObject destroyed inside Qt's own signal handling deadlocks on Qt's lock.
    """

    finished = Signal(object, object)
    failed = Signal(object, object)
    progress = Signal(object, object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.finished.connect(self._on_finished)
        self.failed.connect(self._on_failed)
        self.progress.connect(self._on_progress)

    @Slot(object, object)
    def _on_progress(self, job: Job[Any], value: object) -> None:
        job._progress(value)

    @Slot(object, object)
    def _on_finished(self, job: Job[Any], value: object) -> None:
        job._deliver(value, None)

    @Slot(object, object)
    def _on_failed(self, job: Job[Any], error: object) -> None:
        assert isinstance(error, BaseException)
        job._deliver(None, error)


class Job(Generic[T]):
    """A handle on one background call: cancel it, or ask whether it is still wanted."""

    def __init__(self, runner: TaskRunner, fn: Callable[[TaskToken], T], *,
                 on_done: Callable[[T], None] | None, on_error: Callable[[BaseException], None] | None,
                 key: str | None, description: str,
                 on_progress: Callable[[Any], None] | None = None, lane: Lane = "read") -> None:
        self.key = key
        self.lane = lane
        self.description = description
        self._runner = runner
        self._fn = fn
        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress
        relay = self._relay = runner._relay
        self.token = TaskToken(lambda value: relay.progress.emit(self, value))
        self.discarded = False
        self.orphaned = False
        self.done = False

    def cancel(self) -> None:
        """Ask the worker to stop and drop whatever it still delivers."""
        self.discarded = True
        self.token.cancel()

    def orphan(self) -> None:
        """The widget that asked for this write is gone: it finishes, its result goes nowhere,
        and a failure still reaches the user (through the runner's central presenter)."""
        self.orphaned = True

    def _run_in_worker(self) -> None:
        if self.token.is_cancelled():
            self._relay.failed.emit(self, _cancelled())
            return
        try:
            value = self._fn(self.token)
        except BaseException as exc:  # delivered to the GUI thread, never swallowed
            if not _is_expected(exc):
                log.error("task %r failed:\n%s", self.description, traceback.format_exc())
            self._relay.failed.emit(self, exc)
        else:
            self._relay.finished.emit(self, value)

    def _progress(self, value: object) -> None:
        if not self.discarded and not self.done and self._on_progress is not None:
            self._on_progress(value)

    def _deliver(self, value: object, error: BaseException | None) -> None:
        self.done = True
        self._runner._finished(self)
        if self.discarded:
            return
        if self.orphaned:
            if error is not None and not _is_cancel(error):
                self._runner.unhandled_error.emit(error, self.description)
            return
        if error is None:
            if self._on_done is not None:
                self._on_done(value)  # type: ignore[arg-type]
        elif _is_cancel(error):
            return
        elif self._on_error is not None:
            self._on_error(error)
        else:
            self._runner.unhandled_error.emit(error, self.description)


class _Runnable(QRunnable):
    def __init__(self, job: Job[Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job = job

    def run(self) -> None:  # QRunnable.run override
        self._job._run_in_worker()


class TaskRunner(QObject):
    """Runs callables on worker threads and delivers results on the GUI thread.

    Signals:
        in_flight_changed(int): number of jobs started and not yet delivered.
        unhandled_error(object, str): a job without ``on_error`` failed; the central
            error presenter is connected here.
    """

    in_flight_changed = Signal(int)
    unhandled_error = Signal(object, str)

    def __init__(self, parent: QObject | None = None, *, read_threads: int = 6) -> None:
        super().__init__(parent)
        refuse_leaking_binding()  # PySide6 6.12's emit() leak would crash us later (app/ui/compat.py)
        self._relay = _Relay(self)
        self.closed = False
        self._foreground_idle = threading.Event()
        self._foreground_idle.set()
        self._foreground: set[Job[Any]] = set()
        self._read = QThreadPool(self)
        self._read.setMaxThreadCount(read_threads)
        self._write = QThreadPool(self)
        self._write.setMaxThreadCount(1)
        # long, non-urgent reads (tag member counts) queue here, one at a time at low
        # thread priority, so they never hold the threads the visible table pages need
        self._background = QThreadPool(self)
        self._background.setMaxThreadCount(1)
        self._background.setThreadPriority(QThread.Priority.LowPriority)
        self._jobs: set[Job[Any]] = set()
        self._keyed: dict[str, Job[Any]] = {}
        # owner's C++ address -> its jobs; weak, so this map never keeps a job (or what its
        # callbacks hold) alive: in-flight jobs are held by _jobs, delivered ones need no drop
        self._owned: dict[int, weakref.WeakSet[Job[Any]]] = {}

    def run(self, fn: Callable[[TaskToken], T], *, on_done: Callable[[T], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, lane: Lane = "read",
            key: str | None = None, description: str = "",
            on_progress: Callable[[Any], None] | None = None, owner: QObject | None = None) -> Job[T]:
        """Start ``fn(token)`` on a worker; a previous job with the same ``key`` is cancelled.

        ``fn`` may call ``token.report(value)``; ``on_progress(value)`` then runs on the
        GUI thread (never after the job was cancelled or delivered). When ``owner`` is
        destroyed first, a read is cancelled and a write is left to finish (it was asked
        for); either way nothing is delivered to the deleted widget.
        """
        if key is not None and (old := self._keyed.get(key)) is not None:
            old.cancel()
        job: Job[T] = Job(self, fn, on_done=on_done, on_error=on_error, key=key,
                          description=description or getattr(fn, "__name__", "task"),
                          on_progress=on_progress, lane=lane)
        if self.closed:
            # shutting down: a late result (say, a tag list that arrived while the window
            # closed) must not start work against a connection that is going away
            log.debug("not starting %r: the task runner is shut down", job.description)
            job.cancel()
            return job
        self._jobs.add(job)
        BUSY_RUNNERS.add(self)
        if key is not None:
            self._keyed[key] = job
        if owner is not None:
            self._own(owner, job)
        if lane != "background":
            self._foreground.add(job)
            self._foreground_idle.clear()
        pool = {"write": self._write, "background": self._background}.get(lane, self._read)
        pool.start(_Runnable(job))
        self.in_flight_changed.emit(len(self._jobs))
        return job

    def _own(self, owner: QObject, job: Job[Any]) -> None:
        key = shiboken6.getCppPointer(owner)[0]
        jobs = self._owned.get(key)
        if jobs is None:
            jobs = self._owned[key] = weakref.WeakSet()
            owned = self._owned  # the slot holds neither the owner nor the runner
            owner.destroyed.connect(lambda *_args: _drop_owned(owned.pop(key, weakref.WeakSet())))
        jobs.add(job)

    def _finished(self, job: Job[Any]) -> None:
        self._foreground.discard(job)
        if not self._foreground:
            self._foreground_idle.set()
        if job in self._jobs:
            self._jobs.discard(job)
            if not self._jobs:
                BUSY_RUNNERS.discard(self)
        if job.key is not None and self._keyed.get(job.key) is job:
            del self._keyed[job.key]
        self.in_flight_changed.emit(len(self._jobs))

    @property
    def in_flight(self) -> int:
        return len(self._jobs)

    def wait_for_foreground(self, token: CancelToken, max_seconds: float = 3.0) -> None:
        """Called by background work between its calls: pause while read/write jobs run.

        Waits at most ``max_seconds`` so a steady stream of foreground work cannot starve
        the background forever; returns early when the job is cancelled.
        """
        deadline = time.monotonic() + max_seconds
        while not token.is_cancelled() and not self._foreground_idle.wait(0.05):
            if time.monotonic() >= deadline:
                return

    def cancel_all(self) -> None:
        for job in list(self._jobs):
            job.cancel()

    def shutdown(self, msecs: int = 10_000) -> bool:
        """Refuse new jobs, cancel the running ones and wait for the workers (app exit)."""
        self.closed = True
        self.cancel_all()
        return self.wait_idle(msecs)

    def wait_idle(self, msecs: int = 10_000) -> bool:
        """Block until the pools are idle (shutdown and tests only; never in a slot)."""
        return all(pool.waitForDone(msecs) for pool in (self._read, self._write, self._background))


def _drop_owned(jobs: weakref.WeakSet[Job[Any]]) -> None:
    for job in list(jobs):
        if job.lane == "write":
            job.orphan()  # the write goes on; its result has nowhere to go, its error still shows
        else:
            job.cancel()


def _cancelled() -> BaseException:
    from app.api.errors import CancelledError

    return CancelledError()


def _is_cancel(error: BaseException) -> bool:
    from app.api.errors import CancelledError

    return isinstance(error, CancelledError)


def _is_expected(error: BaseException) -> bool:
    from app.api.errors import ApiError

    return isinstance(error, ApiError)
