"""Dry run -> progress with Cancel -> report: the one flow every bulk tag job goes through.

Used by the bulk apply/remove dialog and by "Merge tag B into A" in tag health. The
dry run (reads only) shows contacts in scope, rows already in the wanted state, the
exact number of calls, the time at the key's quota and the automation warning; above
:data:`~app.jobs.CONFIRM_ABOVE` changes the number must be typed before Run is
enabled. The job runs on the task runner with a cancel token of its own, so a
cancelled job still delivers its report: done, skipped, failed with Keap's reason,
not started. "Retry failed" and "Resume" run a plan of just those rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.cancel import CancelToken
from app.jobs import BulkTagPlan, BulkTagReport, JobProgress, RowResult
from app.jobs.bulk_tags import format_duration, seconds_left
from app.jobs.run import DEFAULT_WORKERS
from app.ui import palette
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
Planner = Callable[[CancelToken], BulkTagPlan]
_ROOT = QModelIndex()
PLANNING, DRY_RUN, RUNNING, REPORT = range(4)
_STATUS_TEXT = {"done": "Done", "skipped": "Skipped", "failed": "Failed", "not_started": "Not started"}


class ReportModel(RecordTableModel):
    """The report's rows, failed first; every cell's tooltip is its full text."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._plan: BulkTagPlan | None = None

        def column(title: str, text: Callable[[RowResult], str]) -> Column:
            return Column(title, text, tooltip=text)

        super().__init__([
            column("Contact", lambda r: self._plan.contact_label(r.change.contact_id) if self._plan
                   else f"#{r.change.contact_id}"),
            column("Tag", lambda r: self._plan.tag_name(r.change.tag_id) if self._plan
                   else f"Tag {r.change.tag_id}"),
            column("Action", lambda r: r.change.action.capitalize()),
            column("Result", lambda r: _STATUS_TEXT[r.status]),
            column("Reason", lambda r: r.reason),
        ], parent)

    def set_report(self, report: BulkTagReport | None) -> None:
        order = {"failed": 0, "not_started": 1, "done": 2, "skipped": 3}
        rows = report.results if report else ()
        self._plan = report.plan if report else None
        self.set_rows(sorted(rows, key=lambda r: (order[r.status], r.change.contact_id)))


