"""HTTP transport for XML-RPC: one requests.Session per thread, TLS always verified.

Sessions are not shared across threads (requests does not promise that is safe), and
every request has a connect and a read timeout. There is deliberately no switch to
turn certificate verification off: a user behind a TLS-inspecting proxy chooses a
CA bundle instead. Every requests/urllib3 failure is mapped to one typed error that
says whether the request can have reached the server. The session and failure rules
live in :mod:`app.api.http_common`, shared with the REST client.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from urllib.parse import urlsplit

import requests
from requests import exceptions as rex

from app import __version__
from app.api.http_common import HttpReply, ThreadSessions, map_request_exception
from app.api.http_common import describe as _describe
from app.api.http_common import never_connected as _never_connected
from app.core.redact import register_secret

__all__ = ["KEAP_XMLRPC_URL", "AuthMode", "HttpReply", "Transport", "_describe", "_never_connected"]

log = logging.getLogger("app.api.transport")

KEAP_XMLRPC_URL = "https://api.infusionsoft.com/crm/xmlrpc/v1"


class AuthMode(StrEnum):
    """How the credential travels."""

    API_KEY = "api_key"  # personal access token / service account key in X-Keap-API-Key
    OAUTH = "oauth"  # OAuth2 access token as Authorization: Bearer
    LEGACY = "legacy"  # legacy key as the first parameter, per-app endpoint

    @classmethod
    def guess(cls, url: str, key: str) -> AuthMode:
        """Pick the mode from the URL and key shape, as Keap's own SDKs do."""
        if urlsplit(url).path.rstrip("/").endswith("/api/xmlrpc"):
            return cls.LEGACY
        return cls.API_KEY


class Transport:
    """POSTs XML-RPC bodies; maps every transport failure to an :mod:`app.api.errors` type."""

    def __init__(self, url: str, key: str, *, auth_mode: AuthMode, ca_bundle: str | None = None,
                 connect_timeout: float = 10.0, read_timeout: float = 30.0) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in ("https", "http"):
            raise ValueError(f"Unsupported URL scheme {scheme!r}: use https://")
        self.url = url
        self.auth_mode = auth_mode
        self._key = key
        register_secret(key)
        headers = {"Content-Type": "text/xml; charset=utf-8", "User-Agent": f"TagDesk/{__version__}",
                   "Accept": "text/xml"}
        if auth_mode is AuthMode.API_KEY:
            headers["X-Keap-API-Key"] = key
        elif auth_mode is AuthMode.OAUTH:
            headers["Authorization"] = f"Bearer {key}"
        self._sessions = ThreadSessions(headers, ca_bundle=ca_bundle)
        self.verify: str = self._sessions.verify
        self.timeout = (connect_timeout, read_timeout)

    # -- sessions -------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        return self._sessions.get()

    def close(self) -> None:
        self._sessions.close()

    @property
    def open_sessions(self) -> int:
        """HTTP sessions still open: one per live thread that has called (ended threads' are closed)."""
        return self._sessions.open_count

    # -- the exchange ---------------------------------------------------------------------

    def post(self, body: bytes, method: str) -> HttpReply:
        """Send one body; return the reply or raise a typed error."""
        try:
            resp = self._session().post(self.url, data=body, timeout=self.timeout, allow_redirects=False)
            content = resp.content
        except rex.RequestException as exc:
            raise map_request_exception(exc, method, _describe(exc)) from None
        headers = {k.lower(): v for k, v in resp.headers.items()}
        return HttpReply(resp.status_code, headers, content, resp.elapsed.total_seconds())
