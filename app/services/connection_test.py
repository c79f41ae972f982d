""""Test connection": one round trip over the connection's own protocol, then what the key can read.

XML-RPC: an echo (timed) and the account's contact count. REST v2 has no echo and no
count [V]: one contact read (timed) proves the key and its contact access, and the
account's custom-field model a second read. Either way the check uses the protocol the
connection will use.

The result comes back as a value (:class:`ConnectionReport`), success or failure, so
the dialog does a single check on it. A failure always says what to do next: an
auth error means the key, a TLS error means a CA bundle, a connect error means the
network or the URL.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from app.api import errors as e
from app.api.rest import RestClient
from app.api.xmlrpc.client import XmlRpcClient
from app.api.xmlrpc.query import count
from app.core.cancel import Cancellable
from app.core.redact import redact

log = logging.getLogger("app.services.connection")

ECHO_TEXT = "TagDesk connection test"


@dataclass(frozen=True)
class ConnectionReport:
    """What "Test connection" found.

    Attributes:
        ok: both calls succeeded.
        rtt_ms: the echo's round trip time in milliseconds.
        contact_count: contacts in the account (None when the count failed).
        message: what happened, for the user.
        next_step: what to do about it (empty on success).
        error_kind: the error's class name, for logs and tests.
    """

    ok: bool
    rtt_ms: float | None = None
    contact_count: int | None = None
    message: str = ""
    next_step: str = ""
    error_kind: str = ""

    @property
    def text(self) -> str:
        return f"{self.message} {self.next_step}".strip()


def next_step_for(error: BaseException) -> str:
    """The one thing the user should do after ``error``."""
    if isinstance(error, e.AuthError):
        return ("Check the key: copy it again from Keap (Settings > API / Personal access tokens), "
                "make sure the authentication type matches it, and test again.")
    if isinstance(error, e.TlsError):
        return ("Choose a CA bundle: if your network inspects secure traffic, ask IT for its "
                "CA certificate (a .pem file) and select it as the connection's CA bundle.")
    if isinstance(error, e.ConnectError):
        return "Check the network and the URL: is this computer online, and is the address spelled right?"
    if isinstance(error, e.TransportError | e.ServerUnavailableError | e.ResponseError):
        return "Keap or the network is having trouble; wait a minute and test again."
    if isinstance(error, e.ThrottledError | e.QuotaExhaustedError):
        return "The key has used its call allowance for now; wait and test again."
    if isinstance(error, e.UnexpectedBodyError | e.HttpStatusError):
        return ("Check the URL: REST v2 uses the host, like https://api.keap.com/crm; XML-RPC ends in "
                "/crm/xmlrpc/v1 (or /api/xmlrpc for a legacy key).")
    if isinstance(error, e.NoSuchHandlerFault | e.NoMethodMatchingFault):
        return ("This endpoint does not offer the data service; check the URL and the "
                "authentication type.")
    if isinstance(error, e.NoTableAccessFault | e.NoAccessFault):
        return "The key works but may not read contacts; ask the account owner for a key with contact access."
    return "See the log (Help > Open log folder) for details."


def failure(error: BaseException) -> ConnectionReport:
    message = error.message if isinstance(error, e.ApiError) else redact(str(error)) or type(error).__name__
    return ConnectionReport(False, message=message, next_step=next_step_for(error),
                            error_kind=type(error).__name__)


def verify_key(client: XmlRpcClient | RestClient, cancel: Cancellable | None = None) -> None:
    """One cheap call that fails when the key or the URL is wrong (raises ApiError)."""
    if isinstance(client, RestClient):
        client.request("GET", "/rest/v2/contacts", params={"page_size": 1, "fields": "id"}, cancel=cancel)
    else:
        # not DataService.echo: Keap answers an echo whatever the key (a wrong legacy key
        # would "connect"); a count needs a key that works
        count(client, "Contact", {"Id": "%"}, cancel=cancel)


def check_connection(client: XmlRpcClient | RestClient,
                     cancel: Cancellable | None = None) -> ConnectionReport:
    """One timed round trip, then what the key can read; cancellation propagates, errors are reported."""
    if isinstance(client, RestClient):
        return _check_rest(client, cancel)
    try:
        started = time.perf_counter()
        reply = client.echo(ECHO_TEXT, cancel=cancel)
        rtt_ms = (time.perf_counter() - started) * 1000.0
        if reply != ECHO_TEXT:
            log.warning("echo returned something else (%d characters)", len(reply))
        contacts = count(client, "Contact", {"Id": "%"}, cancel=cancel)
    except e.CancelledError:
        raise
    except e.ApiError as err:
        log.info("connection test to %s failed: %s (%s)", client.url, err.kind, err.detail)
        return failure(err)
    log.info("connection test to %s: %.0f ms, %d contacts", client.url, rtt_ms, contacts)
    return ConnectionReport(True, rtt_ms=rtt_ms, contact_count=contacts,
                            message=f"Connected in {rtt_ms:.0f} ms. The account has {contacts:,} contacts.")


def _check_rest(client: RestClient, cancel: Cancellable | None) -> ConnectionReport:
    try:
        started = time.perf_counter()
        verify_key(client, cancel)
        rtt_ms = (time.perf_counter() - started) * 1000.0
        model = client.request("GET", "/rest/v2/contacts/model", cancel=cancel)
    except e.CancelledError:
        raise
    except e.ApiError as err:
        log.info("REST connection test to %s failed: %s (%s)", client.base_url, err.kind, err.detail)
        return failure(err)
    fields = len(model.get("custom_fields") or []) if isinstance(model, dict) else 0
    log.info("REST connection test to %s: %.0f ms, %d custom fields", client.base_url, rtt_ms, fields)
    return ConnectionReport(True, rtt_ms=rtt_ms, message=(
        f"Connected over REST v2 in {rtt_ms:.0f} ms. The key can read contacts and the account's "
        f"{fields} custom fields. (REST v2 has no contact count; the list shows the total once loaded.)"))
