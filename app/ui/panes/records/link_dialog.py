"""Pick a contact (by Id, e-mail address or last name) and a link type, to link it to another.

The search runs on the task runner; the dialog is opened with ``open()`` (never a
blocking ``exec()``), and the caller reads :meth:`LinkDialog.choice` once accepted.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.linked import ContactRef, LinkType
from app.services.records import RecordsService
from app.ui.errors import describe
from app.ui.models.record_table import Column, RecordTableModel
from app.ui.panes.records.base import RecordView
from app.ui.tasks import TaskRunner

RESULT_COLUMNS = [
    Column("Name", lambda c: c.name),
    Column("E-mail", lambda c: c.email, stretch=True),
    Column("Id", lambda c: str(c.id), lambda c: c.id, right=True),
]


class LinkDialog(QDialog):
    """Choose the contact to link and how they are linked.

    Signals:
        results_ready(int): a search finished with this many contacts.
    """

    results_ready = Signal(int)

    def __init__(self, runner: TaskRunner, service: RecordsService, contact_id: int,
                 link_types: list[LinkType], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Link a contact")
        self.setMinimumSize(480, 360)
        self.runner = runner
        self.service = service
        self.contact_id = contact_id
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText("Contact Id, e-mail address or last name")
        self.find_button = QPushButton("Find", self)
        self.find_button.setDefault(False)
        self.find_button.setAutoDefault(False)
        self.results = RecordTableModel(RESULT_COLUMNS, self)
        self.results_view = RecordView(self)
        self.results_view.setModel(self.results)
        self.results_view.selectionModel().selectionChanged.connect(lambda *_: self._update_ok())
        self.type_combo = QComboBox(self)
        for t in link_types:
            self.type_combo.addItem(t.describe, t.id)
        self.link_types = {t.id: t for t in link_types}
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.addButton("Link", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAutoDefault(False)  # Enter in the search box searches, never links
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        search = QHBoxLayout()
        search.addWidget(self.search_edit, 1)
        search.addWidget(self.find_button)
        form = QFormLayout()
        form.addRow("Link type", self.type_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(search)
        layout.addWidget(self.results_view, 1)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.find_button.clicked.connect(self.search)
        self.search_edit.returnPressed.connect(self.search)
        if not link_types:
            self.message.setText("This account has no link types; add them in Keap first.")
        self._update_ok()

    def search(self) -> None:
        text = self.search_edit.text().strip()
        if not text:
            return
        self.message.setText("Searching…")
        service = self.service
        self.runner.run(lambda token: service.find_contacts(text, token), on_done=self._found,
                        on_error=self._failed, key=f"records.linkfind:{id(self)}",
                        description="find a contact to link", owner=self)

    def _found(self, refs: list[ContactRef]) -> None:
        refs = [r for r in refs if r.id != self.contact_id]
        self.results.set_rows(refs)
        self.results_view.fit_columns()
        self.message.setText("" if refs else "No contact found.")
        if len(refs) == 1:
            self.results_view.selectRow(0)
        self._update_ok()
        self.results_ready.emit(len(refs))

    def _failed(self, error: BaseException) -> None:
        self.message.setText(f"The search failed: {describe(error)[0]}")
        self.results_ready.emit(0)

    def choice(self) -> tuple[ContactRef, LinkType] | None:
        ref = self.results.row_at(self.results_view.current_row())
        link_type = self.link_types.get(self.type_combo.currentData())
        if not isinstance(ref, ContactRef) or link_type is None:
            return None
        return ref, link_type

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(self.choice() is not None)

    def accept(self) -> None:  # QDialog.accept override: only with a contact and a type chosen
        if self.choice() is None:
            self.message.setText("Choose a contact and a link type.")
            return
        super().accept()
