"""Fixtures shared by the record-tab tests: a recording presenter and records services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.services.records import RecordsService
from app.ui.errors import ErrorPresenter
from tests.records_support import PROTOCOLS, service_on


@pytest.fixture
def presenter() -> ErrorPresenter:
    """A non-interactive presenter that records every message in ``shown``."""
    p = ErrorPresenter(interactive=False)
    p.shown = []  # type: ignore[attr-defined]
    p.presented.connect(lambda message, _detail: p.shown.append(message))  # type: ignore[attr-defined]
    return p


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    """Every record-tab scenario runs over XML-RPC and over REST v2."""
    return str(request.param)


@pytest.fixture
def demo_service(demo_sandbox: Any, protocol: str) -> Iterator[RecordsService]:
    yield from service_on(demo_sandbox, protocol)


@pytest.fixture
def service(sandbox: Any, protocol: str) -> Iterator[RecordsService]:
    yield from service_on(sandbox, protocol)
