"""The Email status tab: whether Keap may market to each of the contact's addresses.

For Email, EmailAddress2 and EmailAddress3 the opt status in words. Opting out asks
for a reason and warns that it cannot be undone through the API. Opting in warns
first that an address that opted out once cannot be opted back in through the API
(gotcha 20) and what to do instead (a Keap web form). For an address TagDesk knows
opted out, the opt-in explains that and sends nothing. Keap's API reports 0 for every
non-marketable address (opted out, bounced, or never opted in), so for the others
the opt-in is tried and Keap's refusal is explained.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from app.core.cancel import CancelToken
from app.core.capabilities import Op
from app.core.linked import EmailStatus
from app.services.records import CapabilityRefused, RecordsService
from app.ui.dialog_host import PromptsLike
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.panes.records.base import RecordTab, RecordView
from app.ui.tasks import TaskRunner

AMBIGUOUS_ZERO = ("Keap's API reports the same status for an address that opted out, bounced, or never "
                  "opted in.")
OPT_OUT_WARNING = ("After an opt-out, Keap's API cannot opt this address in again: only the person can, "
                   "by submitting one of your Keap web forms.")


def _note(s: EmailStatus) -> str:
    if s.opted_out:
        return "Opted out: only a Keap web form can opt it in again"
    if s.code == 0:
        return "Not marketable (opted out, bounced or never opted in)"
    return ""


EMAIL_COLUMNS = [
    Column("Field", lambda s: s.label),
    Column("Address", lambda s: s.email),
    Column("Status", lambda s: s.text, lambda s: s.code,
           tooltip=lambda s: AMBIGUOUS_ZERO if s.code == 0 else None, warn=lambda s: not s.marketable),
    Column("Note", _note),
]


class EmailStatusTab(RecordTab):
    """The opt status of a contact's e-mail addresses, with opt-out and opt-in.

    Signals:
        changed(str): an address was opted in or out (the address).
    """

    title = "Email status"
    key_name = "records.email"
    record_kinds = frozenset({"email_status"})
    uses_emails = True
    changed = Signal(str)

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
                 parent: QWidget | None = None, *, prompts: PromptsLike | None = None) -> None:
        super().__init__(runner, presenter, service, parent, prompts=prompts)
        self.model = RecordTableModel(EMAIL_COLUMNS, self)
        self.view = RecordView(self)
        self.view.setModel(self.model)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.opt_out_button = QPushButton("Opt out…", self)
        self.opt_in_button = QPushButton("Opt in…", self)
        self.opt_out_button.clicked.connect(self.opt_out)
        self.opt_in_button.clicked.connect(self.opt_in)
        cap = service.refusal(Op.OPT_IN_AGAIN)
        if cap is not None:
            self.opt_in_button.setToolTip(cap.message())
        buttons = QHBoxLayout()
        buttons.addWidget(self.opt_out_button)
        buttons.addWidget(self.opt_in_button)
        buttons.addStretch(1)
        self.body.addWidget(self.view, 1)
        self.body.addLayout(buttons)
        self._update_buttons()

    def fetch(self, contact_id: int, emails: tuple[str, ...], token: CancelToken) -> list[EmailStatus]:
        return self.service.email_statuses(contact_id, emails, token)

    def show_records(self, value: Any) -> None:
        assert isinstance(value, list)
        self.model.set_rows(value)
        self.view.fit_columns()
        if value:
            self.view.selectRow(0)
        else:
            self.status.setText("This contact has no e-mail address.")
        self._update_buttons()

    def clear(self) -> None:
        self.model.set_rows([])
        self._update_buttons()

    def selected(self) -> EmailStatus | None:
        s = self.model.row_at(self.view.current_row())
        return s if isinstance(s, EmailStatus) else None

    def select_email(self, email: str) -> bool:
        for row, s in enumerate(self.model.rows()):
            if s.email.casefold() == email.casefold():
                self.view.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        self.opt_out_button.setEnabled(has)
        self.opt_in_button.setEnabled(has)

    # -- opt out ---------------------------------------------------------------------------------

    def opt_out(self) -> None:
        s = self.selected()
        if s is None:
            return
        service, email = self.service, s.email

        def send(reason: str) -> None:
            why = reason.strip() or "Opted out in TagDesk"
            self.run_write(lambda token: service.opt_out(email, why, token),
                           lambda _ok: self._changed(email), "Opting the address out")

        self.prompts.ask_text(self, f"Opt out {s.email}",
                              f"{OPT_OUT_WARNING}\n\nReason for the opt-out (stored in Keap):", send,
                              "Asked to stop receiving e-mail")

    # -- opt in ----------------------------------------------------------------------------------

    def opt_in(self) -> None:
        """Opt the selected address in, after the warning; explained and not sent where it cannot work."""
        s = self.selected()
        if s is None:
            return
        if s.marketable:
            self.prompts.notify(self, "Already opted in",
                                f"{s.email} is already marketable ({s.text}). Nothing was sent.")
            return
        cap = self.service.refusal(Op.OPT_IN_AGAIN)
        if cap is not None and (s.opted_out or self.service.known_opted_out(s.email)):
            self.explain(Op.OPT_IN_AGAIN, f"{s.email} has opted out.")
            return
        warning = cap.message() if cap is not None else ""
        self.prompts.ask_text(
            self, f"Opt in {s.email}",
            f"Only opt in an address whose owner agreed to receive your e-mail.\n\n{warning}\n\n"
            "Reason for the opt-in (stored in Keap):", lambda reason: self._opt_in(s.email, reason),
            "Consent given")

    def _opt_in(self, email: str, reason: str) -> None:
        service = self.service

        def done(ok: object) -> None:
            if not ok:
                self.explain(Op.OPT_IN_AGAIN, f"Keap refused to opt in {email}: it has opted out before.")
            self._changed(email)

        def failed(error: BaseException) -> None:
            if isinstance(error, CapabilityRefused):
                self.explain(Op.OPT_IN_AGAIN, f"{email} has opted out.")
            else:
                self.presenter.present(error, "Opting the address in")

        why = reason.strip() or "Opted in with TagDesk"
        self.runner.run(lambda token: service.opt_in(email, why, token), on_done=done, on_error=failed,
                        lane="write", description="opt an address in", owner=self)

    def _changed(self, email: str) -> None:
        self.changed.emit(email)
