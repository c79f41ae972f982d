"""A small, fully loaded, read-only table of records, described by its columns.

Every list that shows plain records (dataclasses) in a table uses this model: the
record tabs, the contact's tags, the tag health lists and the bulk job report. A
:class:`Column` says how a record becomes a cell; the model adds the custom roles
(:class:`~app.ui.models.roles.Role`) so views, proxies and tests read records the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from app.ui import palette
from app.ui.models.roles import Role

Index = QModelIndex | QPersistentModelIndex
def warn_brush() -> QBrush:
    return palette.brush("warn_cell")


@dataclass(frozen=True)
class Column:
    """One column: its title, the text of a cell, and optional extras."""

    title: str
    text: Callable[[Any], str]
    sort_key: Callable[[Any], object] | None = None
    right: bool = False  # numbers and money
    tooltip: Callable[[Any], str | None] | None = None
    warn: Callable[[Any], bool] | None = None  # shown in the warning colour
    stretch: bool = False  # takes the width left over


class RecordTableModel(QAbstractTableModel):
    """A small, fully loaded, read-only list of records (dataclasses)."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []
        self.decoration: Callable[[Any, int], object] | None = None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def record_id(self, record: Any) -> object:
        """The id the IdRole reports; records without an ``id`` override this."""
        return getattr(record, "id", None)

    def refresh_decorations(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.columns) - 1),
                                  [Qt.ItemDataRole.DecorationRole])

    # -- QAbstractTableModel overrides ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        record = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tooltip(record) if col.tooltip is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if col.right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return warn_brush() if col.warn is not None and col.warn(record) else None
        if role == Qt.ItemDataRole.DecorationRole:
            return self.decoration(record, index.column()) if self.decoration is not None else None
        if role == Role.RecordRole:
            return record
        if role == Role.IdRole:
            return self.record_id(record)
        if role == Role.SortKeyRole:
            return col.sort_key(record) if col.sort_key is not None else col.text(record)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return self.columns[section].title
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # never editable in place
