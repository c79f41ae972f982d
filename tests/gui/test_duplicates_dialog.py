"""Find duplicates… and the merge assistant, against the sandbox over both protocols (pytest-qt)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.core.records import ContactQuery
from app.duplicates.batch import MERGE_WARNING
from app.ui.dialogs.duplicates import DuplicatesDialog
from app.ui.dialogs.merge_assistant import DUPLICATE, SURVIVOR, MergeAssistant
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import WAIT, close_window, gui_protocol, open_window, panes_of

__all__ = ["gui_protocol"]  # autouse: every test runs over REST v2 and XML-RPC


def add(sb: Any, **values: Any) -> int:
    with sb.store.tx():
        return int(sb.store.insert("Contact", {"DateCreated": "2022-01-01 09:00:00", **values}))


@pytest.fixture
def pair(sandbox: Any) -> tuple[int, int]:
    keep = add(sandbox, FirstName="José", LastName="Qxmüller", Company="Qx GmbH", JobTitle="CEO",
               DateCreated="2018-01-01 09:00:00")
    dup = add(sandbox, FirstName="jose", LastName="QXMULLER", Company="Qx", JobTitle="Founder",
              Email="jose@qx.example")
    tag = int(sandbox.store.rows("ContactGroup")[0]["Id"])
    with sandbox.store.tx():
        sandbox.store.insert("ContactGroupAssign", {"ContactId": dup, "GroupId": tag,
                                                    "DateCreated": "2022-01-02 09:00:00"})
    return keep, dup


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, sandbox: Any, pair: tuple[int, int]) -> Iterator[MainWindow]:
    w = open_window(qtbot, runner, sandbox)
    yield w
    close_window(runner, w)


def scan(qtbot: QtBot, window: MainWindow, *, whole: bool = True) -> DuplicatesDialog:
    dialog = panes_of(window).find_duplicates(window)
    assert window.active_dialog is dialog  # type: ignore[attr-defined]
    if whole:
        dialog.scope_all.setChecked(True)
    with qtbot.waitSignal(dialog.scanned, timeout=WAIT):
        dialog.scan_button.click()
    return dialog


def row_of(dialog: DuplicatesDialog, contact_id: int) -> int:
    return next(i for i, g in enumerate(dialog.groups) if contact_id in g.ids)


def test_the_menu_action_opens_the_dialog_on_the_current_search(qtbot: QtBot, window: MainWindow) -> None:
    window.contacts.model.set_query(ContactQuery(text="Qxm"))
    window.act_duplicates.trigger()
    dialog = window.active_dialog  # type: ignore[attr-defined]
    assert isinstance(dialog, DuplicatesDialog) and dialog.scope_search.isChecked()
    assert "Qxm" in dialog.scope_search.text()
    with qtbot.waitSignal(dialog.scanned, timeout=WAIT) as found:
        dialog.scan()
    assert [g.confidence for g in found.args[0]] == ["medium"]  # only the search's contacts
    dialog.reject()


def test_scan_then_merge_in_the_assistant(qtbot: QtBot, window: MainWindow, sandbox: Any,
                                          pair: tuple[int, int], qtmodeltester: Any) -> None:
    keep, dup = pair
    dialog = scan(qtbot, window)
    qtmodeltester.check(dialog.model)
    row = row_of(dialog, keep)
    group = dialog.groups[row]
    assert group.ids == (keep, dup) and group.keep == keep and group.confidence == "medium"
    assert "same name and company" in dialog.model.index(row, 3).data()

    assistant = dialog.open_assistant(row)
    assert isinstance(assistant, MergeAssistant) and dialog.active_dialog is assistant  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: assistant.preview is not None, timeout=WAIT)
    qtmodeltester.check(assistant.model)
    assert assistant.keep_id == keep and assistant.duplicate_id == dup
    assert "1 tag" in assistant.moves.text()
    layout = assistant.layout()
    assert assistant.warning.text() == MERGE_WARNING
    assert layout.indexOf(assistant.warning) < layout.count() - 1  # the warning comes before the buttons
    fields = [f.name for f in assistant.model.fields]
    job = fields.index("JobTitle")
    assert assistant.model.index(job, SURVIVOR).data() == "CEO"
    assert assistant.model.index(job, DUPLICATE).data() == "Founder"
    assert assistant.model.winners()["JobTitle"] == "CEO"  # the survivor's value by default
    assert assistant.model.winners()["Email"] == "jose@qx.example"  # blank on the survivor
    assistant.view.clicked.emit(assistant.model.index(job, DUPLICATE))  # keep "Founder" instead
    assert assistant.model.winners()["JobTitle"] == "Founder"

    with qtbot.waitSignal(assistant.merged, timeout=WAIT) as merged:
        assistant.merge_button.click()
    assert merged.args == [keep, dup]
    assert sandbox.store.row("Contact", dup) is None
    survivor = sandbox.store.row("Contact", keep)
    assert survivor["JobTitle"] == "Founder" and survivor["Email"] == "jose@qx.example"
    assert all(dup not in g.ids for g in dialog.groups)  # the group left the list
    qtbot.waitUntil(lambda: window.contacts.model.row_of(dup) is None, timeout=WAIT)
    dialog.reject()


def test_a_failed_merge_reaches_the_presenter_and_keeps_the_assistant(
        qtbot: QtBot, window: MainWindow, sandbox: Any, pair: tuple[int, int]) -> None:
    keep, dup = pair
    dialog = scan(qtbot, window)
    assistant = dialog.open_assistant(row_of(dialog, keep))
    assert assistant is not None
    qtbot.waitUntil(lambda: assistant.preview is not None, timeout=WAIT)
    with sandbox.store.tx():  # merged or deleted elsewhere meanwhile
        sandbox.store.conn.execute('DELETE FROM "Contact" WHERE Id = ?', (dup,))
    presenter = window.presenter_for_tests  # type: ignore[attr-defined]
    with qtbot.waitSignal(presenter.presented, timeout=WAIT) as shown:
        assistant.merge_button.click()
    assert shown.args[1] == "Merging contacts" or "Merging contacts" in " ".join(shown.args)
    assert assistant.isVisible() and "failed" in assistant.status.text()
    assert sandbox.store.row("Contact", keep) is not None
    assistant.reject()
    dialog.reject()


def test_cancel_stops_a_scan(qtbot: QtBot, window: MainWindow, sandbox: Any) -> None:
    dialog = panes_of(window).find_duplicates(window)
    dialog.scope_all.setChecked(True)
    sandbox.set_faults("slow=1.0:400")
    dialog.scan_button.click()
    assert dialog.busy and dialog.cancel_button.isVisibleTo(dialog)
    dialog.cancel_button.click()
    assert not dialog.busy and dialog.scan_button.isEnabled()
    assert "cancelled" in dialog.summary.text()
    sandbox.set_faults("")
    with qtbot.assertNotEmitted(dialog.scanned):
        qtbot.waitUntil(lambda: window.runner.in_flight == 0, timeout=WAIT)
    assert dialog.groups == []
    dialog.reject()


def test_batch_merge_shows_the_dry_run_first_then_reports(qtbot: QtBot, window: MainWindow,
                                                          sandbox: Any) -> None:
    ids = [add(sandbox, FirstName=f"Bat{i}", LastName="Qz", Email="batch.qz@example.com",
               DateCreated=f"2020-0{i + 1}-01 09:00:00") for i in range(3)]
    dialog = scan(qtbot, window)
    plan = dialog.batch_plan()
    assert {(p.keep, p.duplicate) for p in plan.pairs} >= {(ids[0], ids[1]), (ids[0], ids[2])}
    dialog.batch_button.click()
    box = dialog.active_dialog  # type: ignore[attr-defined]
    assert isinstance(box, QMessageBox) and "cannot be undone" in box.text()
    assert sandbox.store.row("Contact", ids[1]) is not None  # nothing before the answer
    yes = next(b for b in box.buttons() if b.text().startswith("Merge "))
    with qtbot.waitSignal(dialog.batch_finished, timeout=WAIT * 2) as finished:
        yes.click()
    report = finished.args[0]
    assert len(report.done) == len(plan.pairs) and not report.failed
    assert sandbox.store.row("Contact", ids[1]) is None and sandbox.store.row("Contact", ids[2]) is None
    assert all(g.confidence != "high" for g in dialog.groups)
    assert f"{len(plan.pairs)} merged." in dialog.report.toPlainText()
    dialog.reject()


def test_picking_the_other_survivor_reads_the_pair_the_other_way(qtbot: QtBot, window: MainWindow,
                                                                 pair: tuple[int, int]) -> None:
    keep, dup = pair
    dialog = scan(qtbot, window)
    assistant = dialog.open_assistant(row_of(dialog, keep))
    assert assistant is not None
    qtbot.waitUntil(lambda: assistant.preview is not None, timeout=WAIT)
    assistant.keep_box.setCurrentIndex(assistant.keep_box.findData(dup))
    qtbot.waitUntil(lambda: assistant.preview is not None and assistant.preview.keep_id == dup, timeout=WAIT)
    assert assistant.duplicate_id == keep
    assert assistant.model.winners()["JobTitle"] == "Founder"  # now the survivor's own value
    assert assistant.model.headerData(1, Qt.Orientation.Horizontal) == f"Survivor ({dup})"
    assistant.reject()
    dialog.reject()


def test_stopping_a_batch_finishes_the_merge_in_flight_and_reports_the_rest(
        qtbot: QtBot, window: MainWindow, sandbox: Any) -> None:
    ids = [add(sandbox, FirstName=f"Stop{i}", LastName="Qs", Email="stop.qs@example.com",
               DateCreated=f"2020-0{i + 1}-01 09:00:00") for i in range(4)]
    dialog = scan(qtbot, window)
    plan = dialog.batch_plan()
    sandbox.set_faults("slow=1.0:150")
    dialog.run_batch(plan)
    with qtbot.waitSignal(dialog.batch_finished, timeout=WAIT * 2) as finished:
        dialog.reject()  # Close while merging: stops after the merge in flight, keeps the dialog
        assert dialog.isVisible() and not dialog.cancel_button.isEnabled()
    sandbox.set_faults("")
    report = finished.args[0]
    assert report.cancelled and report.not_started and len(report.done) < len(plan.pairs)
    gone = [i for i in ids if sandbox.store.row("Contact", i) is None]
    assert len(gone) == sum(1 for p in report.done if p.duplicate in ids)
    assert "not started" in dialog.report.toPlainText().lower()
    dialog.reject()
    assert not dialog.isVisible()
