"""Logging for the whole app: one rotating file, named loggers per layer, no secrets.

Loggers: ``app.api``, ``app.services``, ``app.ui``, ``app.tasks``, ``app.sandbox``
(Qt's own messages arrive on ``app.ui.qt`` through a handler installed from app/ui).
Every handler gets :class:`RedactingFilter` and a formatter that redacts the whole
formatted record, tracebacks included, so a registered key never reaches a file.
No Qt here: the crash dialog is a callback the UI passes to :func:`install_excepthook`.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from app.core.redact import RedactingFilter, redact
from app.services.paths import LOG_FILE

LAYERS = ("app.api", "app.services", "app.ui", "app.tasks", "app.sandbox")
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5

#: Marker lines other tools (the end-to-end test, support) can wait for in the log.
READY_MARKER = "TagDesk main window ready"

log = logging.getLogger("app")

_handlers: list[logging.Handler] = []
_log_file: Path | None = None
_previous_hooks: tuple[object, object] | None = None


class RedactingFormatter(logging.Formatter):
    """Masks registered secrets in the full output, exception text included."""

    def format(self, record: logging.LogRecord) -> str:  # logging.Formatter.format override
        return redact(super().format(record))


def setup_logging(log_dir: Path, *, debug: bool = False, console: bool = False) -> Path:
    """Start logging to ``log_dir/tagdesk.log`` (rotating, 2 MB x 5); return the file's path.

    Calling it again replaces the handlers it added before (tests, a second window).
    """
    global _log_file
    teardown_logging()
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                        encoding="utf-8", delay=False)
    handlers: list[logging.Handler] = [file_handler]
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(RedactingFormatter(FORMAT))
        handler.addFilter(RedactingFilter())
        handler.setLevel(logging.DEBUG if debug else logging.INFO)
    app_logger = logging.getLogger("app")
    app_logger.setLevel(logging.DEBUG if debug else logging.INFO)
    root = logging.getLogger()
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)  # third-party libraries: warnings and worse only
    for handler in handlers:
        root.addHandler(handler)
    _handlers.extend(handlers)
    # every handler, also ones installed by others (a test runner's), masks secrets
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    for name in LAYERS:
        logging.getLogger(name)  # create them, so their names are known and listed
    logging.captureWarnings(True)
    _log_file = path
    log.info("logging to %s (debug=%s)", path, debug)
    return path


def teardown_logging() -> None:
    """Remove and close the handlers :func:`setup_logging` added."""
    global _log_file
    root = logging.getLogger()
    while _handlers:
        handler = _handlers.pop()
        root.removeHandler(handler)
        handler.close()
    logging.captureWarnings(False)
    _log_file = None


def log_file() -> Path | None:
    """The current log file, or None before :func:`setup_logging`."""
    return _log_file


def log_folder() -> Path | None:
    return _log_file.parent if _log_file is not None else None


ExceptionViewer = Callable[[BaseException], None]


def install_excepthook(show: ExceptionViewer | None = None) -> None:
    """Log every uncaught exception with its traceback, then let ``show`` tell the user.

    Covers the main thread (and Qt slots, which PySide6 routes through sys.excepthook)
    and other threads. ``show`` runs on the GUI thread's terms: the UI decides how.
    """
    global _previous_hooks
    if _previous_hooks is None:
        _previous_hooks = (sys.excepthook, threading.excepthook)
    showing = threading.local()

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        logging.getLogger("app").critical("uncaught exception", exc_info=(exc_type, exc, tb))
        if show is None or getattr(showing, "active", False):
            return
        showing.active = True
        try:
            show(exc)
        except Exception:  # the crash dialog itself must not crash the app
            logging.getLogger("app").exception("could not show the error dialog")
        finally:
            showing.active = False

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        exc = args.exc_value or args.exc_type()
        logging.getLogger("app").critical("uncaught exception in thread %s",
                                          args.thread.name if args.thread else "?",
                                          exc_info=(args.exc_type, exc, args.exc_traceback))

    sys.excepthook = hook
    threading.excepthook = thread_hook


def uninstall_excepthook() -> None:
    global _previous_hooks
    if _previous_hooks is not None:
        sys.excepthook, threading.excepthook = _previous_hooks  # type: ignore[assignment]
        _previous_hooks = None
