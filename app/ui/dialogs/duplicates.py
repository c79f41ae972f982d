"""Find duplicates…: scan the current search or the whole account, list the groups, merge them.

The scan reads contacts in pages of 1,000 (progress and Cancel; over REST v2 there is no
total until the last page) and groups them without further calls. A group opens the
:class:`~app.ui.dialogs.merge_assistant.MergeAssistant`; "Merge all high-confidence groups…"
shows the batch's dry run first and merges pair by pair with a report. Merged contacts leave
the list. Every call runs through the window's task runner; errors go to the one presenter.

Signals:
    scanned(object): the groups found (a list of :class:`DuplicateGroup`), after each scan.
    batch_finished(object): the :class:`BatchReport` of a batch merge.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.cancel import CancelToken
from app.core.display import contact_name
from app.core.records import ContactQuery
from app.duplicates.batch import BatchPlan, BatchReport, plan_batch
from app.duplicates.finding import DuplicateGroup, suggested_survivor
from app.services.duplicates import DuplicatesService
from app.ui.dialog_host import ask, show_dialog
from app.ui.dialogs.job_flow import compact
from app.ui.dialogs.merge_assistant import MergeAssistant
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.tasks import Job, TaskRunner, TaskToken


def _pair(value: object) -> tuple[int, int]:
    """(done, total) as a task reported it."""
    if isinstance(value, tuple) and len(value) == 2:
        return int(value[0]), int(value[1])
    return 0, -1


def _names(group: DuplicateGroup) -> str:
    return " / ".join(contact_name(group.rows[i]) if i in group.rows else str(i) for i in group.ids)


class _Either(CancelToken):
    """Cancelled when the user stops the batch (``stop``) or the runner cancels the task."""

    def __init__(self, stop: CancelToken, task: CancelToken) -> None:
        super().__init__()
        self._stop, self._task = stop, task

    def is_cancelled(self) -> bool:
        return self._stop.is_cancelled() or self._task.is_cancelled()

    def sleep(self, seconds: float) -> bool:
        return self._stop.sleep(seconds) or self._task.is_cancelled()


class GroupsModel(RecordTableModel):
    """The duplicate groups: confidence, size, names, reason, suggested survivor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([
            Column("Confidence", lambda g: g.confidence.capitalize(),
                   sort_key=lambda g: ("high", "medium", "low").index(g.confidence)),
            Column("Contacts", lambda g: str(len(g.ids)), right=True),
            Column("Names", _names, tooltip=lambda g: ", ".join(map(str, g.ids))),
            Column("Reason", lambda g: g.reason, tooltip=lambda g: g.reason, stretch=True),
            Column("Keep", lambda g: str(g.keep), right=True,
                   tooltip=lambda _g: "The suggested survivor: the oldest contact"),
        ], parent)

    def record_id(self, record: object) -> object:
        return getattr(record, "keep", None)

    def group(self, row: int) -> DuplicateGroup | None:
        found = self.row_at(row)
        return found if isinstance(found, DuplicateGroup) else None


