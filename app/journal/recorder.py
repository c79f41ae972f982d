"""The write observers: every contact, tag and record write's intent before it is sent, and
its outcome after.

Why observers, not wrappers: the services already tell every registered observer before
and after each write (:mod:`app.services.observers`), on the worker thread that writes,
and a bulk call is told as one event per contact. So one hook sees every write of every
protocol the same way, including writes the GUI makes outside any job.

How a job's rows are linked: a contact write that carries out a stored row (an import's
line) names it (``WriteEvent.job_row``), and that row is updated. For tag jobs, while
:meth:`Journal.run_job` runs, the job's rows are registered here by (contact, tag, action).
A tag write matching one of them updates that row (planned -> pending -> done/failed/unknown)
instead of adding a new one. Matching by
the change itself needs nothing passed down to the runner's worker threads, so it works
with both runners (one call per change, bulk calls) and with any worker count.

Outcome: no error -> "done"; an error whose ``outcome_unknown`` is set (a lost or
garbled reply, :class:`~app.api.errors.OutcomeUnknownError`) or a cancel while the
call was in flight -> "unknown"; any other error -> "failed" with its plain message.
A failure to write the intent is raised: a write the journal cannot record is not sent.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from app.api.errors import ApiError, CancelledError
from app.journal.model import record_target, reversibility, tag_target
from app.journal.store import Store, now_iso, to_json
from app.services.contacts import WriteEvent
from app.services.records import RecordWriteEvent
from app.services.tags import TagWriteEvent

log = logging.getLogger("app.journal")

#: A job row's key: (contact id, tag id, action).
RowKey = tuple[int, int, str]


def outcome_of(error: BaseException | None) -> tuple[str, str]:
    """(state, reason) for a write that ended with ``error``."""
    if error is None:
        return "done", ""
    if isinstance(error, CancelledError):
        return "unknown", "Cancelled while waiting for Keap's reply: it may or may not have been applied."
    if getattr(error, "outcome_unknown", False):
        message = error.message if isinstance(error, ApiError) else str(error)
        return "unknown", message or "The reply was lost: Keap may or may not have applied it."
    if isinstance(error, ApiError):
        return "failed", error.message
    return "failed", str(error) or f"Unexpected error inside TagDesk ({type(error).__name__})."


class Recorder:
    """The observer behind all three services (it is told what each event is by its type)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._active: dict[RowKey, int] = {}  # job rows being run, by change
        self._rows: dict[int, int] = {}  # id(event) -> its change row, between before and after
        self._local = threading.local()  # undo_of for a contact write made by undo_contact_edit

    # -- jobs ----------------------------------------------------------------------------------

    def activate(self, rows: dict[RowKey, int]) -> None:
        with self._lock:
            self._active.update(rows)

    def deactivate(self, rows: dict[RowKey, int]) -> None:
        with self._lock:
            for key, row_id in rows.items():
                if self._active.get(key) == row_id:
                    del self._active[key]

    def _job_row(self, key: RowKey) -> int | None:
        with self._lock:
            return self._active.get(key)

    # -- undo of a contact edit ------------------------------------------------------------------

    def set_undo_of(self, change_id: int | None) -> None:
        self._local.undo_of = change_id
        self._local.last_row = None

    def last_row(self) -> int | None:
        return getattr(self._local, "last_row", None)

    # -- the observer protocol -------------------------------------------------------------------

    def before_write(self, event: Any) -> None:
        if getattr(event, "job_row", None) is not None:  # a stored row of a job (an import's line, a merge)
            self.store.execute("UPDATE changes SET state = 'pending', reason = '', created = ? WHERE id = ?",
                               (now_iso(), event.job_row))
            self._remember(event, event.job_row)
            return
        if isinstance(event, TagWriteEvent) and event.kind in ("apply", "remove") \
                and event.contact_id is not None and event.target_id is not None:
            row = self._job_row((int(event.contact_id), int(event.target_id), event.kind))
            if row is not None:
                self.store.execute("UPDATE changes SET state = 'pending', created = ? WHERE id = ?",
                                   (now_iso(), row))
                self._remember(event, row)
                return
        kind, target, contact_id, tag_id, before, after = _describe(event)
        reversible, why_not = reversibility(kind, before, after)
        undo_of = getattr(self._local, "undo_of", None) if isinstance(event, WriteEvent) else None
        row = self.store.execute(
            "INSERT INTO changes (kind, target, contact_id, tag_id, before, after, state, created, "
            "reversible, why_not, undo_of) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
            (kind, target, contact_id, tag_id, to_json(before), to_json(after), now_iso(), int(reversible),
             why_not, undo_of))
        if undo_of is not None:
            self._local.undo_of = None
            self._local.last_row = row
        self._remember(event, row)

    def after_write(self, event: Any, error: BaseException | None) -> None:
        with self._lock:
            row = self._rows.pop(id(event), None)
        if row is None:
            return
        state, reason = outcome_of(error)
        if isinstance(event, WriteEvent) and event.kind == "create" and event.result_id is not None \
                and event.job_row is not None:  # the row keeps its "line N of <file>" target
            self.store.execute("UPDATE changes SET contact_id = ? WHERE id = ?", (event.result_id, row))
        elif isinstance(event, WriteEvent) and event.kind == "create" and event.result_id is not None:
            self.store.execute("UPDATE changes SET contact_id = ?, target = ? WHERE id = ?",
                               (event.result_id, f"contact {event.result_id}", row))
        elif isinstance(event, TagWriteEvent) and event.kind in ("create_tag", "create_category") \
                and event.result_id is not None:
            noun = "tag" if event.kind == "create_tag" else "category"
            self.store.execute("UPDATE changes SET target = ?, tag_id = ? WHERE id = ?",
                               (f"{noun} {event.result_id}",
                                event.result_id if event.kind == "create_tag" else None, row))
        self.store.execute("UPDATE changes SET state = ?, reason = ?, finished = ? WHERE id = ?",
                           (state, reason, now_iso(), row))

    def _remember(self, event: Any, row: int) -> None:
        with self._lock:
            self._rows[id(event)] = row


