"""Clients for the REST side of the sandbox: Keap's own SDK and plain ``requests``.

The SDK (``keap-core-v2-sdk``) is generated from Keap's OpenAPI spec, so a reply that
deserializes into its models has Keap's shape; ``requests`` is used where a test needs
the raw status, headers or body.
"""

from __future__ import annotations

from typing import Any

import requests
from keap_core_v2_client import ApiClient, Configuration

from app.sandbox import Sandbox


def sdk_client(sb: Sandbox, key: str | None = None) -> ApiClient:
    """An SDK client for the sandbox, sending the key in ``X-Keap-API-Key``."""
    client = ApiClient(Configuration(host=sb.rest_host))
    client.default_headers["X-Keap-API-Key"] = key if key is not None else sb.key
    return client


class Rest:
    """Raw HTTP against ``/crm/rest/v2`` with the sandbox's key."""

    def __init__(self, sb: Sandbox, key: str | None = None) -> None:
        self.base = sb.rest_host + "/rest/v2"
        self.session = requests.Session()
        self.session.headers["X-Keap-API-Key"] = key if key is not None else sb.key

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=30, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.call("GET", path, params=params)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON of a 2xx reply (None for 204); AssertionError otherwise."""
        r = self.call(method, path, **kwargs)
        assert r.status_code < 300, (r.status_code, r.text)
        return r.json() if r.content else None

    def close(self) -> None:
        self.session.close()
