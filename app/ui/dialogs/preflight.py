"""Before a save: what Keap will store instead of what was typed (Latin-1 preflight).

Keap's database stores only Latin-1 text; the preflight transliterates what it cannot
store (``Jūratė`` → ``Jurate``) and removes what has no equivalent (emoji, control
characters). This dialog lists each such field with what the user typed and what will
be saved, and lets the user save as shown, go back and edit, or cancel. Opened with
``open()`` (window-modal, never a nested event loop); read :attr:`choice` on finish.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.text import Preflight


def visible(text: str) -> str:
    """Invisible control characters written out (``\\x0b``), so the user sees they are removed."""
    return "".join(ascii(c)[1:-1] if not c.isprintable() and c not in "\t\n\r " else c for c in text)


class PreflightChoice(StrEnum):
    SAVE = "save"
    EDIT = "edit"
    CANCEL = "cancel"


class PreflightDialog(QDialog):
    """Lists the fields the preflight changes. Attributes: ``choice``, ``first_field``."""

    def __init__(self, result: Preflight, labels: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preflight_dialog")
        self.setWindowTitle("Check the text before saving")
        self.choice = PreflightChoice.CANCEL
        self.first_field = result.changes[0].field if result.changes else ""
        layout = QVBoxLayout(self)
        intro = QLabel("Keap stores only Western European (Latin-1) characters. These fields will be "
                       "saved differently from what you typed:")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(result.changes), 3, self)
        self.table.setHorizontalHeaderLabels(["Field", "You typed", "Will be saved"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, change in enumerate(result.changes):
            saved = change.saved if change.saved else "(empty)"
            texts = (labels.get(change.field, change.field), visible(change.original), saved)
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(self)
        self.save_button = QPushButton("Save as shown")
        self.edit_button = QPushButton("Edit")
        self.cancel_button = QPushButton("Cancel")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.edit_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self._finish(PreflightChoice.SAVE))
        self.edit_button.clicked.connect(lambda: self._finish(PreflightChoice.EDIT))
        self.cancel_button.clicked.connect(lambda: self._finish(PreflightChoice.CANCEL))
        layout.addWidget(buttons)
        self.resize(560, 120 + 30 * min(8, len(result.changes)))

    def _finish(self, choice: PreflightChoice) -> None:
        self.choice = choice
        if choice is PreflightChoice.SAVE:
            self.accept()
        else:
            self.reject()

    def rows(self) -> list[tuple[str, str, str]]:
        """The table as text (label, typed, saved), for tests and accessibility."""
        out = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, col) for col in range(3)]
            out.append(tuple(c.text() if c is not None else "" for c in cells))
        return out  # type: ignore[return-value]