class DuplicatesDialog(QDialog):
    """See the module docstring."""

    scanned = Signal(object)
    batch_finished = Signal(object)

    def __init__(self, parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                 service: DuplicatesService, query: ContactQuery | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find duplicates")
        self.resize(900, 620)
        self.runner, self.presenter, self.service = runner, presenter, service
        self.query = query or ContactQuery()
        self.groups: list[DuplicateGroup] = []
        self.job: Job[Any] | None = None
        self.assistant: MergeAssistant | None = None
        self._stop = CancelToken()  # stops a batch merge between pairs

        searching = self.query != ContactQuery()
        shown = self.query.describe() if searching else "none: every contact"
        self.scope_search = QRadioButton(f"Contacts of the current search ({shown})")
        self.scope_all = QRadioButton("The whole account")
        (self.scope_search if searching else self.scope_all).setChecked(True)
        self.scope_search.setEnabled(searching)
        self.names_box = QCheckBox("Also group contacts by the same name alone (low confidence)")
        self.scan_button = QPushButton("Scan")
        self.scan_button.setDefault(True)
        self.scan_button.clicked.connect(lambda _checked=False: self.scan())
        self.cancel_button = QPushButton("Cancel scan")
        self.cancel_button.clicked.connect(lambda _checked=False: self.cancel_scan())
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.hide()
        self.summary = QLabel("Groups contacts sharing an e-mail address, a phone number, or a name and "
                              "company. The scan only reads (one call per 1,000 contacts).")
        self.summary.setWordWrap(True)

        self.model = GroupsModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        compact(self.view)
        header = self.view.horizontalHeader()
        for column in (0, 1, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(lambda index: self.open_assistant(index.row()))
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())

        self.merge_button = QPushButton("Merge…")
        self.merge_button.clicked.connect(lambda _checked=False: self.open_assistant())
        self.batch_button = QPushButton("Merge all high-confidence groups…")
        self.batch_button.clicked.connect(lambda _checked=False: self.confirm_batch())
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setMaximumHeight(110)
        self.report.hide()

        scope = QVBoxLayout()
        scope.addWidget(self.scope_search)
        scope.addWidget(self.scope_all)
        scope.addWidget(self.names_box)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.progress, 1)
        scan_row.addStretch(0)
        scan_row.addWidget(self.cancel_button)
        scan_row.addWidget(self.scan_button)
        actions = QHBoxLayout()
        actions.addWidget(self.merge_button)
        actions.addWidget(self.batch_button)
        actions.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(scope)
        layout.addLayout(scan_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        layout.addWidget(self.report)
        layout.addWidget(buttons)
        self._update_buttons()

    # -- scanning ---------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.job is not None

    def scan(self) -> None:
        """Read the chosen contacts page by page and group them (reads only; Cancel stops it)."""
        if self.busy:
            return
        query = self.query if self.scope_search.isChecked() else ContactQuery()
        names, service = self.names_box.isChecked(), self.service

        def work(token: TaskToken) -> list[DuplicateGroup]:
            return service.find(query, token, lambda done, total: token.report((done, total)), names=names)

        self.summary.setText("Reading contacts…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.job = self.runner.run(work, on_done=self.show_groups, on_error=self._scan_failed,
                                   on_progress=self._scan_progress, key="duplicates.scan",
                                   description="find duplicates", owner=self)
        self._update_buttons()

    def _scan_progress(self, value: object) -> None:
        done, total = _pair(value)
        if total >= 0:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
        self.summary.setText(f"Read {done:,} contacts" + (f" of {total:,}…" if total >= 0 else "…"))

    def cancel_scan(self) -> None:
        """Cancel a scan (its result is dropped), or stop a batch after the merge in flight (its
        report still comes)."""
        if self.job is not None and self.job.lane == "write":
            self._stop.cancel()  # not the job: its report must still come
            self.cancel_button.setEnabled(False)
            self.summary.setText("Stopping after the merge in flight…")
            return
        if self.job is not None:
            self.job.cancel()
        self._scan_ended()
        self.summary.setText("Scan cancelled; nothing was changed.")

    def _scan_ended(self) -> None:
        self.job = None
        self.progress.hide()
        self.cancel_button.hide()
        self.cancel_button.setEnabled(True)
        self._update_buttons()

    def _scan_failed(self, error: BaseException) -> None:
        self._scan_ended()
        self.summary.setText("The scan failed; nothing was changed.")
        self.presenter.present(error, "Finding duplicates")

    def show_groups(self, groups: list[DuplicateGroup]) -> None:
        self._scan_ended()
        self.groups = list(groups)
        self.model.set_rows(self.groups)
        self._describe()
        if self.groups:
            self.view.selectRow(0)
        self._update_buttons()
        self.scanned.emit(self.groups)

    def _describe(self) -> None:
        counts = {c: sum(1 for g in self.groups if g.confidence == c) for c in ("high", "medium", "low")}
        n = len(self.groups)
        self.summary.setText(
            f"{n:,} group{'s' if n != 1 else ''} of likely duplicates: {counts['high']:,} high, "
            f"{counts['medium']:,} medium, {counts['low']:,} low confidence. Double-click a group to "
            "merge it." if n else "No duplicates found.")

    # -- merging ----------------------------------------------------------------------------------

    def selected_row(self) -> int:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def open_assistant(self, row: int | None = None) -> MergeAssistant | None:
        """The merge assistant for one group (the selected one by default)."""
        group = self.model.group(self.selected_row() if row is None else row)
        if group is None:
            return None
        assistant = self.assistant = MergeAssistant(self, self.runner, self.presenter, self.service, group)
        assistant.merged.connect(self.contact_merged)
        show_dialog(self, assistant)
        return assistant

    def contact_merged(self, keep: int, duplicate: int) -> None:
        """A merge succeeded: the duplicate leaves its group; a group left with one contact goes."""
        kept: list[DuplicateGroup] = []
        for group in self.groups:
            if duplicate in group.ids:
                ids = tuple(i for i in group.ids if i != duplicate)
                if len(ids) < 2:
                    continue
                rows = {i: r for i, r in group.rows.items() if i != duplicate}
                group = replace(group, ids=ids, rows=rows, keep=keep if keep in ids else suggested_survivor(
                    rows.values()) if rows else ids[0])
            kept.append(group)
        self.groups = kept
        self.model.set_rows(self.groups)
        self._describe()
        self._update_buttons()

    def batch_plan(self) -> BatchPlan:
        return plan_batch(self.groups)

    def confirm_batch(self) -> None:
        """The batch's dry run, then (only after Yes) the merges."""
        plan = self.batch_plan()
        if not plan.pairs:
            self.presenter.status_message.emit("No high-confidence groups to merge.", 5000)
            return
        ask(self, "Merge all high-confidence groups", plan.describe(), partial(self.run_batch, plan),
            yes=f"Merge {len(plan.pairs)} contact{'s' if len(plan.pairs) != 1 else ''}")

    def run_batch(self, plan: BatchPlan) -> None:
        service, stop = self.service, CancelToken()
        self._stop = stop

        def work(token: TaskToken) -> BatchReport:
            either = _Either(stop, token)
            return service.run_batch(plan, either, lambda done, total: token.report((done, total)))

        self.progress.setRange(0, len(plan.pairs))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.setText("Stop merging")
        self.cancel_button.show()
        self.summary.setText(f"Merging {len(plan.pairs)} pairs…")
        self.job = self.runner.run(work, lane="write", on_done=self._batch_done,
                                   on_error=self._batch_failed, on_progress=self._batch_progress,
                                   description="merge duplicates", owner=self)
        self._update_buttons()

    def _batch_progress(self, value: object) -> None:
        done, total = _pair(value)
        self.progress.setValue(done)
        self.summary.setText(f"Merged {done:,} of {total:,} pairs…")

    def _batch_done(self, report: BatchReport) -> None:
        self.cancel_button.setText("Cancel scan")
        self._scan_ended()
        for pair in report.done:
            self.contact_merged(pair.keep, pair.duplicate)
        lines = [report.describe()]
        lines += [f"Failed: contact {p.duplicate} into {p.keep}: {reason}" for p, reason in report.failed]
        lines += [f"Not started: contact {p.duplicate} into {p.keep}" for p in report.not_started]
        self.report.setPlainText("\n".join(lines))
        self.report.show()
        self.summary.setText(f"Batch merge: {report.describe()}")
        self.batch_finished.emit(report)

    def _batch_failed(self, error: BaseException) -> None:
        self.cancel_button.setText("Cancel scan")
        self._scan_ended()
        self.presenter.present(error, "Merging duplicates")

    def _update_buttons(self) -> None:
        idle = not self.busy
        self.scan_button.setEnabled(idle)
        self.merge_button.setEnabled(idle and self.selected_row() >= 0)
        self.batch_button.setEnabled(idle and any(g.confidence == "high" for g in self.groups))

    def reject(self) -> None:  # QDialog.reject override: a scan is cancelled, a batch stopped first
        if self.job is not None:
            self.cancel_scan()
            if self.job is not None:  # a batch: close once its report is in
                return
        super().reject()


def open_duplicates(parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                    service: DuplicatesService, query: ContactQuery | None = None) -> DuplicatesDialog:
    """Open the Find duplicates dialog (non-blocking, window-modal) and return it."""
    dialog = DuplicatesDialog(parent, runner, presenter, service, query)
    show_dialog(parent, dialog)
    return dialog
