"""The PyInstaller entry script of the TagDesk bundle: runs ``app.__main__.main()``.

Until ``--self-test`` is wired into ``app/__main__.py`` this script answers it itself, so
the frozen app can be smoke-tested either way (``TagDesk --self-test [--profile-dir DIR]``).
"""

from __future__ import annotations

import sys


def launch(argv: list[str]) -> int:
    from app.__main__ import build_parser, main

    known, unknown = build_parser().parse_known_args(argv)
    if "--self-test" in unknown:  # app/__main__.py does not know the flag yet
        from app.logging_setup import setup_logging
        from app.selftest import run_self_test
        from app.services.paths import AppPaths

        setup_logging(AppPaths.resolve(known.profile_dir).ensure().log_dir)
        return run_self_test(known.profile_dir)
    return main(argv)


if __name__ == "__main__":
    sys.exit(launch(sys.argv[1:]))
