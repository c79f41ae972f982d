"""Choose and order the contact table's columns: standard fields and custom fields by label."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.contact_fields import DEFAULT_COLUMNS, FieldInfo


class ColumnsDialog(QDialog):
    """Ticked fields are shown, in list order. Read :meth:`chosen` after it is accepted."""

    def __init__(self, catalog: list[FieldInfo], chosen: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("columns_dialog")
        self.setWindowTitle("Columns")
        self._catalog = [c for c in catalog if not c.locked]
        layout = QVBoxLayout(self)
        note = QLabel("Tick the fields to show; drag or use the buttons to order them. "
                      "Custom fields are listed by their labels.")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a field…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        layout.addWidget(self.search)
        row = QHBoxLayout()
        self.list = QListWidget()
        self.list.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        row.addWidget(self.list, 1)
        side = QVBoxLayout()
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.reset_button = QPushButton("Defaults")
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.reset_button.clicked.connect(lambda: self._fill(list(DEFAULT_COLUMNS)))
        for button in (self.up_button, self.down_button, self.reset_button):
            side.addWidget(button)
        side.addStretch(1)
        row.addLayout(side)
        layout.addLayout(row)
        ok_cancel = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok_cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._fill(chosen)
        self.resize(420, 520)

    def _fill(self, chosen: list[str]) -> None:
        self.list.clear()
        by_name = {c.name: c for c in self._catalog}
        ordered = [by_name[n] for n in chosen if n in by_name]
        ordered += [c for c in self._catalog if c.name not in chosen]
        for info in ordered:
            label = f"{info.label}   (custom)" if info.custom is not None else info.label
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            item.setToolTip(info.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if info.name in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)

    def _filter(self, text: str) -> None:
        needle = text.casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)

    def set_checked(self, name: str, checked: bool) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def labels(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def chosen(self) -> list[str]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out or ["Id"]
