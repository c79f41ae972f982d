"""Work-arounds for bugs in the Qt binding, each with a probe that proves it is needed.

PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit()`` without taking a new
reference. On Python 3.11, where ``True`` is an ordinary reference-counted object,
every ``emit()`` called from Python therefore lowers ``True``'s count by one; after
a few hundred emits (one per finished background job, page, progress step ...) the
count reaches zero and the interpreter aborts with "Fatal Python error: bool_dealloc".
Python 3.12+ makes ``True`` immortal, so there the bug is harmless.

:func:`protect_bool_singletons` probes for the leak and, only if it is present, gives
``True`` and ``False`` a reference count so large that no session can exhaust it.
The task runner calls it once; the application should call it at start-up too.

:func:`tune_for_gui` is not a bug work-around but belongs here for the same reason
(process-wide interpreter settings a GUI needs): worker threads decoding replies hold
the GIL, and a GUI thread waiting for it freezes; painting the table calls into Python
once per visible cell, so each wait counts hundreds of times. A 0.5 ms switch interval
(instead of 5 ms) hands the GIL back to the GUI thread sooner (a forced switch happens
only when another thread asks for the GIL, so an idle GUI costs the workers nothing),
and ``gc.freeze()`` moves the
start-up objects (Qt wrappers, modules) out of the collector's sight. While jobs run,
:class:`GcPause` also holds the cyclic collector back: parsing a 1,000-row reply
builds ~100,000 short-lived XML elements (freed by reference counting, not by the
collector), whose promotions trigger full collections of 40-100 ms on the GUI's
time. The collector runs again as soon as the workers are idle.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys

log = logging.getLogger("app.ui")

#: Added to the reference count of True/False when the leak is present (~10^12 emits).
_HEADROOM = 1 << 40
_state: dict[str, bool] = {}


def emit_leaks_true() -> bool:
    """Whether ``Signal.emit()`` drops a reference to ``True`` it never took."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    after = sys.getrefcount(True)
    leaked = before - after
    if leaked > 0:  # give back what the probe itself took
        _add_refs(True, leaked)
    return leaked >= 8


def protect_bool_singletons() -> bool:
    """Guard True/False against the emit() reference leak; True if the guard was needed."""
    if "done" in _state:
        return _state["done"]
    needed = sys.version_info < (3, 12) and sys.implementation.name == "cpython" and emit_leaks_true()
    if needed:
        _add_refs(True, _HEADROOM)
        _add_refs(False, _HEADROOM)
        log.info("PySide6 emit() leaks references to True on this Python; guarded against it")
    _state["done"] = needed
    return needed


def _add_refs(obj: object, count: int) -> None:
    # ob_refcnt is the first field of every object in a CPython release build
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    refcnt.value += count


def tune_for_gui(switch_interval: float = 0.0005) -> None:
    """Interpreter settings for a responsive GUI with busy worker threads (idempotent)."""
    if "tuned" in _state:
        return
    _state["tuned"] = True
    sys.setswitchinterval(min(sys.getswitchinterval(), switch_interval))
    gc.collect()
    gc.freeze()


class GcPause:
    """Reference-counted pause of the cyclic garbage collector (process-wide).

    ``hold()`` when background work starts, ``release()`` when it ends; the collector
    is re-enabled (if it was on) when the last holder releases.
    """

    _holders = 0
    _was_enabled = True

    @classmethod
    def hold(cls) -> None:
        if cls._holders == 0:
            cls._was_enabled = gc.isenabled()
            gc.disable()
        cls._holders += 1

    @classmethod
    def release(cls) -> None:
        if cls._holders == 0:
            return
        cls._holders -= 1
        if cls._holders == 0 and cls._was_enabled:
            gc.enable()
