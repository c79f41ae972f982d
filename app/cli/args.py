"""The command line of ``tagdesk-cli``: options before the command, then the command's own.

Parsing never touches the network, the keyring or the journal; a usage error exits 2
with a plain message on stderr (argparse's own behaviour).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from app import __version__

EPILOG = """\
The key is never taken from the command line: use --profile NAME (a connection saved in
TagDesk, key from the keyring) or --url URL --key-env VAR (the key in the environment
variable VAR).

Exit status: 0 every row done, 3 some rows failed or were not started (the report says
which), 2 usage error, 1 the job could not run (e.g. Keap could not be reached).
"""


class UsageError(Exception):
    """A command line that cannot be acted on; the message is for the user (exit 2)."""


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tagdesk-cli",
        description="TagDesk from a shell: bulk tag jobs, their journal, resume and undo.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"tagdesk-cli {__version__}")
    conn = p.add_argument_group("connection")
    conn.add_argument("--profile", metavar="NAME",
                      help="a connection saved in TagDesk (key from the keyring)")
    conn.add_argument("--url", metavar="URL",
                      help="REST: the host like https://api.keap.com/crm; "
                           "XML-RPC: the endpoint like https://api.infusionsoft.com/crm/xmlrpc/v1")
    conn.add_argument("--key-env", metavar="VAR",
                      help="the environment variable holding the key (with --url)")
    conn.add_argument("--protocol", choices=("rest", "xmlrpc"), default=None,
                      help="the API of --url: rest (default) or xmlrpc")
    conn.add_argument("--data-dir", metavar="DIR",
                      help="where the journal lives (default: TagDesk's own data folder)")
    conn.add_argument("--debug", action="store_true", help="log in detail to stderr as well")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    tag = sub.add_parser("tag", help="apply or remove a tag for many contacts (a dry run first)")
    tag.add_argument("action", choices=("apply", "remove"))
    tag.add_argument("--tag-id", type=positive_int, required=True, metavar="N")
    scope = tag.add_mutually_exclusive_group(required=True)
    scope.add_argument("--contact-ids", metavar="FILE",
                       help="contact ids, one a line or comma/space separated ('-' reads stdin)")
    scope.add_argument("--search", metavar="TEXT", help="the contacts TagDesk's search box finds for TEXT")
    _job_options(tag, dry_run=True)

    imp = sub.add_parser("import", help="import a CSV file of contacts (a dry run first)")
    imp.add_argument("file", metavar="FILE", help="the CSV file (any common encoding and delimiter)")
    imp.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                     help="put column HEADER into FIELD (name or label); HEADER= skips it; repeatable")
    imp.add_argument("--match", choices=("email", "email+name-phone"), default="email",
                     help="how rows find existing contacts (default: e-mail, any of the three)")
    imp.add_argument("--on-match", choices=("fill", "overwrite", "skip", "create"), default="fill",
                     help="what a matched row does: fill blank fields (default), overwrite, skip, "
                          "create anyway")
    imp.add_argument("--date-order", choices=("MDY", "DMY", "YMD"), default=None,
                     help="how dates like 05/03/2024 are read (default: the only way the file's dates "
                          "can be read, else MDY)")
    imp.add_argument("--tag-id", type=positive_int, metavar="N",
                     help="then apply tag N to every contact the import created or updated")
    imp.add_argument("--failed-rows", metavar="FILE",
                     help="write the lines that were not imported (with a Problem column) to FILE, "
                          "ready to fix and import again")
    imp.add_argument("--json", action="store_true", help="print the dry run as one JSON object")
    imp.add_argument("--dry-run", action="store_true", help="only check and count (the default)")
    imp.add_argument("--yes", action="store_true", help="run the import (without: the dry run only)")
    imp.add_argument("--workers", type=positive_int, default=4, help=argparse.SUPPRESS)

    dup = sub.add_parser("duplicates", help="find groups of duplicate contacts (reads only)")
    dup.add_argument("--search", metavar="TEXT", help="only the contacts TagDesk's search box finds for TEXT")
    dup.add_argument("--names", action="store_true",
                     help="also group contacts by the same name alone (low confidence)")
    dup.add_argument("--json", action="store_true",
                     help='print one JSON list of {"ids", "reason", "confidence", "keep"}')
    dup.add_argument("--merge-high", action="store_true",
                     help="merge every high-confidence group into its oldest contact (a dry run first)")
    dup.add_argument("--yes", action="store_true", help="with --merge-high: run the merges")

    merge = sub.add_parser("merge", help="merge contact DUP into KEEP (a dry run first; cannot be undone)")
    merge.add_argument("keep", type=positive_int, metavar="KEEP")
    merge.add_argument("duplicate", type=positive_int, metavar="DUP")
    merge.add_argument("--yes", action="store_true", help="merge (without: show what would happen)")

    jobs = sub.add_parser("jobs", help="every job in the journal, with its state and counts")
    jobs.add_argument("--json", action="store_true")

    resume = sub.add_parser("resume", help="finish an interrupted job (only what Keap does not have yet)")
    resume.add_argument("job", metavar="JOB")
    resume.add_argument("--create-missing", action="store_true",
                        help="an import's create whose outcome is unknown and that is not found in Keap: "
                             "create it (never done without this)")
    _job_options(resume, dry_run=True)

    undo = sub.add_parser("undo", help="restore the state before a job")
    undo.add_argument("job", metavar="JOB")
    undo.add_argument("--delete-created", action="store_true",
                      help="an import: also delete the contacts it created (anything added to them since "
                           "is lost)")
    _job_options(undo, dry_run=True)

    hist = sub.add_parser("history", help="the changes in the journal, newest first")
    hist.add_argument("--contact", type=positive_int, metavar="ID")
    hist.add_argument("--job", metavar="ID")
    hist.add_argument("--limit", type=positive_int, default=1000, metavar="N")
    hist.add_argument("--json", action="store_true")
    return p


def _job_options(p: argparse.ArgumentParser, *, dry_run: bool) -> None:
    p.add_argument("--chunk-size", type=positive_int, metavar="N",
                   help="contact ids per REST bulk call (default: the connection's)")
    if dry_run:
        p.add_argument("--dry-run", action="store_true", help="only show what would change")
    p.add_argument("--yes", action="store_true", help="run it (without: show the dry run only)")
    p.add_argument("--workers", type=positive_int, default=4, help=argparse.SUPPRESS)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse and check the combinations argparse cannot; SystemExit(2) on a usage error."""
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.command is None:
        parser.error("choose a command: tag, import, duplicates, merge, jobs, resume, undo or history")
    try:
        check(args)
    except UsageError as err:
        parser.error(str(err))
    return args


