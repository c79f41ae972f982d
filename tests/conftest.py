"""Shared test set-up: headless Qt, and real Keap sandboxes on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Headless unless a test run asks for a real screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def demo_sandbox() -> Iterator[object]:
    """One read-mostly demo sandbox for the whole run; tests that write use ``sandbox``."""
    from app.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(seed="demo")) as sb:
        yield sb


@pytest.fixture
def sandbox() -> Iterator[object]:
    """A fresh demo sandbox for a test that writes or injects faults."""
    from app.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(seed="demo")) as sb:
        yield sb
