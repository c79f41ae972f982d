"""A wrong key never "connects": the key check uses a call that needs a valid key.

``DataService.echo`` answers whatever key a legacy endpoint is given, so it cannot tell a
wrong key; :func:`verify_key` must fail for one, over every mode and protocol.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.api import errors as e
from app.api.ratelimit import Limits
from app.api.rest import RestClient
from app.api.xmlrpc import XmlRpcClient
from app.api.xmlrpc.policy import RetryPolicy
from app.services.connection_test import check_connection, verify_key

FAST = RetryPolicy(max_attempts=2, base_seconds=0.01, max_wait_seconds=0.02)
WRONG = "KeapAK-00000000000000000000000000000000"


def _client(sb: Any, kind: str, key: str) -> Any:
    if kind == "rest":
        return RestClient(sb.rest_host, key, retry=FAST, limits=Limits(None, None, None))
    url = sb.legacy_url if kind == "legacy" else sb.url
    return XmlRpcClient(url, key, retry=FAST, limits=Limits(None, None, None))


@pytest.mark.parametrize("kind", ["legacy", "xmlrpc", "rest"])
def test_a_wrong_key_fails_verify_key(sandbox: Any, kind: str) -> None:
    with _client(sandbox, kind, WRONG) as client:
        with pytest.raises(e.AuthError):
            verify_key(client)
        assert not check_connection(client).ok
    with _client(sandbox, kind, sandbox.key) as client:
        verify_key(client)  # the right key passes
