"""The change journal in the window: the resume prompt, History, Undo of an edit and of a job.

Keap has no undo; the journal (:mod:`app.journal`) records every write before it is sent.
This module puts it in front of the user:
- after a connection opens, unfinished jobs are reported ("N changes of job X did not
  finish") with Resume (unknown rows are checked by reading first, then only what is
  missing is sent) and Discard;
- View > History lists the changes (filter by contact, job and kind), each with before and
  after, exports them to CSV and offers "Undo job" with the usual dry run and report;
- Edit > Undo last edit (Ctrl+Z) writes a contact's previous values back, itself journalled.
Every journal call runs on a worker thread; nothing here touches Keap directly.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.display import display_text
from app.journal.import_job import ImportJobs, ImportReport, is_import
from app.services.session import Session
from app.ui.dialogs.job_flow import BulkJobFlow
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.tasks import TaskRunner

log = logging.getLogger("app.ui.journal")

#: The History's date filter: label -> days back (None: any time).
SINCE = {"any time": None, "today": 0, "last 7 days": 7, "last 30 days": 30}
KINDS = ("", "update", "create", "delete", "apply", "remove", "create_tag", "update_tag", "delete_tag")


def _values(data: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in data.items()) if data else ""


def history_columns(tag_names: dict[int, str]) -> list[Column]:
    """The History table. ``tag_names`` is read when a cell is drawn, so the dialog fills it in
    when the names arrive: tag changes then read "VIP on contact 498"."""

    def target(c: Any) -> str:
        if c.kind in ("apply", "remove") and c.tag_id in tag_names and c.contact_id is not None:
            return f"\u201c{tag_names[c.tag_id]}\u201d on contact {c.contact_id}"
        return str(c.target)

    def state(c: Any, when: str) -> str:
        if c.kind in ("apply", "remove") and c.state == "skipped":
            return "already so"
        if c.kind == "apply":
            return "has the tag" if when == "after" else "did not have it"
        if c.kind == "remove":
            return "no longer has it" if when == "after" else "had the tag"
        return _values(c.after if when == "after" else c.before)

    return [
        Column("When", lambda c: display_text(c.created), lambda c: c.created),
        Column("Change", lambda c: c.kind.replace("_", " ")),
        Column("Of", target, stretch=True),
        Column("Before", lambda c: state(c, "before"), tooltip=lambda c: json.dumps(c.before, default=str)),
        Column("After", lambda c: state(c, "after"), tooltip=lambda c: json.dumps(c.after, default=str)),
        Column("Result", lambda c: c.state + (f": {c.reason}" if c.reason else ""),
               warn=lambda c: c.state in ("failed", "unknown")),
        Column("Job", lambda c: c.job_id or ""),
        Column("Undo", lambda c: "" if c.reversible else c.why_not, warn=lambda c: not c.reversible),
    ]


class JobDialog(QDialog):
    """A resume or undo plan in the shared job flow: dry run, confirm, progress, report."""

    def __init__(self, parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter, plan: Any,
                 title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(720, 520)
        self.flow = BulkJobFlow(runner, presenter, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.flow)
        self.flow.back_requested.connect(self.reject)
        self.flow.show_plan(plan)

    def reject(self) -> None:  # never close under a running job
        if self.flow.busy:
            self.flow.cancel_job()
            return
        super().reject()


class HistoryDialog(QDialog):
    """Every journalled change of this connection; filters, CSV export, Undo job."""

    undo_job_requested = Signal(str)
    loaded = Signal()

    def __init__(self, parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                 journal: Any, tags: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("History of changes")
        self.resize(1000, 560)
        self.runner, self.presenter, self.journal = runner, presenter, journal
        self.contact_edit = QLineEdit()
        self.contact_edit.setPlaceholderText("contact Id")
        self.job_combo = QComboBox()
        self.job_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.job_combo.setMinimumContentsLength(28)
        self.since_combo = QComboBox()
        for label in SINCE:
            self.since_combo.addItem(label, label)
        self.kind_combo = QComboBox()
        for kind in KINDS:
            self.kind_combo.addItem(kind.replace("_", " ") or "every kind", kind)
        self.tag_names: dict[int, str] = {}
        self.model = RecordTableModel(history_columns(self.tag_names), self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.summary = QLabel()
        self.export_button = QPushButton("Export CSV…")
        self.undo_button = QPushButton("Undo job…")
        self.undo_button.setToolTip("Reverse every change of the selected row's job, after a dry run")
        filters = QHBoxLayout()
        for label, widget in (("Contact:", self.contact_edit), ("Job:", self.job_combo),
                              ("Kind:", self.kind_combo), ("When:", self.since_combo)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.undo_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.contact_edit.returnPressed.connect(self.reload)
        self.job_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.since_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.undo_button.clicked.connect(self._undo_selected_job)
        self._load_jobs()
        if tags is not None:  # tag names for the tag changes, read on a worker like everything else
            self.runner.run(lambda token: {t.id: t.name.strip() for t in tags.catalog(token).tags},
                            on_done=self._names_arrived, description="tag names", owner=self)
        self.reload()

    def _names_arrived(self, names: dict[int, str]) -> None:
        self.tag_names.update(names)
        self.model.set_rows(self.model.rows())  # redrawn with the names
        self.view.resizeColumnsToContents()


    def filters(self) -> dict[str, Any]:
        text = self.contact_edit.text().strip()
        job = self.job_combo.currentData()
        days = SINCE.get(str(self.since_combo.currentData()))
        since = None
        if days is not None:  # from local midnight, days back
            midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
            since = midnight - timedelta(days=days)
        return {"contact_id": int(text) if text.isdigit() else None, "job_id": job or None,
                "kind": self.kind_combo.currentData() or None, "since": since}

    def _load_jobs(self) -> None:
        journal = self.journal

        def shown(jobs: list[Any]) -> None:
            self.job_combo.blockSignals(True)
            self.job_combo.clear()
            self.job_combo.addItem("every job", "")
            for job in jobs:
                self.job_combo.addItem(f"{job.title} ({job.state}, {job.done:,} done)", job.id)
            self.job_combo.blockSignals(False)

        self.runner.run(lambda _t: journal.jobs(), on_done=shown, description="journal jobs", owner=self)

    def reload(self) -> None:
        journal, filters = self.journal, self.filters()

        def shown(changes: list[Any]) -> None:
            self.model.set_rows(changes)
            self.view.resizeColumnsToContents()
            self.summary.setText(f"{len(changes):,} changes")
            self.loaded.emit()

        self.runner.run(lambda _t: journal.history(**filters), on_done=shown,
                        on_error=lambda err: self.presenter.present(err, "Reading the history"),
                        description="journal history", owner=self)

    def export_csv(self, path: Path | None = None) -> None:
        if path is None:
            name, _ = QFileDialog.getSaveFileName(self, "Export history", "tagdesk-history.csv",
                                                  "CSV (*.csv)")
            if not name:
                return
            path = Path(name)
        journal, filters, target = self.journal, self.filters(), path
        self.runner.run(lambda _t: journal.export_csv(target, **filters),
                        on_done=lambda n: self.summary.setText(f"Exported {n:,} changes to {target.name}."),
                        on_error=lambda err: self.presenter.present(err, "Exporting the history"),
                        description="export history", owner=self)

    def _undo_selected_job(self) -> None:
        index = self.view.currentIndex()
        change = self.model.row_at(index.row()) if index.isValid() else None
        job_id = getattr(change, "job_id", None) or self.job_combo.currentData()
        if not job_id:
            self.summary.setText("Select a change that belongs to a job (or choose the job above).")
            return
        self.undo_job_requested.emit(str(job_id))


class JournalActions(QObject):
    """The journal's actions and prompts for one main window (a session at a time)."""

    import_finished = Signal(object)  # the ImportReport of a resumed or undone import

    def __init__(self, window: Any, runner: TaskRunner, presenter: ErrorPresenter) -> None:
        super().__init__(window)
        self.window, self.runner, self.presenter = window, runner, presenter
        self.session: Session | None = None
        self.undo_action = QAction("&Undo last edit", window)
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.undo_action.setStatusTip("Write the contact's values from before its last edit back to Keap")
        self.undo_action.triggered.connect(self.undo_last_edit)
        self.history_action = QAction("&History of changes…", window)
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.triggered.connect(self.open_history)
        window.addAction(self.undo_action)
        window.addAction(self.history_action)
        self.active: QDialog | QMessageBox | None = None
        self.set_session(None)

    @property
    def journal(self) -> Any:
        return self.session.journal if self.session is not None else None

    def set_session(self, session: Session | None) -> None:
        self.session = session
        enabled = self.journal is not None
        self.undo_action.setEnabled(enabled)
        self.history_action.setEnabled(enabled)

    def _show(self, dialog: QDialog | QMessageBox) -> None:
        self.active = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: setattr(self, "active", None))
        dialog.open()

    # -- unfinished jobs ---------------------------------------------------------------------------

    def check_unfinished(self) -> None:
        journal = self.journal
        if journal is None:
            return
        self.runner.run(lambda _t: journal.unfinished(), on_done=self._ask_unfinished,
                        description="unfinished jobs")

    def _ask_unfinished(self, jobs: list[Any]) -> None:
        if not jobs or self.journal is None:
            return
        job = jobs[0]
        left = job.total - job.done - job.failed - job.skipped
        box = QMessageBox(QMessageBox.Icon.Warning, "Unfinished job",
                          f"{left:,} changes of job \u201c{job.title}\u201d did not finish "
                          f"({job.done:,} done, {job.unknown:,} with an unknown outcome).",
                          QMessageBox.StandardButton.NoButton, self.window)
        box.setInformativeText("Resume checks the unknown ones in Keap first and sends only what is still "
                               "missing; nothing is sent twice. Discard leaves the account as it is.")
        self.resume_button = box.addButton("Resume…", QMessageBox.ButtonRole.AcceptRole)
        self.discard_button = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        self.resume_button.clicked.connect(lambda: self.resume(job.id))
        self.discard_button.clicked.connect(lambda: self.discard(job.id))
        self._show(box)

    def resume(self, job_id: str) -> None:
        if self.journal is not None:
            self._by_kind(job_id, lambda: self._open_plan(job_id, self.journal.resume_plan, "Resume job"),
                      lambda: self._run_import(job_id, "Resume import", undo=False))

    def undo_job(self, job_id: str) -> None:
        if self.journal is not None:
            self._by_kind(job_id, lambda: self._open_plan(job_id, self.journal.undo_plan, "Undo job"),
                          self._ask_undo_import(job_id))

    def _by_kind(self, job_id: str, tag_job: Callable[[], None], import_job: Callable[[], None]) -> None:
        """Tag jobs resume and undo as plans (the job dialog); imports through their own job."""
        journal = self.journal
        self.runner.run(lambda _t: journal.job(job_id),
                        on_done=lambda job: (import_job if job is not None and is_import(job.kind)
                                             else tag_job)(),
                        description="job kind")

    def _ask_undo_import(self, job_id: str) -> Callable[[], None]:
        def ask() -> None:
            box = QMessageBox(QMessageBox.Icon.Question, "Undo import",
                              "Put back the values the import changed? Only fields nobody changed since "
                              "are put back.", QMessageBox.StandardButton.Cancel, self.window)
            box.setInformativeText("Contacts the import created are kept: delete them yourself if that "
                                   "is meant (or run `tagdesk-cli undo JOB --delete-created`).")
            self.undo_import_button = box.addButton("Undo", QMessageBox.ButtonRole.AcceptRole)
            self.undo_import_button.clicked.connect(
                lambda: self._run_import(job_id, "Undo import", undo=True))
            self._show(box)

        return ask

    def _run_import(self, job_id: str, title: str, *, undo: bool) -> None:
        """Resume (reads first, never creates twice) or undo an import, then show its report."""
        journal, session = self.journal, self.session
        if journal is None or session is None:
            return
        jobs, contacts = ImportJobs(journal), session.contacts

        def work(token: Any) -> ImportReport:
            return jobs.undo(job_id, contacts, token) if undo else jobs.resume(job_id, contacts, token)

        def done(report: ImportReport) -> None:
            box = QMessageBox(QMessageBox.Icon.Information, title, f"{report.title}: {report.summary()}.",
                              QMessageBox.StandardButton.Ok, self.window)
            if report.unfinished:
                box.setDetailedText("\n".join(row.describe() for row in report.unfinished))
            self.import_finished.emit(report)
            self._show(box)

        self.window.statusBar().showMessage(f"{title}\u2026", 5000)
        self.runner.run(work, on_done=done, on_error=lambda err: self.presenter.present(err, title),
                        description=title)

    def _open_plan(self, job_id: str, make_plan: Callable[..., Any], title: str) -> None:
        session = self.session
        if session is None:
            return
        tags = session.tags

        def opened(plan: Any) -> None:
            self._show(JobDialog(self.window, self.runner, self.presenter, plan, title))

        self.runner.run(lambda token: make_plan(job_id, tags, token), on_done=opened,
                        on_error=lambda err: self.presenter.present(err, title), description=title)

    def discard(self, job_id: str) -> None:
        journal = self.journal
        if journal is not None:
            self.runner.run(lambda _t: journal.discard(job_id), description="discard job")

    # -- history and undo ----------------------------------------------------------------------

    def open_history(self) -> HistoryDialog | None:
        if self.journal is None:
            return None
        tags = self.session.tags if self.session is not None else None
        dialog = HistoryDialog(self.window, self.runner, self.presenter, self.journal, tags)
        dialog.undo_job_requested.connect(self.undo_job)
        self._show(dialog)
        return dialog

    def undo_last_edit(self) -> None:
        journal, session = self.journal, self.session
        if journal is None or session is None:
            return
        contact_id = self.window.contacts.current_contact_id()

        def found(change: Any) -> None:
            if change is None:
                self.window.statusBar().showMessage("No edit of this contact to undo.", 5000)
                return
            box = QMessageBox(QMessageBox.Icon.Question, "Undo last edit",
                              f"Put back the values of {change.target} from before its edit of "
                              f"{display_text(change.created)}?\n\n{_values(change.before) or '(no values)'}",
                              QMessageBox.StandardButton.Cancel, self.window)
            self.undo_button = box.addButton("Undo", QMessageBox.ButtonRole.AcceptRole)
            self.undo_button.clicked.connect(lambda: self._undo(change))
            self._show(box)

        self.runner.run(lambda _t: journal.last_contact_edit(contact_id), on_done=found,
                        description="last edit")

    def _undo(self, change: Any) -> None:
        journal, session = self.journal, self.session
        if journal is None or session is None:
            return
        contacts = session.contacts

        def done(_result: object) -> None:  # the table and the editor follow the change feed
            self.window.statusBar().showMessage(f"Undone: the edit of {change.target}.", 5000)

        self.runner.run(lambda token: journal.undo_contact_edit(change, contacts, token), on_done=done,
                        on_error=lambda err: self.presenter.present(err, "Undoing the edit"), lane="write",
                        description="undo edit")
