"""Scrolling a form with the wheel never changes a drop-down or date under the pointer."""

from __future__ import annotations

from PySide6.QtCore import QDate, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.ui.widgets import FormComboBox, FormDateEdit, FormSpinBox


def wheel(widget: QWidget, down: bool = True) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(QPoint(5, 5))), QPoint(0, 0),
                        QPoint(0, -120 if down else 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_an_unfocused_field_leaves_the_wheel_to_the_page(qtbot: QtBot) -> None:
    page = QWidget()
    box = QVBoxLayout(page)
    combo, day, spin = FormComboBox(), FormDateEdit(), FormSpinBox()
    combo.addItems(["Morgan Sales", "Sam Books", "Ava Admin"])
    day.setDate(QDate(2024, 5, 17))
    spin.setRange(0, 10)
    spin.setValue(5)
    for widget in (combo, day, spin):
        box.addWidget(widget)
    box.addSpacing(2000)  # a long form: there is something to scroll
    area = QScrollArea()
    area.setWidget(page)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    area.setFocus()
    for widget in (combo, day, spin):
        wheel(widget)
    assert (combo.currentText(), day.date(), spin.value()) == ("Morgan Sales", QDate(2024, 5, 17), 5)
    # (left unaccepted, Qt offers a real wheel event to the scroll area; a sent one stops here)
    combo.setFocus()  # once the user chose the field, the wheel is theirs to use
    qtbot.waitUntil(combo.hasFocus)
    wheel(combo)
    assert combo.currentText() == "Sam Books"
