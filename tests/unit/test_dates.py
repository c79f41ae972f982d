"""Keap's dates (gotcha 12): US Eastern wall-clock time in two formats, DST-correct."""

from __future__ import annotations

import time
import xmlrpc.client
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.dates import (
    EASTERN,
    from_api,
    from_api_date,
    to_local,
    to_query_date,
    to_query_string,
    to_service_datetime,
)

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


@pytest.fixture
def berlin_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make the machine's local zone Europe/Berlin, so naive datetimes have a known meaning."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is not available on this platform")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# --- to the API ---------------------------------------------------------------------------


def test_summer_is_edt() -> None:
    moment = utc(2024, 7, 4, 16, 30, 15)
    assert to_service_datetime(moment).value == "20240704T12:30:15"  # UTC-4
    assert to_query_string(moment) == "2024-07-04 12:30:15"


def test_winter_is_est() -> None:
    moment = utc(2024, 1, 15, 17, 0, 0)
    assert to_service_datetime(moment).value == "20240115T12:00:00"  # UTC-5
    assert to_query_string(moment) == "2024-01-15 12:00:00"


def test_service_datetime_is_an_xmlrpc_datetime() -> None:
    value = to_service_datetime(utc(2024, 7, 4, 16, 0, 0))
    assert isinstance(value, xmlrpc.client.DateTime)
    assert "<dateTime.iso8601>20240704T12:00:00</dateTime.iso8601>" in xmlrpc.client.dumps((value,))


def test_other_zones_are_converted() -> None:
    moment = datetime(2024, 7, 4, 18, 0, tzinfo=BERLIN)  # 16:00 UTC
    assert to_service_datetime(moment).value == "20240704T12:00:00"
    fixed = datetime(2024, 1, 15, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert to_query_string(fixed) == "2024-01-15 12:00:00"


def test_naive_datetime_is_local_time(berlin_local_time: None) -> None:
    assert to_service_datetime(datetime(2024, 7, 4, 18, 0)).value == "20240704T12:00:00"
    assert to_query_string(datetime(2024, 1, 15, 18, 0)) == "2024-01-15 12:00:00"


def test_date_is_midnight_without_conversion(berlin_local_time: None) -> None:
    assert to_service_datetime(date(2024, 7, 4)).value == "20240704T00:00:00"
    assert to_query_string(date(2024, 7, 4)) == "2024-07-04 00:00:00"


def test_microseconds_are_dropped() -> None:
    assert to_query_string(utc(2024, 7, 4, 16, 0, 0, 999_999)) == "2024-07-04 12:00:00"


def test_query_date() -> None:
    assert to_query_date(date(2024, 3, 5)) == "2024-03-05"
    # a datetime is first moved to Eastern: 02:00 UTC on the 5th is the 4th in New York
    assert to_query_date(utc(2024, 3, 5, 2, 0, 0)) == "2024-03-04"


def test_years_are_padded() -> None:
    assert to_service_datetime(date(999, 1, 2)).value == "09990102T00:00:00"
    assert to_query_string(date(999, 1, 2)) == "0999-01-02 00:00:00"


# --- from the API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["20240704T12:30:15", "2024-07-04T12:30:15", "2024-07-04 12:30:15", "  20240704T12:30:15\n"],
)
def test_from_api_formats(text: str) -> None:
    result = from_api(text)
    assert result == datetime(2024, 7, 4, 12, 30, 15, tzinfo=EASTERN)
    assert result.tzinfo is EASTERN
    assert result.utcoffset() == timedelta(hours=-4)
    assert result.astimezone(UTC) == utc(2024, 7, 4, 16, 30, 15)


def test_from_api_date_only_string() -> None:
    assert from_api("2024-01-15") == datetime(2024, 1, 15, tzinfo=EASTERN)
    assert from_api("2024-01-15").utcoffset() == timedelta(hours=-5)


def test_from_api_xmlrpc_datetime() -> None:
    assert from_api(xmlrpc.client.DateTime("20240115T12:00:00")).astimezone(UTC) == utc(2024, 1, 15, 17, 0, 0)


def test_from_api_datetimes() -> None:
    assert from_api(datetime(2024, 1, 15, 12, 0)).astimezone(UTC) == utc(2024, 1, 15, 17, 0, 0)
    aware = from_api(utc(2024, 1, 15, 17, 0, 0))
    assert aware.tzinfo is EASTERN and aware.hour == 12


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-01", "2024-02-30", "20240704 12:30:15",
                                  "2024/07/04", "2024-07-04T12:30", "2015-06-19T12:12:12+00:00"])
def test_from_api_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        from_api(text)


def test_from_api_date() -> None:
    assert from_api_date("19800229T00:00:00") == date(1980, 2, 29)
    assert from_api_date(xmlrpc.client.DateTime("20240704T00:00:00")) == date(2024, 7, 4)
    assert from_api_date("2024-07-04") == date(2024, 7, 4)
    assert from_api_date(date(2024, 7, 4)) == date(2024, 7, 4)
    # an aware value is read in Eastern time: 03:00 UTC on the 5th is the 4th in New York
    assert from_api_date(utc(2024, 7, 5, 3, 0, 0)) == date(2024, 7, 4)


