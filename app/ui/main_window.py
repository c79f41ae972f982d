"""The main window: menus, toolbar, status bar, and either the welcome page or the workspace.

Thin on purpose. The panes do the work (:mod:`app.ui.panes`); the window holds the
actions and emits *intents* the application controller answers (connect, try the
demo, manage connections, reset the demo, quit). :meth:`MainWindow.set_session`
switches between the welcome page (None) and the workspace of a session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from app.logging_setup import log_folder
from app.resources import user_guide_path
from app.services.session import Session
from app.ui.dialog_host import ask, show_dialog
from app.ui.dialogs.help import AboutDialog, GuideDialog, PathDialog, ShortcutsDialog, about_text
from app.ui.errors import ErrorPresenter
from app.ui.journal_ui import JournalActions
from app.ui.panes.contact_editor import ContactEditor
from app.ui.panes.contacts import ContactsPane, SettingsLike
from app.ui.panes.session_panes import SessionPanes
from app.ui.panes.welcome import WelcomePage
from app.ui.panes.workspace import Workspace
from app.ui.status import StatusBar
from app.ui.tasks import TaskRunner

log = logging.getLogger("app.ui.window")

APP_TITLE = "TagDesk"


class MainWindow(QMainWindow):
    """Signals (intents for the application controller):
        connect_requested(): "Connect to Keap" on the welcome page.
        demo_requested(): "Try the demo".
        manage_connections_requested(): File > Connections….
        reset_demo_requested(): File > Reset demo data (demo sessions only).
        quit_requested(): File > Quit (the window then closes).
    """

    connect_requested = Signal()
    demo_requested = Signal()
    manage_connections_requested = Signal()
    reset_demo_requested = Signal()
    quit_requested = Signal()

    def __init__(self, runner: TaskRunner, presenter: ErrorPresenter, *, settings: SettingsLike | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.runner = runner
        self.presenter = presenter
        self.settings = settings
        self.session: Session | None = None
        self.data_dir: Path | None = None  # set by the application (shown in About)
        self.active_dialog: QDialog | None = None  # the dialog showing (see app/ui/dialog_host.py)
        self._discard_on_close = False
        self.resize(1360, 840)

        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        runner.in_flight_changed.connect(self.status.set_in_flight)

        self.welcome = WelcomePage()
        self.welcome.connect_clicked.connect(self.connect_requested)
        self.welcome.demo_clicked.connect(self.demo_requested)
        self.workspace = Workspace(runner, presenter, self.status, settings)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)

        self._make_actions()
        self.journal_actions = JournalActions(self, runner, presenter)
        self._make_menus()
        self.editor.dirty_changed.connect(lambda _d: self._update_actions())
        self.editor.busy_changed.connect(lambda _b: self._update_actions())
        self.contacts.model.modelReset.connect(self._update_actions)
        self.workspace.export_finished.connect(lambda _r: self._update_actions())
        self.set_session(None)

    # -- parts, for the controller and tests -------------------------------------------------

    @property
    def contacts(self) -> ContactsPane:
        return self.workspace.contacts

    @property
    def editor(self) -> ContactEditor:
        return self.workspace.editor

    # -- session -----------------------------------------------------------------------------

    def set_session(self, session: Session | None) -> None:
        """None shows the welcome page; a session shows its workspace."""
        self.session = session
        self.workspace.set_session(session)
        self.status.set_session(session)
        self.journal_actions.set_session(session)
        if session is None:
            self.setWindowTitle(APP_TITLE)
            self.stack.setCurrentWidget(self.welcome)
        else:
            self.setWindowTitle(f"{APP_TITLE} — {session.title}")
            self.stack.setCurrentWidget(self.workspace)
        self._update_actions()

    def refresh(self) -> None:
        """Reload the current search and contact (View > Refresh, after a demo reset)."""
        if self.session is not None:
            self.workspace.refresh()

    # -- actions -----------------------------------------------------------------------------

    def _action(self, text: str, slot: object,
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_connections = self._action("&Connections…", self.manage_connections_requested,
                                            tip="Add, edit or switch Keap connections")
        self.act_export = self._action("&Export CSV…", lambda: self.export_csv(), "Ctrl+E",
                                       "Export every row of the current search to a CSV file")
        self.act_import = self._action("&Import contacts\u2026", lambda: self.import_contacts(), "Ctrl+I",
                                       "Import a CSV file: map its columns, see a dry run, then import")
        self.act_reset_demo = self._action("&Reset demo data…", self.reset_demo_requested,
                                           tip="Throw away every change made in the demo")
        self.act_quit = self._action("&Quit", self._quit, K.Quit)
        self.act_copy = self._action("&Copy", self.copy, K.Copy, "Copy the selected cells")
        self.act_find = self._action("&Find", lambda: self.contacts.focus_search(), K.Find,
                                     "Search contacts by name, e-mail, company or phone")
        self.act_filter = self._action("&Filter…", lambda: self.contacts.open_filter_dialog(),
                                       "Ctrl+Shift+F", "Show only contacts that match conditions")
        self.act_columns = self._action("C&olumns…", lambda: self.contacts.open_columns_dialog(),
                                        tip="Choose the columns of the contacts table")
        self.act_refresh = self._action("&Refresh", self.refresh, K.Refresh, "Load the search again (F5)")
        self.act_new = self._action("&New contact", lambda: self.editor.new_contact(), K.New,
                                    "Start a new contact (Ctrl+N)")
        self.act_save = self._action("&Save", lambda: self.editor.save(), K.Save, "Save the contact (Ctrl+S)")
        self.act_revert = self._action("Re&vert", lambda: self.editor.request_revert(), "Esc",
                                       "Put back the values from Keap (Esc)")
        self.act_delete = self._action("&Delete…", lambda: self.editor.delete(),
                                       tip="Delete the contact from Keap")
        self.act_tags_selected = self._action(
            "&Apply or remove tags on selected contacts…",
            lambda: self._panes(SessionPanes.bulk_tags_on_selection), "Ctrl+T",
            "Dry run first: what changes, how many calls, how long")
        self.act_tags_search = self._action(
            "Apply or remove tags on &every matching contact…",
            lambda: self._panes(SessionPanes.bulk_tags_on_search), "Ctrl+Shift+T",
            "Every contact of the current search, filter and tag selection")
        self.act_tag_health = self._action("Tag &health…", lambda: self._panes(SessionPanes.tag_health),
                                           tip="Empty, undocumented and near-duplicate tags; merge, retire")
        self.act_duplicates = self._action(
            "Find &duplicates…", lambda: self._panes(SessionPanes.find_duplicates),
            tip="Contacts sharing an e-mail, a phone, or a name and company; merge them")
        self.act_goal = self._action("Achieve &goal…", lambda: self._panes(SessionPanes.achieve_goal),
                                     tip="Complete an \"API call\" campaign goal for the selected contacts")
        self.act_details = self._action("&Details pane", self.workspace.set_details_visible, "Ctrl+Shift+D",
                                        "Show or hide the contact's details and tabs")
        self.act_details.setCheckable(True)
        self.act_details.setChecked(self.workspace.details_visible)
        self.act_logs = self._action("Open &log folder", self.open_log_folder)
        self.act_guide = self._action("TagDesk &user guide", self.show_guide,
                                      tip="How TagDesk works: the window, connections, the journal")
        self.act_guide.setEnabled(user_guide_path() is not None)
        self.act_shortcuts = self._action("&Keyboard shortcuts", self.show_shortcuts, "F1")
        self.act_about = self._action("&About TagDesk", self.about)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.act_connections, self.act_import, self.act_export])
        file_menu.addSeparator()
        file_menu.addAction(self.act_reset_demo)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.journal_actions.undo_action)
        edit_menu.addSeparator()
        edit_menu.addActions([self.act_copy, self.act_find])
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.act_filter, self.act_columns])
        view_menu.addAction(self.journal_actions.history_action)
        view_menu.addAction(self.act_details)
        view_menu.addSeparator()
        view_menu.addAction(self.act_refresh)
        contact_menu = bar.addMenu("&Contact")
        contact_menu.addActions([self.act_new, self.act_save, self.act_revert])
        contact_menu.addSeparator()
        contact_menu.addAction(self.act_duplicates)
        contact_menu.addAction(self.act_goal)
        contact_menu.addSeparator()
        contact_menu.addAction(self.act_delete)
        tags_menu = bar.addMenu("&Tags")
        tags_menu.addActions([self.act_tags_selected, self.act_tags_search])
        tags_menu.addSeparator()
        tags_menu.addAction(self.act_tag_health)
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.act_guide, self.act_shortcuts, self.act_logs])
        help_menu.addSeparator()
        help_menu.addAction(self.act_about)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.addActions([self.act_new, self.act_save, self.act_revert, self.act_delete])
        toolbar.addSeparator()
        toolbar.addActions([self.act_refresh, self.act_filter, self.act_columns, self.act_export])
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _update_actions(self) -> None:
        open_ = self.session is not None
        ready = open_ and bool(self.contacts.model.columns)
        editor = self.editor
        for action in (self.act_filter, self.act_columns, self.act_find, self.act_copy):
            action.setEnabled(ready)
        self.act_refresh.setEnabled(open_)
        for action in (self.act_tags_selected, self.act_tags_search, self.act_tag_health, self.act_goal,
                       self.act_duplicates, self.act_import):
            action.setEnabled(ready)
        self.act_export.setEnabled(ready and not self.workspace.exporting)
        self.act_reset_demo.setEnabled(open_ and self.session is not None and self.session.demo)
        self.act_reset_demo.setVisible(self.session is None or self.session.demo)
        self.act_new.setEnabled(open_ and not editor.busy)
        self.act_save.setEnabled(editor.dirty and not editor.busy)
        self.act_revert.setEnabled(editor.dirty or editor.mode == "new")
        self.act_delete.setEnabled(editor.mode == "contact" and not editor.busy)
        self.toolbar.setVisible(open_)

    # -- commands ----------------------------------------------------------------------------

    def copy(self) -> None:
        """Copy the focused text, or the selected table cells (tab-separated)."""
        focus = QApplication.focusWidget()
        if focus is not None and focus is not self.contacts.view and hasattr(focus, "copy"):
            focus.copy()
            return
        text = self.contacts.copy_selection()
        if text:
            self.status.showMessage(f"Copied {text.count(chr(10)) + 1} row(s).", 3000)

    def export_csv(self, path: Path | None = None) -> None:
        """Ask where (unless ``path`` is given) and export the current search in the background."""
        if self.session is None:
            return
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export contacts",
                                                    str(self.export_folder() / "contacts.csv"),
                                                    "CSV files (*.csv)")
            if not chosen:
                return
            path = Path(chosen)
            if self.settings is not None:
                self.settings.set_value("export/folder", str(path.parent))
        self.workspace.export_csv(path)
        self._update_actions()

    def import_contacts(self, path: Path | None = None) -> None:
        """Ask for a CSV file (unless ``path`` is given) and open the import dialog on it."""
        if self.session is None:
            return
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Import contacts", str(self.export_folder()),
                                                    "CSV files (*.csv *.txt);;All files (*)")
            if not chosen:
                return
            path = Path(chosen)
        chosen_path = path
        self._panes(lambda panes, parent: panes.import_contacts(parent, chosen_path, self.settings))

    def _panes(self, command: Callable[[SessionPanes, QWidget], object]) -> None:
        """Run a command of the session's panes (tags and records), if a session is open."""
        panes = self.workspace.session_panes
        if panes is not None:
            command(panes, self)

    def export_folder(self) -> Path:
        """Where Export CSV starts: the folder used last, else the user's documents folder."""
        last = self.settings.value("export/folder") if self.settings is not None else None
        if isinstance(last, str) and Path(last).is_dir():
            return Path(last)
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(documents) if documents and Path(documents).is_dir() else Path.home()

    def open_log_folder(self) -> PathDialog | None:
        """Open the log folder; where nothing can open folders, show its path to copy."""
        folder = log_folder()
        if folder is None:
            self.status.showMessage("Logging to a file is not set up in this run.", 5000)
            return None
        self.status.showMessage(f"Log folder: {folder}", 10_000)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return None
        return show_dialog(self, PathDialog(self, "Log folder", folder))

    def about(self) -> AboutDialog:
        protocol = self.session.protocol if self.session is not None else None
        return show_dialog(self, AboutDialog(self, about_text(protocol, self.data_dir, log_folder())))

    def show_guide(self) -> GuideDialog | None:
        path = user_guide_path()
        return show_dialog(self, GuideDialog(self, path)) if path is not None else None

    def show_shortcuts(self) -> ShortcutsDialog:
        return show_dialog(self, ShortcutsDialog(self, self.actions()))

    def _quit(self) -> None:
        self.quit_requested.emit()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # QWidget.closeEvent override
        if self.editor.dirty and self.presenter.interactive and not self._discard_on_close:
            event.ignore()  # ask without a nested event loop; "Discard" closes again

            def discard_and_close() -> None:
                self._discard_on_close = True
                self.close()

            ask(self, APP_TITLE, "The contact has unsaved changes. Quit and lose them?", discard_and_close,
                yes="Discard", icon=QMessageBox.Icon.Warning)
            return
        self.workspace.cancel_export()
        super().closeEvent(event)
