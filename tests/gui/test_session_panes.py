"""The session's panes work together: a tag selection filters the table, menus reach the tag jobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.cancel import CancelToken
from app.ui.dialogs.bulk_tags import BulkTagsDialog
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import WAIT, close_window, gui_protocol, open_window, panes_of

__all__ = ["gui_protocol"]  # autouse: every test runs over REST v2 and XML-RPC


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, demo_sandbox: Any) -> Iterator[MainWindow]:
    w = open_window(qtbot, runner, demo_sandbox)
    yield w
    close_window(runner, w)


def members(sb: Any) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for row in sb.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"]):
        out.setdefault(int(row["GroupId"]), set()).add(int(row["ContactId"]))
    return out


def test_selecting_tags_filters_the_contacts(qtbot: QtBot, window: MainWindow, demo_sandbox: Any) -> None:
    tagged = members(demo_sandbox)
    a, b = sorted(tagged, key=lambda t: len(tagged[t]), reverse=True)[:2]
    pane, model = panes_of(window).tags_pane, window.contacts.model
    pane.set_mode("all")
    pane.select_tags([a, b])
    assert model.query.tag_ids == (a, b) and model.query.tag_mode == "all"
    qtbot.waitUntil(lambda: model.total is not None, timeout=WAIT)
    assert model.total == len(tagged[a] & tagged[b])
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT)
    shown = {model.contact_id(r) for r in range(model.loaded)}
    assert shown <= tagged[a] & tagged[b]
    pane.select_tags([])
    assert model.query.tag_ids == ()
    model.fetch_all()  # over REST the total is known once every page is in
    qtbot.waitUntil(lambda: model.total is not None and not model.loading, timeout=WAIT)
    assert model.total == len(demo_sandbox.store.rows("Contact", fields=["Id"]))


def test_every_tab_follows_the_selected_contact(qtbot: QtBot, window: MainWindow) -> None:
    view = window.contacts.view
    view.setCurrentIndex(window.contacts.model.index(2, 1))
    contact_id = window.contacts.current_contact_id()
    panes = panes_of(window)
    assert panes.tags_tab.contact_id == contact_id
    assert all(tab.contact_id == contact_id for _t, tab in panes.record_tabs)  # type: ignore[attr-defined]


def test_bulk_tags_on_the_search_covers_exactly_the_search(qtbot: QtBot, window: MainWindow,
                                                           demo_sandbox: Any, gui_protocol: str) -> None:
    # XML-RPC finds text anywhere, REST at the start of a name or address
    text = "gmail" if gui_protocol == "xmlrpc" else "mar"
    window.contacts.search.setText(text)
    window.contacts.apply_search()
    model = window.contacts.model
    qtbot.waitUntil(lambda: model.query.text == text and not model.loading, timeout=WAIT)
    model.fetch_all()
    qtbot.waitUntil(lambda: not model.loading and model.total is not None, timeout=WAIT)
    window.act_tags_search.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, BulkTagsDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    try:
        ids = dialog.scope.resolve(panes_of(window).session.tags, CancelToken())
        rows = demo_sandbox.store.rows("Contact", fields=["Id", "Email", "FirstName"])
        if gui_protocol == "xmlrpc":
            expected = {int(r["Id"]) for r in rows if "gmail" in str(r.get("Email") or "").lower()}
        else:
            expected = {int(r["Id"]) for r in rows if str(r.get("FirstName") or "").lower().startswith("mar")}
        assert expected and expected <= set(ids)
        assert len(ids) == model.total
    finally:
        dialog.close()


def test_bulk_tags_on_selection_needs_a_selection(qtbot: QtBot, window: MainWindow) -> None:
    presenter = window.presenter_for_tests  # type: ignore[attr-defined]
    window.contacts.view.clearSelection()
    with qtbot.waitSignal(presenter.status_message, timeout=WAIT) as blocker:
        window.act_tags_selected.trigger()
    assert "Select one or more contacts" in blocker.args[0]


def test_an_active_tag_filter_shows_in_the_filter_bar_and_names_the_bulk_scope(
        qtbot: QtBot, window: MainWindow, demo_sandbox: Any) -> None:
    tagged = members(demo_sandbox)
    tag = max(tagged, key=lambda t: len(tagged[t]))
    name = next(r["GroupName"] for r in demo_sandbox.store.rows("ContactGroup") if r["Id"] == tag).strip()
    pane, contacts = panes_of(window).tags_pane, window.contacts
    pane.set_mode("any")
    pane.select_tags([tag])
    assert contacts.filter_bar.isVisibleTo(window)
    assert f"with any of \u201c{name}\u201d" in contacts.filter_label.text()
    window.act_tags_search.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, BulkTagsDialog) and w.isVisible()]
    assert len(dialogs) == 1
    assert dialogs[0].scope.description == f"contacts with any of \u201c{name}\u201d"
    dialogs[0].close()
    contacts.clear_filter_button.click()  # clears the tag filter too, and the tag selection with it
    assert contacts.model.query.tag_ids == () and not contacts.filter_bar.isVisibleTo(window)
    assert pane.selected_tags() == []
