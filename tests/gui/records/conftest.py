"""Fixtures shared by the record-tab tests: a recording presenter and records services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.services.records import RecordsService
from app.ui.errors import ErrorPresenter
from tests.records_support import service_on


@pytest.fixture
def presenter() -> ErrorPresenter:
    """A non-interactive presenter that records every message in ``shown``."""
    p = ErrorPresenter(interactive=False)
    p.shown = []  # type: ignore[attr-defined]
    p.presented.connect(lambda message, _detail: p.shown.append(message))  # type: ignore[attr-defined]
    return p


@pytest.fixture
def demo_service(demo_sandbox: Any) -> Iterator[RecordsService]:
    yield from service_on(demo_sandbox)


@pytest.fixture
def service(sandbox: Any) -> Iterator[RecordsService]:
    yield from service_on(sandbox)
