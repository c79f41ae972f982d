"""Process-wide settings and checks the Qt binding needs.

:func:`refuse_leaking_binding`: PySide6 6.12.0 returns ``True`` from
``SignalInstance.emit()`` without taking a new reference. On Python 3.11, where
``True`` is an ordinary reference-counted object, every ``emit()`` lowers its count
by one, and after a few hundred signals the interpreter aborts ("bool_dealloc").
pyproject.toml keeps PySide6 below 6.12; should a leaking build be installed anyway,
the task runner refuses to start with a message that says what to install, instead
of crashing at a random moment later.

:func:`tune_for_gui` belongs here for the same reason (process-wide interpreter settings
a GUI needs; made once at start-up by :func:`app.ui.app.create_application`, never as a
side effect of building an object): worker threads decoding replies hold the GIL, and a
GUI thread waiting for it freezes; painting the table calls into Python once per visible
cell, so each wait counts hundreds of times. A 0.5 ms switch interval (instead of 5 ms)
hands the GIL back to the GUI thread sooner (a forced switch happens only when another
thread asks for the GIL, so an idle GUI costs the workers nothing), and ``gc.freeze()``
moves the start-up objects (Qt wrappers, modules) out of the collector's sight. The
collector's automatic runs are switched off by :mod:`app.ui.collector`, which collects on
the GUI thread between events instead: an automatic run starts on whatever thread
allocates, so a worker parsing a reply could free a GUI object (a crash) or a run could
start inside Qt's signal handling (a deadlock), and parsing a 1,000-row reply builds
~100,000 short-lived XML elements whose promotions trigger full collections of 40-100 ms.
"""

from __future__ import annotations

import gc
import logging
import sys

log = logging.getLogger("app.ui")

_state: dict[str, bool] = {}


class LeakingBindingError(RuntimeError):
    """The installed PySide6 has the emit() reference leak that crashes the app."""


def emit_leaks_true() -> bool:
    """Whether ``Signal.emit()`` drops a reference to ``True`` it never took."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False  # True is immortal there: the leak cannot hurt
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return before - sys.getrefcount(True) >= 8


def refuse_leaking_binding() -> None:
    """Raise :class:`LeakingBindingError` when the installed PySide6 leaks (checked once)."""
    if "checked" not in _state:
        _state["checked"] = True
        _state["leaks"] = emit_leaks_true()
    if _state["leaks"]:
        import PySide6

        raise LeakingBindingError(
            f"PySide6 {PySide6.__version__} has a reference leak in Signal.emit() that crashes "
            "TagDesk on this Python. Install a version below 6.12: "
            "pip install 'PySide6-Essentials<6.12'."
        )


def tune_for_gui(switch_interval: float = 0.0005) -> None:
    """Interpreter settings for a responsive GUI with busy worker threads (idempotent)."""
    if "tuned" in _state:
        return
    _state["tuned"] = True
    sys.setswitchinterval(min(sys.getswitchinterval(), switch_interval))
    gc.collect()
    gc.freeze()
