"""The questions and explanations the record tabs put to the user, behind one small object.

Every capability explanation ("Keap's API cannot ...") and every question before a
write (a reason for an opt-out, "unlink these two?") goes through a :class:`Prompts`.
The default shows message boxes; tests pass their own object with the same methods,
so no modal ``exec()`` is ever left blocking and each explanation can be asserted.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget


class PromptsLike(Protocol):
    """What a tab needs from its prompts (the default :class:`Prompts` or a test double)."""

    def notify(self, parent: QWidget | None, title: str, text: str) -> None: ...

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool: ...

    def ask_text(self, parent: QWidget | None, title: str, label: str, text: str = "") -> str | None: ...


class Prompts:
    """Message boxes and input dialogs (the interactive default)."""

    def notify(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def ask_text(self, parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
        return value if ok else None
