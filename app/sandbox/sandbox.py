"""The Sandbox object: one emulated Keap account served over HTTP(S) from a background thread."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from app.sandbox.demo_account import seed_demo
from app.sandbox.demo_data import Builder, seed_plain
from app.sandbox.engine import Engine
from app.sandbox.faults import FaultInjector
from app.sandbox.ids import IdAllocator
from app.sandbox.quotas import QuotaTracker
from app.sandbox.store import Store
from app.sandbox.xmlrpc_server import SandboxServer, is_loopback

log = logging.getLogger("app.sandbox")
ID_SEED = 7


@dataclass
class SandboxConfig:
    """How to build and serve a sandbox; see app/sandbox/README.md."""

    seed: str | int = "demo"  # "demo" | "empty" | N plain contacts
    db_path: str | os.PathLike[str] | None = None  # None: in memory; a path: persisted, seeded when new
    key: str | None = None  # None: reuse the key stored in db_path, else a random "KeapAK-" + 32 hex
    host: str = "127.0.0.1"
    port: int = 0
    allow_remote: bool = False
    latency_ms: int = 0
    faults: str = ""
    fault_seed: int = 0
    quota: str = "off"  # "pat" | "oauth" | "off"
    quota_scale: float = 1.0
    tls: bool = False
    sequential_ids: bool = False
    linked_contacts: bool = True
    #: Keap's spec does not say whether one REST filter may name a field twice (a range:
    #: ``contact_id>1;contact_id<=9``) [I]. Accepted by default; False refuses it with a 400,
    #: so clients can be tested against a server that does.
    repeated_filter_fields: bool = True
    app_name: str = "tagdesk-demo"
    #: ``seed=N`` only: top the tag assignments up to about this many over ``assignment_tags``
    #: extra tags (a large account); 0 keeps the seed's own (~1.5 per contact, 8 tags).
    assignments: int = 0
    assignment_tags: int = 150

    def seed_kind(self) -> str | int:
        """Normalise ``seed``: "demo", "empty" or a contact count; ValueError otherwise."""
        if isinstance(self.seed, int) and not isinstance(self.seed, bool):
            if self.seed < 0:
                raise ValueError("seed count must be >= 0")
            return self.seed
        text = str(self.seed).strip().lower()
        if text in ("demo", "empty"):
            return text
        if text.isdigit():
            return int(text)
        raise ValueError(f"seed must be demo, empty or a number (got {self.seed!r})")


class Sandbox:
    """A local Keap emulator, XML-RPC and REST v2 over one account.

    ``start()`` serves it, ``stop()`` (or ``with``) ends it.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config = config or SandboxConfig()
        self._seed = config.seed_kind()
        if not config.allow_remote and not is_loopback(config.host):
            raise ValueError(
                f"host {config.host} is not a loopback address: pass allow_remote=True (--allow-remote)"
            )
        self.faults = FaultInjector(config.faults, config.fault_seed)
        self.quotas = QuotaTracker(config.quota, config.quota_scale)
        self.store = Store(config.db_path, IdAllocator(config.sequential_ids, seed=ID_SEED))
        if self.store.is_new:
            self._populate()
        stored_key = self.store.meta("key")
        self.key = config.key or stored_key or "KeapAK-" + secrets.token_hex(16)
        if config.db_path is not None and self.key != stored_key:
            self.store.set_meta("key", self.key)
        self.engine = Engine(self.store, self.key, config.app_name, config.linked_contacts)
        self._counts_lock = threading.Lock()
        self._calls: dict[str, int] = {}
        self._applied: dict[str, int] = {}
        self._protocols: dict[str, int] = {"xmlrpc": 0, "rest": 0}
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: Path | None = None
        self.ca_path: str | None = None

    def _populate(self) -> None:
        started = time.perf_counter()
        builder = Builder(self.store, self.config.app_name)
        with self.store.tx():
            builder.base(5 if self._seed == "demo" else 1)
            if self._seed == "demo":
                seed_demo(builder)
            elif isinstance(self._seed, int) and self._seed > 0:
                seed_plain(builder, self._seed, assignments=self.config.assignments,
                           assignment_tags=self.config.assignment_tags)
            self.store.set_meta("seed", str(self._seed))
        log.info("sandbox: seeded %s in %.2f s", self._seed, time.perf_counter() - started)

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        tls_ctx = None
        if self.config.tls:
            from app.sandbox.tls import make_certificates, server_context

            self._tmpdir = Path(tempfile.mkdtemp(prefix="keap-sandbox-tls-"))
            files = make_certificates(self._tmpdir)
            self.ca_path = str(files.ca_path)
            tls_ctx = server_context(files)
        self._server = SandboxServer((self.config.host, self.config.port), self, tls_ctx)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="keap-sandbox",
            daemon=True,
        )
        self._thread.start()
        log.info("sandbox: serving %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.store.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running: call start() first")
        host, port = self._server.server_address[:2]
        host = str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"{'https' if self.config.tls else 'http'}://{shown}:{port}"

    @property
    def url(self) -> str:
        """The shared endpoint (key in a header)."""
        return self.base_url + "/crm/xmlrpc/v1"

    @property
    def rest_host(self) -> str:
        """The REST v2 host as Keap's SDK expects it: ``rest_host + "/rest/v2/contacts"`` lists contacts."""
        return self.base_url + "/crm"

    @property
    def legacy_url(self) -> str:
        """The per-app endpoint (key as the first parameter)."""
        return self.base_url + "/api/xmlrpc"

    # --- control and statistics -------------------------------------------------------------

    def note_call(self, method: str, protocol: str = "xmlrpc") -> None:
        with self._counts_lock:
            self._calls[method] = self._calls.get(method, 0) + 1
            self._protocols[protocol] = self._protocols.get(protocol, 0) + 1

    def note_applied(self, method: str) -> None:
        with self._counts_lock:
            self._applied[method] = self._applied.get(method, 0) + 1

    def stats(self) -> dict[str, Any]:
        with self._counts_lock:
            calls, applied = dict(self._calls), dict(self._applied)
            protocols = dict(self._protocols)
        return {
            "calls": calls,
            "protocols": protocols,
            "applied": applied,
            "faults": dict(self.faults.counts),
            "fault_spec": self.faults.spec,
            "quota": self.quotas.stats(),
            "rows": self.store.table_counts(),
            "total_calls": sum(calls.values()),
        }

    def reset(self) -> None:
        """Re-seed from scratch and zero every counter (faults stay configured)."""
        with self.store.lock:
            self.store.wipe()
            self._populate()
            if self.config.db_path is not None:
                self.store.set_meta("key", self.key)
        with self._counts_lock:
            self._calls.clear()
            self._applied.clear()
            self._protocols = {"xmlrpc": 0, "rest": 0}
        self.faults.reset_counts()
        self.quotas.reset()

    def set_faults(self, spec: str, seed: int = 0) -> None:
        """Replace the fault spec at run time ("" = none); ValueError if the spec is invalid."""
        self.faults.configure(spec, seed)
