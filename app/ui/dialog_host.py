"""The one way TagDesk shows a dialog: window-modal ``open()``, never a nested ``exec()``.

:func:`show_dialog` opens a dialog over its owner, records it as the owner's
``active_dialog`` until it closes (tests find and drive it there), and calls back
with the result. :class:`Prompts` puts the record tabs' questions and explanations on
top of it, with the answer delivered to a callback; tests pass an object with the same
methods that answers at once. No code path waits in a nested event loop, so a late
reply, a timer or a closing window can never run inside a question.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Protocol, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

D = TypeVar("D", bound=QDialog)


def show_dialog(owner: QWidget | None, dialog: D, on_finished: Callable[[int], None] | None = None, *,
                delete_on_close: bool = True) -> D:
    """Open ``dialog`` window-modal over ``owner``; it is ``owner.active_dialog`` until it closes."""
    if delete_on_close:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if owner is not None:
        owner.active_dialog = dialog  # type: ignore[attr-defined]
    # weak: the dialog's connection must not keep its owner alive, or the owner's last
    # reference could go in the middle of the dialog's own deletion (and delete it twice)
    owner_ref = weakref.ref(owner) if owner is not None else None

    def finished(code: int) -> None:
        holder = owner_ref() if owner_ref is not None else None
        if holder is not None and getattr(holder, "active_dialog", None) is dialog:
            holder.active_dialog = None  # type: ignore[attr-defined]
        if on_finished is not None:
            on_finished(code)

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


def ask(owner: QWidget | None, title: str, text: str, then: Callable[[], None], *,
        yes: str = "Yes", icon: QMessageBox.Icon = QMessageBox.Icon.Question) -> QMessageBox:
    """A yes/cancel question; ``then()`` runs only after the user said yes."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Cancel, owner)
    button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    show_dialog(owner, box, lambda _code: then() if box.clickedButton() is button else None)
    return box


class PromptsLike(Protocol):
    """What a record tab needs from its prompts (the default :class:`Prompts` or a test double)."""

    def notify(self, parent: QWidget | None, title: str, text: str) -> None: ...

    def confirm(self, parent: QWidget | None, title: str, text: str, then: Callable[[], None]) -> None: ...

    def ask_text(self, parent: QWidget | None, title: str, label: str, then: Callable[[str], None],
                 text: str = "") -> None: ...


class Prompts:
    """Message boxes and input dialogs, shown with :func:`show_dialog` (the interactive default)."""

    def notify(self, parent: QWidget | None, title: str, text: str) -> None:
        show_dialog(parent, QMessageBox(QMessageBox.Icon.Information, title, text,
                                        QMessageBox.StandardButton.Ok, parent))

    def confirm(self, parent: QWidget | None, title: str, text: str, then: Callable[[], None]) -> None:
        ask(parent, title, text, then)

    def ask_text(self, parent: QWidget | None, title: str, label: str, then: Callable[[str], None],
                 text: str = "") -> None:
        dialog = QInputDialog(parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(text)
        accepted = QDialog.DialogCode.Accepted.value
        show_dialog(parent, dialog, lambda code: then(dialog.textValue()) if code == accepted else None)
