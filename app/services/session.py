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
from typing import TYPE_CHECKING, Any

from app.api.rest import RestClient
from app.api.xmlrpc.backend import XmlRpcBackend
from app.core.backend import CrmBackend
from app.services.changes import ChangeFeed
from app.services.contacts import ContactsService
from app.services.duplicates import DuplicatesService
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
        client: the API client, REST v2 or XML-RPC (call statistics, quota).
        backend: the protocol-neutral operations.
        contacts: the contacts service, the one write path for contacts.
        tags: the tags service (tag pane, a contact's tags, bulk jobs, tag health).
        records: linked records (opportunities, orders, subscriptions, invoices, links, e-mail status).
        demo: True for the local demo sandbox.
        profile_id: the stable id per-profile settings are stored under.
        journal: the connection's change journal (:mod:`app.journal`), when one is open.
        changes: what every write of the three services changed (:mod:`app.services.changes`);
            the GUI refreshes its panes from it, in one place.
        duplicates: finding and merging duplicate contacts; its merges reach ``changes`` (and the
            journal, when attached) as :class:`~app.services.duplicates.MergeEvent`.
    """

    profile_name: str
    client: XmlRpcClient | RestClient
    backend: CrmBackend
    contacts: ContactsService
    tags: TagsService
    records: RecordsService
    demo: bool = False
    profile_id: str = ""
    on_close: list[Callable[[], None]] = field(default_factory=list)
    closed: bool = False
    journal: Any = None
    changes: ChangeFeed = field(default_factory=ChangeFeed)
    duplicates: DuplicatesService = field(init=False)

    def __post_init__(self) -> None:
        if not self.profile_id:
            self.profile_id = self.profile_name
        self.duplicates = DuplicatesService(self.contacts, tags=self.tags, records=self.records)
        self.contacts.observers.append(self.changes)
        self.tags.observers.append(self.changes)
        self.records.observers.append(self.changes)
        self.duplicates.observers.append(self.changes)

    @property
    def protocol(self) -> str:
        """``rest`` or ``xmlrpc``: shown in the status bar; decides what the UI offers."""
        return self.backend.protocol

    @property
    def address(self) -> str:
        """The endpoint or host this session talks to (no key in it)."""
        return self.client.base_url if isinstance(self.client, RestClient) else self.client.url

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


def open_session(profile_name: str, client: XmlRpcClient | RestClient, *, demo: bool = False,
                 profile_id: str | None = None, cart_base_url: str | None = None,
                 app_name: str | None = None) -> Session:
    """Wrap a connected client in a Session with the backends of its protocol and the services.

    Makes no call; cheap enough for the GUI thread.
    """
    if isinstance(client, RestClient):
        from app.api.rest.backend import RestBackend
        from app.api.rest.tag_backend import RestTagBackend
        from app.services.records import make_rest_records_service

        rest = RestBackend(client)
        return Session(profile_name, client, rest, ContactsService(rest), TagsService(RestTagBackend(client)),
                       make_rest_records_service(client, cart_base_url=cart_base_url, app_name=app_name),
                       demo=demo,
                       profile_id=profile_id or profile_name)
    backend = XmlRpcBackend(client)
    return Session(profile_name, client, backend, ContactsService(backend), make_tags_service(client),
                   make_records_service(client), demo=demo, profile_id=profile_id or profile_name)
