"""The advanced filter: rows of field, operator and value, all of which must hold.

"is blank" finds both kinds of blank Keap stores (NULL and the empty string);
"is not blank" finds neither. Dates are typed as ``YYYY-MM-DD`` and compared as
Keap's (Eastern) calendar days.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.contact_fields import FieldInfo, Kind
from app.core.records import Condition, Op, Value
from app.ui import palette

TEXT_OPS = [Op.CONTAINS, Op.EQUALS, Op.STARTS, Op.ENDS, Op.NE, Op.BLANK, Op.NOT_BLANK]
ORDERED_OPS = [Op.EQUALS, Op.LT, Op.LE, Op.GT, Op.GE, Op.NE, Op.BLANK, Op.NOT_BLANK]


def ops_for(info: FieldInfo) -> list[Op]:
    if info.kind in (Kind.DATE, Kind.DATETIME, Kind.INTEGER, Kind.USER):
        return ORDERED_OPS
    if info.custom is not None and info.custom.wire_type.value in ("Double", "Integer"):
        return ORDERED_OPS
    return TEXT_OPS


def parse_value(info: FieldInfo, text: str) -> Value:
    """The typed value of a condition; ValueError with a readable message."""
    text = text.strip()
    if info.kind in (Kind.DATE, Kind.DATETIME):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{info.label}: type a date as YYYY-MM-DD.") from None
    return text


class _Row:
    def __init__(self, dialog: FilterDialog, condition: Condition | None) -> None:
        self.field = QComboBox()
        for info in dialog.catalog:
            self.field.addItem(info.label, info.name)
        self.op = QComboBox()
        self.value = QLineEdit()
        self.value.setPlaceholderText("value")
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this condition")
        self._dialog = dialog
        self.field.currentIndexChanged.connect(lambda _i: self._field_changed())
        self.op.currentIndexChanged.connect(lambda _i: self._op_changed())
        start = condition.field if condition is not None else "LastName"
        self.field.setCurrentIndex(max(0, self.field.findData(start)))
        self._field_changed()
        if condition is not None:
            self.op.setCurrentIndex(max(0, self.op.findData(condition.op.value)))
            if condition.value is not None:
                self.value.setText(condition.value.isoformat() if isinstance(condition.value, date)
                                   else str(condition.value))

    def info(self) -> FieldInfo:
        return self._dialog.by_name[str(self.field.currentData())]

    def _field_changed(self) -> None:
        info = self.info()
        current = self.op.currentData()
        self.op.blockSignals(True)
        self.op.clear()
        for op in ops_for(info):
            self.op.addItem(op.words, op.value)
        self.op.setCurrentIndex(max(0, self.op.findData(current)))
        self.op.blockSignals(False)
        self.value.setPlaceholderText("YYYY-MM-DD" if info.kind in (Kind.DATE, Kind.DATETIME) else "value")
        self._op_changed()

    def _op_changed(self) -> None:
        self.value.setEnabled(Op(str(self.op.currentData())).needs_value)

    def condition(self) -> Condition:
        info = self.info()
        op = Op(str(self.op.currentData()))
        value = parse_value(info, self.value.text()) if op.needs_value else None
        return Condition(info.name, op, value)

    def widgets(self) -> list[QWidget]:
        return [self.field, self.op, self.value, self.remove]


class FilterDialog(QDialog):
    """Edits a list of conditions; read :meth:`conditions` after it is accepted."""

    def __init__(self, catalog: list[FieldInfo], conditions: tuple[Condition, ...],
                 parent: QWidget | None = None, *, refusal: Callable[[Condition], str] | None = None) -> None:
        super().__init__(parent)
        self._refusal = refusal  # what the connection's API cannot filter by (REST v2), said here
        self.setObjectName("filter_dialog")
        self.setWindowTitle("Filter contacts")
        self.catalog = [c for c in catalog if not c.locked]
        self.by_name = {c.name: c for c in self.catalog}
        self.rows: list[_Row] = []
        self._result: tuple[Condition, ...] = tuple(conditions)
        layout = QVBoxLayout(self)
        intro = QLabel("Show contacts that match <b>all</b> of these conditions. "
                       "“is blank” finds empty and never-set fields alike.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.grid = QGridLayout()
        layout.addLayout(self.grid)
        self.add_button = QPushButton("Add condition")
        self.add_button.clicked.connect(lambda: self.add_row(None))
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = QLabel()
        self.error.setStyleSheet(palette.text_style("error"))
        self.error.hide()
        layout.addWidget(self.error)
        layout.addStretch(1)
        ok_cancel = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok_cancel)
        self.clear_button = buttons.addButton("Clear all", QDialogButtonBox.ButtonRole.ResetRole)
        self.clear_button.clicked.connect(self.clear)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for condition in conditions:
            if condition.field in self.by_name:
                self.add_row(condition)
        if not self.rows:
            self.add_row(None)
        self.resize(640, 240)

    def add_row(self, condition: Condition | None) -> _Row:
        row = _Row(self, condition)
        index = len(self.rows)
        self.rows.append(row)
        for col, widget in enumerate(row.widgets()):
            self.grid.addWidget(widget, index, col)
        self.grid.setColumnStretch(2, 1)
        row.remove.clicked.connect(lambda: self.remove_row(row))
        return row

    def remove_row(self, row: _Row) -> None:
        self.rows.remove(row)
        for widget in row.widgets():
            self.grid.removeWidget(widget)
            widget.deleteLater()
        for index, other in enumerate(self.rows):
            for col, widget in enumerate(other.widgets()):
                self.grid.addWidget(widget, index, col)

    def clear(self) -> None:
        for row in list(self.rows):
            self.remove_row(row)

    def accept(self) -> None:  # QDialog.accept override: validate first
        try:
            self._result = tuple(row.condition() for row in self.rows)
        except ValueError as err:
            self.error.setText(str(err))
            self.error.show()
            return
        refusals = [r for c in self._result if self._refusal is not None and (r := self._refusal(c))]
        if refusals:  # say it before anything is sent, and keep the user's conditions
            self.error.setText(refusals[0])
            self.error.show()
            return
        super().accept()

    def conditions(self) -> tuple[Condition, ...]:
        return self._result
