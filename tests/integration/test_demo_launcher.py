"""The demo launcher: a persistent sandbox on loopback behind an ordinary Session."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.api.xmlrpc.query import count
from app.services.demo import DemoLauncher


def test_demo_session_persists_between_runs_and_reset_reseeds(tmp_path: Path) -> None:
    db = tmp_path / "data" / "demo.sqlite3"
    launcher = DemoLauncher(db)
    session = launcher.start()
    try:
        assert session.demo and session.profile_id == "demo"
        assert session.client.url.startswith("http://127.0.0.1:")
        seeded = count(session.client, "Contact", {"Id": "%"})
        assert seeded > 0
        session.client.call("ContactService.add", {"FirstName": "Kept", "LastName": "Between Runs"})
    finally:
        session.close()
    assert not launcher.running and db.is_file()

    again = DemoLauncher(db).start()
    try:
        assert count(again.client, "Contact", {"Id": "%"}) == seeded + 1
    finally:
        again.close()

    third = DemoLauncher(db)
    session = third.start()
    try:
        third.reset()
        assert count(session.client, "Contact", {"Id": "%"}) == seeded
    finally:
        session.close()


def test_reset_needs_a_running_demo(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not running"):
        DemoLauncher(tmp_path / "demo.sqlite3").reset()
