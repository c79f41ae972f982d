"""Shared pieces of the tag tests: sandboxes, fast clients, and the store's view of tags.

Import the fixtures into a test module (``from tag_testkit import demo_tags, ...``);
pytest picks them up from the module's namespace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from app.api.xmlrpc.client import XmlRpcClient
from app.api.xmlrpc.policy import RetryPolicy
from app.api.xmlrpc.ratelimit import Limits
from app.sandbox import Sandbox, SandboxConfig
from app.services.tags import TagsService, make_tags_service

FAULTS = "empty=0.05,session=0.05,drop_before=0.05"


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


@pytest.fixture
def demo_tags() -> Iterator[tuple[Sandbox, XmlRpcClient, TagsService]]:
    """A fresh demo account (60 tags, ~15,000 assignments) with a fast client and the service."""
    with Sandbox(SandboxConfig(seed="demo")) as sb:
        client = fast_client(sb)
        yield sb, client, make_tags_service(client)
        client.close()


@pytest.fixture
def small_tags() -> Iterator[tuple[Sandbox, XmlRpcClient, TagsService]]:
    """A small account (400 plain contacts, 8 tags) for write-heavy tests."""
    with Sandbox(SandboxConfig(seed=400)) as sb:
        client = fast_client(sb)
        yield sb, client, make_tags_service(client)
        client.close()
