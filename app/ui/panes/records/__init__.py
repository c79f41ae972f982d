"""Tabs of the contact detail view for a contact's linked records.

The lead adds them to the detail ``QTabWidget`` and forwards selection changes::

    service = make_records_service(session.client)
    tabs = create_record_tabs(runner, presenter, service)
    for title, tab in tabs:
        detail_tabs.addTab(tab, title)
    ...
    for _title, tab in tabs:
        tab.set_contact(contact_id, (email, email2, email3))

Each tab loads when it is first shown, on a worker, and a new selection cancels the
load for the old one.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.services.records import RecordsService
from app.ui.dialog_host import Prompts, PromptsLike
from app.ui.errors import ErrorPresenter
from app.ui.panes.records.base import RecordTab
from app.ui.panes.records.email_status import EmailStatusTab
from app.ui.panes.records.invoices import InvoicesTab
from app.ui.panes.records.linked import LinkedContactsTab
from app.ui.panes.records.opportunities import OpportunitiesTab
from app.ui.panes.records.orders import OrdersTab
from app.ui.panes.records.subscriptions import SubscriptionsTab
from app.ui.tasks import TaskRunner

TAB_CLASSES: tuple[type[RecordTab], ...] = (
    OpportunitiesTab, OrdersTab, SubscriptionsTab, InvoicesTab, LinkedContactsTab, EmailStatusTab,
)


def create_record_tabs(runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService, *,
                       prompts: PromptsLike | None = None,
                       parent: QWidget | None = None) -> list[tuple[str, RecordTab]]:
    """The record tabs in order, as (title, widget), sharing one set of prompts."""
    shared = prompts or Prompts()
    return [(cls.title, cls(runner, presenter, service, parent, prompts=shared)) for cls in TAB_CLASSES]


__all__ = [
    "TAB_CLASSES",
    "EmailStatusTab",
    "InvoicesTab",
    "LinkedContactsTab",
    "OpportunitiesTab",
    "OrdersTab",
    "Prompts",
    "RecordTab",
    "SubscriptionsTab",
    "create_record_tabs",
]
