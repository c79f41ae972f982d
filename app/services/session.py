"""An open connection to one Keap account: the client, the backend and who owns them.

The GUI receives a :class:`Session` and talks only to ``session.backend`` (the
protocol-neutral operations) and ``session.contacts`` and friends in the services
layer; ``session.client`` is exposed for call statistics and quota in the status bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.api.xmlrpc.client import XmlRpcClient

log = logging.getLogger("app.services")


@dataclass
class Session:
    """One open connection. ``close()`` releases sockets and stops an embedded demo sandbox."""

    profile_name: str
    client: XmlRpcClient
    demo: bool = False
    on_close: list[Callable[[], None]] = field(default_factory=list)
    closed: bool = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.client.close()
        for fn in reversed(self.on_close):
            try:
                fn()
            except Exception:  # closing must not fail half way
                log.exception("error while closing session %s", self.profile_name)