def check(args: argparse.Namespace) -> None:
    if args.profile and (args.url or args.key_env):
        raise UsageError("use either --profile or --url with --key-env, not both")
    if args.profile and args.protocol:
        raise UsageError("--protocol goes with --url; a saved connection has its own protocol")
    if not args.profile:
        if not args.url or not args.key_env:
            raise UsageError("say which account: --profile NAME, or --url URL with --key-env VAR "
                             "(the key is never taken from the command line)")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", args.key_env):
            raise UsageError(f"--key-env takes the NAME of an environment variable (like KEAP_KEY), "
                             f"not {_shown(args.key_env)}")
    if getattr(args, "dry_run", False) and getattr(args, "yes", False):
        raise UsageError("--dry-run and --yes contradict each other: choose one")


def _shown(value: str) -> str:
    """An argument in a message; something that looks like a key is not echoed."""
    return "a value like that" if len(value) > 12 else repr(value)


def read_contact_ids(source: str, stdin: TextIO) -> list[int]:
    """Ids from a file (or stdin for ``-``): one a line, or separated by commas/spaces;
    blank lines and ``#`` comments ignored. UsageError names the first bad entry."""
    if source == "-":
        text = stdin.read()
    else:
        try:
            text = Path(source).expanduser().read_text(encoding="utf-8-sig")
        except OSError as err:
            raise UsageError(f"cannot read the contact ids from {source}: {err.strerror or err}") from None
    ids: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        for item in re.split(r"[,;\s]+", line.split("#", 1)[0].strip()):
            if not item:
                continue
            if not item.isdigit() or int(item) <= 0:
                raise UsageError(f"{'stdin' if source == '-' else source}, line {number}: "
                                 f"{item[:20]!r} is not a contact id")
            ids.append(int(item))
    if not ids:
        raise UsageError(f"no contact ids in {'stdin' if source == '-' else source}")
    return list(dict.fromkeys(ids))
