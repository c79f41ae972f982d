"""A new contact's e-mail address already exists: open that contact, or create anyway."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.display import display_text
from app.core.records import Row


class DuplicateChoice(StrEnum):
    OPEN = "open"
    CREATE = "create"
    CANCEL = "cancel"


def describe_contact(row: Row) -> str:
    name = " ".join(str(row.get(k) or "").strip() for k in ("FirstName", "LastName")).strip() or "(no name)"
    parts = [name, str(row.get("Email") or "")]
    if row.get("Company"):
        parts.append(str(row["Company"]))
    if row.get("DateCreated"):
        parts.append(f"created {display_text(row['DateCreated'])}")
    return f"{' · '.join(p for p in parts if p)}  (Id {row.get('Id')})"


class DuplicateDialog(QDialog):
    """Offers the existing contacts. Attributes: ``choice``, ``chosen_id``."""

    def __init__(self, email: str, matches: list[Row], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicate_dialog")
        self.setWindowTitle("This e-mail address is already in Keap")
        self.choice = DuplicateChoice.CANCEL
        self.chosen_id: int | None = None
        layout = QVBoxLayout(self)
        text = QLabel(f"{len(matches)} contact{'s' if len(matches) != 1 else ''} already "
                      f"use{'s' if len(matches) == 1 else ''} <b>{email}</b>. Open the existing "
                      "contact instead of creating a duplicate?")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)  # a long name and company is shown whole, never cut off
        for row in matches:
            item = QListWidgetItem(describe_contact(row))
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, int(row["Id"]))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _i: self._finish(DuplicateChoice.OPEN))
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(self)
        self.open_button = QPushButton("Open existing contact")
        self.create_button = QPushButton("Create a new contact anyway")
        self.cancel_button = QPushButton("Cancel")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(lambda: self._finish(DuplicateChoice.OPEN))
        self.create_button.clicked.connect(lambda: self._finish(DuplicateChoice.CREATE))
        self.cancel_button.clicked.connect(lambda: self._finish(DuplicateChoice.CANCEL))
        layout.addWidget(buttons)
        wanted = self.list.sizeHintForColumn(0) + 2 * self.list.frameWidth() + 48
        rows = min(len(matches), 6)
        row_height = self.list.sizeHintForRow(0) + 2
        self.list.setMinimumHeight(max(1, rows) * row_height + 2 * self.list.frameWidth())
        self.resize(min(max(560, wanted), 1000), 260)

    def _finish(self, choice: DuplicateChoice) -> None:
        self.choice = choice
        item = self.list.currentItem()
        self.chosen_id = int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None
        if choice is DuplicateChoice.CANCEL:
            self.reject()
        else:
            self.accept()
