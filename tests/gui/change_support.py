"""Wiring a pane tested alone to its services' writes, the way the window's session panes do."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from app.services.changes import ChangeFeed
from app.ui.changes import ChangeRouter


def follow_changes(pane: QWidget, *services: Any) -> ChangeRouter:
    """The pane hears of every write of ``services`` through one change feed and router."""
    feed = ChangeFeed()
    for service in services:
        service.observers.append(feed)
    router = ChangeRouter(feed, pane)
    router.changed.connect(pane.apply_changes)  # type: ignore[attr-defined]
    return router
