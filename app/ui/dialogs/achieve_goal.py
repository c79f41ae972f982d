""""Achieve goal" for the selected contacts: complete a campaign's "API call" goal.

Keap's "API call is made" goal fires only for ``FunnelService.achieveGoal`` with a
matching integration name and call name, not for API calls in general (gotcha 22).
The dialog says so, proposes the account's app name as the integration, runs one call
per contact on the task runner (the write lane, so one at a time) and shows for each
contact whether a goal was completed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.cancel import CancelToken
from app.core.linked import ContactRef, GoalResult
from app.services.records import RecordsService
from app.ui.errors import ErrorPresenter, describe
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.panes.records.base import RecordView
from app.ui.tasks import TaskRunner

EXPLANATION = (
    "This completes the \u201cAPI call\u201d goals in your Keap campaigns whose integration name and "
    "call name both match what you enter here, exactly (case matters). The integration name is "
    "usually your Keap app name. It is not a trigger for API calls in general: saving, tagging or "
    "ordering through the API completes no goal; only this call with matching names does."
)


@dataclass(frozen=True)
class GoalRow:
    """One contact's line in the results."""

    id: int
    name: str = ""
    state: str = "Waiting"
    result: GoalResult | None = None
    error: str = ""

    @property
    def completed(self) -> bool:
        return self.result is not None and self.result.completed


RESULT_COLUMNS = [
    Column("Contact", lambda r: r.name or f"Contact {r.id}"),
    Column("Id", lambda r: str(r.id), lambda r: r.id, right=True),
    Column("Result", lambda r: r.state,
           warn=lambda r: (r.result is not None and not r.completed) or bool(r.error)),
    Column("Details", lambda r: r.error or ("; ".join(r.result.messages) if r.result else ""), stretch=True),
]


class AchieveGoalDialog(QDialog):
    """Runs ``achieveGoal`` for each contact and shows each result.

    Signals:
        all_done(): every contact has a result (or an error).
    """

    all_done = Signal()

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
                 contact_ids: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Achieve goal")
        self.setMinimumSize(680, 400)
        self.runner = runner
        self.presenter = presenter
        self.service = service
        self.contact_ids = list(dict.fromkeys(int(c) for c in contact_ids))
        explanation = QLabel(EXPLANATION, self)
        explanation.setWordWrap(True)
        self.integration_edit = QLineEdit(self)
        self.integration_edit.setPlaceholderText("Your Keap app name (loading…)")
        self.call_edit = QLineEdit(self)
        self.call_edit.setPlaceholderText("The goal's call name, e.g. webinarAttended")
        self.model = RecordTableModel(RESULT_COLUMNS, self)
        self.model.set_rows([GoalRow(cid) for cid in self.contact_ids])
        self.view = RecordView(self)
        self.view.setModel(self.model)
        self.view.fit_columns()
        self.view.setColumnWidth(2, self.view.fontMetrics().horizontalAdvance("Goal completed") + 24)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.run_button = QPushButton(self._run_text(), self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Integration name", self.integration_edit)
        form.addRow("&Call name", self.call_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._pending = 0
        self._load_defaults()

    def _run_text(self) -> str:
        n = len(self.contact_ids)
        return f"Achieve goal for {n} contact{'s' if n != 1 else ''}"

    # -- defaults: the app name and the contacts' names ------------------------------------------

    def _load_defaults(self) -> None:
        service, ids = self.service, self.contact_ids
        self.runner.run(
            lambda token: service.app_name(token), on_done=self._app_name_known,
            on_error=lambda _e: self.integration_edit.setPlaceholderText("Your Keap app name"),
            key=f"goal.appname:{id(self)}", description="read the app name", owner=self)
        if ids:
            self.runner.run(
                lambda token: service.contacts(ids, token), on_done=self._names_known,
                on_error=lambda _e: None, key=f"goal.names:{id(self)}", description="name the contacts",
                owner=self)

    def _app_name_known(self, name: str) -> None:
        self.integration_edit.setPlaceholderText("Your Keap app name")
        if not self.integration_edit.text().strip():
            self.integration_edit.setText(name)

    def _names_known(self, refs: dict[int, ContactRef]) -> None:
        rows = [replace(r, name=refs[r.id].name) if r.id in refs else r for r in self.model.rows()]
        self.model.set_rows(rows)
        self.view.setColumnWidth(0, max(self.view.columnWidth(0), self.view.sizeHintForColumn(0)))

    # -- running ----------------------------------------------------------------------------------

    def run(self) -> None:
        integration = self.integration_edit.text().strip()
        call_name = self.call_edit.text().strip()
        if not integration or not call_name:
            self.message.setText("Enter both the integration name and the call name of the goal.")
            return
        if self._pending or not self.contact_ids:
            return
        self.message.setText("")
        self.run_button.setEnabled(False)
        self._pending = len(self.contact_ids)
        self.model.set_rows([replace(r, state="Waiting", result=None, error="") for r in self.model.rows()])
        for cid in self.contact_ids:
            self._update(cid, "Running…")
            self.runner.run(partial(self._achieve, integration, call_name, cid),
                            on_done=partial(self._succeeded, cid), on_error=partial(self._failed, cid),
                            lane="write", description=f"achieve goal {call_name} for contact {cid}",
                            owner=self)

    def _achieve(self, integration: str, call_name: str, contact_id: int, token: CancelToken) -> GoalResult:
        return self.service.achieve_goal(integration, call_name, contact_id, token)  # on a worker

    def _succeeded(self, contact_id: int, result: GoalResult) -> None:
        self._update(contact_id, "Goal completed" if result.completed else "Not completed", result=result)
        self._one_done()

    def _failed(self, contact_id: int, error: BaseException) -> None:
        self._update(contact_id, "Failed", error=describe(error)[0])
        self._one_done()

    def _one_done(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            rows = self.model.rows()
            done = sum(1 for r in rows if r.completed)
            self.message.setText(f"Completed for {done} of {len(rows)} contact(s). A contact shows "
                                 "\u201cNot completed\u201d when no goal matches both names.")
            self.run_button.setEnabled(True)
            self.all_done.emit()

    def _update(self, contact_id: int, state: str, *, result: GoalResult | None = None,
                error: str = "") -> None:
        rows = [replace(r, state=state, result=result, error=error) if r.id == contact_id else r
                for r in self.model.rows()]
        self.model.set_rows(rows)

    def results(self) -> dict[int, GoalRow]:
        return {r.id: r for r in self.model.rows()}


def open_achieve_goal(parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter,
                      service: RecordsService, contact_ids: list[int]) -> AchieveGoalDialog:
    """Open the dialog for the selected contacts (non-blocking) and return it."""
    dialog = AchieveGoalDialog(runner, presenter, service, contact_ids, parent)
    dialog.open()
    return dialog