def _describe(event: Any) -> tuple[str, str, int | None, int | None, dict[str, object], dict[str, object]]:
    """(kind, target, contact id, tag id, before, after) of any service's write event."""
    if isinstance(event, WriteEvent):
        return (event.kind, f"contact {event.contact_id}" if event.contact_id is not None else "new contact",
                event.contact_id, None, dict(event.previous), dict(event.values))
    if isinstance(event, TagWriteEvent):
        if event.kind == "apply":
            return ("apply", tag_target(event.target_id, event.contact_id), event.contact_id, event.target_id,
                    {}, {"tag_id": event.target_id})
        if event.kind == "remove":
            target = tag_target(event.target_id, event.contact_id)
            return "remove", target, event.contact_id, event.target_id, {"tag_id": event.target_id}, {}
        noun = "category" if "category" in event.kind else "tag"
        target = f"{noun} {event.target_id}" if event.target_id is not None else f"new {noun}"
        tag_id = event.target_id if noun == "tag" else None
        return event.kind, target, None, tag_id, dict(event.previous), dict(event.values)
    if getattr(event, "kind", None) == "merge":  # app.services.duplicates.MergeEvent
        duplicate = getattr(event, "duplicate_id", None)
        target = f"contact {duplicate} merged into contact {event.contact_id}"
        return ("merge", target, event.contact_id, None, dict(getattr(event, "previous", {})),
                {"merged_into": event.contact_id, **dict(event.values)})
    if isinstance(event, RecordWriteEvent):
        return (event.kind, record_target(event.kind, event.contact_id, event.target, event.order_id),
                event.contact_id, None, {}, dict(event.values))
    kind = str(getattr(event, "kind", "write"))
    return kind, kind.replace("_", " "), getattr(event, "contact_id", None), None, {}, {}
