"""One small editor per field, chosen by what the field holds.

Each :class:`FieldEditor` wraps a widget and speaks plain values: ``set_value`` takes
what the API returned (None for blank), ``value`` gives what to send (None for blank),
``problem`` says why the current text cannot be saved. Dates are shown in local time
with Keap's Eastern time in the tooltip; date-only fields are calendar days.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, Qt, QTime, Signal
from PySide6.QtGui import QDoubleValidator, QIntValidator
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.contact_fields import LOCKED_REASON, FieldInfo, Kind
from app.core.dates import from_api_date
from app.core.display import display_text, eastern_text
from app.core.records import User
from app.core.schema import LIST_TYPES, CustomFieldType
from app.core.text import is_email
from app.ui import palette
from app.ui.widgets import FormComboBox, FormDateEdit, FormDateTimeEdit

_BLANK_DATE = QDate(1900, 1, 1)


class FieldEditor(QObject):
    """A field's editor widget, in plain values.

    Signals:
        edited(): the user changed the value.
    """

    edited = Signal()

    def __init__(self, info: FieldInfo, widget: QWidget) -> None:
        super().__init__(widget)
        self.info = info
        self.widget = widget
        widget.setObjectName(f"field_{info.name}")
        widget.setToolTip(f"{info.label} ({info.name})")

    @property
    def editable(self) -> bool:
        return not (self.info.read_only or self.info.locked)

    def value(self) -> object:
        raise NotImplementedError

    def set_value(self, value: object) -> None:
        raise NotImplementedError

    def problem(self) -> str | None:
        """Why the current value cannot be saved, or None."""
        return None

    def focus(self) -> None:
        self.widget.setFocus(Qt.FocusReason.OtherFocusReason)


class TextEditor(FieldEditor):
    def __init__(self, info: FieldInfo, *, validator: QIntValidator | QDoubleValidator | None = None) -> None:
        self.edit = QLineEdit()
        super().__init__(info, self.edit)
        self.edit.setClearButtonEnabled(True)
        if validator is not None:
            validator.setParent(self.edit)
            self.edit.setValidator(validator)
        if info.kind is Kind.EMAIL:
            self.edit.setPlaceholderText("name@example.com")
        self.edit.textEdited.connect(lambda _t: self._edited())

    def _edited(self) -> None:
        self._show_problem()
        self.edited.emit()

    def _show_problem(self) -> None:
        problem = self.problem()
        border = f"QLineEdit {{ border: 1px solid {palette.colour('error')}; }}"
        self.edit.setStyleSheet(border if problem else "")
        self.edit.setToolTip(problem or f"{self.info.label} ({self.info.name})")

    def value(self) -> object:
        text = self.edit.text().strip()
        if not text:
            return None
        if self.info.kind is Kind.INTEGER:
            return int(text) if _is_int(text) else text
        return text

    def set_value(self, value: object) -> None:
        self.edit.setText("" if value is None else str(value))
        self.edit.setCursorPosition(0)  # show the start of a long value, not its end
        self._show_problem()

    def problem(self) -> str | None:
        text = self.edit.text().strip()
        if text and self.info.kind is Kind.EMAIL and not is_email(text):
            return f"{self.info.label}: {text!r} is not an e-mail address."
        if text and self.info.kind is Kind.INTEGER and not _is_int(text):
            return f"{self.info.label} must be a whole number."
        return None


class NumberEditor(TextEditor):
    """Decimal, percent and currency custom fields (currency shown with cents)."""

    def __init__(self, info: FieldInfo) -> None:
        super().__init__(info, validator=QDoubleValidator())
        self.currency = info.custom is not None and info.custom.data_type is CustomFieldType.CURRENCY

    def value(self) -> object:
        text = self.edit.text().strip().replace(",", "")
        try:
            return round(float(text), 2) if self.currency else float(text)
        except ValueError:
            return text or None

    def set_value(self, value: object) -> None:
        if isinstance(value, int | float) and self.currency:
            self.edit.setText(f"{value:.2f}")
        else:
            super().set_value(value)

    def problem(self) -> str | None:
        text = self.edit.text().strip().replace(",", "")
        try:
            if text:
                float(text)
        except ValueError:
            return f"{self.info.label} must be a number."
        return None


class MultilineEditor(FieldEditor):
    def __init__(self, info: FieldInfo) -> None:
        self.edit = QPlainTextEdit()
        super().__init__(info, self.edit)
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(72)
        self.edit.textChanged.connect(self._changed)
        self._loading = False

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def value(self) -> object:
        return self.edit.toPlainText().strip() or None

    def set_value(self, value: object) -> None:
        self._loading = True
        self.edit.setPlainText("" if value is None else str(value))
        self._loading = False


class DateEditor(FieldEditor):
    """A calendar day; blank is the (hidden) minimum date."""

    def __init__(self, info: FieldInfo) -> None:
        self.edit = FormDateEdit()
        self._loading = False
        super().__init__(info, self.edit)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setMinimumDate(_BLANK_DATE)
        self.edit.setSpecialValueText(" ")
        self.edit.setDate(_BLANK_DATE)
        self.edit.dateChanged.connect(self._changed)

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def value(self) -> object:
        qd = self.edit.date()
        return None if qd == _BLANK_DATE else date(qd.year(), qd.month(), qd.day())

    def set_value(self, value: object) -> None:
        self._loading = True
        day = from_api_date(value) if isinstance(value, date | str) and value != "" else None
        self.edit.setDate(QDate(day.year, day.month, day.day) if day else _BLANK_DATE)
        self._loading = False


class DateTimeEditor(FieldEditor):
    """A moment, shown in local time; the tooltip gives Keap's Eastern time."""

    def __init__(self, info: FieldInfo) -> None:
        self.edit = FormDateTimeEdit()
        self._loading = False
        super().__init__(info, self.edit)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.edit.setMinimumDateTime(QDateTime(_BLANK_DATE, QTime(0, 0)))
        self.edit.setSpecialValueText(" ")
        self.edit.setDateTime(self.edit.minimumDateTime())
        self.edit.dateTimeChanged.connect(self._changed)

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def value(self) -> object:
        qdt = self.edit.dateTime()
        if qdt == self.edit.minimumDateTime():
            return None
        return datetime.fromtimestamp(qdt.toSecsSinceEpoch()).astimezone()

    def set_value(self, value: object) -> None:
        self._loading = True
        if isinstance(value, datetime):
            self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(value.timestamp())))
            self.edit.setToolTip(f"{self.info.label}: {eastern_text(value)}")
        else:
            self.edit.setDateTime(self.edit.minimumDateTime())
        self._loading = False


