"""The demo: a local Keap sandbox with sample data, opened like any other account.

The sandbox listens on loopback in its own server thread; its SQLite file lives in the
data folder and is kept between runs (seeded only when new), so what a user changes
in the demo is still there next time, until "Reset demo data" re-seeds it. This is
the only module above the sandbox that imports it. Call these methods from a worker
thread: starting and resetting take a moment.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from app.api.rest import RestClient
from app.api.xmlrpc.client import XmlRpcClient
from app.api.xmlrpc.transport import AuthMode
from app.services.session import Session, open_session

if TYPE_CHECKING:
    from app.sandbox import Sandbox

log = logging.getLogger("app.services.demo")

DEMO_PROFILE_NAME = "Demo"
DEMO_SEED = "demo"
DEMO_PROFILE_ID = "demo"


class DemoLauncher:
    """Starts, resets and stops the one demo sandbox of this process.

    Attributes:
        db_path: the demo database file (None keeps the data in memory only).
    """

    def __init__(self, db_path: Path | None, *, seed: str = DEMO_SEED, protocol: str = "rest") -> None:
        if protocol not in ("rest", "xmlrpc"):
            raise ValueError(f"protocol must be rest or xmlrpc (got {protocol!r})")
        self.db_path = db_path
        self.seed = seed
        self.protocol = protocol
        self._sandbox: Sandbox | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._sandbox is not None

    def start(self) -> Session:
        """Start the sandbox (if not running) and open a demo session on it, over REST v2 by
        default (the sandbox serves both protocols on one account)."""
        sandbox = self._ensure_started()
        client: XmlRpcClient | RestClient
        if self.protocol == "rest":
            client = RestClient(sandbox.rest_host, sandbox.key)
        else:
            client = XmlRpcClient(sandbox.url, sandbox.key, auth_mode=AuthMode.API_KEY)
        session = open_session(DEMO_PROFILE_NAME, client, demo=True, profile_id=DEMO_PROFILE_ID,
                               cart_base_url=sandbox.base_url, app_name=sandbox.config.app_name)
        session.on_close.append(self.stop)
        log.info("demo session open on %s over %s", sandbox.base_url, self.protocol)
        return session

    def reset(self) -> None:
        """Throw away every change made in the demo and re-seed the sample data."""
        with self._lock:
            if self._sandbox is None:
                raise RuntimeError("The demo is not running.")
            self._sandbox.reset()
        log.info("demo data reset")

    def stop(self) -> None:
        with self._lock:
            sandbox, self._sandbox = self._sandbox, None
        if sandbox is not None:
            sandbox.stop()
            log.info("demo sandbox stopped")

    def _ensure_started(self) -> Sandbox:
        from app.sandbox import Sandbox, SandboxConfig

        with self._lock:
            if self._sandbox is None:
                if self.db_path is not None:
                    self.db_path.parent.mkdir(parents=True, exist_ok=True)
                config = SandboxConfig(seed=self.seed, db_path=str(self.db_path) if self.db_path else None)
                self._sandbox = Sandbox(config).start()
                log.info("demo sandbox listening on %s (data: %s)", self._sandbox.url,
                         self.db_path or "memory")
            return self._sandbox