class BulkJobFlow(QWidget):
    """The plan/run/report pages of one bulk tag job.

    Signals:
        planned(object): the :class:`BulkTagPlan` of the dry run is shown.
        finished(object): the :class:`BulkTagReport` is shown.
        back_requested(): the user wants to change the job's choices.
        page_changed(int): PLANNING, DRY_RUN, RUNNING or REPORT.
    """

    planned = Signal(object)
    finished = Signal(object)
    back_requested = Signal()
    page_changed = Signal(int)
    _progress = Signal(object)

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, parent: QWidget | None = None, *,
                 workers: int = DEFAULT_WORKERS) -> None:
        super().__init__(parent)
        self.runner = runner
        self.presenter = presenter
        self.workers = workers
        self.plan: BulkTagPlan | None = None
        self.report: BulkTagReport | None = None
        self._cancel: CancelToken | None = None
        self._started = 0.0
        self._progress.connect(self._on_progress)

        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.stack.addWidget(self._planning_page())
        self.stack.addWidget(self._dry_run_page())
        self.stack.addWidget(self._running_page())
        self.stack.addWidget(self._report_page())

    # -- pages ---------------------------------------------------------------------------------

    def _planning_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.planning_label = QLabel("Working out what will change (this only reads from Keap)…")
        self.planning_label.setWordWrap(True)
        busy = QProgressBar()
        busy.setRange(0, 0)
        box.addStretch(1)
        box.addWidget(self.planning_label)
        box.addWidget(busy)
        box.addStretch(2)
        return page

    def _dry_run_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.plan_title = QLabel()
        self.plan_title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.plan_title.setWordWrap(True)
        self.plan_figures = QLabel()
        self.plan_figures.setWordWrap(True)
        self.plan_figures.setTextFormat(Qt.TextFormat.RichText)
        self.plan_warning = QLabel()
        self.plan_warning.setWordWrap(True)
        self.plan_warning.setStyleSheet(palette.note_style())
        self.confirm_label = QLabel()
        self.confirm_label.setWordWrap(True)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setPlaceholderText("Type the number of changes")
        self.confirm_edit.textChanged.connect(self._update_run_button)
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(self.back_requested)
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run_plan)
        box.addWidget(self.plan_title)
        box.addWidget(self.plan_figures)
        box.addWidget(self.plan_warning)
        box.addSpacing(8)
        box.addWidget(self.confirm_label)  # the confirmation right under what it confirms
        box.addWidget(self.confirm_edit)
        box.addStretch(1)
        box.addLayout(_row(self.back_button, None, self.run_button))
        return page

    def _running_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.run_title = QLabel()
        self.run_title.setStyleSheet("font-weight: bold;")
        self.progress_bar = QProgressBar()
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_job)
        box.addStretch(1)
        box.addWidget(self.run_title)
        box.addWidget(self.progress_bar)
        box.addWidget(self.progress_label)
        box.addLayout(_row(None, self.cancel_button))
        box.addStretch(2)
        return page

    def _report_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.report_title = QLabel()
        self.report_title.setStyleSheet("font-weight: bold;")
        self.report_summary = QLabel()
        self.report_summary.setWordWrap(True)
        self.report_model = ReportModel(self)
        self.report_view = QTableView()
        self.report_view.setModel(self.report_model)
        self.report_view.verticalHeader().hide()
        self.report_view.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.report_view.setAlternatingRowColors(True)
        self.report_view.setWordWrap(False)  # the full reason is in the tooltip
        compact(self.report_view)
        self.retry_button = QPushButton("Retry failed")
        self.retry_button.clicked.connect(self.retry_failed)
        self.resume_button = QPushButton("Resume the rest")
        self.resume_button.clicked.connect(self.resume)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.clicked.connect(self.copy_report)
        box.addWidget(self.report_title)
        box.addWidget(self.report_summary)
        box.addWidget(self.report_view, 1)
        box.addLayout(_row(self.copy_button, None, self.resume_button, self.retry_button))
        return page

    def _show(self, page: int) -> None:
        self.stack.setCurrentIndex(page)
        self.page_changed.emit(page)

    @property
    def page(self) -> int:
        return self.stack.currentIndex()

    @property
    def busy(self) -> bool:
        return self.page in (PLANNING, RUNNING)

    # -- dry run ---------------------------------------------------------------------------------

    def start_planning(self, planner: Planner, what: str = "") -> None:
        """Run the dry run on a worker; the plan page follows."""
        self.plan = None
        self.planning_label.setText(what or "Working out what will change (this only reads from Keap)…")
        self._show(PLANNING)
        self.runner.run(planner, on_done=self.show_plan, on_error=self._plan_failed, key="bulk-tags.plan",
                        description="bulk tag dry run")

    def _plan_failed(self, error: BaseException) -> None:
        self.presenter.present(error, "Dry run")
        self.back_requested.emit()

    def show_plan(self, plan: BulkTagPlan) -> None:
        self.plan = plan
        self.plan_title.setText(plan.title)
        rows = [("Contacts in scope", f"{plan.contacts_in_scope:,}", plan.scope_description)]
        for line in plan.lines:
            verb = "Apply" if line.action == "apply" else "Remove"
            state = "already have it" if line.action == "apply" else "don't have it"
            rows.append((f"{verb} \u201c{line.tag_name}\u201d", f"{line.to_change:,}",
                         f"to change; {line.already:,} {state}"))
        per_call = ("one per change" if plan.bulk_size <= 1 else
                    f"up to {plan.bulk_size:,} contacts a call (Keap's REST bulk tag endpoints)")
        rows.append(("Calls to make", f"{plan.calls:,}", per_call))
        quota = f"at this key's quota ({plan.quota})" if plan.quota else "(no rate limit set)"
        rows.append(("Estimated time", format_duration(plan.estimated_seconds), quota))
        cells = "".join(f"<tr><td style='padding-right:12px'>{_esc(a)}</td>"
                        f"<td align='right' style='padding-right:8px'><b>{_esc(b)}</b></td>"
                        f"<td style='color:#666'>{_esc(c)}</td></tr>" for a, b, c in rows)
        self.plan_figures.setText(f"<table>{cells}</table>")
        self.plan_warning.setText("\n\n".join(plan.warnings))
        self.plan_warning.setVisible(bool(plan.warnings))
        self.confirm_edit.clear()
        typed = plan.needs_typed_confirmation
        changes = plan.change_count
        self.confirm_label.setText(f"This job makes {changes:,} changes in Keap. "
                                   f"Type <b>{changes}</b> to confirm.")
        self.confirm_label.setVisible(typed)
        self.confirm_edit.setVisible(typed)
        self.run_button.setText("Nothing to do" if changes == 0 else f"Run {changes:,} changes")
        self._update_run_button()
        self._show(DRY_RUN)
        self.planned.emit(plan)

    def confirm(self, typed: str) -> None:
        self.confirm_edit.setText(typed)

    def _update_run_button(self) -> None:
        plan = self.plan
        self.run_button.setEnabled(plan is not None and plan.change_count > 0
                                   and plan.confirmed_by(self.confirm_edit.text()))

    # -- running ---------------------------------------------------------------------------------

    def run_plan(self) -> None:
        plan = self.plan
        if plan is None or not self.run_button.isEnabled():
            return
        self._start(plan)

    def _start(self, plan: BulkTagPlan) -> None:
        self.plan = plan
        cancel = self._cancel = CancelToken()
        self._started = time.monotonic()
        self.run_title.setText(plan.title)
        self.progress_bar.setRange(0, max(1, plan.change_count))  # progress counts rows, not calls
        self.progress_bar.setValue(0)
        self.progress_label.setText(f"0 of {plan.change_count:,} done")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self._show(RUNNING)
        workers = self.workers
        emit = self._progress.emit  # thread-safe: queued to the GUI thread
        # The job's own token: the runner's would discard the report of a cancelled job. The
        # read lane, not the one-thread write lane: a long job must not hold up contact saves,
        # and the job's pool already keeps each contact's changes in order.
        # through the change journal when the session has one (every row recorded before its call)
        service = plan.service
        self.runner.run(lambda _token: service.run_job(plan, cancel, emit, workers=workers),
                        on_done=self._finished,
                        on_error=self._run_failed, lane="read", description=plan.title)

    @Slot(object)
    def _on_progress(self, progress: JobProgress) -> None:
        if self.page != RUNNING:
            return
        self.progress_bar.setValue(progress.finished)
        text = f"{progress.done:,} of {progress.total:,} done"
        if progress.failed:
            text += f" \u00b7 {progress.failed:,} failed"
        if self.plan is not None and 0 < progress.finished < progress.total:
            text += f" \u00b7 {format_duration(seconds_left(self.plan, progress.finished))} left"
        self.progress_label.setText(text)

    def cancel_job(self) -> None:
        """Stop starting calls; the report follows once calls in flight have ended."""
        if self._cancel is not None:
            self._cancel.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Stopping…")

    def _run_failed(self, error: BaseException) -> None:
        self.presenter.present(error, "Bulk tag job")
        self._show(DRY_RUN)

    def _finished(self, report: BulkTagReport) -> None:
        self.report = report
        self._cancel = None
        self.report_title.setText(report.plan.title)
        text = report.summary()
        if report.failed:
            text += (" Every tag call is safe to repeat: \u201cRetry failed\u201d sends just the failed "
                     "rows again.")
        self.report_summary.setText(text)
        self.report_model.set_report(report)
        self.report_view.resizeColumnsToContents()
        self.retry_button.setEnabled(bool(report.failed))
        self.resume_button.setVisible(bool(report.not_started))
        self._show(REPORT)
        self.finished.emit(report)

    # -- report actions ----------------------------------------------------------------------------

    def retry_failed(self) -> None:
        if self.report is not None and self.report.failed:
            self.show_plan(self.report.retry_failed())

    def resume(self) -> None:
        if self.report is not None and (self.report.failed or self.report.not_started):
            self.show_plan(self.report.remaining())

    def copy_report(self) -> str:
        text = self.report.as_text() if self.report is not None else ""
        QGuiApplication.clipboard().setText(text)
        return text


def compact(view: QTableView) -> None:
    """One line of text per row, not the style's roomy default."""
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)


def _row(*widgets: QWidget | None) -> QHBoxLayout:
    """Widgets in a row; None is a stretch."""
    row = QHBoxLayout()
    for w in widgets:
        if w is None:
            row.addStretch(1)
        else:
            row.addWidget(w)
    return row


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
