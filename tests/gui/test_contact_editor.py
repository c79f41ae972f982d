"""The Details tab on a real sandbox: load, edit, preflight, save, failures, create, delete, SSN."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QMessageBox
from pytestqt.qtbot import QtBot

from app.core.contact_fields import LOCKED_REASON
from app.ui.dialogs.duplicate import DuplicateDialog
from app.ui.dialogs.preflight import PreflightDialog
from app.ui.main_window import MainWindow
from app.ui.panes.field_editors import ChoiceEditor, DateEditor, LockedEditor, TextEditor
from app.ui.tasks import TaskRunner
from tests.gui.workspace_support import WAIT, close_window, gui_protocol, open_window, select_row, wait_loaded

__all__ = ["gui_protocol"]  # autouse: every test runs over REST v2 and XML-RPC


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, sandbox: Any) -> Iterator[MainWindow]:
    w = open_window(qtbot, runner, sandbox)
    yield w
    close_window(runner, w)


def text_editor(window: MainWindow, name: str) -> TextEditor:
    editor = window.editor.form.editor(name)
    assert isinstance(editor, TextEditor)
    return editor


def type_into(qtbot: QtBot, window: MainWindow, name: str, text: str) -> None:
    """Replace the field's text as a user would (QTest can type only Latin-1 keys)."""
    edit = text_editor(window, name).edit
    edit.selectAll()
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        edit.insert(text)  # emits textEdited, like typing


def open_first_contact(qtbot: QtBot, window: MainWindow) -> int:
    contact_id = select_row(window, 0)
    wait_loaded(qtbot, window, contact_id)
    return contact_id


def test_selecting_a_row_loads_the_contact_into_grouped_fields(qtbot: QtBot, window: MainWindow,
                                                               sandbox: Any) -> None:
    model = window.contacts.model
    owned = next(r for r in range(model.loaded)  # a contact with an owner (some have none)
                 if sandbox.store.row("Contact", model.contact_id(r))["OwnerID"] is not None)
    contact_id = select_row(window, owned)
    wait_loaded(qtbot, window, contact_id)
    stored = sandbox.store.row("Contact", contact_id)
    assert text_editor(window, "FirstName").edit.text() == stored["FirstName"]
    assert window.editor.title.text().startswith(stored["FirstName"])
    owner = window.editor.form.editor("OwnerID")
    assert isinstance(owner, ChoiceEditor) and owner.value() == stored["OwnerID"]
    assert owner.combo.currentText() and not owner.combo.currentText().isdigit()  # a user's name
    record_id = window.editor.form.editor("Id")
    assert not record_id.editable and record_id.widget.isReadOnly()  # type: ignore[attr-defined]
    created = window.editor.form.editor("DateCreated").widget
    assert "Eastern" in created.toolTip()
    titles = [box.title() for box in window.editor.form.findChildren(QGroupBox)]
    assert titles[:3] == ["Name", "E-mail", "Phones"] and "Custom fields" in titles
    assert isinstance(window.editor.form.editor("Birthday"), DateEditor)
    assert isinstance(window.editor.form.editor("_TShirtSize"), ChoiceEditor)
    assert not window.act_save.isEnabled()


def test_edit_and_save_round_trip(qtbot: QtBot, window: MainWindow, sandbox: Any) -> None:
    contact_id = open_first_contact(qtbot, window)
    type_into(qtbot, window, "FirstName", "Annabel")
    type_into(qtbot, window, "EmailAddress2", "annabel@example.org")
    size = window.editor.form.editor("_TShirtSize")
    assert isinstance(size, ChoiceEditor)
    size.combo.setCurrentIndex(size.combo.findData("L"))
    size.combo.activated.emit(size.combo.currentIndex())
    assert window.editor.dirty and window.act_save.isEnabled()
    assert window.editor.title.text().endswith("•")
    with qtbot.waitSignal(window.editor.saved, timeout=WAIT) as blocker:
        window.act_save.trigger()
    assert blocker.args[0] == contact_id
    stored = sandbox.store.row("Contact", contact_id)
    assert (stored["FirstName"], stored["EmailAddress2"], stored["_TShirtSize"]) == (
        "Annabel", "annabel@example.org", "L")
    wait_loaded(qtbot, window, contact_id)
    assert not window.editor.dirty
    row = window.contacts.model.row_of(contact_id)
    assert row is not None
    names = [c.name for c in window.contacts.model.columns]
    cell = window.contacts.model.index(row, names.index("FirstName"))
    qtbot.waitUntil(lambda: cell.data() == "Annabel", timeout=WAIT)  # the change path updates the row


