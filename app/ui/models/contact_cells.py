"""What each cell of the contacts table shows, and how fast: the half of
:class:`~app.ui.models.contacts.ContactsModel` that Qt calls on every paint.

A mixin, so the model's loading (app/ui/models/contacts.py) and its cells live in modules of
their own while Qt still sees one model: ``data``, ``multiData``, ``flags`` and ``headerData``
are the model's overrides. Display texts are made when a row is first painted and kept for
the rows being painted only (:data:`TEXT_CACHE_ROWS`); the model forgets a row's texts when
its values change.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from app.core.contact_fields import FieldInfo, Kind
from app.core.display import display_text, eastern_text
from app.core.row_store import RowStore
from app.ui import palette
from app.ui.models.roles import Role

Index = QModelIndex | QPersistentModelIndex

_NUMERIC = (Kind.INTEGER,)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
#: Roles whose answer for a loaded cell is its text or nothing (multiData's short cut).
_TEXT_ONLY_ROLES = frozenset({_DISPLAY, int(Qt.ItemDataRole.ForegroundRole)})
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_WAITING_FLAGS = Qt.ItemFlag.ItemIsEnabled
_LOADED_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
#: Roles this model never answers; the delegate asks for them on every paint.
_UNUSED_ROLES = frozenset(int(r) for r in (
    Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.StatusTipRole,
    Qt.ItemDataRole.WhatsThisRole, Qt.ItemDataRole.SizeHintRole,
))
#: Rows whose display texts are kept (a few screens' worth; the oldest go first).
TEXT_CACHE_ROWS = 2000
#: What a row waiting for its page shows in a sparse table.
WAITING = "…"


class ContactCells:
    """The cells of a table of packed rows (see the module docstring). The model sets the
    attributes below; a row without its page shows "Loading…" or the load's error."""

    _store: RowStore
    _columns: list[FieldInfo]
    _text: dict[int, list[str]]  # display texts per row, made when first painted
    _sparse: bool
    _error: str | None

    def flags(self, index: Index) -> Qt.ItemFlag:  # QAbstractItemModel.flags override
        if not index.isValid():
            return _NO_FLAGS
        return _LOADED_FLAGS if self._store.is_loaded(index.row()) else _WAITING_FLAGS

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # QAbstractItemModel override
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{column.label} ({column.name}). Click to sort on the server."
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # override
        if role in _UNUSED_ROLES or not index.isValid():
            return None
        return self._cell(index.row(), index.column(), role)

    def multiData(self, index: Index, roleDataSpan: Any) -> None:  # QAbstractItemModel override
        """All roles of one cell in one call: the item delegate paints through this.

        A repaint asks ~7 roles of every visible cell; one Python call per cell instead
        of seven keeps painting short even while worker threads compete for the GIL.
        """
        valid = index.isValid()
        row, col = index.row(), index.column()
        # the text of a loaded cell without _cell's checks: asked for every cell of every paint
        text = None
        if valid and 0 <= col < len(self._columns) and self._store.is_loaded(row):
            texts = self._text.get(row) or self._texts(row)
            text = texts[col] if col < len(texts) else None
        for i in range(len(roleDataSpan)):
            slot = roleDataSpan[i]
            role = slot.role()
            if not valid or role in _UNUSED_ROLES:
                value = None
            elif text is not None and role in _TEXT_ONLY_ROLES:
                value = text if role == _DISPLAY else None
            else:
                value = self._cell(row, col, role)
            if value is None:
                slot.clearData()
            else:
                slot.setData(value)

    def _cell(self, row: int, col: int, role: int) -> Any:
        if not 0 <= col < len(self._columns):
            return None
        store = self._store
        if not store.is_loaded(row):
            return self._placeholder_data(col, role)
        if role == Qt.ItemDataRole.DisplayRole:
            texts = self._text.get(row)
            if texts is None:
                texts = self._texts(row)
            return texts[col] if col < len(texts) else None
        column = self._columns[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.kind in _NUMERIC or isinstance(store.value(row, column.name), int | float):
                return _RIGHT
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return None
        value = store.value(row, column.name)
        if role == Qt.ItemDataRole.ToolTipRole:
            return None if column.date_only else (eastern_text(value) or None)
        if role == Role.IdRole:
            return store.contact_id(row)
        if role == Role.RecordRole:
            return store.record(row)
        if role == Role.SortKeyRole:
            return value
        if role == Role.PlaceholderRole:
            return False
        return None

    def _texts(self, row: int) -> list[str]:
        """The row's display texts, cached for the rows being painted (at most
        :data:`TEXT_CACHE_ROWS`: scrolling through 250,000 rows must not keep them all)."""
        if len(self._text) >= TEXT_CACHE_ROWS:
            del self._text[next(iter(self._text))]
        store = self._store
        texts = self._text[row] = [display_text(store.value(row, c.name), date_only=c.date_only)
                                   for c in self._columns]
        return texts

    def _placeholder_data(self, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col != 0:
                return ""
            if self._sparse:  # one of many rows waiting: a mark that fits the narrow Id column
                return "!" if self._error else WAITING
            return f"Could not load more rows: {self._error}" if self._error else "Loading…"
        if role == Qt.ItemDataRole.ToolTipRole and self._sparse:
            return f"Could not load these rows: {self._error}" if self._error else "Loading…"
        if role == Qt.ItemDataRole.ForegroundRole:
            return palette.brush("error" if self._error else "muted")
        if role == Role.PlaceholderRole:
            return True
        if role == Role.ErrorRole:
            return self._error
        return None
