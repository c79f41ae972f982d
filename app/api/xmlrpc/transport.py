"""HTTP transport for XML-RPC: one requests.Session per thread, TLS always verified.

Sessions are not shared across threads (requests does not promise that is safe), and
every request has a connect and a read timeout. There is deliberately no switch to
turn certificate verification off: a user behind a TLS-inspecting proxy chooses a
CA bundle instead. Every requests/urllib3 failure is mapped to one typed error that
says whether the request can have reached the server.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import certifi
import requests
from requests import exceptions as rex

from app import __version__
from app.api import errors as e
from app.core.redact import register_secret

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


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float


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
        self.verify: str = ca_bundle or certifi.where()
        self.timeout = (connect_timeout, read_timeout)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    # -- sessions -------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # no proxy or netrc surprises; the URL is the URL
            session.verify = self.verify
            session.headers.update(
                {"Content-Type": "text/xml; charset=utf-8", "User-Agent": f"TagDesk/{__version__}",
                 "Accept": "text/xml"}
            )
            if self.auth_mode is AuthMode.API_KEY:
                session.headers["X-Keap-API-Key"] = self._key
            elif self.auth_mode is AuthMode.OAUTH:
                session.headers["Authorization"] = f"Bearer {self._key}"
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.close()
        self._local = threading.local()

    # -- the exchange ---------------------------------------------------------------------

    def post(self, body: bytes, method: str) -> HttpReply:
        """Send one body; return the reply or raise a typed error."""
        try:
            resp = self._session().post(self.url, data=body, timeout=self.timeout, allow_redirects=False)
            content = resp.content
        except rex.SSLError as exc:
            raise e.TlsError(detail=_describe(exc), method=method) from None
        except rex.ConnectTimeout as exc:
            raise e.ConnectError("Could not connect to Keap in time.", detail=_describe(exc),
                                 method=method) from None
        except rex.ReadTimeout as exc:
            raise e.RequestTimeoutError(detail=_describe(exc), method=method) from None
        except rex.ConnectionError as exc:
            if _never_connected(exc):
                raise e.ConnectError(detail=_describe(exc), method=method) from None
            raise e.ConnectionDroppedError(detail=_describe(exc), method=method) from None
        except (rex.ChunkedEncodingError, rex.ContentDecodingError) as exc:
            raise e.ConnectionDroppedError(detail=_describe(exc), method=method) from None
        except rex.RequestException as exc:
            raise e.TransportError(detail=_describe(exc), method=method) from None
        headers = {k.lower(): v for k, v in resp.headers.items()}
        return HttpReply(resp.status_code, headers, content, resp.elapsed.total_seconds())


def _never_connected(exc: BaseException) -> bool:
    """True when the TCP connection was never established (refused, unreachable, DNS)."""
    text = repr(exc)
    markers = ("NewConnectionError", "Failed to establish a new connection", "NameResolutionError",
               "Connection refused", "ConnectTimeoutError")
    return any(m in text for m in markers)


def _describe(exc: BaseException) -> str:
    """A short, key-free description of a requests exception for the log."""
    text = str(exc)
    return text[:300]
