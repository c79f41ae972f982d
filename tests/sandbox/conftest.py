"""Fixtures for the sandbox conformance suite: stdlib ServerProxy clients, no TagDesk code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the project root is not on sys.path unless the package is installed
    sys.path.insert(0, str(ROOT))

from sandbox_helpers import proxy  # noqa: E402

from app.sandbox import Sandbox, SandboxConfig  # noqa: E402


@pytest.fixture(scope="session")
def demo() -> Iterator[Sandbox]:
    """A read-only demo account shared by the whole suite; tests that write use ``fresh``."""
    with Sandbox(SandboxConfig(seed="demo")) as sb:
        yield sb


@pytest.fixture
def fresh() -> Iterator[Sandbox]:
    """A new demo account for one test that writes."""
    with Sandbox(SandboxConfig(seed="demo")) as sb:
        yield sb


@pytest.fixture
def empty() -> Iterator[Sandbox]:
    """A new empty account (one user, no contacts) for one test."""
    with Sandbox(SandboxConfig(seed="empty")) as sb:
        yield sb


@pytest.fixture
def rpc(demo: Sandbox) -> Iterator[Any]:
    with proxy(demo) as p:
        yield p


@pytest.fixture
def wrpc(fresh: Sandbox) -> Iterator[Any]:
    with proxy(fresh) as p:
        yield p


@pytest.fixture
def erpc(empty: Sandbox) -> Iterator[Any]:
    with proxy(empty) as p:
        yield p


@pytest.fixture
def api(demo: Sandbox) -> Iterator[Any]:
    """Keap's SDK client on the shared demo account (read-only tests)."""
    from rest_helpers import sdk_client

    with sdk_client(demo) as client:
        yield client


@pytest.fixture
def wapi(fresh: Sandbox) -> Iterator[Any]:
    """Keap's SDK client on a fresh demo account (tests that write)."""
    from rest_helpers import sdk_client

    with sdk_client(fresh) as client:
        yield client


@pytest.fixture
def rest(demo: Sandbox) -> Iterator[Any]:
    from rest_helpers import Rest

    r = Rest(demo)
    yield r
    r.close()


@pytest.fixture
def wrest(fresh: Sandbox) -> Iterator[Any]:
    from rest_helpers import Rest

    r = Rest(fresh)
    yield r
    r.close()
