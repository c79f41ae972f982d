"""An open connection to one Keap account: the client, the backend and who owns them.

The GUI receives a :class:`Session` and talks only to ``session.backend`` (the
protocol-neutral operations) and ``session.contacts`` and friends in the services
layer; ``session.client`` is exposed for call statistics and quota in the status bar.
Build one with :func:`open_session`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.api.xmlrpc.backend import XmlRpcBackend
from app.core.backend import CrmBackend
from app.services.contacts import ContactsService
from app.services.records import RecordsService, make_records_service
from app.services.tags import TagsService, make_tags_service

if TYPE_CHECKING:
    from app.api.xmlrpc.client import XmlRpcClient

log = logging.getLogger("app.services")


@dataclass
class Session:
    """One open connection. ``close()`` releases sockets and stops an embedded demo sandbox.

    Attributes:
        profile_name: what the user calls the connection (shown in the title and status bar).
        client: the XML-RPC client (call statistics, quota).
        backend: the protocol-neutral operations.
        contacts: the contacts service, the one write path for contacts.
        tags: the tags service (tag pane, a contact's tags, bulk jobs, tag health).
        records: linked records (opportunities, orders, subscriptions, invoices, links, e-mail status).
        demo: True for the local demo sandbox.
        profile_id: the stable id per-profile settings are stored under.
    """

    profile_name: str
    client: XmlRpcClient
    backend: CrmBackend
    contacts: ContactsService
    tags: TagsService
    records: RecordsService
    demo: bool = False
    profile_id: str = ""
    on_close: list[Callable[[], None]] = field(default_factory=list)
    closed: bool = False

    def __post_init__(self) -> None:
        if not self.profile_id:
            self.profile_id = self.profile_name

    @property
    def title(self) -> str:
        """``Demo account`` or the profile's name, for the window title."""
        return "Demo account" if self.demo else self.profile_name

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


def open_session(profile_name: str, client: XmlRpcClient, *, demo: bool = False,
                 profile_id: str | None = None) -> Session:
    """Wrap a connected client in a Session with its XML-RPC backend and services.

    Makes no call; cheap enough for the GUI thread.
    """
    backend = XmlRpcBackend(client)
    return Session(profile_name, client, backend, ContactsService(backend), make_tags_service(client),
                   make_records_service(client), demo=demo, profile_id=profile_id or profile_name)
