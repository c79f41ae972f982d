"""The contact form (the view of the Details tab): fields grouped as a person reads them.

Name, e-mail addresses, phones, the three addresses, company and owner, dates, more,
then the account's custom fields with editors chosen by data type, and the record's
read-only facts. The form knows the values it was loaded with, so it can say which
fields changed (:meth:`ContactForm.changes`) and put them back (:meth:`revert`).
"""

from __future__ import annotations

import math
from datetime import date, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.core import contact_fields as cf
from app.core.contact_fields import FieldInfo, Kind
from app.core.dates import from_api_date
from app.core.records import Row, User
from app.core.schema import CustomField
from app.ui.panes.field_editors import ChoiceEditor, FieldEditor, make_editor, user_options

#: Below this width (px) every group is one column of label + field; narrower than that
#: column needs, each label goes above its field. No horizontal scroll bar in a 1024-px window.
TWO_COLUMNS_FROM = 620


def same_value(info: FieldInfo, before: object, after: object) -> bool:
    """Whether an edited value equals the loaded one (blank is None or '')."""
    if before in (None, "") or after in (None, ""):
        return before in (None, "") and after in (None, "")
    if info.kind is Kind.DATE and isinstance(before, date | str):
        return from_api_date(before) == after
    if isinstance(before, datetime) and isinstance(after, datetime):
        return int(before.timestamp()) == int(after.timestamp())
    if isinstance(before, int | float) and isinstance(after, int | float):
        return math.isclose(float(before), float(after), abs_tol=1e-9)
    return str(before).strip() == str(after).strip()


def _short_label(group: str, label: str) -> str:
    """Inside "Shipping address", "Shipping city" reads as "City"."""
    prefix = group.split()[0] + " "
    if group.endswith("address") and label.startswith(prefix) and len(label) > len(prefix):
        rest = label[len(prefix):]
        return rest[0].upper() + rest[1:]
    return label


class ContactForm(QScrollArea):
    """Builds one editor per field; reports which changed.

    Signals:
        dirty_changed(bool): whether any field differs from what was loaded.
    """

    dirty_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contact_form")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.editors: dict[str, FieldEditor] = {}
        # each group's grid, its widest column count and its (label, editor) pairs: the form
        # goes to one column when narrow (a 1024-px window, a narrow details pane)
        self._grids: list[tuple[QGridLayout, int, list[tuple[QLabel, QWidget]]]] = []
        self._layout: str | None = None  # "columns", "one column" or "stacked"
        self._one_column_needs: int | None = None  # px, measured once per build
        self._original: Row = {}
        self._dirty = False
        self._build([], [])

    # -- building ----------------------------------------------------------------------------

    def _build(self, custom_fields: list[CustomField], users: list[User]) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        self.editors = {}
        self._grids = []
        for group in cf.FORM_GROUPS:
            infos = [cf.standard_field(n) for n in group.fields]
            layout.addWidget(self._group(group.title, infos, users, group.columns))
        custom = sorted(custom_fields, key=lambda c: c.label.casefold())
        if custom:
            infos = [cf.custom_field_info(c) for c in custom]
            layout.addWidget(self._group("Custom fields", infos, users, 1))
        record = [cf.standard_field(n) for n in cf.RECORD_FIELDS]
        layout.addWidget(self._group("Record (read-only)", record, users, 1))
        layout.addStretch(1)
        self.setWidget(body)
        self._layout = self._one_column_needs = None
        self._arrange()

    def _group(self, title: str, infos: list[FieldInfo], users: list[User], columns: int) -> QGroupBox:
        box = QGroupBox(title)
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        pairs: list[tuple[QLabel, QWidget]] = []
        for info in infos:
            editor = make_editor(info, users)
            editor.edited.connect(self._check_dirty)
            self.editors[info.name] = editor
            label = QLabel(_short_label(title, info.label))
            label.setBuddy(editor.widget)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            pairs.append((label, editor.widget))
        self._grids.append((grid, columns, pairs))
        return box

    def _arrange(self) -> None:
        """Lay the groups out in their columns; in one column, then labels above their fields,
        as the form gets narrower."""
        width = self.viewport().width()
        body = self.widget()
        if width >= TWO_COLUMNS_FROM or body is None:
            self._place("columns")
            return
        if self._layout == "stacked" and width < (self._one_column_needs or 0):
            return
        self._place("one column")
        needs = body.minimumSizeHint().width()  # labels beside fields: as wide as the widest pair
        if needs > width:
            self._one_column_needs = needs
            self._place("stacked")

    def _place(self, layout: str) -> None:
        if layout == self._layout:
            return
        self._layout = layout
        beside = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        above = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
        for grid, widest, pairs in self._grids:
            for label, widget in pairs:
                grid.removeWidget(label)
                grid.removeWidget(widget)
            for col in range(widest * 2):
                grid.setColumnStretch(col, 0)
            for i, (label, widget) in enumerate(pairs):
                if layout == "stacked":
                    label.setAlignment(above)
                    grid.addWidget(label, i * 2, 0)
                    grid.addWidget(widget, i * 2 + 1, 0)
                    grid.setColumnStretch(0, 1)
                    continue
                row, col = divmod(i, widest if layout == "columns" else 1)
                label.setAlignment(beside)
                grid.addWidget(label, row, col * 2)
                grid.addWidget(widget, row, col * 2 + 1)
                grid.setColumnStretch(col * 2 + 1, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # QWidget.resizeEvent override
        super().resizeEvent(event)
        self._arrange()

    def configure(self, custom_fields: list[CustomField], users: list[User]) -> None:
        """Rebuild for an account's custom fields and users (after connecting)."""
        self._build(custom_fields, users)
        self.set_record(self._original)

    def set_users(self, users: list[User]) -> None:
        owner = self.editors.get("OwnerID")
        if isinstance(owner, ChoiceEditor):
            owner.set_options(user_options(users))

    # -- values ------------------------------------------------------------------------------

    def load_fields(self) -> list[str]:
        """The fields to load for this form (never a locked one)."""
        return [n for n, ed in self.editors.items() if not ed.info.locked]

    def labels(self) -> dict[str, str]:
        return {n: ed.info.label for n, ed in self.editors.items()}

    def set_record(self, row: Row) -> None:
        self._original = dict(row)
        for name, editor in self.editors.items():
            editor.set_value(row.get(name))
        self._check_dirty()

    @property
    def original(self) -> Row:
        return dict(self._original)

    def editor(self, name: str) -> FieldEditor:
        return self.editors[name]

    def changes(self) -> dict[str, object]:
        """Editable fields whose value differs from the loaded one: name → new value (None = blank)."""
        out: dict[str, object] = {}
        for name, editor in self.editors.items():
            if not editor.editable:
                continue
            value = editor.value()
            if not same_value(editor.info, self._original.get(name), value):
                out[name] = value
        return out

    def problems(self) -> list[tuple[str, str]]:
        found = []
        for name, editor in self.editors.items():
            problem = editor.problem() if editor.editable else None
            if problem:
                found.append((name, problem))
        return found

    def revert(self) -> None:
        self.set_record(self._original)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _check_dirty(self) -> None:
        dirty = bool(self.changes())
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def focus_field(self, name: str) -> None:
        editor = self.editors.get(name)
        if editor is not None:
            self.ensureWidgetVisible(editor.widget)
            editor.focus()
