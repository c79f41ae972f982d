"""Fixtures shared by the record-tab tests: a recording presenter and records services."""

from __future__ import annotations

import pytest

from app.ui.errors import ErrorPresenter
from tests.records_support import demo_service, protocol, service

__all__ = ["demo_service", "presenter", "protocol", "service"]  # the records fixtures, shared


@pytest.fixture
def presenter() -> ErrorPresenter:
    """A non-interactive presenter that records every message in ``shown``."""
    p = ErrorPresenter(interactive=False)
    p.shown = []  # type: ignore[attr-defined]
    p.presented.connect(lambda message, _detail: p.shown.append(message))  # type: ignore[attr-defined]
    return p
