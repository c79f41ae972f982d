"""Help: the user guide, About (versions, protocol, folders), the keyboard shortcuts, the
log folder's path.

Everything here is text the user can select and copy: support asks for versions and
paths, and a machine without a file manager still needs to find the log.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import __version__

DOCS_URL_TEXT = ("Help > TagDesk user guide; in a source folder also README.md and docs/ "
                 "(docs/rest-migration.md: moving from XML-RPC to REST v2)")


def _selectable(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _closable(dialog: QDialog, layout: QVBoxLayout) -> None:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)


def about_text(protocol: str | None, data_dir: Path | None, log_dir: Path | None) -> str:
    """What About shows, as plain lines (tested; the dialog shows the same)."""
    connection = {"rest": "REST v2", "xmlrpc": "XML-RPC"}.get(protocol or "", "not connected")
    return "\n".join([
        f"TagDesk {__version__}",
        "A desktop workbench for Keap (Infusionsoft) contacts and tags.",
        "",
        f"Connection: {connection}",
        f"Qt {qVersion()}, PySide6 {PySide6.__version__}, Python {platform.python_version()} "
        f"({sys.platform})",
        f"Data folder (journal, demo): {data_dir or 'not set'}",
        f"Log folder: {log_dir or 'not logging to a file in this run'}",
        f"Documentation: {DOCS_URL_TEXT}",
    ])


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("About TagDesk")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        self.text = _selectable(text, self)
        layout.addWidget(self.text)
        _closable(self, layout)


class ShortcutsDialog(QDialog):
    """Every action of the window that has a shortcut, as the menus name it."""

    def __init__(self, parent: QWidget | None, actions: list[QAction]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(460, 420)
        rows = sorted({(a.text().replace("&", "").rstrip("…"), a.shortcut().toString())
                       for a in actions if not a.shortcut().isEmpty()})
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Command", "Shortcut"])
        self.table.verticalHeader().hide()
        for row, (name, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        _closable(self, layout)


class GuideDialog(QDialog):
    """The user guide (docs/desktop-app.md), rendered from its Markdown, offline."""

    def __init__(self, parent: QWidget | None, path: Path) -> None:
        super().__init__(parent)
        self.setWindowTitle("TagDesk user guide")
        self.resize(820, 680)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(path.parent)])  # its screenshots/ images
        self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        _closable(self, layout)


class PathDialog(QDialog):
    """A folder the system could not open: its path, to copy."""

    def __init__(self, parent: QWidget | None, title: str, path: Path) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("This computer has no program to open folders. The folder is:", self))
        self.path = _selectable(str(path), self)
        layout.addWidget(self.path)
        _closable(self, layout)
