"""One change path: whoever writes, the panes the write touched refresh, and only those.

Before it, refreshes after writes were wired by hand per dialog: a bulk apply from the
contacts' selection left the tag tree's counts stale, a tag applied in the contact's
Tags tab never reached the tree, and the window's Refresh did not count tags again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.core.cancel import CancelToken
from app.services.changes import Changes
from app.ui.dialogs.bulk_tags import open_bulk_tags
from app.ui.errors import ErrorPresenter
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import WAIT, close_window, gui_protocol, open_window, panes_of

__all__ = ["gui_protocol"]  # autouse: every test runs over REST v2 and XML-RPC


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, demo_sandbox: Any) -> Iterator[MainWindow]:
    w = open_window(qtbot, runner, demo_sandbox)  # tags and counts loaded
    w.show()  # tabs load only when visible
    yield w
    close_window(runner, w)


def members(sb: Any, tag: int) -> set[int]:
    return {int(r["ContactId"]) for r in sb.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"])
            if int(r["GroupId"]) == tag}


def small_tag(sb: Any) -> int:
    """A tag with a few members (so most contacts lack it)."""
    counts = {int(r["Id"]): len(members(sb, int(r["Id"]))) for r in sb.store.rows("ContactGroup")}
    return min((t for t, n in counts.items() if n >= 2), key=lambda t: (counts[t], t))


def in_thread(fn: Callable[[], Any]) -> None:
    """Write from another thread, as a job, the History dialog or the CLI-shaped code would."""
    worker = threading.Thread(target=fn)
    worker.start()
    worker.join(timeout=WAIT / 1000)


def test_a_bulk_apply_updates_the_tree_counts_and_the_tags_tab_once(
        qtbot: QtBot, window: MainWindow, demo_sandbox: Any, runner: TaskRunner) -> None:
    panes = panes_of(window)
    tree, tag = panes.tags_pane, small_tag(demo_sandbox)
    before = members(demo_sandbox, tag)
    assert tree.model.count_of(tag) == len(before)
    lacking = [int(r["Id"]) for r in demo_sandbox.store.rows("Contact", fields=["Id"])
               if int(r["Id"]) not in before][:13]
    window.contacts.select_contact(lacking[0])
    tab = panes.tags_tab
    window.workspace.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.contact_id == lacking[0] and tab.status.text().endswith(("tag", "tags")),
                    timeout=WAIT)
    assert tag not in tab.model.tag_ids()
    delivered: list[Changes] = []
    panes.changes.changed.connect(delivered.append)

    dialog = open_bulk_tags(window, runner, ErrorPresenter(interactive=False), panes.session.tags, lacking,
                            tag_ids=[tag])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.tag_model.checked() == [tag], timeout=WAIT)
    with qtbot.waitSignal(dialog.flow.planned, timeout=WAIT) as planned:
        dialog.start_dry_run()
    dialog.flow.confirm(f"{planned.args[0].calls:,}")
    with qtbot.waitSignal(dialog.flow.finished, timeout=WAIT):
        dialog.flow.run_plan()

    qtbot.waitUntil(lambda: tree.model.count_of(tag) == len(before) + 13, timeout=WAIT)
    assert members(demo_sandbox, tag) == before | set(lacking)
    qtbot.waitUntil(lambda: tag in tab.model.tag_ids(), timeout=WAIT)  # the open contact shows it
    assert len(delivered) == 1  # the job's 13 writes reached the panes as one change
    assert delivered[0].tag_members == {tag} and delivered[0].contact_tags == set(lacking)


def test_a_tag_applied_in_the_contacts_tab_reaches_the_tree_with_one_read(
        qtbot: QtBot, window: MainWindow, demo_sandbox: Any) -> None:
    panes = panes_of(window)
    tree, tag = panes.tags_pane, small_tag(demo_sandbox)
    before = members(demo_sandbox, tag)
    contact = next(int(r["Id"]) for r in demo_sandbox.store.rows("Contact", fields=["Id"])
                   if int(r["Id"]) not in before)
    window.contacts.select_contact(contact)
    tab = panes.tags_tab
    window.workspace.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.catalog is not None and tab.contact_id == contact, timeout=WAIT)
    tag_obj = tab.catalog.tag(tag)
    assert tag_obj is not None
    with qtbot.waitSignal(tree.counts_updated, timeout=WAIT):
        tab.apply(tag_obj)
    assert tree.model.count_of(tag) == len(before) + 1
    other = [t for t in tree.model.tags() if t.id != tag]
    assert all(t.member_count == tree.model.count_of(t.id) for t in other)  # the rest kept, not reread


def test_a_contact_changed_elsewhere_refreshes_its_row_and_the_open_editor(
        qtbot: QtBot, window: MainWindow) -> None:
    model, editor = window.contacts.model, window.editor
    contact = model.contact_id(1)
    assert contact is not None
    window.contacts.select_contact(contact)
    qtbot.waitUntil(lambda: editor.contact_id == contact and editor.mode == "contact", timeout=WAIT)
    service = panes_of(window).session.contacts
    in_thread(lambda: service.save(contact, {"FirstName": "Zelda"}, CancelToken()))  # e.g. an undo

    row = model.row_of(contact)
    assert row is not None
    qtbot.waitUntil(lambda: model.record(row) is not None and model.record(row).get("FirstName") == "Zelda",
                    timeout=WAIT)
    qtbot.waitUntil(lambda: editor.mode == "contact" and editor.form.original.get("FirstName") == "Zelda",
                    timeout=WAIT)


def test_unsaved_edits_survive_a_change_made_elsewhere(qtbot: QtBot, window: MainWindow) -> None:
    model, editor = window.contacts.model, window.editor
    contact = model.contact_id(2)
    assert contact is not None
    window.contacts.select_contact(contact)
    qtbot.waitUntil(lambda: editor.contact_id == contact and editor.mode == "contact", timeout=WAIT)
    edit = editor.form.editor("LastName").edit  # type: ignore[attr-defined]
    edit.selectAll()
    qtbot.keyClicks(edit, "Typed-but-not-saved")
    assert editor.dirty
    service = panes_of(window).session.contacts
    in_thread(lambda: service.save(contact, {"FirstName": "Elsewhere"}, CancelToken()))
    row = model.row_of(contact)
    assert row is not None
    qtbot.waitUntil(lambda: model.record(row).get("FirstName") == "Elsewhere", timeout=WAIT)  # type: ignore[union-attr]
    assert editor.dirty and editor.form.changes().get("LastName") == "Typed-but-not-saved"


def test_refresh_counts_the_tags_again(qtbot: QtBot, window: MainWindow, demo_sandbox: Any) -> None:
    tree, tag = panes_of(window).tags_pane, small_tag(demo_sandbox)
    before = members(demo_sandbox, tag)
    outsider = next(int(r["Id"]) for r in demo_sandbox.store.rows("Contact", fields=["Id"])
                    if int(r["Id"]) not in before)
    demo_sandbox.store.insert("ContactGroupAssign", {"ContactId": outsider, "GroupId": tag})  # Keap's web UI
    assert tree.model.count_of(tag) == len(before)
    window.act_refresh.trigger()
    qtbot.waitUntil(lambda: tree.model.counts_complete and tree.model.count_of(tag) == len(before) + 1,
                    timeout=WAIT)


def test_the_bulk_report_names_the_contacts_of_the_selection(
        qtbot: QtBot, window: MainWindow, demo_sandbox: Any) -> None:
    from PySide6.QtCore import QItemSelectionModel

    from app.ui.dialogs.bulk_tags import BulkTagsDialog

    model, view = window.contacts.model, window.contacts.view
    view.clearSelection()
    for row in (0, 1, 2):
        view.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                                     | QItemSelectionModel.SelectionFlag.Rows)
    picked = {model.contact_id(r): model.record(r) for r in (0, 1, 2)}
    tag = next(int(r["Id"]) for r in demo_sandbox.store.rows("ContactGroup")  # one none of them has
               if not members(demo_sandbox, int(r["Id"])) & set(picked))
    window.act_tags_selected.trigger()
    dialog = next(w for w in window.findChildren(BulkTagsDialog) if w.isVisible())
    try:
        qtbot.waitUntil(lambda: dialog.tag_model.rowCount() > 0, timeout=WAIT)
        dialog.set_tags([tag])
        with qtbot.waitSignal(dialog.flow.planned, timeout=WAIT):
            dialog.start_dry_run()
        with qtbot.waitSignal(dialog.flow.finished, timeout=WAIT) as finished:
            dialog.flow.run_plan()
        report = dialog.flow.report_model
        shown = {report.index(r, 0).data() for r in range(report.rowCount())}
        for contact_id, row in picked.items():
            assert row is not None
            first = str(row.get("FirstName") or "")
            assert any(text.startswith(first) and text.endswith(f"(#{contact_id})") for text in shown), shown
        assert "\t" + str(picked[next(iter(picked))]["FirstName"]) in finished.args[0].as_text()  # type: ignore[index]
    finally:
        dialog.close()
