"""The application controller: welcome page, --demo, connecting through the dialog, shutdown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from rest_testkit import sandbox_profile

from app.core.cancel import CancelToken
from app.core.records import ContactQuery
from app.sandbox import Sandbox
from app.services.paths import AppPaths
from app.services.profiles import Profile
from app.services.secrets import default_store
from app.ui.app import AppController
from app.ui.settings import Settings


@pytest.fixture
def controller(qtbot: QtBot, app_paths: AppPaths, app_log: Path) -> Iterator[AppController]:
    ctl = AppController(app_paths, interactive=False)
    qtbot.addWidget(ctl.window)
    yield ctl
    ctl.shutdown()


def count(session) -> int:
    return session.backend.count_contacts(ContactQuery(), CancelToken())


def open_session_via(qtbot: QtBot, controller: AppController, action) -> object:
    with qtbot.waitSignal(controller.session_changed, timeout=30_000) as blocker:
        action()
    return blocker.args[0]


def test_first_run_shows_the_welcome_page_and_connect_starts_a_new_profile(
        qtbot: QtBot, controller: AppController) -> None:
    controller.show()
    window = controller.window
    assert controller.session is None
    assert window.stack.currentWidget() is window.welcome
    window.welcome.connect_button.click()
    dialog = controller.connections_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.list.count() == 0 and dialog.selected_profile() is None
    with qtbot.waitSignal(dialog.finished):
        dialog.reject()
    assert controller.connections_dialog is None
    assert controller.session is None


def test_demo_flag_reaches_a_window_with_a_session(qtbot: QtBot, controller: AppController,
                                                   app_paths: AppPaths, app_log: Path) -> None:
    session = open_session_via(qtbot, controller, lambda: controller.show(demo=True))
    window = controller.window
    assert session.demo and controller.session is session and window.session is session
    assert window.stack.currentWidget() is window.workspace
    assert "Demo" in window.windowTitle()
    assert app_paths.demo_db.is_file()
    controller.shutdown()
    assert session.closed and not controller.demo.running
    assert Settings(app_paths.settings_file).window_geometry() is not None
    text = app_log.read_text(encoding="utf-8")
    assert "main window ready" in text and "session open: Demo (demo=True)" in text
    assert "TagDesk shut down" in text


def test_try_the_demo_then_reset_demo_data(qtbot: QtBot, controller: AppController) -> None:
    controller.show()
    session = open_session_via(qtbot, controller, controller.window.welcome.demo_button.click)
    assert session.protocol == "rest"  # the demo speaks REST v2 by default
    seeded = count(session)
    session.contacts.create({"FirstName": "Thrown", "LastName": "Away", "Email": "thrown@example.com"},
                            CancelToken())
    assert count(session) == seeded + 1
    with qtbot.waitSignal(controller.busy_changed, timeout=30_000, check_params_cb=lambda busy: not busy):
        controller.window.reset_demo_requested.emit()
    assert count(session) == seeded
    assert controller.session is session and not session.closed
    # asking for the demo again keeps the open one
    controller.window.demo_requested.emit()
    assert controller.window.statusBar().currentMessage() == "The demo is already open."
    assert controller.session is session


@pytest.mark.parametrize("protocol", ["rest", "xmlrpc"])
def test_with_profiles_connect_preselects_the_last_used_and_opens_its_session(
        qtbot: QtBot, controller: AppController, demo_sandbox: Sandbox, app_paths: AppPaths,
        app_log: Path, protocol: str) -> None:
    profiles = controller.profiles
    profiles.save(sandbox_profile(demo_sandbox, protocol, name="Other"))
    wanted = profiles.save(sandbox_profile(demo_sandbox, protocol, name="Sandbox"))
    profiles.set_last_used(wanted.id)
    default_store().set_key(wanted.id, demo_sandbox.key)
    controller.show()
    assert controller.window.stack.currentWidget() is controller.window.welcome
    controller.window.welcome.connect_button.click()
    dialog = controller.connections_dialog
    assert dialog is not None and dialog.selected_profile() == wanted
    session = open_session_via(qtbot, controller, dialog.connect_button.click)
    assert session.profile_name == "Sandbox" and session.profile_id == wanted.id and not session.demo
    assert session.protocol == protocol
    label = controller.window.status.connection_label.text()
    assert label.endswith("REST v2" if protocol == "rest" else "XML-RPC")
    assert controller.window.windowTitle().endswith("Sandbox")
    controller.shutdown()
    for path in (app_paths.settings_file, app_paths.profiles_file, app_log):
        assert demo_sandbox.key not in path.read_text(encoding="utf-8"), path


def test_a_refused_key_is_presented_with_a_way_back_to_the_connection(
        qtbot: QtBot, controller: AppController, demo_sandbox: Sandbox) -> None:
    profile = controller.profiles.save(sandbox_profile(demo_sandbox, "rest", name="Wrong key"))
    default_store().set_key(profile.id, "KeapAK-not-the-right-key-00")
    controller.show()
    with qtbot.waitSignal(controller.presenter.presented, timeout=30_000) as blocker:
        controller.connect_profile(profile)
    message = blocker.args[0]
    assert message.startswith("Connecting to Wrong key:") and "key" in message.lower()
    assert controller.session is None
    controller.presenter.reconnect_requested.emit()
    assert controller.connections_dialog is not None
    assert controller.connections_dialog.selected_profile() == profile
    controller.connections_dialog.reject()


def test_a_profile_without_a_stored_key_says_so(qtbot: QtBot, controller: AppController) -> None:
    profile = controller.profiles.save(Profile(name="No key"))
    controller.show()
    with qtbot.waitSignal(controller.presenter.presented, timeout=10_000) as blocker:
        controller.connect_profile(profile)
    assert "No key is stored for 'No key'" in blocker.args[0]
