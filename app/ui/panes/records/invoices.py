"""The Invoices tab: total, paid and due to the cent, and the invoices Keap may show as unpaid.

An invoice whose items carry more than two decimals is flagged: after charging, Keap
can leave a fraction of a cent due and call it unpaid (gotcha 11). Charging part of an
invoice is not possible over the API (gotcha 13); the button explains it and what to do
in Keap instead, and sends nothing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.core.cancel import CancelToken
from app.core.capabilities import Op
from app.core.linked import Invoice
from app.services.records import RecordsService
from app.ui.dialog_host import PromptsLike
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.panes.records.base import RecordTab, RecordView, money_text, when_text
from app.ui.tasks import TaskRunner

FLAG_TEXT = "\u26a0 may show as unpaid"

INVOICE_COLUMNS = [
    Column("Invoice", lambda i: str(i.id), lambda i: i.id, right=True),
    Column("Date", lambda i: when_text(i.date_created), lambda i: i.date_created),
    Column("Description", lambda i: i.description, stretch=True),
    Column("Total", lambda i: money_text(i.total), lambda i: i.total, right=True),
    Column("Paid", lambda i: money_text(i.paid), lambda i: i.paid, right=True),
    Column("Due", lambda i: money_text(i.due), lambda i: i.due, right=True, warn=lambda i: i.flagged),
    Column("Status", lambda i: i.status_text),
    Column("Note", lambda i: FLAG_TEXT if i.flagged else "", tooltip=lambda i: i.flag_reason or None,
           warn=lambda i: i.flagged),
]


class InvoicesTab(RecordTab):
    """A contact's invoices with totals to the cent and the fraction-of-a-cent flag."""

    title = "Invoices"
    key_name = "records.invoices"
    record_kinds = frozenset({"invoices"})

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
                 parent: QWidget | None = None, *, prompts: PromptsLike | None = None) -> None:
        super().__init__(runner, presenter, service, parent, prompts=prompts)
        self.model = RecordTableModel(INVOICE_COLUMNS, self)
        self.view = RecordView(self)
        self.view.setModel(self.model)
        self.flag_note = QLabel(self)
        self.flag_note.setWordWrap(True)
        self.flag_note.hide()
        self.partial_button = QPushButton("Charge part of this invoice…", self)
        cap = service.refusal(Op.PARTIAL_CHARGE)
        if cap is not None:
            self.partial_button.setToolTip(cap.message())
        self.partial_button.clicked.connect(self.explain_partial_charge)
        buttons = QHBoxLayout()
        buttons.addWidget(self.partial_button)
        buttons.addStretch(1)
        self.body.addWidget(self.view, 1)
        self.body.addWidget(self.flag_note)
        self.body.addLayout(buttons)

    def fetch(self, contact_id: int, emails: tuple[str, ...], token: CancelToken) -> list[Invoice]:
        return self.service.invoices(contact_id, token)

    def show_records(self, value: Any) -> None:
        assert isinstance(value, list)
        self.model.set_rows(value)
        self.view.fit_columns()
        flagged = [i for i in value if isinstance(i, Invoice) and i.flagged]
        if flagged:
            which = ", ".join(f"#{i.id}" for i in flagged)
            self.flag_note.setText(
                f"{FLAG_TEXT[2:].capitalize()}: invoice {which}. Its items carry more than two decimals, "
                "so after charging Keap may still show a fraction of a cent due. TagDesk always "
                "rounds amounts it sends to the cent.")
            self.flag_note.show()
        else:
            self.flag_note.hide()
        if not value:
            self.status.setText("No invoices for this contact.")

    def clear(self) -> None:
        self.model.set_rows([])
        self.flag_note.hide()

    def explain_partial_charge(self) -> None:
        """Charging part of an invoice: explained with the way to do it in Keap; nothing is sent."""
        invoice = self.model.row_at(self.view.current_row())
        subject = (f"Invoice #{invoice.id}: {money_text(invoice.due)} due of {money_text(invoice.total)}"
                   if isinstance(invoice, Invoice) else "")
        self.explain(Op.PARTIAL_CHARGE, subject)
