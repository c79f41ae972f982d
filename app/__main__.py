"""``tagdesk`` and ``python -m app``: parse the command line, set up logging, start the GUI.

Qt is imported only after the arguments are read, so ``--version`` and ``--help``
work without a display.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from app import __version__
from app.logging_setup import setup_logging
from app.services.paths import AppPaths


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tagdesk", description="TagDesk: a desktop workbench for Keap contacts and tags.")
    parser.add_argument("--demo", action="store_true",
                        help="open the built-in demo account (a local Keap sandbox with sample data)")
    parser.add_argument("--protocol", choices=("rest", "xmlrpc"), default="rest",
                        help="the API the demo speaks: rest (Keap REST v2, the default) or xmlrpc "
                             "(the sandbox serves both)")
    parser.add_argument("--profile-dir", metavar="DIR",
                        help="keep settings, connection profiles, demo data, logs and cache under DIR "
                             "instead of the usual per-user folders")
    parser.add_argument("--debug", action="store_true",
                        help="log in detail, to the log file and to the terminal")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation headless (Qt, icons, keyring, one sandbox query), "
                             "print one line and exit 0 or 1")
    parser.add_argument("--version", action="version", version=f"TagDesk {__version__}")
    return parser


def _ensure_std_streams() -> None:
    """A windowed build (pythonw, a frozen GUI exe) has no stdout/stderr; give them a sink."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115  # lives all run


def main(argv: Sequence[str] | None = None) -> int:
    _ensure_std_streams()
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    paths = AppPaths.resolve(args.profile_dir).ensure()
    setup_logging(paths.log_dir, debug=args.debug, console=args.debug)
    log = logging.getLogger("app")
    log.info("TagDesk %s starting (python %s, profile dir: %s)", __version__, sys.version.split()[0],
             args.profile_dir or "platform default")
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test(args.profile_dir)
    from app.ui.app import run  # Qt only from here on

    return run(paths, demo=args.demo, argv=[sys.argv[0]], protocol=args.protocol)


if __name__ == "__main__":
    sys.exit(main())
