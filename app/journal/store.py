"""The journal's SQLite file: one per connection, WAL, one lock, a versioned schema.

Why SQLite in WAL mode: a write's intent must be on disk before the call leaves the
machine, from several worker threads at once, while the GUI reads the history; WAL lets
readers run beside the writer and a commit costs an append, not a rewrite. A crash of
the process (the case that matters: a killed job) never loses a committed row with
``synchronous=NORMAL`` in WAL mode; only a power cut may drop the newest commits.

One connection per :class:`Store`, shared by every thread behind one lock: the writes
are tiny, and one connection keeps the ordering of intent and outcome rows obvious.
Times are stored as UTC ISO-8601 text, so they sort and compare as strings.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT NOT NULL,
    ended TEXT,
    protocol TEXT NOT NULL DEFAULT '',
    pid INTEGER NOT NULL DEFAULT 0,
    pid_started TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT '',
    contacts_in_scope INTEGER NOT NULL DEFAULT 0,
    tag_names TEXT NOT NULL DEFAULT '{}',
    stop_on_failure INTEGER NOT NULL DEFAULT 0,
    undo_of TEXT,
    resume_of TEXT,
    resumed_by TEXT
);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT REFERENCES jobs(id),
    seq INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    contact_id INTEGER,
    tag_id INTEGER,
    before TEXT NOT NULL DEFAULT '{}',
    after TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    finished TEXT,
    reversible INTEGER NOT NULL DEFAULT 1,
    why_not TEXT NOT NULL DEFAULT '',
    undo_of INTEGER,
    undone_by INTEGER
);
CREATE INDEX IF NOT EXISTS changes_job ON changes(job_id, seq);
CREATE INDEX IF NOT EXISTS changes_contact ON changes(contact_id, id);
CREATE INDEX IF NOT EXISTS changes_created ON changes(created);
"""


class JournalVersionError(RuntimeError):
    """The file was written by a newer TagDesk: refusing to touch it beats corrupting it."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def iso_utc(when: datetime) -> str:
    """``when`` as stored (UTC); a naive datetime is taken to be UTC already."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(values: Mapping[str, object] | None) -> str:
    """Values as JSON text; dates become ISO text, anything odd its ``str``."""
    return json.dumps(dict(values or {}), default=_plain, ensure_ascii=False, sort_keys=True)


def from_json(text: str | None) -> dict[str, object]:
    if not text:
        return {}
    found = json.loads(text)
    return dict(found) if isinstance(found, dict) else {}


class Store:
    """The open file; every method holds the lock for the whole statement or transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                   timeout=30.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        with self.transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                           (str(SCHEMA_VERSION),))
                db.execute("INSERT INTO meta (key, value) VALUES ('created', ?)", (now_iso(),))
            elif int(row["value"]) > SCHEMA_VERSION:
                raise JournalVersionError(
                    f"The change journal {self.path.name} was written by a newer TagDesk "
                    f"(schema {row['value']}); update TagDesk to open it.")

    @property
    def journal_mode(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA journal_mode").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Several statements committed together (BEGIN IMMEDIATE: the writer's lock at once)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One statement committed on its own; returns the new row's id (for an INSERT)."""
        with self._lock:
            cursor = self._db.execute(sql, tuple(params))
            return int(cursor.lastrowid or 0)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, tuple(params)).fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()
