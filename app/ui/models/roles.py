"""Custom item-data roles, declared once; delegates and views read these, never internals."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import Qt


class Role(IntEnum):
    """Roles of the contacts model (and later list models)."""

    IdRole = Qt.ItemDataRole.UserRole + 1  # the record's Id (int), None on a placeholder row
    RecordRole = Qt.ItemDataRole.UserRole + 2  # the whole row as a dict
    SortKeyRole = Qt.ItemDataRole.UserRole + 3  # the raw value of the cell
    ErrorRole = Qt.ItemDataRole.UserRole + 4  # the error text on an error placeholder, else None
    PlaceholderRole = Qt.ItemDataRole.UserRole + 5  # True on the "Loading…" row
