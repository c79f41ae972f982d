"""Who owns a running job: a process id plus its start marker, so a dead owner is told apart.

A job left in state "running" is either still running (in this or another window, or a
``tagdesk-cli`` in a shell) or its process died. A pid alone is not enough: pids are
reused, so the journal also keeps the owner's start time as the system reports it
(``/proc/<pid>/stat`` on Linux; empty elsewhere, where only the pid is compared). Inside
this process the answer is exact: a job is alive only while a :class:`~app.journal.Journal`
of this process is running it (:data:`LIVE`), so a job left behind by an exception is
reported as interrupted at once.
"""

from __future__ import annotations

import os
import sys
import threading
from functools import cache

#: (journal file, job id) of every job this process is running right now.
LIVE: set[tuple[str, str]] = set()
LIVE_LOCK = threading.Lock()


def mark_live(path: str, job_id: str, live: bool) -> None:
    with LIVE_LOCK:
        if live:
            LIVE.add((path, job_id))
        else:
            LIVE.discard((path, job_id))


def is_live_here(path: str, job_id: str) -> bool:
    with LIVE_LOCK:
        return (path, job_id) in LIVE


def start_marker(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), "" where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return ""
    fields = text[text.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else ""


@cache
def own_marker() -> str:
    return start_marker(os.getpid())


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as dead)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
        return text[text.rfind(")") + 2:][:1] != "Z"
    except OSError:
        return True


def owner_alive(path: str, job_id: str, pid: int, marker: str) -> bool:
    """Whether the process that owns a "running" job is still running it."""
    if pid == os.getpid() and (not marker or marker == own_marker()):
        return is_live_here(path, job_id)
    if not pid_alive(pid):
        return False
    now = start_marker(pid)
    return not (marker and now and marker != now)  # the pid was reused by another process
