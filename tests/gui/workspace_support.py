"""Helpers for the workspace GUI tests: a settings stand-in and a window on a sandbox session."""

from __future__ import annotations

import string
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.rest import RestClient
from app.api.xmlrpc import XmlRpcClient
from app.api.xmlrpc.policy import RetryPolicy
from app.api.xmlrpc.ratelimit import Limits
from app.services.session import Session, open_session
from app.ui.errors import ErrorPresenter
from app.ui.main_window import MainWindow
from app.ui.panes.session_panes import SessionPanes
from app.ui.tasks import TaskRunner

FAST_RETRY = RetryPolicy(max_attempts=3, max_total_seconds=10, base_seconds=0.01, max_wait_seconds=0.05)
WAIT = 15_000
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class MemorySettings:
    """The two methods MainWindow needs of app/ui/settings.py, in memory."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def value(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.data[key] = value


#: The protocol sessions of this test speak; set per test by the ``gui_protocol`` fixture.
PROTOCOL = {"value": "xmlrpc"}


@pytest.fixture(autouse=True, params=["rest", "xmlrpc"])
def gui_protocol(request: pytest.FixtureRequest) -> Any:
    """Import into a test module to run each of its tests over both protocols (autouse there).

    Tests marked ``xmlrpc_only`` (behaviour only XML-RPC has) are deselected for REST.
    """
    PROTOCOL["value"] = str(request.param)
    yield request.param
    PROTOCOL["value"] = "xmlrpc"


def make_session(sb: Any, name: str = "Test account", *, demo: bool = True,
                 protocol: str | None = None) -> Session:
    protocol = protocol or PROTOCOL["value"]
    client: XmlRpcClient | RestClient
    if protocol == "rest":
        client = RestClient(sb.rest_host, sb.key, retry=FAST_RETRY, limits=Limits(None, None, None))
    else:
        client = XmlRpcClient(sb.url, sb.key, retry=FAST_RETRY, limits=Limits(None, None, None))
    rest = protocol == "rest"
    return open_session(name, client, demo=demo, cart_base_url=sb.base_url if rest else None,
                        app_name=sb.config.app_name if rest else None)


def open_window(qtbot: QtBot, runner: TaskRunner, sb: Any, settings: MemorySettings | None = None,
                *, wait_rows: bool = True) -> MainWindow:
    """A MainWindow on a fresh session of ``sb``, its fields known and first rows in."""
    presenter = ErrorPresenter(interactive=False)
    runner.unhandled_error.connect(presenter.present)
    window = MainWindow(runner, presenter, settings=settings if settings is not None else MemorySettings())
    window.presenter_for_tests = presenter  # type: ignore[attr-defined]
    qtbot.addWidget(window)
    session = make_session(sb)
    with qtbot.waitSignal(window.workspace.reference_loaded, timeout=WAIT):
        window.set_session(session)
    if wait_rows:
        model = window.contacts.model
        qtbot.waitUntil(lambda: model.loaded > 0 and not model.loading, timeout=WAIT)
        # the session's tags pane loads its tree and member counts alongside: let it settle,
        # so a test's injected faults hit only the calls the test makes
        panes = window.workspace.session_panes
        assert panes is not None
        qtbot.waitUntil(lambda: panes.tags_pane.model.counts_complete, timeout=WAIT)
    return window


def like(value: object, text: str) -> bool:
    """LIKE '%text%' for ASCII text, case-insensitive, as the sandbox matches."""
    return isinstance(value, str) and text.translate(_LOWER) in value.translate(_LOWER)


def select_row(window: MainWindow, row: int) -> int:
    """Make ``row`` current in the table; return its contact Id."""
    view = window.contacts.view
    view.setCurrentIndex(window.contacts.model.index(row, 1))
    contact_id = window.contacts.model.contact_id(row)
    assert contact_id is not None
    return contact_id


def wait_loaded(qtbot: QtBot, window: MainWindow, contact_id: int) -> None:
    editor = window.editor
    qtbot.waitUntil(lambda: editor.mode == "contact" and editor.contact_id == contact_id, timeout=WAIT)


def panes_of(window: MainWindow) -> SessionPanes:
    """The open session's panes (tags pane, tags tab, record tabs, change router)."""
    panes = window.workspace.session_panes
    assert panes is not None
    return panes


def close_window(runner: TaskRunner, window: MainWindow) -> None:
    """Stop the window's background work and close its session (fixture teardown)."""
    runner.cancel_all()
    assert runner.wait_idle(20_000)
    session = window.session
    window.set_session(None)
    if session is not None:
        session.close()
