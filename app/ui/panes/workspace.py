"""The workspace of an open session: tags | contacts | details, and the work between them.

Left, the slot for the tags pane (a later issue); centre, the contacts table; right,
the contact's tabs, of which "Details" (the editor) is the first. The workspace loads
the account's custom fields and users once per session, wires the panes together,
and runs the CSV export with progress and Cancel in the status bar.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QMenu, QSplitter, QTabWidget, QToolButton, QVBoxLayout, QWidget

from app.core.contact_fields import catalog
from app.services.session import Session
from app.ui.errors import ErrorPresenter, describe
from app.ui.panes.contact_editor import ContactEditor
from app.ui.panes.contacts import ContactsPane, SettingsLike
from app.ui.panes.session_panes import SessionPanes
from app.ui.status import StatusBar
from app.ui.tasks import Job, TaskRunner

log = logging.getLogger("app.ui.workspace")

SPLITTER_KEY = "splitters/workspace"
DETAILS_KEY = "layout/details_visible"
EXPORT_KEY = "contacts-export"


def default_sizes(width: int) -> list[int]:
    """Tags, contacts, details for a window ``width`` px wide: the table gets the most room,
    the details under a third (its form goes to one column when narrow; see ContactForm)."""
    tags = max(220, min(300, width * 22 // 100))
    details = max(340, width * 30 // 100)
    return [tags, max(300, width - tags - details), details]


class Workspace(QWidget):
    """Signals:
        reference_loaded(): custom fields and users are in; the table is loading.
        export_finished(object): the rows exported (int) or the error.
    """

    reference_loaded = Signal()
    export_finished = Signal(object)

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, status: StatusBar,
                 settings: SettingsLike | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._presenter = presenter
        self._status = status
        self._settings = settings
        self.session: Session | None = None
        self._export_job: Job[int] | None = None

        self.tags_slot = QWidget()
        self.tags_slot.setObjectName("tags_slot")
        tags_layout = QVBoxLayout(self.tags_slot)
        title = QLabel("Tags")
        title.setStyleSheet("font-weight: bold;")
        hint = QLabel("Tags appear here once a connection is open.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid);")
        tags_layout.addWidget(title)
        tags_layout.addWidget(hint)
        tags_layout.addStretch(1)

        self.contacts = ContactsPane(runner, settings)
        self.editor = ContactEditor(runner, presenter)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("contact_tabs")
        self.tabs.addTab(self.editor, "Details")
        self.tabs.setCornerWidget(self._tab_menu_button(), Qt.Corner.TopRightCorner)
        # the session adds Tags, Opportunities, Orders, Subscriptions, Invoices,
        # Linked contacts and Email status (SessionPanes)
        self.session_panes: SessionPanes | None = None

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("workspace_splitter")
        self.splitter.addWidget(self.tags_slot)
        self.splitter.addWidget(self.contacts)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes(default_sizes(1280))
        self.splitter.splitterMoved.connect(lambda *_: self._save_splitter())
        self._default_layout = True  # until the user moves a divider or a saved layout is restored
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._restore_splitter()
        shown = self._settings.value(DETAILS_KEY) if self._settings is not None else None
        self.tabs.setVisible(shown not in (False, "false"))

        model = self.contacts.model
        self._check_current = False  # a new search started: is the edited contact still listed?
        self.contacts.current_changed.connect(self._on_current_changed)
        model.total_changed.connect(lambda _t: self._show_total())
        model.rows_loaded.connect(lambda _n: self._show_total())
        model.load_failed.connect(lambda message: status.show_error(message, model.retry))
        model.query_changed.connect(lambda _q: status.clear_error())
        model.query_changed.connect(lambda _q: setattr(self, "_check_current", True))
        model.rows_loaded.connect(lambda _n: self._keep_or_drop_current())
        self.editor.open_requested.connect(self.contacts.select_contact)
        self.editor.status_message.connect(status.showMessage)

    # -- session -----------------------------------------------------------------------------

    def set_session(self, session: Session | None) -> None:
        self.cancel_export()
        if self.session_panes is not None:
            self.session_panes.close()
            self.session_panes = None
        self.session = session
        if session is not None:
            self.session_panes = SessionPanes(self._runner, self._presenter, session, self.contacts,
                                              self.editor, self.splitter, self.tabs)
        service = session.contacts if session is not None else None
        self.contacts.set_service(service, session.profile_id if session is not None else "")
        self.editor.set_service(service)
        if session is not None:
            self.load_reference()

    def load_reference(self) -> None:
        """Custom fields (for the columns and the form) and users (the owner list), in parallel.

        The table starts as soon as the custom fields are known; the form is built when
        both have arrived, then ``reference_loaded`` is emitted.
        """
        session = self.session
        if session is None:
            return
        service = session.contacts
        found: dict[str, Any] = {}

        def arrived(what: str, value: Any) -> None:
            if self.session is not session:
                return
            found[what] = value
            if what == "custom":
                self.contacts.set_catalog(catalog(value))
            if len(found) == 2:
                self.editor.configure(found["custom"], found["users"])
                self.reference_loaded.emit()

        def failed(error: BaseException) -> None:
            if self.session is session:
                self._status.show_error(f"Could not read the account's fields: {describe(error)[0]}",
                                        self.load_reference)

        self._runner.run(lambda token: service.custom_fields(token), key="workspace-custom-fields",
                         on_done=lambda v: arrived("custom", v), on_error=failed,
                         description="custom fields")
        self._runner.run(lambda token: service.users(token), key="workspace-users",
                         on_done=lambda v: arrived("users", v), on_error=failed, description="users")

    def refresh(self) -> None:
        self._status.clear_error()
        if not self.contacts.catalog:
            self.load_reference()
            return
        self.contacts.refresh()
        self.editor.reload()
        if self.session_panes is not None:
            self.session_panes.refresh()

    def _keep_or_drop_current(self) -> None:
        """After a new search's first rows: the contact in the editor stays only if the search
        still lists it (it is selected again); otherwise the editor empties, unless it holds
        unsaved edits (those are never dropped silently)."""
        if not self._check_current:
            return
        self._check_current = False
        contact_id = self.editor.contact_id
        if contact_id is None or self.editor.mode != "contact" or self.contacts.select_contact(contact_id):
            return
        if not self.editor.dirty:
            self.editor.show_contact(None)
            if self.session_panes is not None:
                self.session_panes.show_contact(None)

    def _on_current_changed(self, contact_id: int | None) -> None:
        if contact_id is not None:
            self.editor.show_contact(contact_id)
        if self.session_panes is not None:
            self.session_panes.show_contact(contact_id)

    def _show_total(self) -> None:
        model = self.contacts.model
        self._status.set_total(model.total, model.loaded, model.counting)

    # -- export ------------------------------------------------------------------------------

    def export_csv(self, path: Path) -> None:
        """Export every row of the current search and columns to ``path`` on a worker."""
        session = self.session
        if session is None or not self.contacts.model.columns:
            return
        service, model = session.contacts, self.contacts.model
        query, columns = model.query, model.columns
        expected = model.known_rows  # lets the read start its parallel calls at once
        cut_ids = model.cut_ids()  # REST v2: every Id range at once, when the table holds every row
        self.cancel_export()

        def work(token: Any) -> int:
            return service.export_csv(path, query, columns, token, expected=expected, cut_ids=cut_ids,
                                      progress=lambda done, total: token.report((done, total)))

        def done(count: int) -> None:
            self._export_job = None
            self._status.end_progress()
            self._status.showMessage(f"Exported {count:,} contacts to {path.name}.", 8000)
            self.export_finished.emit(count)

        def failed(error: BaseException) -> None:
            self._export_job = None
            self._status.end_progress()
            self.export_finished.emit(error)
            self._presenter.present(error, "Exporting contacts")

        self._export_job = self._runner.run(work, on_done=done, on_error=failed, key=EXPORT_KEY,
                                            on_progress=lambda v: self._status.set_progress(*v),
                                            description="export CSV")
        self._status.start_progress(f"Exporting to {path.name}…", self.cancel_export)

    def cancel_export(self) -> None:
        job, self._export_job = self._export_job, None
        if job is not None:
            job.cancel()
            self._status.end_progress()
            self._status.showMessage("Export cancelled; no file was written.", 6000)
            self.export_finished.emit(None)

    @property
    def exporting(self) -> bool:
        return self._export_job is not None

    # -- layout ------------------------------------------------------------------------------

    def _tab_menu_button(self) -> QToolButton:
        """Every tab by name, whether or not its title fits the tab bar (a narrow pane)."""
        button = QToolButton()
        button.setObjectName("all_tabs_button")
        button.setText("All tabs")
        button.setToolTip("Go to any tab of the contact")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setAutoRaise(True)
        menu = QMenu(button)
        menu.aboutToShow.connect(lambda: self._fill_tab_menu(menu))
        button.setMenu(menu)
        return button

    def _fill_tab_menu(self, menu: QMenu) -> None:
        menu.clear()
        for index in range(self.tabs.count()):
            action = menu.addAction(self.tabs.tabText(index))
            action.setCheckable(True)
            action.setChecked(index == self.tabs.currentIndex())
            action.triggered.connect(lambda _checked=False, i=index: self.tabs.setCurrentIndex(i))

    @property
    def details_visible(self) -> bool:
        return not self.tabs.isHidden()

    def set_details_visible(self, visible: bool) -> None:
        """Show or hide the contact's details and tabs (the table takes the room); remembered."""
        self.tabs.setVisible(visible)
        if self._settings is not None:
            self._settings.set_value(DETAILS_KEY, visible)

    def resizeEvent(self, event: QResizeEvent) -> None:  # QWidget.resizeEvent override
        super().resizeEvent(event)
        if self._default_layout and self.splitter.width() > 0:
            self.splitter.setSizes(default_sizes(self.splitter.width()))

    def _restore_splitter(self) -> None:
        if self._settings is None:
            return
        state = self._settings.value(SPLITTER_KEY)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self._default_layout = not self.splitter.restoreState(state)

    def _save_splitter(self) -> None:
        self._default_layout = False
        if self._settings is not None:
            self._settings.set_value(SPLITTER_KEY, self.splitter.saveState())
