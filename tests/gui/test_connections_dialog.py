"""The Connections dialog against a real sandbox on loopback (offscreen Qt)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from app.api.xmlrpc.transport import AuthMode
from app.sandbox import Sandbox
from app.services.paths import AppPaths
from app.services.profiles import Profile, ProfileStore
from app.services.secrets import SERVICE, MemoryKeyring, SecretStore
from app.ui.dialogs.connections import ConnectionsDialog
from app.ui.settings import Settings
from app.ui.tasks import TaskRunner


@pytest.fixture(autouse=True)
def no_unhandled_errors(runner: TaskRunner) -> Iterator[None]:
    """Every error in this dialog is shown inline; none may reach the crash path."""
    yield
    assert runner.unhandled == []  # type: ignore[attr-defined]


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def secret_store(keyring_backend: MemoryKeyring) -> SecretStore:
    return SecretStore(keyring_backend)


@pytest.fixture
def profiles(app_paths: AppPaths) -> ProfileStore:
    return ProfileStore(app_paths.profiles_file)


def open_dialog(qtbot: QtBot, profiles: ProfileStore, secrets: SecretStore, runner: TaskRunner,
                select_id: str | None = None) -> ConnectionsDialog:
    dialog = ConnectionsDialog(profiles, secrets, runner, select_id=select_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.keyring_checked, timeout=5000):
        dialog.show()
    return dialog


def fill(dialog: ConnectionsDialog, *, name: str, url: str, key: str, protocol: str = "rest") -> None:
    dialog.name_edit.setText(name)
    dialog.protocol_row.combo.setCurrentIndex(dialog.protocol_row.combo.findData(protocol))
    dialog.url_edit.setText(url)
    dialog.key_edit.setText(key)


def run_test(qtbot: QtBot, dialog: ConnectionsDialog):
    with qtbot.waitSignal(dialog.test_finished, timeout=15_000) as blocker:
        dialog.test_button.click()
    return blocker.args[0]


def answer(dialog: ConnectionsDialog, button: QMessageBox.StandardButton) -> None:
    """Click ``button`` in the unsaved-changes question the dialog is showing."""
    box = dialog.active_dialog
    assert isinstance(box, QMessageBox) and "Save the changes" in box.text()
    box.button(button).click()


def test_first_run_starts_a_new_profile_with_the_keap_url(qtbot: QtBot, profiles, secret_store,
                                                          runner) -> None:
    dialog = open_dialog(qtbot, profiles, secret_store, runner)
    assert dialog.list.count() == 0
    assert dialog.name_edit.text() == "My Keap account"
    assert dialog.form_profile().url == "https://api.keap.com/crm"
    assert dialog.form_profile().protocol == "rest"
    assert not dialog.protocol_row.notice.isVisibleTo(dialog)  # nothing to warn about on REST v2
    assert dialog.form_profile().auth_mode is AuthMode.API_KEY
    assert dialog.keyring_status is not None and dialog.keyring_status.ok
    assert "in memory only (in-memory keyring)" in dialog.keyring_label.text()
    assert not dialog.session_only.isVisibleTo(dialog)


def test_test_connection_shows_round_trip_and_contact_count(qtbot: QtBot, profiles, secret_store, runner,
                                                            demo_sandbox: Sandbox) -> None:
    dialog = open_dialog(qtbot, profiles, secret_store, runner)
    fill(dialog, name="Sandbox", url=demo_sandbox.url, key=demo_sandbox.key, protocol="xmlrpc")
    report = run_test(qtbot, dialog)
    assert report.ok, report
    count = demo_sandbox.stats()["rows"]["Contact"]
    text = dialog.test_result.text()
    assert f"{report.rtt_ms:.0f} ms" in text
    assert f"{count:,} contacts" in text
    assert dialog.test_button.isEnabled()


@pytest.mark.parametrize("protocol", ["rest", "xmlrpc"])
def test_wrong_key_shows_the_auth_message_with_the_next_step(qtbot: QtBot, profiles, secret_store, runner,
                                                              demo_sandbox: Sandbox, protocol: str) -> None:
    dialog = open_dialog(qtbot, profiles, secret_store, runner)
    url = demo_sandbox.rest_host if protocol == "rest" else demo_sandbox.url
    fill(dialog, name="Sandbox", url=url, key="KeapAK-definitely-wrong-0000", protocol=protocol)
    report = run_test(qtbot, dialog)
    assert not report.ok
    text = dialog.test_result.text()
    assert report.message in text and "key" in report.message.lower()
    assert "Next step: Check the key" in text
    assert "KeapAK-definitely-wrong-0000" not in text


def test_invalid_profile_is_explained_before_any_call(qtbot: QtBot, profiles, secret_store, runner) -> None:
    dialog = open_dialog(qtbot, profiles, secret_store, runner)
    fill(dialog, name="Plain", url="http://example.com/crm", key="KeapAK-123456")
    dialog.test_button.click()
    assert "must start with https://" in dialog.message.text()
    assert dialog.test_result.text() == ""


def test_connect_saves_profile_and_key_and_the_key_is_nowhere_else(
        qtbot: QtBot, profiles, secret_store, keyring_backend, runner, app_paths: AppPaths, app_log: Path,
        demo_sandbox: Sandbox) -> None:
    settings = Settings(app_paths.settings_file)
    dialog = open_dialog(qtbot, profiles, secret_store, runner)
    fill(dialog, name="Sandbox", url=demo_sandbox.rest_host, key=demo_sandbox.key)
    dialog.show_key.setChecked(True)
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Normal
    run_test(qtbot, dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.connect_button.click()
    chosen = dialog.chosen
    assert chosen is not None and chosen.name == "Sandbox" and chosen.protocol == "rest"
    assert keyring_backend.get_password(SERVICE, chosen.id) == demo_sandbox.key
    assert ProfileStore(app_paths.profiles_file).last_used() == chosen
    # what the app keeps on disk: settings, profiles, logs; none holds the key
    settings.set_window_geometry(dialog.saveGeometry())
    settings.set_columns(chosen.id, "contacts", ["Id", "FirstName", "Email"])
    with pytest.raises(ValueError, match="secret"):
        settings.set_value("oops/key", demo_sandbox.key)
    settings.sync()
    log_text = app_log.read_text(encoding="utf-8")
    assert "connection test to" in log_text and "stored in in-memory keyring" in log_text
    for path in (app_paths.settings_file, app_paths.profiles_file, app_log):
        assert demo_sandbox.key not in path.read_text(encoding="utf-8"), path
    assert chosen.id in app_paths.profiles_file.read_text(encoding="utf-8")


def test_switching_profiles_shows_each_and_a_stored_key_is_never_displayed(
        qtbot: QtBot, profiles, secret_store, runner) -> None:
    a = profiles.save(Profile(name="Acme", auth_mode=AuthMode.OAUTH))
    b = profiles.save(Profile(name="Beta", url="https://beta.infusionsoft.com/api/xmlrpc",
                              auth_mode=AuthMode.LEGACY, protocol="xmlrpc"))
    secret_store.set_key(b.id, "KeapLegacy-key-0123456789")
    profiles.set_last_used(b.id)
    dialog = open_dialog(qtbot, profiles, secret_store, runner)
    qtbot.waitUntil(lambda: "A key is stored" in dialog.key_status.text(), timeout=5000)
    assert dialog.selected_profile() == b
    assert dialog.url_edit.text() == b.url and dialog.key_edit.text() == ""
    with qtbot.waitSignal(dialog.key_status_changed, timeout=5000,
                          check_params_cb=lambda text: "No key" in text):
        dialog.list.setCurrentRow(0)
    assert dialog.selected_profile() == a
    assert dialog.form_profile().auth_mode is AuthMode.OAUTH
    # unsaved edits: Cancel keeps them, Discard drops them
    dialog.name_edit.setText("Acme edited")
    dialog.name_edit.textEdited.emit("Acme edited")
    dialog.list.setCurrentRow(1)
    answer(dialog, QMessageBox.StandardButton.Cancel)
    assert dialog.selected_profile() == a and dialog.name_edit.text() == "Acme edited"
    dialog.list.setCurrentRow(1)
    assert dialog.selected_profile() == a  # nothing moves while the question is open
    answer(dialog, QMessageBox.StandardButton.Discard)
    assert dialog.selected_profile() == b
    assert [p.name for p in profiles.profiles()] == ["Acme", "Beta"]
    # ... and Save keeps them, renaming the entry in the list
    dialog.name_edit.setText("Beta renamed")
    dialog.name_edit.textEdited.emit("Beta renamed")
    dialog.list.setCurrentRow(0)
    answer(dialog, QMessageBox.StandardButton.Save)
    assert dialog.selected_profile() == a
    assert [p.name for p in profiles.profiles()] == ["Acme", "Beta renamed"]
    assert dialog.list.item(1).text() == "Beta renamed"


def test_remove_deletes_profile_and_key(qtbot: QtBot, profiles, secret_store, keyring_backend,
                                        runner) -> None:
    a = profiles.save(Profile(name="Acme"))
    secret_store.set_key(a.id, "KeapAK-remove-me-123456")
    dialog = open_dialog(qtbot, profiles, secret_store, runner, select_id=a.id)
    dialog.remove_button.click()
    box = dialog.active_dialog
    assert isinstance(box, QMessageBox) and "Acme" in box.text()
    next(b for b in box.buttons() if b.text() == "Remove").click()
    qtbot.waitUntil(lambda: keyring_backend.get_password(SERVICE, a.id) is None, timeout=5000)
    assert profiles.profiles() == []
    assert dialog.name_edit.text() == "My Keap account"  # back to a new profile


def test_unusable_keyring_offers_this_run_only(qtbot: QtBot, profiles, runner, demo_sandbox: Sandbox) -> None:
    store = SecretStore(fail.Keyring())
    dialog = open_dialog(qtbot, profiles, store, runner)
    assert dialog.keyring_status is not None and not dialog.keyring_status.ok
    assert "no keyring service was found" in dialog.keyring_label.text()
    assert dialog.session_only.isVisibleTo(dialog)
    fill(dialog, name="Sandbox", url=demo_sandbox.rest_host, key=demo_sandbox.key)
    with qtbot.waitSignal(dialog.message_shown, timeout=5000) as blocker:
        dialog.connect_button.click()
    assert "keep it for this run only" in blocker.args[0]
    assert dialog.chosen is None
    assert dialog.key_edit.text() == demo_sandbox.key  # kept for the retry, not lost
    dialog.session_only.setChecked(True)
    assert store.session_only
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.connect_button.click()
    assert dialog.chosen is not None
    assert store.get_key(dialog.chosen.id) == demo_sandbox.key
    assert "for this run only" in dialog.key_status.text()


def test_an_xmlrpc_connection_shows_its_days_left_and_switches_in_one_click(
        qtbot: QtBot, profiles, secret_store, runner, demo_sandbox: Sandbox) -> None:
    old = profiles.save(Profile(name="Old", url=demo_sandbox.url, protocol="xmlrpc"))
    secret_store.set_key(old.id, demo_sandbox.key)
    dialog = open_dialog(qtbot, profiles, secret_store, runner, select_id=old.id)
    notice = dialog.protocol_row.notice
    assert notice.isVisibleTo(dialog) and dialog.protocol_row.switch_button.isVisibleTo(dialog)
    assert "31 December 2026" in notice.text() and ("left" in notice.text() or "off" in notice.text())
    dialog.protocol_row.switch_button.click()
    assert dialog.form_profile().protocol == "rest"
    assert dialog.url_edit.text() == demo_sandbox.rest_host  # the sandbox's REST host, same server
    assert not notice.isVisibleTo(dialog) and "key stays the same" in dialog.message.text()
    report = run_test(qtbot, dialog)  # the stored key, over REST v2 now
    assert report.ok and "REST v2" in report.message
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.connect_button.click()
    saved = ProfileStore(profiles.path).get(old.id)
    assert saved is not None and saved.protocol == "rest" and secret_store.get_key(old.id) == demo_sandbox.key


def test_choosing_a_protocol_swaps_keaps_default_address(qtbot: QtBot, profiles, secret_store,
                                                         runner) -> None:
    dialog = open_dialog(qtbot, profiles, secret_store, runner)
    combo = dialog.protocol_row.combo
    combo.setCurrentIndex(combo.findData("xmlrpc"))
    assert dialog.url_edit.text() == "https://api.infusionsoft.com/crm/xmlrpc/v1"
    combo.setCurrentIndex(combo.findData("rest"))
    assert dialog.url_edit.text() == "https://api.keap.com/crm"
