"""Shared pieces of the tag tests: sandboxes, fast clients, and the store's view of tags.

Import the fixtures into a test module (``from tag_testkit import demo_tags, ...``);
pytest picks them up from the module's namespace.

Protocols: ``demo_tags`` and ``small_tags`` give ``(sandbox, client, service)`` over
XML-RPC, unless the test also asks for the ``protocol`` fixture (import it too): then
the test runs once per protocol, ``"xmlrpc"`` and ``"rest"``, and the client and
service are that protocol's. The sandbox is the same account either way, so the
store-side helpers below check both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from rest_testkit import fast_rest_client

from app.api.rest import RestClient
from app.api.xmlrpc.client import XmlRpcClient
from app.api.xmlrpc.policy import RetryPolicy
from app.api.xmlrpc.ratelimit import Limits
from app.sandbox import Sandbox, SandboxConfig
from app.services.tags import TagsService, make_tags_service

FAULTS = "empty=0.05,session=0.05,drop_before=0.05"
#: The REST side's transient faults (``session`` is XML-RPC only).
REST_FAULTS = "empty=0.05,http503=0.05,drop_before=0.05,drop_after=0.05"
PROTOCOLS = ("xmlrpc", "rest")
#: Contacts per bulk call in the small REST account: small enough for several calls per job.
SMALL_BULK = 40

Client = XmlRpcClient | RestClient
#: What the sandbox counts for one tag write, per protocol.
WRITE_LABELS = {
    ("xmlrpc", "apply"): "ContactService.addToGroup",
    ("xmlrpc", "remove"): "ContactService.removeFromGroup",
    ("rest", "apply"): "POST /rest/v2/tags/{tag_id}/contacts:applyTags",
    ("rest", "remove"): "POST /rest/v2/tags/{tag_id}/contacts:removeTags",
}


def fast_client(sb: Sandbox, *, attempts: int = 6) -> XmlRpcClient:
    """A client with short back-offs and no client-side rate limit (the sandbox's quota is off)."""
    return XmlRpcClient(sb.url, sb.key, retry=RetryPolicy(max_attempts=attempts, base_seconds=0.01,
                                                          max_wait_seconds=0.05),
                        limits=Limits(None, None, None))


def assignments(sb: Sandbox) -> set[tuple[int, int]]:
    """Every (ContactId, GroupId) pair in the store."""
    return {(int(r["ContactId"]), int(r["GroupId"]))
            for r in sb.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"])}


def store_counts(sb: Sandbox) -> dict[int, int]:
    return dict(Counter(g for _, g in assignments(sb)))


def contact_ids(sb: Sandbox) -> list[int]:
    return [int(r["Id"]) for r in sb.store.rows("Contact", fields=["Id"])]


def tag_id(sb: Sandbox, name: str) -> int:
    rows = [r for r in sb.store.rows("ContactGroup") if r["GroupName"] == name]
    assert len(rows) == 1, name
    return int(rows[0]["Id"])


def calls(sb: Sandbox) -> dict[str, Any]:
    return dict(sb.stats()["calls"])


def client_for(sb: Sandbox, protocol: str, *, attempts: int = 6) -> Any:
    """A fast client of either protocol (typed Any: tests use each client's own API)."""
    if protocol == "rest":
        return fast_rest_client(sb, attempts=attempts)
    return fast_client(sb, attempts=attempts)


def service_for(client: Client, *, bulk_size: int | None = None) -> TagsService:
    return make_tags_service(client, bulk_size=bulk_size)


def faults_for(protocol: str) -> str:
    return REST_FAULTS if protocol == "rest" else FAULTS


def writes(sb: Sandbox, protocol: str, action: str) -> int:
    """Write calls the sandbox received for ``action`` ("apply" or "remove") over ``protocol``."""
    return int(calls(sb).get(WRITE_LABELS[(protocol, action)], 0))


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    """Ask for this (with ``demo_tags``/``small_tags``) to run a test over both protocols."""
    return str(request.param)


def _protocol(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("protocol")) if "protocol" in request.fixturenames else "xmlrpc"


@pytest.fixture
def demo_tags(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, Any, TagsService]]:
    """A fresh demo account (60 tags, ~15,000 assignments) with a fast client and the service."""
    with Sandbox(SandboxConfig(seed="demo")) as sb:
        client = client_for(sb, _protocol(request))
        yield sb, client, service_for(client)
        client.close()


@pytest.fixture
def small_tags(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, Any, TagsService]]:
    """A small account (400 plain contacts, 8 tags) for write-heavy tests (REST: 40 contacts a call)."""
    protocol = _protocol(request)
    with Sandbox(SandboxConfig(seed=400)) as sb:
        client = client_for(sb, protocol)
        yield sb, client, service_for(client, bulk_size=SMALL_BULK if protocol == "rest" else None)
        client.close()
