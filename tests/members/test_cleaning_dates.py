"""Birthdays and channel timestamps in the formats Chinese exports use."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members.cleaning import parse_birthday, parse_datetime_cn

TODAY = dt.date(2025, 6, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
BIRTHDAY = dt.date(1990, 1, 2)

# ---------------------------------------------------------------- parse_birthday


@pytest.mark.parametrize(
    "raw",
    ["1990-01-02", "1990/1/2", "1990.1.2", "19900102", "1990年1月2日", "1990-01-02 00:00:00", "1990/1/2 0:00",
     "1990-01-02T00:00:00+08:00", "1990-1-2", "1990 年 01 月 02 日"],
)
def test_a_birthday_in_each_export_format_is_parsed(raw):
    assert parse_birthday(raw, today=TODAY) == BIRTHDAY


@pytest.mark.parametrize("raw", ['="1990-01-02"', "'1990/1/2", " １９９０－０１－０２ ", "\ufeff19900102"])
def test_a_birthday_with_export_quirks_is_parsed(raw):
    assert parse_birthday(raw, today=TODAY) == BIRTHDAY


@pytest.mark.parametrize("raw", ["32874", 32874, 32874.0, "32874.0", 32874.75])
def test_an_excel_serial_number_is_read_from_the_1899_12_30_epoch(raw):
    assert parse_birthday(raw, today=TODAY) == dt.date(1990, 1, 1)


def test_a_lone_year_is_not_read_as_an_excel_serial():
    # given a cell holding only a year, which is also a serial number in Excel's range
    # when parsed  # then it is not taken for a day in 1905
    assert parse_birthday("1990", today=TODAY) is None


def test_an_eight_digit_integer_is_read_as_yyyymmdd():
    assert parse_birthday(19900102, today=TODAY) == BIRTHDAY


def test_a_date_object_is_returned_as_is():
    assert parse_birthday(BIRTHDAY, today=TODAY) == BIRTHDAY


def test_a_datetime_object_gives_its_date():
    assert parse_birthday(dt.datetime(1990, 1, 2, 8, 30), today=TODAY) == BIRTHDAY


@pytest.mark.parametrize("raw", [None, "", "null", "无", "-", "0", "abc", "1990", 1990, "1990-01", "90-1-2", True])
def test_junk_is_no_birthday(raw):
    assert parse_birthday(raw, today=TODAY) is None


@pytest.mark.parametrize("raw", ["1990-02-30", "1990-13-01", "1990-00-10", "19901301", "0000-00-00"])
def test_impossible_dates_are_no_birthday(raw):
    assert parse_birthday(raw, today=TODAY) is None


def test_the_1900_01_01_placeholder_is_no_birthday():
    assert parse_birthday("1900-01-01", today=dt.date(1990, 1, 1)) is None


def test_a_year_before_1900_is_no_birthday():
    assert parse_birthday("1899-12-31", today=dt.date(1950, 1, 1)) is None


def test_a_future_date_is_no_birthday():
    assert parse_birthday("2025-06-02", today=TODAY) is None


def test_today_is_a_valid_birthday():
    assert parse_birthday("2025-06-01", today=TODAY) == TODAY


def test_exactly_120_years_old_is_still_plausible():
    assert parse_birthday("1905-06-01", today=TODAY) == dt.date(1905, 6, 1)


def test_turning_121_makes_a_birthday_implausible():
    assert parse_birthday("1904-06-01", today=TODAY) is None


def test_today_defaults_to_the_current_date():
    assert parse_birthday(dt.date.today() + dt.timedelta(days=1)) is None


@given(st.dates(min_value=dt.date(1906, 1, 1), max_value=TODAY))
def test_a_formatted_plausible_date_round_trips(day):
    for text in (day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日"):
        assert parse_birthday(text, today=TODAY) == day


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats()))
def test_any_input_gives_a_plausible_date_or_none(raw):
    day = parse_birthday(raw, today=TODAY)
    assert day is None or dt.date(1900, 1, 2) <= day <= TODAY


# ---------------------------------------------------------------- parse_datetime_cn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-02 03:04:05", dt.datetime(2024, 1, 2, 3, 4, 5)),
        ("2024/1/2 3:04", dt.datetime(2024, 1, 2, 3, 4)),
        ("2024/1/2 3:04:05", dt.datetime(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02", dt.datetime(2024, 1, 2)),
        ("2024/1/2", dt.datetime(2024, 1, 2)),
        ("2024-01-02 03:04:05.250", dt.datetime(2024, 1, 2, 3, 4, 5, 250000)),
    ],
)
def test_a_naive_timestamp_is_read_as_beijing_time(raw, expected):
    assert parse_datetime_cn(raw) == expected.replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("raw", ["2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05Z", "2024-01-02 12:04:05+0900"])
def test_a_timestamp_with_an_offset_is_converted_to_beijing_time(raw):
    assert parse_datetime_cn(raw) == dt.datetime(2024, 1, 2, 11, 4, 5, tzinfo=SHANGHAI)


def test_the_result_is_in_the_shanghai_zone():
    assert parse_datetime_cn("2024-01-02T03:04:05Z").tzinfo == SHANGHAI


@pytest.mark.parametrize("raw", [45292.5, "45292.5", "=\"45292.5\""])
def test_an_excel_serial_keeps_its_time_of_day(raw):
    assert parse_datetime_cn(raw) == dt.datetime(2024, 1, 1, 12, tzinfo=SHANGHAI)


def test_a_unix_timestamp_from_a_platform_api_is_read():
    assert parse_datetime_cn(1704164645) == dt.datetime(2024, 1, 2, 11, 4, 5, tzinfo=SHANGHAI)


def test_a_unix_timestamp_in_milliseconds_is_read():
    assert parse_datetime_cn("1704164645000") == dt.datetime(2024, 1, 2, 11, 4, 5, tzinfo=SHANGHAI)


def test_a_naive_datetime_object_is_taken_as_beijing_time():
    assert parse_datetime_cn(dt.datetime(2024, 1, 2, 3)) == dt.datetime(2024, 1, 2, 3, tzinfo=SHANGHAI)


def test_a_date_object_becomes_beijing_midnight():
    assert parse_datetime_cn(dt.date(2024, 1, 2)) == dt.datetime(2024, 1, 2, tzinfo=SHANGHAI)


@pytest.mark.parametrize("raw", [None, "", "null", "未知", "junk", "2024-13-01", "2024-02-30 10:00", "2024-01-02 25:00", True])
def test_junk_and_impossible_timestamps_give_none(raw):
    assert parse_datetime_cn(raw) is None


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.datetimes()))
def test_parsing_a_timestamp_never_raises_and_is_always_aware(raw):
    stamp = parse_datetime_cn(raw)
    assert stamp is None or stamp.tzinfo == SHANGHAI
