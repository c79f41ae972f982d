"""Every write path tells its observers before and after, and a failing observer never fails a write."""

from __future__ import annotations

import pytest

from app.services.observers import observed


class Recorder:
    def __init__(self, fail_after: bool = False) -> None:
        self.seen: list[tuple[str, object, object]] = []
        self.fail_after = fail_after

    def before_write(self, event: object) -> None:
        self.seen.append(("before", event, None))

    def after_write(self, event: object, error: BaseException | None) -> None:
        self.seen.append(("after", event, error))
        if self.fail_after:
            raise RuntimeError("journal disk full")


def test_observers_see_before_and_after_with_the_result() -> None:
    rec = Recorder()
    assert observed([rec], "ev", lambda: 42) == 42
    assert rec.seen == [("before", "ev", None), ("after", "ev", None)]


def test_a_failed_write_reaches_observers_and_the_caller() -> None:
    rec = Recorder()
    boom = ValueError("refused")

    def send() -> None:
        raise boom

    with pytest.raises(ValueError):
        observed([rec], "ev", send)
    assert rec.seen[-1] == ("after", "ev", boom)


def test_a_failing_observer_does_not_fail_a_done_write(caplog: pytest.LogCaptureFixture) -> None:
    order: list[str] = []
    result = observed([Recorder(fail_after=True)], "ev", lambda: "ok", after=lambda: order.append("after"))
    assert result == "ok"
    assert order == ["after"]
    assert "write observer failed" in caplog.text


def test_a_bulk_call_is_seen_as_one_write_per_contact_each_with_its_outcome() -> None:
    from app.services.observers import observed_each

    rec = Recorder(fail_after=True)  # a failing observer changes nothing either
    refused = ValueError("gone")
    result = observed_each([rec], ["a", "b"], lambda: {"a": None, "b": refused},
                           lambda outcome, event: outcome[event])
    assert result == {"a": None, "b": refused}
    assert rec.seen == [("before", "a", None), ("before", "b", None),
                        ("after", "a", None), ("after", "b", refused)]

    rec = Recorder()
    lost = ConnectionError("dropped")

    def send() -> dict[str, object]:
        raise lost

    with pytest.raises(ConnectionError):
        observed_each([rec], ["a", "b"], send, lambda outcome, event: None)
    assert rec.seen[2:] == [("after", "a", lost), ("after", "b", lost)]
