"""Opening one record tab for a contact, as the record-tab tests do."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from app.services.records import RecordsService
from app.ui.errors import ErrorPresenter
from app.ui.panes.records import OrdersTab, RecordTab
from app.ui.tasks import TaskRunner
from tests.gui.change_support import follow_changes
from tests.records_support import WAIT, FakePrompts


def open_tab(qtbot: QtBot, cls: type[RecordTab], runner: TaskRunner, presenter: ErrorPresenter,
             service: RecordsService, contact_id: int,
             emails: tuple[str, ...] = ()) -> tuple[Any, FakePrompts]:
    """A tab for one contact, shown, with its records (and an order tab's images) loaded."""
    prompts = FakePrompts()
    tab = cls(runner, presenter, service, prompts=prompts)
    qtbot.addWidget(tab)
    follow_changes(tab, service)
    tab.resize(1000, 520)
    tab.set_contact(contact_id, emails)
    signals = [tab.loaded, tab.images_loaded] if isinstance(tab, OrdersTab) else [tab.loaded]
    with qtbot.waitSignals(signals, timeout=WAIT):
        tab.show()
    return tab, prompts
