"""The application controller: builds the window and answers what the user asks of it.

The main window only emits intents (connect, try the demo, manage connections, reset
the demo); this controller turns them into dialogs and background jobs, hands the
resulting :class:`Session` to the window, and on quit closes the session, cancels
work and saves the window layout. :func:`run` is what ``tagdesk`` executes.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QSize, QSocketNotifier, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMainWindow

from app import __version__
from app.api import errors as e
from app.core.cancel import CancelToken
from app.logging_setup import READY_MARKER, install_excepthook
from app.resources import APP_ICON_SVG, ICON_SIZES, icon_png, resource_path
from app.services.connection_test import verify_key
from app.services.demo import DemoLauncher
from app.services.paths import APP_AUTHOR, APP_NAME, AppPaths
from app.services.profiles import Profile, ProfileStore, build_client
from app.services.secrets import SecretStore, SecretStoreError, default_store
from app.services.session import Session, open_session
from app.ui import collector
from app.ui.compat import tune_for_gui
from app.ui.dialog_host import ask
from app.ui.dialogs.connections import ConnectionsDialog
from app.ui.errors import ErrorPresenter
from app.ui.logs import install_qt_message_handler
from app.ui.main_window import MainWindow
from app.ui.settings import Settings
from app.ui.tasks import TaskRunner

log = logging.getLogger("app.ui.app")

def app_icon() -> QIcon | None:
    """The window icon, found the one way ``--self-test`` checks (:mod:`app.resources`):
    the SVG plus every rendered PNG size, from the checkout or the frozen bundle."""
    svg = resource_path(APP_ICON_SVG)
    if not svg.is_file():
        return None
    icon = QIcon(str(svg))
    for size in ICON_SIZES:
        png = resource_path(icon_png(size))
        if png.is_file():
            icon.addFile(str(png), QSize(size, size))
    return icon


class AppController(QObject):
    """Owns the runner, the error presenter, the window and the open session.

    Signals:
        session_changed(object): the new :class:`Session`, or None.
        busy_changed(bool): a connect/demo job started or ended (tests wait on it).
    """

    session_changed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, paths: AppPaths, *, secrets: SecretStore | None = None, interactive: bool = True,
                 parent: QObject | None = None, demo_protocol: str = "rest") -> None:
        super().__init__(parent)
        self.paths = paths.ensure()
        self.interactive = interactive
        self.settings = Settings(paths.settings_file)
        self.profiles = ProfileStore(paths.profiles_file)
        self.secrets = secrets or default_store()
        self.runner = TaskRunner(self)
        self.presenter = ErrorPresenter(self, interactive=interactive)
        self.runner.unhandled_error.connect(self.presenter.present)
        self.demo = DemoLauncher(paths.demo_db, protocol=demo_protocol)
        self.session: Session | None = None
        self.connections_dialog: ConnectionsDialog | None = None
        self._shut_down = False

        self.window = MainWindow(self.runner, self.presenter, settings=self.settings)
        self.window.data_dir = paths.data_dir
        self.presenter.window = self.window
        if isinstance(self.window, QMainWindow):
            bar = self.window.statusBar()
            self.presenter.status_message.connect(bar.showMessage)
        self.presenter.reconnect_requested.connect(self.open_connections)
        self.window.connect_requested.connect(self.open_connections)
        self.window.manage_connections_requested.connect(self.open_connections)
        self.window.demo_requested.connect(self.start_demo)
        self.window.reset_demo_requested.connect(self.reset_demo)

    # -- showing ------------------------------------------------------------------------------

    def show(self, *, demo: bool = False) -> None:
        """Show the window (welcome page first); ``demo`` opens the demo straight away."""
        geometry = self.settings.window_geometry()
        if geometry is None or not self.window.restoreGeometry(geometry):
            self._fit_to_screen()
        state = self.settings.window_state()
        if state is not None and isinstance(self.window, QMainWindow):
            self.window.restoreState(state)
        self.window.set_session(None)
        self.window.show()
        log.info("%s (profiles: %d)", READY_MARKER, len(self.profiles))
        if demo:
            self.start_demo()

    def _fit_to_screen(self) -> None:
        """First start: keep the default size, but never larger than the screen (small laptops)."""
        screen = self.window.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        width = min(self.window.width(), int(area.width() * 0.95))
        height = min(self.window.height(), int(area.height() * 0.92))
        self.window.resize(width, height)
        frame = self.window.frameGeometry()
        frame.moveCenter(area.center())
        self.window.move(frame.topLeft())

    def status(self, text: str, msecs: int = 0) -> None:
        if isinstance(self.window, QMainWindow):
            self.window.statusBar().showMessage(text, msecs)

    # -- demo ---------------------------------------------------------------------------------

    def start_demo(self) -> None:
        """Start the sandbox on a worker and show its session."""
        if self.session is not None and self.session.demo and not self.session.closed:
            self.status("The demo is already open.", 4000)
            return
        self.status("Starting the demo…")
        self.busy_changed.emit(True)
        self.runner.run(lambda _t: self._with_journal(self.demo.start()), on_done=self._session_opened,
                        on_error=lambda err: self._failed(err, "Starting the demo"), key="open-session",
                        description="start demo")

    def reset_demo(self) -> None:
        """Ask, then re-seed the demo data on a worker and refresh the window."""
        if not self.demo.running or self.session is None or not self.session.demo:
            self.status("Reset demo data applies to the demo only.", 5000)
            return
        self.confirm("Reset the demo data? Every change made in the demo is thrown away.", self._reset_demo)

    def _reset_demo(self) -> None:
        self.status("Resetting the demo data…")
        self.busy_changed.emit(True)
        self.runner.run(lambda _t: self.demo.reset(), on_done=lambda _v: self._demo_reset(),
                        on_error=lambda err: self._failed(err, "Resetting the demo"), lane="write",
                        description="reset demo")

    def _demo_reset(self) -> None:
        self.busy_changed.emit(False)
        self.window.refresh()  # the data changed under every pane: read all of it again
        self.status("The demo data was reset.", 5000)

    # -- real connections ---------------------------------------------------------------------

    def open_connections(self, select_id: str | None = None) -> ConnectionsDialog:
        """Show the Connections dialog (last used profile preselected); Connect opens a session."""
        if self.connections_dialog is not None:
            self.connections_dialog.raise_()
            self.connections_dialog.activateWindow()
            return self.connections_dialog
        self.profiles.load()
        dialog = ConnectionsDialog(self.profiles, self.secrets, self.runner, self.window,
                                   select_id=select_id if isinstance(select_id, str) else None)
        self.connections_dialog = dialog

        def finished(result: int) -> None:
            self.connections_dialog = None
            chosen = dialog.chosen if result == ConnectionsDialog.DialogCode.Accepted else None
            dialog.deleteLater()
            if chosen is not None:
                self.connect_profile(chosen)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def connect_profile(self, profile: Profile) -> None:
        """Read the key, check it with one echo, and open a session; all on a worker."""
        secrets = self.secrets

        def connect(token: CancelToken) -> Session:
            try:
                key = secrets.get_key(profile.id)
            except SecretStoreError as err:
                raise e.AuthError(str(err)) from None
            if not key:
                raise e.AuthError(f"No key is stored for {profile.name!r}. Open Connections, paste the "
                                  "key and connect again.")
            client = build_client(profile, key)
            try:
                verify_key(client, token)
                return self._with_journal(open_session(profile.name, client, profile_id=profile.id))
            except BaseException:
                client.close()
                raise

        self.status(f"Connecting to {profile.name}…")
        self.busy_changed.emit(True)
        self.runner.run(connect, on_done=self._session_opened,
                        on_error=lambda err: self._failed(err, f"Connecting to {profile.name}"),
                        key="open-session", description=f"connect {profile.name}")

    # -- session handling ---------------------------------------------------------------------

    def _with_journal(self, session: Session) -> Session:
        """Open the connection's change journal (on the worker) and hook it into every write."""
        from app.journal import Journal

        try:
            journal = Journal.open(self.paths.data_dir, session.profile_id)
        except Exception:  # the app still works without one; the user is told in the log
            log.exception("could not open the change journal for %s", session.profile_name)
            return session
        journal.attach(session)
        session.journal = journal
        session.on_close.append(journal.close)
        return session

    def _session_opened(self, session: Session) -> None:
        self.busy_changed.emit(False)
        if self._shut_down:
            session.close()
            return
        old, self.session = self.session, session
        self.window.set_session(session)
        if old is not None and old is not session:
            old.close()
        where = "the demo" if session.demo else session.profile_name
        self.status(f"Connected to {where}.", 5000)
        log.info("session open: %s (demo=%s)", session.profile_name, session.demo)
        self.session_changed.emit(session)
        self.window.journal_actions.check_unfinished()

    def _failed(self, error: BaseException, context: str) -> None:
        self.busy_changed.emit(False)
        self.status("")
        self.presenter.present(error, context)

    def confirm(self, text: str, then: Callable[[], None]) -> None:
        """A yes/cancel question over the window; ``then()`` after yes (at once when not
        interactive: tests)."""
        if not self.interactive:
            then()
            return
        ask(self.window, APP_NAME, text, then)

    def shutdown(self) -> None:
        """Save the layout, stop background work, close the session and the demo (once)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.settings.set_window_geometry(self.window.saveGeometry())
        if isinstance(self.window, QMainWindow):
            self.settings.set_window_state(self.window.saveState())
        self.settings.sync()
        self.runner.shutdown(10_000)
        if self.session is not None:
            self.session.close()
            self.session = None
        self.demo.stop()
        log.info("TagDesk shut down")


# -- the program --------------------------------------------------------------------------------


_keep_alive: list[object] = []


def _quit_on_signals(app: QApplication) -> None:
    """Quit cleanly (exit code 0, layout saved) on SIGTERM and Ctrl+C.

    Python runs signal handlers only between bytecodes, which never happen while Qt's
    event loop waits; a wakeup socket watched by Qt brings control back at once.
    """
    if sys.platform == "win32":
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda n, _f: log.info("received signal %d; quitting", n))
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def wake() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        app.quit()

    notifier.activated.connect(wake)
    _keep_alive.extend((reader, writer, notifier))


def create_application(argv: list[str]) -> QApplication:
    """The QApplication, named and with its icon; the interpreter tuned for a GUI (once, here)."""
    tune_for_gui()  # workers decoding replies must not starve the GUI thread of the GIL
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    collector.install(app)  # garbage is collected on this thread, between events
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.tagdesk.TagDesk")
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


def run(paths: AppPaths, *, demo: bool = False, argv: list[str] | None = None, protocol: str = "rest") -> int:
    """Start the GUI and return the exit code (logging is already set up by the caller)."""
    app = create_application(argv or [sys.argv[0]])
    install_qt_message_handler()
    controller = AppController(paths, demo_protocol=protocol)
    install_excepthook(lambda exc: controller.presenter.present(exc, "Unexpected error"))
    app.aboutToQuit.connect(controller.shutdown)
    _quit_on_signals(app)
    controller.show(demo=demo)
    code = app.exec()
    controller.shutdown()
    log.info("exit code %d", code)
    return int(code)

