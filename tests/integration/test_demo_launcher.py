"""The demo launcher: a persistent sandbox on loopback behind an ordinary Session."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.cancel import CancelToken
from app.core.records import ContactQuery
from app.services.demo import DemoLauncher
from app.services.session import Session


def _count(session: Session) -> int:
    return session.backend.count_contacts(ContactQuery(), CancelToken())


@pytest.mark.parametrize("protocol", ["rest", "xmlrpc"])
def test_demo_session_persists_between_runs_and_reset_reseeds(tmp_path: Path, protocol: str) -> None:
    db = tmp_path / "data" / "demo.sqlite3"
    launcher = DemoLauncher(db, protocol=protocol)
    session = launcher.start()
    try:
        assert session.demo and session.profile_id == "demo" and session.protocol == protocol
        assert session.address.startswith("http://127.0.0.1:")
        seeded = _count(session)
        assert seeded > 0
        kept = {"FirstName": "Kept", "LastName": "Between Runs", "Email": "kept@example.com"}
        session.contacts.create(kept, CancelToken())
    finally:
        session.close()
    assert not launcher.running and db.is_file()

    again = DemoLauncher(db, protocol=protocol).start()
    try:
        assert _count(again) == seeded + 1
    finally:
        again.close()

    third = DemoLauncher(db, protocol=protocol)
    session = third.start()
    try:
        third.reset()
        assert _count(session) == seeded
    finally:
        session.close()


def test_the_demo_speaks_rest_v2_by_default(tmp_path: Path) -> None:
    session = DemoLauncher(tmp_path / "demo.sqlite3").start()
    try:
        assert session.protocol == "rest" and session.address.endswith("/crm")
    finally:
        session.close()
    with pytest.raises(ValueError, match="rest or xmlrpc"):
        DemoLauncher(None, protocol="soap")


def test_reset_needs_a_running_demo(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not running"):
        DemoLauncher(tmp_path / "demo.sqlite3").reset()
