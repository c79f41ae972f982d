"""Form widgets that never change a value under a mouse wheel meant for the page.

Scrolling a long form moves the pointer across drop-downs and date fields; a stock Qt
combo box then changes its value with no click (an Owner went from one user to another).
These only take the wheel once the user has given them focus (click or Tab); otherwise
the wheel event is left unaccepted, so Qt passes it on to the scroll area, which scrolls
as the user meant.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QDateTimeEdit, QDoubleSpinBox, QSpinBox, QWidget


class _WheelGuard(QObject):
    """Keeps the wheel from an unfocused field: not accepted, so its parent scrolls instead."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # QObject.eventFilter override
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()
            return True  # not for this field; Qt offers the unaccepted event to the parent
        return False


_GUARD = _WheelGuard()


def guard_wheel(widget: QWidget) -> QWidget:
    """Make ``widget`` take the wheel only once focused; returns it."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone never gives focus
    widget.installEventFilter(_GUARD)
    return widget


class FormComboBox(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        guard_wheel(self)
        # a long option (a country's full name) must not widen the form past a narrow pane;
        # the open list still shows every option whole
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)


class FormDateEdit(QDateEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        guard_wheel(self)


class FormDateTimeEdit(QDateTimeEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        guard_wheel(self)


class FormSpinBox(QSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        guard_wheel(self)


class FormDoubleSpinBox(QDoubleSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        guard_wheel(self)
