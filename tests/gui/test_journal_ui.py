"""The change journal in the window: Ctrl+Z on an edit, History, the resume prompt, Undo job.

A real window on a sandbox session over each protocol, with a journal in a temporary folder
hooked into every write, as the application opens one for each connection.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.core.cancel import CancelToken
from app.imports.reading import read_table
from app.jobs import JobProgress
from app.jobs.bulk_tags import Scope, plan_bulk
from app.journal import Journal
from app.journal.import_job import ImportJobs
from app.services.imports import ImportService
from app.ui.errors import ErrorPresenter
from app.ui.journal_ui import HistoryDialog, JobDialog
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import WAIT, MemorySettings, close_window, gui_protocol, make_session

__all__ = ["gui_protocol"]  # autouse: every test runs over REST v2 and XML-RPC


class Killed(Exception):
    """Stands in for the process dying in the middle of a job."""


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, sandbox: Any, tmp_path: Path) -> Iterator[MainWindow]:
    presenter = ErrorPresenter(interactive=False)
    shown: list[str] = []
    presenter.presented.connect(lambda message, _detail: shown.append(message))
    win = MainWindow(runner, presenter, settings=MemorySettings())
    qtbot.addWidget(win)
    session = make_session(sandbox)
    journal = Journal.open(tmp_path, "gui-test")
    journal.attach(session)
    session.journal = journal
    session.on_close.append(journal.close)
    with qtbot.waitSignal(win.workspace.reference_loaded, timeout=WAIT):
        win.set_session(session)
    model = win.contacts.model
    qtbot.waitUntil(lambda: model.loaded > 0 and not model.loading, timeout=WAIT)
    win.sb = sandbox  # type: ignore[attr-defined]
    win.shown = shown  # type: ignore[attr-defined]
    yield win
    close_window(runner, win)
    assert shown == []


def tag_named(sb: Any, name: str) -> int:
    return next(int(r["Id"]) for r in sb.store.rows("ContactGroup") if r["GroupName"] == name)


def pairs(sb: Any, tag: int) -> set[int]:
    return {int(r["ContactId"]) for r in sb.store.rows("ContactGroupAssign", {"GroupId": tag})}


def test_ctrl_z_puts_back_the_values_from_before_the_last_edit(qtbot: QtBot, window: MainWindow) -> None:
    sb = window.sb  # type: ignore[attr-defined]
    model = window.contacts.model
    contact_id = model.contact_id(1)
    assert contact_id is not None
    old = sb.store.get("Contact", contact_id)["JobTitle"]
    session = window.session
    assert session is not None
    session.contacts.save(contact_id, {"JobTitle": "Chief Undoer"}, CancelToken(),
                          previous={"JobTitle": old})
    assert sb.store.get("Contact", contact_id)["JobTitle"] == "Chief Undoer"
    window.contacts.view.setCurrentIndex(model.index(1, 1))
    actions = window.journal_actions
    assert actions.undo_action.isEnabled() and actions.undo_action.shortcut().toString() == "Ctrl+Z"
    actions.undo_action.trigger()
    qtbot.waitUntil(lambda: isinstance(actions.active, QMessageBox), timeout=WAIT)
    assert "Chief" not in actions.active.text() and f"JobTitle={old}" in actions.active.text()  # type: ignore[union-attr]
    actions.undo_button.click()
    qtbot.waitUntil(lambda: sb.store.get("Contact", contact_id)["JobTitle"] == old, timeout=WAIT)
    qtbot.waitUntil(lambda: "Undone" in window.statusBar().currentMessage(), timeout=WAIT)
    actions.undo_action.trigger()  # the undo itself is journalled, but there is nothing left to undo
    qtbot.waitUntil(lambda: "No edit of this contact" in window.statusBar().currentMessage(), timeout=WAIT)


def test_history_lists_changes_filters_and_exports(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    sb = window.sb  # type: ignore[attr-defined]
    session = window.session
    assert session is not None
    first, second = window.contacts.model.contact_id(0), window.contacts.model.contact_id(2)
    assert first is not None and second is not None
    session.contacts.save(first, {"JobTitle": "One"}, CancelToken(), previous={"JobTitle": None})
    session.contacts.save(second, {"JobTitle": "Two"}, CancelToken(), previous={"JobTitle": None})
    dialog = window.journal_actions.open_history()
    assert isinstance(dialog, HistoryDialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() >= 2, timeout=WAIT)
    dialog.contact_edit.setText(str(second))
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.reload()
    rows = dialog.model.rows()
    assert rows and all(r.contact_id == second for r in rows)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.since_combo.setCurrentIndex(dialog.since_combo.findData("today"))
    assert dialog.model.rows() == rows  # made just now
    assert "JobTitle=Two" in dialog.model.index(0, 4).data()
    target = tmp_path / "history.csv"
    dialog.export_csv(target)
    qtbot.waitUntil(lambda: target.exists() and "Exported" in dialog.summary.text(), timeout=WAIT)
    text = target.read_text(encoding="utf-8-sig")
    assert "Two" in text and "One" not in text and sb.key not in text
    dialog.reject()


def _interrupted_job(window: MainWindow, tmp_path: Path, tag: int, scope: list[int]) -> str:
    """A bulk job that died half way (its owner process gone), as a crash leaves it."""
    session = window.session
    assert session is not None
    journal = session.journal
    if session.protocol == "rest":
        session.tags.backend.bulk_size = 10  # several bulk calls, so the job can die between them
    plan = plan_bulk(session.tags, Scope.selected(scope), [tag], "apply")
    cancel = CancelToken()

    def die_halfway(p: JobProgress) -> None:
        if p.finished >= p.total // 2 and not cancel.is_cancelled():
            cancel.cancel()
            raise Killed()

    job_id = journal.start_job(plan)
    with pytest.raises(Killed):
        journal.run_job(job_id, plan, cancel, die_halfway, workers=2)
    with sqlite3.connect(journal.path) as db:
        db.execute("UPDATE jobs SET pid = ?, pid_started = ? WHERE id = ?", (dead_pid(), "1", job_id))
    return str(job_id)


def test_an_unfinished_job_is_offered_for_resume_and_finishes(qtbot: QtBot, window: MainWindow,
                                                              tmp_path: Path) -> None:
    sb = window.sb  # type: ignore[attr-defined]
    tag = tag_named(sb, "Former Customer")
    scope = [window.contacts.model.contact_id(r) for r in range(60)]
    scope_ids = [c for c in scope if c is not None]
    before = pairs(sb, tag)
    _interrupted_job(window, tmp_path, tag, scope_ids)
    assert not set(scope_ids) <= pairs(sb, tag)  # half way
    actions = window.journal_actions
    actions.check_unfinished()
    qtbot.waitUntil(lambda: isinstance(actions.active, QMessageBox), timeout=WAIT)
    assert "did not finish" in actions.active.text()  # type: ignore[union-attr]
    actions.resume_button.click()
    qtbot.waitUntil(lambda: isinstance(actions.active, JobDialog), timeout=WAIT)
    dialog = actions.active
    assert isinstance(dialog, JobDialog) and dialog.flow.plan is not None
    assert dialog.flow.plan.kind == "resume"
    with qtbot.waitSignal(dialog.flow.finished, timeout=WAIT):
        dialog.flow.run_button.click()
    assert pairs(sb, tag) == before | set(scope_ids)  # exactly the wanted state
    dialog.reject()


def test_undo_job_from_the_history_restores_the_state_before(qtbot: QtBot, window: MainWindow) -> None:
    sb = window.sb  # type: ignore[attr-defined]
    session = window.session
    assert session is not None
    tag = tag_named(sb, "VIP")
    scope = [c for c in (window.contacts.model.contact_id(r) for r in range(40)) if c is not None]
    before = pairs(sb, tag)
    plan = plan_bulk(session.tags, Scope.selected(scope), [tag], "apply")
    assert plan.skipped or plan.changes
    session.journal.run_plan(plan, CancelToken(), None, workers=2)
    assert set(scope) <= pairs(sb, tag)
    history = window.journal_actions.open_history()
    assert isinstance(history, HistoryDialog)
    qtbot.waitUntil(lambda: history.job_combo.count() > 1, timeout=WAIT)
    history.job_combo.setCurrentIndex(1)
    history.undo_button.click()
    actions = window.journal_actions
    qtbot.waitUntil(lambda: isinstance(actions.active, JobDialog), timeout=WAIT)
    dialog = actions.active
    assert isinstance(dialog, JobDialog) and dialog.flow.plan is not None and dialog.flow.plan.kind == "undo"
    with qtbot.waitSignal(dialog.flow.finished, timeout=WAIT):
        dialog.flow.run_button.click()
    assert pairs(sb, tag) == before  # contacts that already had the tag keep it
    dialog.reject()


def test_an_interrupted_import_is_resumed_as_an_import(qtbot: QtBot, window: MainWindow) -> None:
    """The prompt offers an import left half way; Resume runs the import's own resume (never the
    tag-job plan) and the account ends with every line in it once."""
    session = window.session
    assert session is not None
    sb = window.sb  # type: ignore[attr-defined]
    service = ImportService(session.contacts, session.tags.estimate_seconds)
    table = read_table(("Email,First Name\n" + "".join(f"resumed{i}@import.test,R{i}\n" for i in range(20)))
                       .encode())
    setup = service.setup(CancelToken())
    dry = service.dry_run(table, service.suggest(table, setup), setup, CancelToken())
    jobs = ImportJobs(session.journal)
    job_id = jobs.start(dry.plan, "half.csv", session.protocol)
    cancel = CancelToken()
    jobs.run(job_id, session.contacts, cancel, lambda done, _t: cancel.cancel() if done >= 8 else None,
             workers=1)
    with sqlite3.connect(session.journal.path) as db:
        db.execute("UPDATE jobs SET state = 'running', pid = ?, pid_started = ? WHERE id = ?",
                   (dead_pid(), "1", job_id))
    made = lambda: [r for r in sb.store.rows("Contact", fields=["Email"])  # noqa: E731
                    if str(r["Email"]).startswith("resumed")]
    assert 8 <= len(made()) < 20
    actions = window.journal_actions
    actions.check_unfinished()
    qtbot.waitUntil(lambda: isinstance(actions.active, QMessageBox), timeout=WAIT)
    assert "Import half.csv" in actions.active.text()  # type: ignore[union-attr]
    with qtbot.waitSignal(actions.import_finished, timeout=WAIT) as finished:
        actions.resume_button.click()
    assert finished.args[0].complete and len(made()) == 20
    assert len({r["Email"] for r in made()}) == 20
