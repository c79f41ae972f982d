"""Help: the shortcut list, About with versions, protocol and folders, the log folder's path."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from app import __version__
from app.ui.dialogs.help import about_text
from app.ui.errors import ErrorPresenter
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import MemorySettings


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner) -> MainWindow:
    win = MainWindow(runner, ErrorPresenter(interactive=False), settings=MemorySettings())
    qtbot.addWidget(win)
    return win


def test_shortcuts_lists_every_command_with_keys(window: MainWindow) -> None:
    dialog = window.show_shortcuts()
    table = dialog.table
    shown = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert shown["Save"] == "Ctrl+S" and shown["Undo last edit"] == "Ctrl+Z"
    assert shown["Keyboard shortcuts"] == "F1" and shown["History of changes"] == "Ctrl+H"
    dialog.reject()


def test_about_shows_versions_protocol_and_folders(window: MainWindow, tmp_path: Path) -> None:
    window.data_dir = tmp_path / "data"
    dialog = window.about()
    text = dialog.text.text()
    assert f"TagDesk {__version__}" in text and f"Qt {qVersion()}" in text and "PySide6" in text
    assert str(tmp_path / "data") in text and "Connection: not connected" in text
    assert "REST v2" in about_text("rest", None, None) and "XML-RPC" in about_text("xmlrpc", None, None)
    dialog.reject()


def test_the_log_folder_path_is_shown_when_nothing_can_open_it(window: MainWindow, app_log: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: False))
    dialog = window.open_log_folder()
    assert dialog is not None and dialog.path.text() == str(app_log.parent)
    assert str(app_log.parent) in window.status.currentMessage()
    dialog.reject()


def test_the_user_guide_opens_offline_with_its_pictures(window: MainWindow) -> None:
    from PySide6.QtGui import QTextDocument

    assert window.act_guide.isEnabled()  # a checkout has docs/desktop-app.md
    dialog = window.show_guide()
    assert dialog is not None and window.active_dialog is dialog
    text = dialog.browser.toPlainText()
    assert "Connections and keys" in text and "The change journal" in text
    image = dialog.browser.document().resource(QTextDocument.ResourceType.ImageResource,
                                               QUrl("screenshots/main-1280x800.png"))
    assert image is not None and not image.isNull()  # found next to the guide
    dialog.close()
