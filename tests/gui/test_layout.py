"""The window fits: the table gets the room, the form never needs a horizontal scroll bar,
every tab is reachable, and the details pane can be put away (remembered)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.ui.main_window import MainWindow
from app.ui.panes.contact_form import TWO_COLUMNS_FROM
from app.ui.panes.workspace import DETAILS_KEY, default_sizes
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import (
    WAIT,
    MemorySettings,
    close_window,
    open_window,
    select_row,
    wait_loaded,
)


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, demo_sandbox: Any) -> Iterator[MainWindow]:
    w = open_window(qtbot, runner, demo_sandbox)
    w.show()
    yield w
    close_window(runner, w)


@pytest.mark.parametrize("width", [1024, 1280, 1600])
def test_the_contacts_table_gets_the_most_room(width: int) -> None:
    tags, contacts, details = default_sizes(width)
    assert contacts > details and contacts > tags and tags + contacts + details == width


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_the_form_never_needs_a_horizontal_scroll_bar(qtbot: QtBot, window: MainWindow,
                                                      size: tuple[int, int]) -> None:
    window.resize(*size)
    contact_id = select_row(window, 0)
    wait_loaded(qtbot, window, contact_id)
    form = window.editor.form
    qtbot.waitUntil(lambda: form.widget() is not None and form.viewport().width() > 0, timeout=WAIT)
    body = form.widget()
    assert body is not None
    qtbot.waitUntil(lambda: body.minimumSizeHint().width() <= form.viewport().width(), timeout=WAIT)
    assert form.horizontalScrollBar().maximum() == 0
    form.resize(TWO_COLUMNS_FROM + 200, 600)  # a wide pane: the groups' two columns come back
    qtbot.waitUntil(lambda: form._layout == "columns", timeout=WAIT)


def test_every_tab_is_reachable_from_the_tab_menu(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtWidgets import QToolButton

    tabs = window.workspace.tabs
    button = tabs.cornerWidget()
    assert isinstance(button, QToolButton) and button.menu() is not None
    menu = button.menu()
    menu.aboutToShow.emit()
    titles = [a.text() for a in menu.actions()]
    assert titles == [tabs.tabText(i) for i in range(tabs.count())] and "Email status" in titles
    menu.actions()[-1].trigger()
    assert tabs.currentIndex() == tabs.count() - 1


def test_the_details_pane_can_be_hidden_and_stays_hidden(qtbot: QtBot, runner: TaskRunner,
                                                         demo_sandbox: Any) -> None:
    settings = MemorySettings()
    first = open_window(qtbot, runner, demo_sandbox, settings)
    first.show()
    assert first.act_details.isChecked() and first.workspace.tabs.isVisible()
    first.act_details.trigger()
    assert not first.workspace.tabs.isVisible() and settings.value(DETAILS_KEY) is False
    close_window(runner, first)
    again = open_window(qtbot, runner, demo_sandbox, settings)
    again.show()
    assert not again.workspace.tabs.isVisible() and not again.act_details.isChecked()
    close_window(runner, again)