def test_invalid_email_is_not_sent(qtbot: QtBot, window: MainWindow, sandbox: Any) -> None:
    open_first_contact(qtbot, window)
    calls = sandbox.stats()["calls"].get("ContactService.update", 0)
    type_into(qtbot, window, "EmailAddress3", "not an address")
    window.editor.save()
    assert window.editor.banner_box.isVisibleTo(window)
    assert "is not an e-mail address" in window.editor.banner.text()
    assert sandbox.stats()["calls"].get("ContactService.update", 0) == calls


def test_preflight_dialog_shows_what_will_be_stored(qtbot: QtBot, window: MainWindow, sandbox: Any) -> None:
    contact_id = open_first_contact(qtbot, window)
    type_into(qtbot, window, "FirstName", "Jūratė")
    window.act_save.trigger()
    dialog = window.editor.active_dialog
    assert isinstance(dialog, PreflightDialog) and dialog.isVisible()
    assert dialog.rows() == [("First name", "Jūratė", "Jurate")]
    with qtbot.waitSignal(window.editor.saved, timeout=WAIT):
        dialog.save_button.click()
    assert sandbox.store.row("Contact", contact_id)["FirstName"] == "Jurate"
    wait_loaded(qtbot, window, contact_id)
    assert text_editor(window, "FirstName").edit.text() == "Jurate"


def test_preflight_edit_and_cancel_keep_the_typed_text(qtbot: QtBot, window: MainWindow,
                                                       sandbox: Any) -> None:
    contact_id = open_first_contact(qtbot, window)
    before = sandbox.store.row("Contact", contact_id)["LastName"]
    type_into(qtbot, window, "LastName", "Šimkus 🙂")
    window.editor.save()
    dialog = window.editor.active_dialog
    assert isinstance(dialog, PreflightDialog)
    assert dialog.rows() == [("Last name", "Šimkus 🙂", "Simkus")]
    dialog.edit_button.click()
    assert window.editor.active_dialog is None
    assert text_editor(window, "LastName").edit.text() == "Šimkus 🙂" and window.editor.dirty
    window.editor.save()
    dialog = window.editor.active_dialog
    assert isinstance(dialog, PreflightDialog)
    dialog.cancel_button.click()
    assert sandbox.store.row("Contact", contact_id)["LastName"] == before
    assert window.editor.dirty


def test_a_failed_save_keeps_the_edits_and_says_what_next(qtbot: QtBot, window: MainWindow,
                                                          sandbox: Any) -> None:
    contact_id = open_first_contact(qtbot, window)
    presenter = window.presenter_for_tests  # type: ignore[attr-defined]
    type_into(qtbot, window, "Nickname", "Bel")
    sandbox.set_faults("http503=1.0")
    with qtbot.waitSignal(presenter.presented, timeout=WAIT) as blocker:
        window.act_save.trigger()
    sandbox.set_faults("")
    assert "Saving" in blocker.args[0] and "unavailable" in blocker.args[0]
    assert text_editor(window, "Nickname").edit.text() == "Bel"
    assert window.editor.dirty and window.act_save.isEnabled()
    assert "Your edits are still here" in window.editor.banner.text()
    with qtbot.waitSignal(window.editor.saved, timeout=WAIT):
        window.act_save.trigger()
    assert sandbox.store.row("Contact", contact_id)["Nickname"] == "Bel"


def test_unsaved_edits_are_not_lost_when_another_row_is_selected(qtbot: QtBot, window: MainWindow,
                                                                 sandbox: Any) -> None:
    first = open_first_contact(qtbot, window)
    type_into(qtbot, window, "JobTitle", "Chief Tidier")
    second = select_row(window, 1)
    assert window.editor.contact_id == first and window.editor.dirty
    assert window.editor.banner_save.isVisibleTo(window)
    window.editor.banner_discard.click()
    wait_loaded(qtbot, window, second)
    assert sandbox.store.row("Contact", first)["JobTitle"] != "Chief Tidier"