class ChoiceEditor(FieldEditor):
    """A dropdown of fixed options: list custom fields, yes/no, users."""

    def __init__(self, info: FieldInfo, options: list[tuple[str, object]]) -> None:
        self.combo = FormComboBox()
        super().__init__(info, self.combo)
        self.combo.addItem("", None)
        for text, data in options:
            self.combo.addItem(text, data)
        self.combo.activated.connect(lambda _i: self.edited.emit())

    def value(self) -> object:
        return self.combo.currentData()

    def set_value(self, value: object) -> None:
        if value is None or value == "":
            self.combo.setCurrentIndex(0)
            return
        found = self.combo.findData(value)
        if found < 0:  # a value the options do not list (stale option, unknown user): keep it
            self.combo.addItem(str(value), value)
            found = self.combo.count() - 1
        self.combo.setCurrentIndex(found)

    def set_options(self, options: list[tuple[str, object]]) -> None:
        current = self.value()
        while self.combo.count() > 1:
            self.combo.removeItem(1)
        for text, data in options:
            self.combo.addItem(text, data)
        self.set_value(current)


class ReadOnlyEditor(FieldEditor):
    """Shown, selectable, never editable (Id, DateCreated, Groups ...)."""

    def __init__(self, info: FieldInfo) -> None:
        self.edit = QLineEdit()
        super().__init__(info, self.edit)
        self.edit.setReadOnly(True)
        self.edit.setProperty("readOnlyField", True)
        self.edit.setStyleSheet("QLineEdit { background: palette(window); color: palette(mid); }")
        self._value: object = None

    def value(self) -> object:
        return self._value

    def set_value(self, value: object) -> None:
        self._value = value
        self.edit.setText(display_text(value, date_only=self.info.date_only))
        self.edit.setCursorPosition(0)
        tip = eastern_text(value)
        self.edit.setToolTip(f"{self.info.label} (read-only). {tip}".strip())


class LockedEditor(FieldEditor):
    """An SSN field: never read or written; trying to edit it shows why."""

    def __init__(self, info: FieldInfo) -> None:
        self.box = QWidget()
        super().__init__(info, self.box)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"locked_{info.name}")
        self.edit.setReadOnly(True)
        self.edit.setText("Locked: not available through the API")
        self.edit.setStyleSheet("QLineEdit { background: palette(window); color: palette(mid); }")
        self.reason = QLabel(f"{LOCKED_REASON}; view or edit it in Keap itself.")
        self.reason.setObjectName(f"locked_reason_{info.name}")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet(palette.text_style("warning"))
        self.reason.hide()
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.reason)
        self.edit.setToolTip(self.reason.text())
        self.edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # QObject.eventFilter override
        if watched is self.edit and event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress,
                                                     QEvent.Type.FocusIn):
            self.explain()
        return False

    def explain(self) -> None:
        self.reason.show()

    def value(self) -> object:
        return None

    def set_value(self, value: object) -> None:
        self.reason.hide()


def make_editor(info: FieldInfo, users: list[User]) -> FieldEditor:
    """The editor that suits ``info``: by custom data type first, then by the field's kind."""
    if info.locked:
        return LockedEditor(info)
    if info.read_only:
        return ReadOnlyEditor(info)
    custom = info.custom
    if custom is not None:
        if custom.data_type in LIST_TYPES:
            return ChoiceEditor(info, [(o, o) for o in custom.options])
        if custom.data_type is CustomFieldType.YES_NO:
            return ChoiceEditor(info, [("Yes", 1), ("No", 0)])
        if custom.data_type in (CustomFieldType.CURRENCY, CustomFieldType.DECIMAL, CustomFieldType.PERCENT):
            return NumberEditor(info)
    if info.kind is Kind.USER:
        return ChoiceEditor(info, user_options(users))
    if info.kind is Kind.DATE:
        return DateEditor(info)
    if info.kind is Kind.DATETIME:
        return DateTimeEditor(info)
    if info.kind is Kind.MULTILINE:
        return MultilineEditor(info)
    if info.kind is Kind.INTEGER:
        return TextEditor(info, validator=QIntValidator())
    return TextEditor(info)


def user_options(users: list[User]) -> list[tuple[str, object]]:
    return [(u.name, u.id) for u in users]


def _is_int(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d+", text) is not None
