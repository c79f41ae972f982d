"""``python -m app.sandbox`` / ``tagdesk-sandbox``: run a sandbox until SIGINT or SIGTERM.

The first lines on stdout are exactly ``url=...``, ``legacy_url=...``, ``key=...``,
``rest_host=...`` (and
``ca=...`` with --tls), flushed at once so a parent process can read them; logs go to
stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from app.sandbox.faults import parse_spec
from app.sandbox.sandbox import Sandbox, SandboxConfig
from app.sandbox.xmlrpc_server import is_loopback


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tagdesk-sandbox", description="A local Keap emulator: XML-RPC and REST v2 over one account."
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (loopback unless --allow-remote)"
    )
    p.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    p.add_argument("--db", default=None, help="SQLite file to keep the account in (seeded when new)")
    p.add_argument("--seed", default="demo", help="demo | empty | N plain contacts (default demo)")
    p.add_argument("--key", default=None, help="API key to accept (default: random KeapAK-...)")
    p.add_argument("--latency", type=int, default=0, metavar="MS", help="delay every call by MS")
    p.add_argument("--faults", default="", metavar="SPEC", help="e.g. empty=0.1,drop_after=0.05,slow=0.2:500")
    p.add_argument("--fault-seed", type=int, default=0, metavar="N")
    p.add_argument("--quota", choices=("pat", "oauth", "off"), default="off")
    p.add_argument("--quota-scale", type=float, default=1.0, metavar="F", help="multiply limits by F (min 1)")
    p.add_argument("--tls", action="store_true", help="HTTPS with a generated certificate (prints ca=PATH)")
    p.add_argument("--sequential-ids", action="store_true", help="plain 1, 2, 3 ids instead of 7n+1/7n+2")
    p.add_argument("--no-linked-contacts", action="store_true", help="an account without the link methods")
    p.add_argument("--no-repeated-filter-fields", action="store_true",
                   help="REST: refuse a filter that names a field twice (400), as Keap might [I]")
    p.add_argument("--app-name", default="tagdesk-demo")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.allow_remote and not is_loopback(args.host):
        print(
            f"error: --host {args.host} is not a loopback address; add --allow-remote to serve it "
            "(anyone who can reach it can use the key)",
            file=sys.stderr,
        )
        return 2
    try:
        parse_spec(args.faults)
    except ValueError as exc:
        print(f"error: --faults: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    config = SandboxConfig(
        seed=args.seed,
        db_path=args.db,
        key=args.key,
        host=args.host,
        port=args.port,
        allow_remote=args.allow_remote,
        latency_ms=args.latency,
        faults=args.faults,
        fault_seed=args.fault_seed,
        quota=args.quota,
        quota_scale=args.quota_scale,
        tls=args.tls,
        sequential_ids=args.sequential_ids,
        linked_contacts=not args.no_linked_contacts,
        repeated_filter_fields=not args.no_repeated_filter_fields,
        app_name=args.app_name,
    )
    try:
        sandbox = Sandbox(config).start()
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lines = [f"url={sandbox.url}", f"legacy_url={sandbox.legacy_url}", f"key={sandbox.key}",
             f"rest_host={sandbox.rest_host}"]
    if sandbox.ca_path:
        lines.append(f"ca={sandbox.ca_path}")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # a second signal while stopping: leave at once
            os._exit(128 + signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
        logging.getLogger("app.sandbox").info("sandbox: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
