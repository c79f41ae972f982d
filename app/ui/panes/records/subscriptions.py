"""The Subscriptions tab: a contact's recurring orders (Keap's ``RecurringOrder``).

Plan or product, status, amount and cycle, next bill date. Deleting a subscription is
not possible over XML-RPC: the Delete key, the context menu and the button explain
why and what to do in Keap instead, and send nothing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from app.core.cancel import CancelToken
from app.core.capabilities import Op
from app.core.linked import Subscription
from app.services.records import RecordsService
from app.ui.dialog_host import PromptsLike
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.panes.records.base import RecordTab, RecordView, money_text, when_text
from app.ui.tasks import TaskRunner

SUBSCRIPTION_COLUMNS = [
    Column("Plan or product", lambda s: s.name, stretch=True),
    Column("Status", lambda s: s.status, tooltip=lambda s: s.reason_stopped or None),
    Column("Amount", lambda s: money_text(s.amount), lambda s: s.amount, right=True,
           warn=lambda s: s.sub_cent),
    Column("Qty", lambda s: str(s.qty), lambda s: s.qty, right=True),
    Column("Cycle", lambda s: s.cycle_text),
    Column("Next bill date", lambda s: when_text(s.next_bill_date), lambda s: s.next_bill_date),
    Column("Started", lambda s: when_text(s.start_date), lambda s: s.start_date),
    Column("Ended", lambda s: when_text(s.end_date), lambda s: s.end_date),
    Column("Reason stopped", lambda s: s.reason_stopped),
]


class SubscriptionsTab(RecordTab):
    """A contact's subscriptions; deleting one is explained, never sent."""

    title = "Subscriptions"
    key_name = "records.subscriptions"
    record_kinds = frozenset({"subscriptions"})

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
                 parent: QWidget | None = None, *, prompts: PromptsLike | None = None) -> None:
        super().__init__(runner, presenter, service, parent, prompts=prompts)
        self.model = RecordTableModel(SUBSCRIPTION_COLUMNS, self)
        self.view = RecordView(self, delete_text="Delete subscription…")
        self.view.setModel(self.model)
        self.view.delete_attempted.connect(lambda _row: self.explain_delete())
        self.delete_button = QPushButton("Delete subscription…", self)
        cap = service.refusal(Op.DELETE_SUBSCRIPTION)
        if cap is not None:
            self.delete_button.setToolTip(cap.message())
        self.delete_button.clicked.connect(self.explain_delete)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        self.body.addWidget(self.view, 1)
        self.body.addLayout(buttons)

    def fetch(self, contact_id: int, emails: tuple[str, ...], token: CancelToken) -> list[Subscription]:
        return self.service.subscriptions(contact_id, token)

    def show_records(self, value: Any) -> None:
        assert isinstance(value, list)
        self.model.set_rows(value)
        self.view.fit_columns()
        if not value:
            self.status.setText("No subscriptions for this contact.")

    def clear(self) -> None:
        self.model.set_rows([])

    def explain_delete(self) -> None:
        """Deleting a subscription: explained with the way to do it in Keap; nothing is sent."""
        sub = self.model.row_at(self.view.current_row())
        subject = f"Subscription: {sub.name} ({sub.status})" if isinstance(sub, Subscription) else ""
        self.explain(Op.DELETE_SUBSCRIPTION, subject)
