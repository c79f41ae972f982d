"""``tagdesk-cli`` and ``python -m app.cli``: the same services, jobs and journal as the GUI, from a shell.

No Qt is imported anywhere under :mod:`app.cli`. Exit status: 0 every row done, 3 some
rows failed or were not started, 2 usage error, 1 the command could not run (Keap
unreachable, the key refused, the journal unreadable). Ctrl+C and SIGTERM cancel a
running job cooperatively; its report is still printed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import TextIO

from app.api.errors import ApiError, CancelledError
from app.cli import args as cli_args
from app.cli import connect
from app.cli.commands import COMMANDS, EXIT_FAILED, EXIT_USAGE, Context, report_unfinished
from app.cli.duplicates_command import cmd_duplicates, cmd_merge
from app.cli.import_command import cmd_import, cmd_resume, cmd_undo
from app.core.cancel import CancelToken
from app.core.redact import redact
from app.logging_setup import setup_logging, teardown_logging
from app.services.paths import AppPaths

log = logging.getLogger("app.cli")


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
         stdin: TextIO | None = None) -> int:
    out, err, inp = stdout or sys.stdout, stderr or sys.stderr, stdin or sys.stdin
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = cli_args.parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_:  # argparse: --help / --version (0) or a usage error (2)
        return int(exit_.code) if isinstance(exit_.code, int) else EXIT_USAGE
    paths = AppPaths.platform_default()
    try:
        setup_logging(paths.log_dir, debug=args.debug, console=args.debug)
    except OSError as exc:  # a read-only home must not stop a script
        print(f"tagdesk-cli: warning: no log file ({exc.strerror or exc})", file=err)
    cancel = CancelToken()
    session = journal = None
    previous = _install_signals(cancel, err)
    try:
        target = connect.resolve(args, paths)
        key = connect.read_key(args, target)
        chunk = getattr(args, "chunk_size", None)
        if chunk is not None and target.profile.protocol == "xmlrpc":
            print("tagdesk-cli: note: --chunk-size applies to REST only; XML-RPC sends one call per change",
                  file=err)
        session = connect.open_target(target, key, chunk_size=chunk)
        from app.journal import Journal

        journal = Journal.open(target.data_dir, target.profile.id)
        journal.attach(session)
        log.info("tagdesk-cli %s on %s (%s), journal in %s", args.command, session.address,
                 target.profile.protocol, target.data_dir)
        ctx = Context(args, session, journal, out, err, inp, cancel)
        report_unfinished(ctx, skip=getattr(args, "job", None) if args.command == "resume" else None)
        return {**COMMANDS, "import": cmd_import, "resume": cmd_resume, "undo": cmd_undo,
                "duplicates": cmd_duplicates, "merge": cmd_merge}[args.command](ctx)
    except cli_args.UsageError as exc:
        print(f"tagdesk-cli: error: {redact(str(exc))}", file=err)
        return EXIT_USAGE
    except CancelledError:
        print("tagdesk-cli: cancelled before anything was changed.", file=err)
        return EXIT_FAILED
    except ApiError as exc:
        log.warning("tagdesk-cli %s failed: %s (%s)", args.command, exc.kind, exc.detail)
        print(f"tagdesk-cli: {exc.message}", file=err)
        return EXIT_FAILED
    except OSError as exc:
        log.exception("tagdesk-cli %s failed", args.command)
        print(f"tagdesk-cli: {redact(str(exc))}", file=err)
        return EXIT_FAILED
    finally:
        _restore_signals(previous)
        if journal is not None:
            journal.close()
        if session is not None:
            session.close()
        teardown_logging()
        if stdout is None:
            _quiet_if_stdout_closed()


def _quiet_if_stdout_closed() -> None:
    """A reader that went away (``| head``): no "Exception ignored" noise at exit."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError, OSError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def _install_signals(cancel: CancelToken, err: TextIO) -> dict[int, object]:
    """SIGINT and SIGTERM cancel the job (calls in flight end, the report is printed)."""
    previous: dict[int, object] = {}

    def handler(signum: int, _frame: FrameType | None) -> None:
        if not cancel.is_cancelled():
            err.write("tagdesk-cli: stopping: no new calls; the calls in flight finish, then the report.\n")
            err.flush()
        cancel.cancel()

    import threading

    if threading.current_thread() is not threading.main_thread():
        return previous
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    for sig, old in previous.items():
        signal.signal(sig, old)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