def test_revert_puts_back_the_loaded_values(qtbot: QtBot, window: MainWindow) -> None:
    open_first_contact(qtbot, window)
    original = text_editor(window, "City").edit.text()
    type_into(qtbot, window, "City", "Atlantis")
    window.act_revert.trigger()  # Esc: asks first, and keeping the edits keeps them
    box = window.editor.active_dialog
    assert isinstance(box, QMessageBox) and "Discard your unsaved changes" in box.text()
    box.reject()
    assert text_editor(window, "City").edit.text() == "Atlantis" and window.editor.dirty
    window.act_revert.trigger()
    window.editor.discard_button.click()
    assert text_editor(window, "City").edit.text() == original and not window.editor.dirty


def test_the_ssn_field_is_locked_with_the_reason(qtbot: QtBot, window: MainWindow) -> None:
    open_first_contact(qtbot, window)
    ssn = window.editor.form.editor("_SSN")
    assert isinstance(ssn, LockedEditor) and not ssn.editable
    assert "_SSN" not in window.editor.form.load_fields()
    assert not ssn.reason.isVisibleTo(window)
    qtbot.mouseClick(ssn.edit, Qt.MouseButton.LeftButton)
    assert ssn.reason.isVisibleTo(window)
    assert LOCKED_REASON in ssn.reason.text()
    assert ssn.edit.isReadOnly()


def test_new_contact_with_an_existing_email_offers_the_existing_one(qtbot: QtBot, window: MainWindow,
                                                                   sandbox: Any) -> None:
    existing = next(r for r in sandbox.store.rows("Contact") if r["Email"])
    before = sandbox.store.count("Contact")
    window.act_new.trigger()
    assert window.editor.mode == "new" and window.editor.title.text().startswith("New contact")
    type_into(qtbot, window, "FirstName", "Twin")
    type_into(qtbot, window, "Email", existing["Email"].upper())
    window.act_save.trigger()
    qtbot.waitUntil(lambda: isinstance(window.editor.active_dialog, DuplicateDialog), timeout=WAIT)
    dialog = window.editor.active_dialog
    assert isinstance(dialog, DuplicateDialog)
    assert not window.statusBar().currentMessage().startswith("Looking for contacts")  # the look-up ended
    assert f"(Id {existing['Id']})" in dialog.list.item(0).text()
    dialog.open_button.click()
    wait_loaded(qtbot, window, existing["Id"])
    assert sandbox.store.count("Contact") == before


def test_new_contact_created_once_then_shown(qtbot: QtBot, window: MainWindow, sandbox: Any) -> None:
    before = sandbox.store.count("Contact")
    window.act_new.trigger()
    type_into(qtbot, window, "FirstName", "Brand")
    type_into(qtbot, window, "LastName", "New")
    type_into(qtbot, window, "Email", "brand.new@example.net")
    with qtbot.waitSignal(window.editor.created, timeout=WAIT) as blocker:
        window.act_save.trigger()
    new_id = blocker.args[0]
    assert sandbox.store.count("Contact") == before + 1
    assert sandbox.store.row("Contact", new_id)["Email"] == "brand.new@example.net"
    wait_loaded(qtbot, window, new_id)
    assert window.editor.title.text() == "Brand New"


def test_delete_asks_first_then_removes_the_row(qtbot: QtBot, window: MainWindow, sandbox: Any) -> None:
    contact_id = open_first_contact(qtbot, window)
    total = window.contacts.model.total
    window.act_delete.trigger()
    box = window.editor.active_dialog
    assert isinstance(box, QMessageBox) and "Keap has no undo" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert sandbox.store.row("Contact", contact_id) is not None
    window.act_delete.trigger()
    box = window.editor.active_dialog
    assert isinstance(box, QMessageBox)
    delete_button = next(b for b in box.buttons() if b.text() == "Delete")
    with qtbot.waitSignal(window.editor.deleted, timeout=WAIT):
        delete_button.click()
    assert sandbox.store.row("Contact", contact_id) is None
    qtbot.waitUntil(lambda: window.contacts.model.row_of(contact_id) is None, timeout=WAIT)  # change path
    assert window.contacts.model.total == (None if total is None else total - 1)  # REST: not known yet
    qtbot.waitUntil(lambda: window.editor.contact_id != contact_id, timeout=WAIT)  # the cursor moved on


