"""The main window's workspace on a real sandbox: search, filter, sort, columns, copy, export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.records import Op
from app.ui.dialogs.columns import ColumnsDialog
from app.ui.dialogs.filter import FilterDialog
from app.ui.main_window import MainWindow
from app.ui.panes.contacts import profile_key
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import WAIT, MemorySettings, close_window, gui_protocol, like, open_window

SEARCH_FIELDS = ("FirstName", "LastName", "Company", "Email")

__all__ = ["gui_protocol"]  # autouse: every test runs over REST v2 and XML-RPC


@pytest.fixture
def settings() -> MemorySettings:
    return MemorySettings()


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, demo_sandbox: Any,
           settings: MemorySettings) -> Iterator[MainWindow]:
    w = open_window(qtbot, runner, demo_sandbox, settings)
    yield w
    close_window(runner, w)


def wait_idle(qtbot: QtBot, window: MainWindow) -> None:
    """Rows are in and nothing is loading (over REST the total is known only at the end)."""
    model = window.contacts.model
    qtbot.waitUntil(lambda: (model.total is not None or model.loaded > 0) and not model.loading, timeout=WAIT)


def fetch_everything(qtbot: QtBot, window: MainWindow) -> None:
    model = window.contacts.model
    model.fetch_all()
    qtbot.waitUntil(lambda: model.total is not None and model.loaded == model.total and not model.loading,
                    timeout=WAIT)


def test_welcome_page_emits_intents_and_title(qtbot: QtBot, runner: TaskRunner) -> None:
    from app.ui.errors import ErrorPresenter

    window = MainWindow(runner, ErrorPresenter(interactive=False), settings=MemorySettings())
    qtbot.addWidget(window)
    assert window.windowTitle() == "TagDesk"
    assert window.stack.currentWidget() is window.welcome
    with qtbot.waitSignal(window.connect_requested, timeout=1000):
        window.welcome.connect_button.click()
    with qtbot.waitSignal(window.demo_requested, timeout=1000):
        window.welcome.demo_button.click()
    with qtbot.waitSignal(window.manage_connections_requested, timeout=1000):
        window.act_connections.trigger()
    assert not window.toolbar.isVisibleTo(window)


def test_total_count_shows_in_the_status_bar(qtbot: QtBot, window: MainWindow, demo_sandbox: Any,
                                             gui_protocol: str) -> None:
    total = demo_sandbox.store.count("Contact")
    assert window.windowTitle().startswith("TagDesk — ")
    label = window.status.count_label
    if gui_protocol == "rest":  # no count over REST: rows so far, the total once the last page is in
        assert window.contacts.model.total is None
        qtbot.waitUntil(lambda: label.text().endswith("+ contacts"), timeout=WAIT)
        assert "does not count" in label.toolTip()
        fetch_everything(qtbot, window)
    assert window.contacts.model.total == total
    qtbot.waitUntil(lambda: f"{total:,} contacts" in label.text(), timeout=WAIT)
    assert "Demo account" in window.status.connection_label.text()
    assert window.status.connection_label.text().endswith("REST v2" if gui_protocol == "rest" else "XML-RPC")
    assert "calls today" in window.status.quota_label.text()
    tabs = window.workspace.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "Details", "Tags", "Opportunities", "Orders", "Subscriptions", "Invoices", "Linked contacts",
        "Email status"]
    panes = window.workspace.session_panes
    assert panes is not None and window.workspace.splitter.widget(0) is panes.tags_pane


@pytest.mark.xmlrpc_only
def test_search_box_is_debounced_and_ors_fields(qtbot: QtBot, window: MainWindow, demo_sandbox: Any) -> None:
    model = window.contacts.model
    expected = {r["Id"] for r in demo_sandbox.store.rows("Contact")
                if any(like(r[f], "son") for f in SEARCH_FIELDS)}
    with qtbot.waitSignal(model.query_changed, timeout=WAIT) as blocker:
        qtbot.keyClicks(window.contacts.search, "son")
    assert blocker.args[0].text == "son"  # one query for the three keystrokes
    wait_idle(qtbot, window)
    assert model.total == len(expected)
    model.fetch_all()
    qtbot.waitUntil(lambda: model.loaded == model.total and not model.loading, timeout=WAIT)
    assert {model.contact_id(r) for r in range(model.loaded)} == expected


@pytest.mark.xmlrpc_only
def test_filter_dialog_is_blank_finds_null_and_empty(qtbot: QtBot, window: MainWindow,
                                                     demo_sandbox: Any) -> None:
    stored = demo_sandbox.store.rows("Contact")
    blank = {r["Id"] for r in stored if r["_ReferralSource"] in (None, "")}
    assert any(r["_ReferralSource"] is None for r in stored)
    assert any(r["_ReferralSource"] == "" for r in stored)
    dialog = window.contacts.open_filter_dialog()
    assert isinstance(dialog, FilterDialog) and dialog.isVisible()
    row = dialog.rows[0]
    row.field.setCurrentIndex(row.field.findText("Referral Source"))
    row.op.setCurrentIndex(row.op.findData(Op.BLANK.value))
    assert not row.value.isEnabled()
    with qtbot.waitSignal(window.contacts.model.query_changed, timeout=WAIT):
        dialog.accept()
    wait_idle(qtbot, window)
    assert window.contacts.model.total == len(blank)
    assert window.contacts.filter_bar.isVisibleTo(window)
    assert "Referral Source is blank" in window.contacts.filter_label.text()
    window.contacts.clear_filter_button.click()
    wait_idle(qtbot, window)
    assert window.contacts.model.total == len(stored)


def test_filter_dialog_refuses_a_bad_date(qtbot: QtBot, window: MainWindow) -> None:
    dialog = window.contacts.open_filter_dialog()
    assert dialog is not None
    row = dialog.rows[0]
    row.field.setCurrentIndex(row.field.findData("LastUpdated"))  # a date both protocols filter by
    row.op.setCurrentIndex(row.op.findData(Op.GE.value))
    row.value.setText("last tuesday")
    dialog.accept()
    assert dialog.isVisible() and "YYYY-MM-DD" in dialog.error.text()
    row.value.setText("2021-01-01")
    with qtbot.waitSignal(window.contacts.model.query_changed, timeout=WAIT):
        dialog.accept()


@pytest.mark.xmlrpc_only
def test_clicking_a_header_sorts_on_the_server(qtbot: QtBot, window: MainWindow) -> None:
    model = window.contacts.model
    header = window.contacts.view.horizontalHeader()
    column = [c.name for c in model.columns].index("LastName")
    with qtbot.waitSignal(model.query_changed, timeout=WAIT):
        window.contacts.view.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    wait_idle(qtbot, window)
    assert (model.query.order_by, model.query.ascending) == ("LastName", True)
    names = [(model.record(r) or {}).get("LastName", "") for r in range(model.loaded)]
    assert names == sorted(names, key=str.casefold)
    with qtbot.waitSignal(model.query_changed, timeout=WAIT):
        window.contacts.view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    wait_idle(qtbot, window)
    assert header.sortIndicatorSection() == column
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert model.query.ascending is False


def test_column_chooser_lists_custom_fields_by_label_and_remembers(
        qtbot: QtBot, window: MainWindow, settings: MemorySettings, runner: TaskRunner,
        demo_sandbox: Any) -> None:
    dialog = window.contacts.open_columns_dialog()
    assert isinstance(dialog, ColumnsDialog)
    labels = dialog.labels()
    assert any(label.startswith("Lead Score") for label in labels)
    assert not any(label.startswith("SSN") for label in labels)  # cannot be read: never a column
    assert "E-mail" in labels and "_LeadScore" not in labels
    dialog.set_checked("_LeadScore", True)
    dialog.set_checked("LastUpdated", False)
    with qtbot.waitSignal(window.contacts.model.modelReset, timeout=WAIT):
        dialog.accept()
    wait_idle(qtbot, window)
    names = [c.name for c in window.contacts.model.columns]
    assert "_LeadScore" in names and "LastUpdated" not in names
    header = window.contacts.model.headerData(names.index("_LeadScore"), Qt.Orientation.Horizontal)
    assert header == "Lead Score"
    assert settings.data[profile_key("Test account", "columns")] == names
    # a new window on the same profile shows the same columns
    other = open_window(qtbot, runner, demo_sandbox, settings)
    try:
        assert [c.name for c in other.contacts.model.columns] == names
    finally:
        close_window(runner, other)


def test_copy_puts_selected_cells_on_the_clipboard_tab_separated(qtbot: QtBot, window: MainWindow) -> None:
    view, model = window.contacts.view, window.contacts.model
    selection = view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select
    for row in (0, 1):
        for col in (1, 2):
            selection.select(model.index(row, col), flags)
    window.contacts.view.setFocus()
    window.act_copy.trigger()
    text = QApplication.clipboard().text()
    lines = text.split("\n")
    assert len(lines) == 2 and all(line.count("\t") == 1 for line in lines)
    assert lines[0].split("\t")[0] == model.index(0, 1).data()


def test_export_csv_writes_every_row_with_progress(qtbot: QtBot, window: MainWindow, tmp_path: Path,
                                                   demo_sandbox: Any) -> None:
    path = tmp_path / "contacts.csv"
    with qtbot.waitSignal(window.workspace.export_finished, timeout=30_000) as blocker:
        window.export_csv(path)
        assert window.status.progress.isVisibleTo(window)
    assert blocker.args[0] == demo_sandbox.store.count("Contact")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [c.label for c in window.contacts.model.columns]
    assert len(rows) == blocker.args[0] + 1
    assert not window.status.progress.isVisibleTo(window)


def test_export_cancel_leaves_no_file(qtbot: QtBot, runner: TaskRunner, sandbox: Any, tmp_path: Path) -> None:
    window = open_window(qtbot, runner, sandbox)
    try:
        sandbox.set_faults("slow=1.0:300")
        path = tmp_path / "cancelled.csv"
        window.export_csv(path)
        assert window.status.cancel_button.isVisibleTo(window)
        with qtbot.waitSignal(window.workspace.export_finished, timeout=WAIT) as blocker:
            window.status.cancel_button.click()
        assert blocker.args[0] is None
        runner.wait_idle()
        assert not path.exists() and list(tmp_path.iterdir()) == []
    finally:
        sandbox.set_faults("")
        close_window(runner, window)


def test_a_failed_page_offers_retry_in_the_status_bar(qtbot: QtBot, runner: TaskRunner, sandbox: Any) -> None:
    window = open_window(qtbot, runner, sandbox)
    try:
        sandbox.set_faults("http503=1.0")
        window.refresh()
        # no waiting for calls still in flight: one that fails after Retry is covered by that Retry
        qtbot.waitUntil(lambda: window.status.retry_button.isVisibleTo(window), timeout=WAIT)
        assert "unavailable" in window.status.error_label.toolTip()
        sandbox.set_faults("")
        window.status.retry_button.click()
        qtbot.waitUntil(lambda: window.contacts.model.loaded > 0 and not window.contacts.model.loading,
                        timeout=WAIT)
        assert not window.status.error_label.isVisibleTo(window)
    finally:
        sandbox.set_faults("")
        close_window(runner, window)


def test_rest_search_matches_starts_and_the_hint_says_so(qtbot: QtBot, window: MainWindow, demo_sandbox: Any,
                                                         gui_protocol: str) -> None:
    if gui_protocol != "rest":
        assert "company" in window.contacts.search.placeholderText()
        return
    assert "starting with" in window.contacts.search.placeholderText()
    assert "not Omar" in window.contacts.search.toolTip()
    model = window.contacts.model
    expected = {r["Id"] for r in demo_sandbox.store.rows("Contact")
                if any((r[f] or "").lower().startswith("mar")
                       for f in ("FirstName", "LastName", "Email", "EmailAddress2", "EmailAddress3"))}
    with qtbot.waitSignal(model.query_changed, timeout=WAIT):
        qtbot.keyClicks(window.contacts.search, "mar")
    wait_idle(qtbot, window)
    fetch_everything(qtbot, window)
    assert {model.contact_id(r) for r in range(model.loaded)} == expected


def test_rest_says_what_it_cannot_filter_or_sort(qtbot: QtBot, window: MainWindow, gui_protocol: str) -> None:
    if gui_protocol != "rest":
        return
    model = window.contacts.model
    column = [c.name for c in model.columns].index("LastName")
    window.contacts.view.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    assert model.query.order_by == "Id"  # unchanged: REST cannot sort by last name
    assert "sort contacts by Id" in window.statusBar().currentMessage()
    assert window.contacts.view.horizontalHeader().sortIndicatorSection() != column
    email = [c.name for c in model.columns].index("Email")
    with qtbot.waitSignal(model.query_changed, timeout=WAIT):
        window.contacts.view.sortByColumn(email, Qt.SortOrder.DescendingOrder)
    wait_idle(qtbot, window)
    assert (model.query.order_by, model.query.ascending) == ("Email", False)
    dialog = window.contacts.open_filter_dialog()
    assert dialog is not None
    row = dialog.rows[0]
    row.field.setCurrentIndex(row.field.findText("Referral Source"))
    row.op.setCurrentIndex(row.op.findData(Op.BLANK.value))
    before = model.query
    dialog.accept()  # refused in the dialog, before anything is sent; the condition stays there
    assert dialog.isVisible() and dialog.error.isVisibleTo(dialog)
    assert "REST API cannot filter" in dialog.error.text() and "is blank" in dialog.error.text()
    assert model.query == before
    row.op.setCurrentIndex(row.op.findData(Op.STARTS.value))
    row.value.setText("Goo")
    with qtbot.waitSignal(model.query_changed, timeout=WAIT):
        dialog.accept()
    assert not dialog.isVisible() and model.query.conditions[0].op is Op.STARTS


def test_the_contacts_table_marks_its_paints_for_the_workers(qtbot: QtBot, window: MainWindow,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers step aside while the table paints (app/core/gui_priority.py): every cell the
    paint asks for is asked with the paint marked, and the mark is gone afterwards."""
    from app.core import gui_priority

    wait_idle(qtbot, window)
    window.show()
    qtbot.waitExposed(window)
    model = window.contacts.model
    marked: list[bool] = []
    cell = model._cell
    monkeypatch.setattr(model, "_cell", lambda *a: marked.append(gui_priority.gui_is_working()) or cell(*a))
    view = window.contacts.view
    view.grab()  # a paint of the whole view, now
    assert marked and all(marked)
    assert not gui_priority.gui_is_working()
