"""The Linked contacts tab: who this contact is linked to, and how; link and unlink.

Link types are named from ``LinkedContactType``. Accounts whose API has no
``listLinkedContacts`` (it was long missing, gotcha 15) get a plain sentence in the
tab that linked contacts are not available for this account, never an error dialog.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from app.core.cancel import CancelToken
from app.core.linked import LinkedContact, LinkedContacts, LinkType
from app.services.records import RecordsService
from app.ui.dialog_host import PromptsLike
from app.ui.errors import ErrorPresenter
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.panes.records.base import RecordTab, RecordView
from app.ui.panes.records.link_dialog import LinkDialog
from app.ui.tasks import TaskRunner

NOT_AVAILABLE = ("Linked contacts are not available for this account: its Keap API does not offer "
                 "them (there is no listLinkedContacts). Link contacts in Keap itself.")

LINK_COLUMNS = [
    Column("Linked contact", lambda link: link.other_name),
    Column("Link type", lambda link: link.type_name),
    Column("Contact Id", lambda link: str(link.other_id), lambda link: link.other_id, right=True),
    Column("E-mail", lambda link: link.other_email, stretch=True),
]


class LinkedContactsTab(RecordTab):
    """A contact's links to other contacts.

    Attributes:
        available: False when the account has no linked-contacts API.
        dialog: the open "Link a contact" dialog, if any.

    Signals:
        changed(): a link was made or removed.
    """

    title = "Linked contacts"
    key_name = "records.linked"
    record_kinds = frozenset({"links"})
    changed = Signal()

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
                 parent: QWidget | None = None, *, prompts: PromptsLike | None = None) -> None:
        super().__init__(runner, presenter, service, parent, prompts=prompts)
        self.available = True
        self.link_types: list[LinkType] = []
        self.model = RecordTableModel(LINK_COLUMNS, self)
        self.view = RecordView(self, delete_text="Unlink…")
        self.view.setModel(self.model)
        self.view.delete_attempted.connect(self.unlink_row)
        self.link_button = QPushButton("Link a contact…", self)
        self.unlink_button = QPushButton("Unlink", self)
        self.link_button.clicked.connect(self.start_link)
        self.unlink_button.clicked.connect(lambda: self.unlink_row(self.view.current_row()))
        self.buttons = QWidget(self)
        row = QHBoxLayout(self.buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.link_button)
        row.addWidget(self.unlink_button)
        row.addStretch(1)
        self.body.addWidget(self.view, 1)
        self.body.addWidget(self.buttons)
        self.dialog: LinkDialog | None = None

    def fetch(self, contact_id: int, emails: tuple[str, ...], token: CancelToken) -> Any:
        links = self.service.linked_contacts(contact_id, token)
        types = self.service.link_types(token) if links.available else []
        return links, types

    def show_records(self, value: Any) -> None:
        links, types = value
        assert isinstance(links, LinkedContacts)
        self.available = links.available
        self.link_types = list(types)
        self.view.setVisible(links.available)
        self.buttons.setVisible(links.available)
        if not links.available:
            self.model.set_rows([])
            self.status.setText(NOT_AVAILABLE)
            return
        self.model.set_rows(links.links)
        self.view.fit_columns()
        self.unlink_button.setEnabled(bool(links.links))
        if not links.links:
            self.status.setText("This contact is not linked to anyone.")

    def clear(self) -> None:
        self.model.set_rows([])

    # -- link and unlink -----------------------------------------------------------------------

    def start_link(self) -> LinkDialog | None:
        """Open the "Link a contact" dialog (non-blocking)."""
        if self.contact_id is None or not self.available:
            return None
        if self.dialog is not None:
            self.dialog.close()
        dialog = LinkDialog(self.runner, self.service, self.contact_id, self.link_types, self)
        dialog.accepted.connect(lambda: self._link(dialog))
        dialog.finished.connect(lambda _code: self._forget_dialog(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: LinkDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _link(self, dialog: LinkDialog) -> None:
        choice, contact_id = dialog.choice(), self.contact_id
        if choice is None or contact_id is None:
            return
        other, link_type = choice
        service = self.service

        def done(ok: object) -> None:
            if not ok:
                limit = (f" A contact may have at most {link_type.max_linked} \u201c{link_type.name}\u201d "
                         "link(s), and one of the two already has that many." if link_type.max_linked else "")
                text = f"Keap refused to link {other.name} as \u201c{link_type.name}\u201d.{limit}"
                self.prompts.notify(self, "Keap did not link the contacts", text)
            self.changed.emit()

        self.run_write(lambda token: service.link(contact_id, other.id, link_type.id, token), done,
                       "Linking the contacts")

    def unlink_row(self, row: int) -> None:
        link = self.model.row_at(row)
        contact_id = self.contact_id
        if not isinstance(link, LinkedContact) or contact_id is None:
            return
        service = self.service

        def unlink() -> None:
            self.run_write(lambda token: service.unlink(contact_id, link.other_id, link.type_id, token),
                           lambda _ok: self.changed.emit(), "Unlinking the contacts")

        self.prompts.confirm(self, "Unlink contacts",
                             f"Remove the \u201c{link.type_name}\u201d link to {link.other_name}?", unlink)