def test_a_load_for_a_contact_no_longer_selected_is_dropped(qtbot: QtBot, window: MainWindow,
                                                            sandbox: Any) -> None:
    sandbox.set_faults("slow=1.0:150")
    select_row(window, 0)
    second = select_row(window, 1)
    wait_loaded(qtbot, window, second)
    sandbox.set_faults("")
    qtbot.wait(300)  # the first load's reply, had it not been dropped, would land now
    stored = sandbox.store.row("Contact", second)
    assert window.editor.contact_id == second
    assert text_editor(window, "FirstName").edit.text() == (stored["FirstName"] or "")


def test_a_create_whose_reply_was_lost_lets_the_user_check_then_create(qtbot: QtBot, window: MainWindow,
                                                                        sandbox: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.api.lost_create import LookupPolicy

    session = window.session
    assert session is not None
    session.backend.lost_create = LookupPolicy((0.01,), 180.0)  # look once more, quickly
    lookups = {"n": 0}

    def lose_the_create_reply(event: Any) -> None:  # the reply of the create is lost, not applied
        if event.method in ("ContactService.add", "POST /rest/v2/contacts"):
            sandbox.set_faults("")
        elif event.method in ("ContactService.findByEmail", "GET /rest/v2/contacts"):
            lookups["n"] += 1
            if lookups["n"] == 2:  # the form's duplicate check, then the backend's: next is the create
                sandbox.set_faults("empty=1.0")

    before = sandbox.store.count("Contact")
    window.act_new.trigger()
    type_into(qtbot, window, "FirstName", "Maybe")
    type_into(qtbot, window, "LastName", "Created")
    type_into(qtbot, window, "Email", "maybe.created@example.net")
    session.client.on_call = lose_the_create_reply
    window.act_save.trigger()
    editor = window.editor
    qtbot.waitUntil(lambda: isinstance(editor.active_dialog, QMessageBox), timeout=WAIT)
    session.client.on_call = None
    assert "did not send it again" in editor.active_dialog.text()  # type: ignore[union-attr]
    assert sandbox.store.count("Contact") == before and editor.mode == "new"
    editor.check_again_button.click()  # nothing there: asked again
    qtbot.waitUntil(lambda: "it was not created" in window.statusBar().currentMessage(), timeout=WAIT)
    qtbot.waitUntil(lambda: isinstance(editor.active_dialog, QMessageBox), timeout=WAIT)
    with qtbot.waitSignal(editor.created, timeout=WAIT) as blocker:
        editor.create_anyway_button.click()
    assert sandbox.store.count("Contact") == before + 1
    assert sandbox.store.row("Contact", blocker.args[0])["LastName"] == "Created"


def test_saved_names_the_contact_as_saved_after_a_rename(qtbot: QtBot, window: MainWindow) -> None:
    open_first_contact(qtbot, window)
    type_into(qtbot, window, "FirstName", "Renamed")
    window.act_save.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Saved"), timeout=WAIT)
    assert window.statusBar().currentMessage().startswith("Saved Renamed")


def test_a_new_search_that_drops_the_contact_empties_the_editor(qtbot: QtBot, window: MainWindow) -> None:
    contact_id = open_first_contact(qtbot, window)
    name = window.editor.title.text()
    first = name.split()[0]
    model = window.contacts.model
    with qtbot.waitSignal(model.rows_loaded, timeout=WAIT):
        window.contacts.search.setText(first)  # a search that still lists the contact
        window.contacts.apply_search()
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT)
    assert window.editor.contact_id == contact_id and window.contacts.current_contact_id() == contact_id
    with qtbot.waitSignal(model.rows_loaded, timeout=WAIT):
        window.contacts.search.setText("zzqqxx-nobody")
        window.contacts.apply_search()
    qtbot.waitUntil(lambda: window.editor.contact_id is None, timeout=WAIT)