def test_to_local(berlin_local_time: None) -> None:
    local = to_local(from_api("2024-07-04 12:00:00"))
    assert (local.hour, local.utcoffset()) == (18, timedelta(hours=2))
    assert to_local(datetime(2024, 1, 15, 12, 0)).hour == 18  # naive: Eastern, as the API sends


# --- DST transitions ------------------------------------------------------------------------

SPRING = [date(2024, 3, 10), date(2026, 3, 8)]
FALL = [date(2024, 11, 3), date(2026, 11, 1)]


@pytest.mark.parametrize("day", SPRING)
def test_spring_forward(day: date) -> None:
    ymd = day.isoformat()
    before = from_api(f"{ymd} 01:59:59")
    after = from_api(f"{ymd} 03:00:00")
    assert before.utcoffset() == timedelta(hours=-5)
    assert after.utcoffset() == timedelta(hours=-4)
    # one second apart (compare in UTC: arithmetic within one zone is wall-clock arithmetic)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(seconds=1)
    # 02:30 does not exist: moved forward by the one-hour gap
    gap = from_api(f"{ymd} 02:30:00")
    assert (gap.hour, gap.minute, gap.utcoffset()) == (3, 30, timedelta(hours=-4))
    assert gap.astimezone(UTC) == datetime.fromisoformat(f"{ymd}T07:30:00+00:00")
    # sending the instants gives back Eastern wall time on both sides of the gap
    assert to_query_string(datetime.fromisoformat(f"{ymd}T06:59:59+00:00")) == f"{ymd} 01:59:59"
    assert to_query_string(datetime.fromisoformat(f"{ymd}T07:00:00+00:00")) == f"{ymd} 03:00:00"


@pytest.mark.parametrize("day", FALL)
def test_fall_back(day: date) -> None:
    ymd = day.isoformat()
    # 01:30 happens twice; the API cannot say which, so it is read as the first (EDT)
    ambiguous = from_api(f"{ymd} 01:30:00")
    assert ambiguous.fold == 0
    assert ambiguous.utcoffset() == timedelta(hours=-4)
    assert ambiguous.astimezone(UTC) == datetime.fromisoformat(f"{ymd}T05:30:00+00:00")
    assert from_api(f"{ymd} 02:00:00").utcoffset() == timedelta(hours=-5)
    # both instants that are 01:30 in New York are sent as 01:30
    first = datetime.fromisoformat(f"{ymd}T05:30:00+00:00")
    second = first + HOUR
    compact = f"{ymd.replace('-', '')}T01:30:00"
    assert to_service_datetime(first).value == to_service_datetime(second).value == compact
    # a naive datetime that says fold=1 is honoured
    assert from_api(datetime(day.year, day.month, day.day, 1, 30, fold=1)).utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    "text",
    ["20240704T12:30:15", "20240115T00:00:00", "20240310T01:59:59", "20240310T03:00:00", "20241103T01:30:00",
     "20241103T00:59:59", "20241103T02:00:00", "20260308T03:15:00", "20261101T01:00:00", "19991231T23:59:59"],
)
def test_round_trip_from_api_to_service(text: str) -> None:
    assert to_service_datetime(from_api(text)).value == text
    dashed = f"{text[0:4]}-{text[4:6]}-{text[6:8]} {text[9:]}"
    assert to_query_string(from_api(dashed)) == dashed


def _in_repeated_hour(moment: datetime) -> bool:
    """True for the second (EST) pass of the fall-back hour, which the API cannot express."""
    return moment.astimezone(UTC).astimezone(EASTERN).fold == 1


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 12, 30),
                    timezones=st.sampled_from([UTC, EASTERN, BERLIN, ZoneInfo("Asia/Kolkata"),
                                               timezone(timedelta(hours=-3, minutes=-30))])))
@settings(max_examples=200)
def test_property_round_trip_to_the_second(moment: datetime) -> None:
    expected = moment.replace(microsecond=0)
    via_service = from_api(to_service_datetime(moment))
    via_query = from_api(to_query_string(moment))
    assert via_service == via_query
    assert via_service.tzinfo is EASTERN
    # compared in UTC, since comparing two datetimes of one zone ignores fold
    if _in_repeated_hour(moment):
        assert via_service.astimezone(UTC) == expected.astimezone(UTC) - HOUR  # read as the first pass
    else:
        assert via_service.astimezone(UTC) == expected.astimezone(UTC)


def test_a_nonexistent_eastern_time_is_sent_as_its_instant() -> None:
    # 02:30 fold=0 on a spring-forward day means 07:30 UTC (PEP 495), which is 03:30 EDT
    assert to_query_string(datetime(2024, 3, 10, 2, 30, tzinfo=EASTERN)) == "2024-03-10 03:30:00"
