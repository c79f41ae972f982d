"""One dialog mechanism: window-modal open(), the answer by callback, never a nested exec()."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.ui.dialog_host import Prompts, ask, show_dialog


def test_a_question_returns_at_once_and_answers_by_callback(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    said_yes: list[bool] = []
    box = ask(owner, "Remove", "Remove it?", lambda: said_yes.append(True), yes="Remove")
    assert owner.active_dialog is box and box.isVisible() and said_yes == []  # no event loop ran
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert said_yes == [] and owner.active_dialog is None
    box = ask(owner, "Remove", "Remove it?", lambda: said_yes.append(True), yes="Remove")
    next(b for b in box.buttons() if b.text() == "Remove").click()
    assert said_yes == [True] and owner.active_dialog is None


def test_prompts_ask_for_text_without_blocking(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    answers: list[str] = []
    Prompts().ask_text(owner, "Opt out", "Reason:", answers.append, "Asked to stop")
    dialog = owner.active_dialog
    assert isinstance(dialog, QInputDialog) and dialog.textValue() == "Asked to stop"
    dialog.setTextValue("Moved away")
    dialog.accept()
    assert answers == ["Moved away"]
    Prompts().ask_text(owner, "Opt out", "Reason:", answers.append)
    owner.active_dialog.reject()
    assert answers == ["Moved away"]  # cancelled: nothing is sent


def test_a_later_dialog_is_not_forgotten_when_an_earlier_one_closes(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    first = show_dialog(owner, QMessageBox(QMessageBox.Icon.Information, "A", "a", parent=owner))
    second = show_dialog(owner, QMessageBox(QMessageBox.Icon.Information, "B", "b", parent=owner))
    first.done(0)
    assert owner.active_dialog is second
