"""Form widgets that never change a value under a mouse wheel meant for the page.

Scrolling a long form moves the pointer across drop-downs and date fields; a stock Qt
combo box then changes its value with no click (an Owner went from one user to another).
These only take the wheel once the user has given them focus (click or Tab); otherwise
the wheel event goes on to the scroll area, which scrolls as the user meant.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QComboBox, QDateEdit, QDateTimeEdit, QDoubleSpinBox, QSpinBox, QWidget


def _setup(widget: QWidget) -> None:
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone never gives focus


class FormComboBox(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self)

    def wheelEvent(self, event: QWheelEvent) -> None:  # QWidget.wheelEvent override
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # to the scroll area


class FormDateEdit(QDateEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self)

    def wheelEvent(self, event: QWheelEvent) -> None:  # override
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class FormDateTimeEdit(QDateTimeEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self)

    def wheelEvent(self, event: QWheelEvent) -> None:  # override
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class FormSpinBox(QSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self)

    def wheelEvent(self, event: QWheelEvent) -> None:  # override
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class FormDoubleSpinBox(QDoubleSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self)

    def wheelEvent(self, event: QWheelEvent) -> None:  # override
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()
