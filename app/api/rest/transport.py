"""HTTP transport for REST v2: sessions per thread, the key in a header, JSON bodies out.

The key travels only in a request header (``X-Keap-API-Key`` for personal access
tokens and service account keys, ``Authorization: Bearer`` for OAuth tokens), never
in a URL. Requests go only to the configured base URL: a path may not name another
host, and redirects are not followed (requests would carry ``X-Keap-API-Key`` along
to wherever a redirect points). Sessions, TLS and the mapping of library failures to
typed errors are shared with XML-RPC (:mod:`app.api.http_common`); library error
texts are scrubbed of URLs and e-mail addresses before they reach a log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import Enum, StrEnum
from urllib.parse import urlsplit

from requests import exceptions as rex

from app import __version__
from app.api.http_common import HttpReply, ThreadSessions, map_request_exception
from app.api.rest.labels import scrub
from app.core.redact import clip, register_secret

KEAP_REST_URL = "https://api.keap.com/crm"

Scalar = str | int | float | bool
#: A query parameter value: one scalar, or a list sent as repeated parameters (``update_mask``).
ParamValue = Scalar | None | Sequence[Scalar]


class RestAuth(StrEnum):
    """How the credential travels."""

    HEADER = "header"  # personal access token / service account key in X-Keap-API-Key
    BEARER = "bearer"  # OAuth2 access token (or a key, as Keap's SDK samples do) as Authorization: Bearer

    @classmethod
    def parse(cls, value: Enum | str) -> RestAuth:
        """Accept our own names and the XML-RPC client's (``api_key``, ``oauth``)."""
        text = str(value.value if isinstance(value, Enum) else value).strip().lower()
        aliases = {"header": cls.HEADER, "api_key": cls.HEADER, "x-keap-api-key": cls.HEADER,
                   "bearer": cls.BEARER, "oauth": cls.BEARER}
        if text not in aliases:
            raise ValueError(
                f"Unknown authentication mode {text!r} for REST: use 'header' (personal access token "
                "or service account key) or 'bearer' (OAuth token). Legacy keys do not work with REST."
            )
        return aliases[text]


class RestTransport:
    """Sends one request and returns the raw reply; maps every transport failure to a typed error."""

    def __init__(self, base_url: str, key: str, *, auth: RestAuth, ca_bundle: str | None = None,
                 connect_timeout: float = 10.0, read_timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("https", "http"):
            raise ValueError(f"Unsupported URL scheme {parts.scheme!r}: use https://")
        if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("The REST base URL must be like https://api.keap.com/crm (no query or login).")
        if not key:
            raise ValueError("An API key or token is required.")
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        register_secret(key)
        headers = {"Accept": "application/json", "User-Agent": f"TagDesk/{__version__}"}
        if auth is RestAuth.HEADER:
            headers["X-Keap-API-Key"] = key
        else:
            headers["Authorization"] = f"Bearer {key}"
        self._sessions = ThreadSessions(headers, ca_bundle=ca_bundle)
        self.verify: str = self._sessions.verify
        self.timeout = (connect_timeout, read_timeout)

    def close(self) -> None:
        self._sessions.close()

    @property
    def open_sessions(self) -> int:
        """HTTP sessions still open: one per live thread that has called (ended threads' are closed)."""
        return self._sessions.open_count

    def send(self, method: str, path: str, params: list[tuple[str, str]], body: bytes | None,
             label: str) -> HttpReply:
        """One HTTP exchange; ``label`` names it in errors instead of the real path."""
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else None
        try:
            resp = self._sessions.get().request(
                method, self.base_url + path, params=params, data=body, headers=headers,
                timeout=self.timeout, allow_redirects=False,
            )
            content = resp.content
        except rex.RequestException as exc:
            raise map_request_exception(exc, label, clip(scrub(str(exc), label), 300)) from None
        reply_headers = {k.lower(): v for k, v in resp.headers.items()}
        return HttpReply(resp.status_code, reply_headers, content, resp.elapsed.total_seconds())


def check_path(path: str) -> str:
    """Refuse a path that could send the key somewhere other than the base URL."""
    if not path.startswith("/") or path.startswith("//") or "://" in path:
        raise ValueError(f"A REST path must start with one '/' and name no host, like /rest/v2/contacts "
                         f"(got {path[:60]!r}).")
    if "?" in path or "#" in path:
        raise ValueError("Pass query parameters in params=, not in the path.")
    return path


def encode_params(params: Mapping[str, ParamValue] | None) -> list[tuple[str, str]]:
    """Query pairs: lists become repeated parameters, booleans ``true``/``false``, None is left out."""
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        items: Sequence[Scalar | None] = [value] if value is None or isinstance(value, Scalar) else value
        pairs.extend((name, _text(item)) for item in items if item is not None)
    return pairs


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_body(payload: object) -> bytes | None:
    """UTF-8 JSON for a request body (None sends no body at all)."""
    if payload is None:
        return None
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
