"""The Opportunities tab: a contact's deals (Keap's ``Lead`` table), created and edited in a form.

Stage and owner are shown by name (from ``Stage`` and ``User``), revenue to the cent.
Only what the API allows is offered: the form writes the ``Lead`` fields Keap lets us
add and edit; the lead source is set by Keap itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from app.core.cancel import CancelToken
from app.core.linked import Opportunity, OpportunityList
from app.services.records import RecordsService
from app.ui.dialog_host import PromptsLike
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.panes.records.base import RecordTab, RecordView, money_text, when_text
from app.ui.panes.records.opportunity_dialog import OpportunityDialog
from app.ui.tasks import TaskRunner


def opportunity_columns(names: OpportunityList) -> list[Column]:
    """The columns, naming stage and owner through ``names``."""
    return [
        Column("Title", lambda o: o.title),
        Column("Stage", lambda o: names.stage_name(o.stage_id)),
        Column("Status", lambda o: o.status_text),
        Column("Owner", lambda o: names.user_name(o.user_id)),
        Column("Revenue low", lambda o: money_text(o.revenue_low), lambda o: o.revenue_low, right=True),
        Column("Revenue high", lambda o: money_text(o.revenue_high), lambda o: o.revenue_high, right=True),
        Column("Next action", lambda o: when_text(o.next_action_date), lambda o: o.next_action_date,
               tooltip=lambda o: o.next_action_notes or None),
        Column("Next action notes", lambda o: o.next_action_notes),
        Column("Est. close", lambda o: when_text(o.estimated_close), lambda o: o.estimated_close),
        Column("Created", lambda o: when_text(o.date_created), lambda o: o.date_created),
        Column("Updated", lambda o: when_text(o.last_updated), lambda o: o.last_updated),
    ]


class OpportunitiesTab(RecordTab):
    """A contact's opportunities.

    Attributes:
        dialog: the open create/edit form, if any (tests fill it and accept it).

    Signals:
        saved(int): an opportunity was created or updated (its Id).
    """

    title = "Opportunities"
    key_name = "records.opportunities"
    record_kinds = frozenset({"opportunities"})
    saved = Signal(int)

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
                 parent: QWidget | None = None, *, prompts: PromptsLike | None = None) -> None:
        super().__init__(runner, presenter, service, parent, prompts=prompts)
        self.names = OpportunityList((), (), ())
        self.model = RecordTableModel(opportunity_columns(self.names), self)
        self.view = RecordView(self, edit_text="Edit opportunity…")
        self.view.setModel(self.model)
        self.view.edit_attempted.connect(self.edit_row)
        self.new_button = QPushButton("New opportunity…", self)
        self.edit_button = QPushButton("Edit…", self)
        self.new_button.clicked.connect(self.new_opportunity)
        self.edit_button.clicked.connect(lambda: self.edit_row(self.view.current_row()))
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        self.body.addWidget(self.view, 1)
        self.body.addLayout(buttons)
        self.dialog: OpportunityDialog | None = None
        self._update_buttons()

    # -- loading -------------------------------------------------------------------------------

    def fetch(self, contact_id: int, emails: tuple[str, ...], token: CancelToken) -> OpportunityList:
        return self.service.opportunities(contact_id, token)

    def show_records(self, value: Any) -> None:
        assert isinstance(value, OpportunityList)
        self.names = value
        self.model.columns = opportunity_columns(value)
        self.model.set_rows(value.items)
        self.view.fit_columns()
        if not value.items:
            self.status.setText("No opportunities for this contact.")
        self._update_buttons()

    def clear(self) -> None:
        self.model.set_rows([])
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_contact = self.contact_id is not None
        self.new_button.setEnabled(has_contact)
        selected = self.view.selectionModel() is not None and self.view.selectionModel().hasSelection()
        self.edit_button.setEnabled(has_contact and self.model.rowCount() > 0 and selected)

    # -- create and edit -------------------------------------------------------------------------

    def new_opportunity(self) -> OpportunityDialog | None:
        """Open the form for a new opportunity of the current contact (non-blocking)."""
        if self.contact_id is None:
            return None
        return self._open_dialog(None)

    def edit_row(self, row: int) -> OpportunityDialog | None:
        record = self.model.row_at(row)
        if not isinstance(record, Opportunity):
            return None
        return self._open_dialog(record)

    def _open_dialog(self, opportunity: Opportunity | None) -> OpportunityDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog = OpportunityDialog(self.names.stages, self.names.users, opportunity, self)
        dialog.accepted.connect(lambda: self._save(dialog))
        dialog.finished.connect(lambda _code: self._forget_dialog(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: OpportunityDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _save(self, dialog: OpportunityDialog) -> None:
        contact_id, old, draft = self.contact_id, dialog.opportunity, dialog.draft()
        if contact_id is None:
            return
        service = self.service
        if old is None:
            self.run_write(lambda token: service.create_opportunity(contact_id, draft, token),
                           self._saved, "Creating the opportunity")
        else:
            self.run_write(lambda token: old.id if service.update_opportunity(old, draft, token) else None,
                           self._saved, "Saving the opportunity")

    def _saved(self, opportunity_id: object) -> None:
        if isinstance(opportunity_id, int):
            self.saved.emit(opportunity_id)
