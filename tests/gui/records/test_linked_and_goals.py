"""Linked contacts (link, unlink, an account without the API) and the "Achieve goal" dialog."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.sandbox import Sandbox, SandboxConfig
from app.services.records import RecordsService
from app.ui.dialogs.achieve_goal import EXPLANATION, open_achieve_goal
from app.ui.errors import ErrorPresenter
from app.ui.panes.records import LinkedContactsTab
from app.ui.panes.records.linked import NOT_AVAILABLE
from app.ui.tasks import TaskRunner
from tests.gui.change_support import follow_changes
from tests.records_support import WAIT, FakePrompts, calls, contact_with_links, service_on

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]



def linked_tab(qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
               contact_id: int) -> tuple[LinkedContactsTab, FakePrompts]:
    prompts = FakePrompts()
    tab = LinkedContactsTab(runner, presenter, service, prompts=prompts)
    qtbot.addWidget(tab)
    follow_changes(tab, service)
    tab.resize(900, 400)
    tab.set_contact(contact_id)
    with qtbot.waitSignal(tab.loaded, timeout=WAIT):
        tab.show()
    return tab, prompts


def type_id(sb: Any, name: str) -> int:
    return int(next(r["Id"] for r in sb.store.rows("LinkedContactType") if r["TypeName"] == name))


def test_links_shown_made_and_removed(qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner,
                                      presenter: ErrorPresenter, service: RecordsService,
                                      sandbox: Any) -> None:
    store = sandbox.store
    cid = contact_with_links(sandbox)
    tab, prompts = linked_tab(qtbot, runner, presenter, service, cid)
    qtmodeltester.check(tab.model)
    types = {r["Id"]: r["TypeName"] for r in store.rows("LinkedContactType")}
    expected = {(link["LinkedContactId"], types[link["LinkedContactTypeId"]]) for link in store.links(cid)}
    assert {(link.other_id, link.type_name) for link in tab.model.rows()} == expected
    first = store.row("Contact", tab.model.rows()[0].other_id)
    assert tab.model.index(0, 0).data() == f"{first['FirstName']} {first['LastName']}"

    linked = {link["LinkedContactId"] for link in store.links(cid)}
    other = next(r for r in store.rows("Contact", fields=["Id", "Email", "FirstName", "LastName"])
                 if r["Email"] and r["Id"] not in linked and r["Id"] != cid
                 and len(store.rows("Contact", {"Email": r["Email"]})) == 1)
    dialog = tab.start_link()
    assert dialog is not None and dialog.isVisible() and not dialog.ok_button.isEnabled()
    dialog.search_edit.setText(other["Email"])
    with qtbot.waitSignal(dialog.results_ready, timeout=WAIT):
        dialog.find_button.click()
    assert [r.id for r in dialog.results.rows()] == [other["Id"]]
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(type_id(sandbox, "Business Partner")))
    with qtbot.waitSignals([tab.changed, tab.loaded], timeout=WAIT):
        dialog.ok_button.click()
    partner = type_id(sandbox, "Business Partner")
    made = {"ContactId": cid, "LinkedContactId": other["Id"], "LinkedContactTypeId": partner}
    assert made in store.links(cid)
    row = next(i for i, link in enumerate(tab.model.rows()) if link.other_id == other["Id"])
    assert tab.model.index(row, 1).data() == "Business Partner"  # the Link type column

    tab.view.setFocus()
    tab.view.selectRow(row)
    prompts.confirm_answer = False
    before = calls(sandbox)
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    assert "Business Partner" in prompts.confirms[-1][1] and calls(sandbox) == before  # declined: not sent
    prompts.confirm_answer = True
    with qtbot.waitSignals([tab.changed, tab.loaded], timeout=WAIT):
        tab.unlink_button.click()
    assert all(link["LinkedContactId"] != other["Id"] for link in store.links(cid))
    assert presenter.shown == []  # type: ignore[attr-defined]


def test_a_link_over_the_types_limit_is_refused_and_said(qtbot: QtBot, runner: TaskRunner,
                                                         presenter: ErrorPresenter, service: RecordsService,
                                                         sandbox: Any) -> None:
    spouse = type_id(sandbox, "Spouse")
    married = sandbox.store.rows("_LinkedContact", {"LinkTypeId": spouse})[0]["ContactId1"]
    tab, prompts = linked_tab(qtbot, runner, presenter, service, married)
    other = next(r["Id"] for r in sandbox.store.rows("Contact", fields=["Id"])
                 if r["Id"] != married and not sandbox.store.links(r["Id"]))
    dialog = tab.start_link()
    assert dialog is not None
    dialog.search_edit.setText(str(other))
    with qtbot.waitSignal(dialog.results_ready, timeout=WAIT):
        dialog.find_button.click()
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(spouse))
    with qtbot.waitSignals([tab.changed, tab.loaded], timeout=WAIT):
        dialog.ok_button.click()
    assert prompts.notes[-1][0] == "Keap did not link the contacts"
    assert "at most 1" in prompts.notes[-1][1]
    assert all(link["LinkedContactId"] != other for link in sandbox.store.links(married))


def test_an_account_without_linked_contacts_says_so_in_the_tab(qtbot: QtBot, runner: TaskRunner,
                                                               presenter: ErrorPresenter) -> None:
    with Sandbox(SandboxConfig(seed=3, linked_contacts=False)) as sb:
        for svc in service_on(sb):
            tab, prompts = linked_tab(qtbot, runner, presenter, svc, sb.store.rows("Contact")[0]["Id"])
            assert tab.available is False and tab.status.text() == NOT_AVAILABLE
            assert "not available for this account" in NOT_AVAILABLE
            assert tab.view.isHidden() and tab.buttons.isHidden() and tab.start_link() is None
            assert presenter.shown == [] and prompts.notes == []  # type: ignore[attr-defined]
            assert "LinkedContactType" not in str(calls(sb))  # no further calls once it is known


def test_achieve_goal_completes_matching_goals_and_reports_the_others(
        qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner, presenter: ErrorPresenter,
        service: RecordsService, sandbox: Any) -> None:
    contacts = [r["Id"] for r in sandbox.store.rows("Contact", fields=["Id"])[:3]]
    dialog = open_achieve_goal(None, runner, presenter, service, contacts)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    assert dialog.isVisible() and "not a trigger for API calls in general" in EXPLANATION
    qtbot.waitUntil(lambda: dialog.integration_edit.text() == sandbox.config.app_name, timeout=WAIT)
    qtbot.waitUntil(lambda: all(r.name for r in dialog.model.rows()), timeout=WAIT)

    before = calls(sandbox)
    dialog.run_button.click()  # no call name yet
    assert "call name" in dialog.message.text() and calls(sandbox) == before

    dialog.call_edit.setText("webinarAttended")
    with qtbot.waitSignal(dialog.all_done, timeout=WAIT):
        dialog.run_button.click()
    results = dialog.results()
    assert all(results[c].state == "Goal completed" for c in contacts)
    achieved = sandbox.store.goals_achieved()
    assert sorted(g["ContactId"] for g in achieved) == sorted(contacts * 2)  # two goals listen to that call
    assert "Completed for 3 of 3" in dialog.message.text()

    dialog.call_edit.setText("webinarattended")  # the case differs: no goal matches
    with qtbot.waitSignal(dialog.all_done, timeout=WAIT):
        dialog.run_button.click()
    assert all(dialog.results()[c].state == "Not completed" for c in contacts)
    assert "No goal found" in dialog.model.index(0, 3).data()
    assert len(sandbox.store.goals_achieved()) == len(achieved)
    assert presenter.shown == []  # type: ignore[attr-defined]
    dialog.close()
