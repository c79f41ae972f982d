"""What a running bulk job knows about its rows: one thread-safe tally for both runners.

The per-change runner (XML-RPC: one call per change) and the batch runner (REST: one
call per chunk of contacts) record into the same :class:`Tally`, so the report, the
progress shown and Retry failed do not depend on how the changes were sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from app.api.errors import ApiError
from app.jobs.bulk_tags import Change

Status = Literal["done", "skipped", "failed", "not_started"]


@dataclass(frozen=True)
class RowResult:
    change: Change
    status: Status
    reason: str = ""


@dataclass(frozen=True)
class JobProgress:
    """Where a running job is; sent after every row or every bulk call (from a worker thread)."""

    total: int
    done: int
    failed: int
    elapsed: float

    @property
    def finished(self) -> int:
        return self.done + self.failed


ProgressCallback = Callable[[JobProgress], None]


class Tally:
    """Thread-safe results and counters.

    ``interrupted`` holds changes stopped inside a call by a cancel: whether Keap made
    them is read back before the report (:func:`app.jobs.run.settle`).
    """

    def __init__(self, total: int, started: float, callback: ProgressCallback | None) -> None:
        self.lock = threading.Lock()
        self.status: dict[Change, tuple[Status, str]] = {}
        self.interrupted: list[Change] = []
        self.total = total
        self.done = 0
        self.failed = 0
        self.started = started
        self.callback = callback

    def record(self, change: Change, status: Status, reason: str = "") -> None:
        self.record_many([(change, status, reason)])

    def record_many(self, rows: Iterable[tuple[Change, Status, str]]) -> None:
        """Record rows; progress is reported once for them (a bulk call ends many rows at once)."""
        counted = False
        with self.lock:
            for change, status, reason in rows:
                self.status[change] = (status, reason)
                if status == "done":
                    self.done += 1
                elif status == "failed":
                    self.failed += 1
                counted = counted or status in ("done", "failed")
            progress = JobProgress(self.total, self.done, self.failed, time.monotonic() - self.started)
        if self.callback is not None and counted:
            self.callback(progress)

    def interrupt(self, change: Change) -> None:
        with self.lock:
            self.interrupted.append(change)

    def status_of(self, change: Change) -> Status | None:
        with self.lock:
            found = self.status.get(change)
        return found[0] if found is not None else None


def reason(err: ApiError) -> str:
    """Keap's reason for the report, without "TagDesk will try again" (its retries are spent)."""
    return err.message.replace(" TagDesk will try again.", "").replace(" TagDesk will slow down.", "")
