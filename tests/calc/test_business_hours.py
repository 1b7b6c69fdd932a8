"""Business-hours engine: against a minute-by-minute reference, worked examples and validation.

No database and no Django: these run with or without pytest-django.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from teamalign.calc.business_hours import (
    WEEKDAYS,
    BusinessHoursError,
    Schedule,
    add_business_seconds,
    business_seconds_between,
)
from teamalign.errors import ValidationError

MINUTE = timedelta(minutes=1)
ONE_US = np.timedelta64(1, "us")
WEEKDAYS_9_TO_5 = {day: [("09:00", "17:00")] for day in WEEKDAYS[:5]}
WEEKDAYS_8_TO_5 = {day: [("08:00", "17:00")] for day in WEEKDAYS[:5]}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)


def seconds(schedule: Schedule, start: datetime, end: datetime, pauses=None) -> int:
    result = business_seconds_between(schedule, [start], [end],
                                      pauses=None if pauses is None else [pauses])
    return int(result[0])


# --- The reference: slow and obviously correct ------------------------------------------
#
# Walk [start, end) one UTC minute at a time; a minute counts when its local wall time is
# inside an open interval of a non-holiday day (the part of an overnight interval after
# midnight belongs to the day before) and the minute is not inside any pause. Exact at
# minute granularity because every instant, boundary and offset in these tests is on a
# whole minute.

def reference_seconds(zone: str, weekly: dict[int, list[tuple[int, int]]], closed_days,
                      start: datetime, end: datetime, pauses=()) -> int:
    """``weekly``: Monday=0 -> (start, end) minutes as written ("24:00" = 1440, end < start
    runs overnight); ``closed_days``: a container of holiday dates."""
    tz = ZoneInfo(zone)

    def is_open(wall: datetime) -> bool:
        today, minute = wall.date(), wall.hour * 60 + wall.minute
        yesterday = today - timedelta(days=1)
        if today not in closed_days:
            for open_, close in weekly.get(today.weekday(), ()):
                if (open_ <= minute < close) if close > open_ else (minute >= open_):
                    return True
        if yesterday not in closed_days:
            for open_, close in weekly.get(yesterday.weekday(), ()):
                if close < open_ and minute < close:
                    return True
        return False

    total, t = 0, start
    while t < end:
        if not any(p_start <= t < p_end for p_start, p_end in pauses) and is_open(t.astimezone(tz)):
            total += 60
        t += MINUTE
    return total


class ClosedDays:
    """Explicit dates plus a country's holidays, looked up the plain way."""

    def __init__(self, dates, country=None, subdivision=None):
        self.dates = set(dates)
        self.country = holidays.country_holidays(country, subdiv=subdivision) if country else {}

    def __contains__(self, day: date) -> bool:
        return day in self.dates or day in self.country


# --- Hypothesis strategies -------------------------------------------------------------

# Instants near these (UTC) are where schedules go wrong: DST changes of each zone, and
# holiday seasons. Offsets of a few days around them cover whole weeks of schedule.
ANCHORS = {
    "America/New_York": [utc(2025, 3, 9, 7), utc(2025, 11, 2, 6), utc(2024, 11, 3, 6),
                         utc(2025, 11, 27, 12)],
    "Europe/London": [utc(2025, 3, 30, 1), utc(2025, 10, 26, 1), utc(2024, 3, 31, 1),
                      utc(2025, 12, 25)],
    "Australia/Lord_Howe": [utc(2025, 4, 5, 15), utc(2025, 10, 4, 15, 30),
                            utc(2024, 10, 5, 15, 30), utc(2025, 12, 25)],
    "Asia/Kolkata": [utc(2025, 1, 1), utc(2025, 8, 15)],
    "UTC": [utc(2025, 12, 31, 20), utc(2025, 6, 15)],
}
COUNTRIES = {"America/New_York": ("US", None), "Europe/London": ("GB", "ENG"),
             "Australia/Lord_Howe": ("AU", "NSW"), "Asia/Kolkata": ("IN", None), "UTC": ("GB", "SCT")}
# Wall times at and inside the DST gaps and repeated hours of the zones above.
DST_MINUTES = [0, 60, 90, 100, 120, 135, 150, 180, 210]


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


boundary_minutes = st.one_of(st.sampled_from(DST_MINUTES), st.integers(0, 1439))
interval_minutes = st.tuples(
    boundary_minutes,
    st.one_of(st.sampled_from(DST_MINUTES + [1440, 1020]), st.integers(0, 1440)),
).filter(lambda pair: pair[0] != pair[1])
weekly_minutes = st.dictionaries(st.integers(0, 6), st.lists(interval_minutes, min_size=1, max_size=3))


@st.composite
def cases(draw, max_tickets: int = 3, max_days: int = 10):
    zone = draw(st.sampled_from(list(ANCHORS)))
    anchor = draw(st.sampled_from(ANCHORS[zone]))
    weekly = draw(weekly_minutes)
    explicit = [anchor.date() + timedelta(days=d)
                for d in draw(st.lists(st.integers(-4, 12), max_size=3))]
    country, subdivision = draw(st.sampled_from([(None, None), COUNTRIES[zone]]))
    tickets = []
    for _ in range(draw(st.integers(1, max_tickets))):
        start = anchor + MINUTE * draw(st.integers(-3 * 1440, 3 * 1440))
        span = draw(st.one_of(st.integers(0, 2 * 1440), st.integers(0, max_days * 1440)))
        pauses = [(start + MINUTE * offset, start + MINUTE * (offset + length))
                  for offset, length in draw(st.lists(
                      st.tuples(st.integers(-300, span + 300), st.integers(0, 2 * 1440)), max_size=3))]
        tickets.append((start, start + MINUTE * span, pauses))
    schedule = Schedule(
        zone,
        {WEEKDAYS[day]: [(hhmm(a), hhmm(b)) for a, b in intervals] for day, intervals in weekly.items()},
        holidays=explicit, holiday_country=country, holiday_subdivision=subdivision)
    return schedule, weekly, ClosedDays(explicit, country, subdivision), tickets


# --- Properties --------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(cases())
def test_it_matches_the_reference(case):
    schedule, weekly, closed, tickets = case
    got = business_seconds_between(schedule, [t[0] for t in tickets], [t[1] for t in tickets])
    expected = [reference_seconds(schedule.timezone, weekly, closed, start, end)
                for start, end, _ in tickets]
    assert got.tolist() == expected


@settings(max_examples=150, deadline=None)
@given(cases())
def test_it_matches_the_reference_with_pauses(case):
    schedule, weekly, closed, tickets = case
    got = business_seconds_between(schedule, [t[0] for t in tickets], [t[1] for t in tickets],
                                   pauses=[t[2] or None for t in tickets])
    expected = [reference_seconds(schedule.timezone, weekly, closed, start, end, pauses)
                for start, end, pauses in tickets]
    assert got.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(cases(max_tickets=4), st.data())
def test_due_times_round_trip_and_are_the_earliest(case, data):
    schedule, _, _, tickets = case
    assume(schedule.has_open_hours)
    # Arbitrary microseconds, not just whole minutes.
    starts = np.array([np.datetime64(t[0].replace(tzinfo=None), "us") for t in tickets])
    starts += np.array(data.draw(st.lists(st.integers(0, 10**8), min_size=len(tickets),
                                          max_size=len(tickets)))).astype("timedelta64[us]")
    targets = np.array(data.draw(st.lists(st.integers(0, 20 * 86_400), min_size=len(tickets),
                                          max_size=len(tickets))))
    due = add_business_seconds(schedule, starts, targets)
    assert due.dtype == np.dtype("datetime64[us]")
    assert (due >= starts).all()
    assert business_seconds_between(schedule, starts, due).tolist() == targets.tolist()
    reached = targets > 0
    just_before = business_seconds_between(schedule, starts[reached], due[reached] - ONE_US)
    assert just_before.tolist() == (targets[reached] - 1).tolist()
    assert (due[~reached] == starts[~reached]).all()


# --- Worked examples ----------------------------------------------------------------------

def test_servicenow_example_friday_evening_to_monday_morning():
    schedule = Schedule("Europe/London", WEEKDAYS_8_TO_5)
    # Friday 21:00 -> Monday 09:30: only Monday 08:00-09:30 is open.
    assert seconds(schedule, local("Europe/London", 2025, 6, 6, 21),
                   local("Europe/London", 2025, 6, 9, 9, 30)) == 5400


def test_servicenow_example_afternoon_to_next_morning():
    schedule = Schedule("America/New_York", WEEKDAYS_9_TO_5)
    # Wednesday 14:00 -> Thursday 09:00: 14:00-17:00.
    assert seconds(schedule, local("America/New_York", 2025, 6, 4, 14),
                   local("America/New_York", 2025, 6, 5, 9)) == 10800


def test_it_counts_a_lost_hour_as_zero():
    schedule = Schedule("America/New_York", {"sun": [("01:00", "04:00")]})
    # 2025-03-09: 02:00-03:00 does not exist.
    assert seconds(schedule, utc(2025, 3, 8), utc(2025, 3, 10)) == 2 * 3600


def test_it_counts_a_repeated_hour_twice():
    schedule = Schedule("America/New_York", {"sun": [("01:00", "03:00")]})
    # 2025-11-02: 01:00-02:00 happens twice.
    assert seconds(schedule, utc(2025, 11, 1), utc(2025, 11, 3)) == 3 * 3600


def test_a_boundary_inside_a_dst_gap_opens_at_the_transition():
    schedule = Schedule("America/New_York", {"sun": [("02:30", "05:00")]})
    assert seconds(schedule, utc(2025, 3, 8), utc(2025, 3, 10)) == 2 * 3600
    starts, ends = schedule.open_intervals_utc(utc(2025, 3, 8), utc(2025, 3, 10))
    assert starts.view("datetime64[us]").tolist() == [datetime(2025, 3, 9, 7)]  # 03:00 EDT
    assert ends.view("datetime64[us]").tolist() == [datetime(2025, 3, 9, 9)]  # 05:00 EDT


def test_a_boundary_inside_a_repeated_hour_applies_to_both_passes():
    schedule = Schedule("America/New_York", {"sun": [("01:30", "05:00")]})
    starts, ends = schedule.open_intervals_utc(utc(2025, 11, 1), utc(2025, 11, 3))
    assert starts.view("datetime64[us]").tolist() == [datetime(2025, 11, 2, 5, 30),  # 01:30 EDT
                                                       datetime(2025, 11, 2, 6, 30)]  # 01:30 EST
    assert ends.view("datetime64[us]").tolist() == [datetime(2025, 11, 2, 6),
                                                     datetime(2025, 11, 2, 10)]
    assert seconds(schedule, utc(2025, 11, 1), utc(2025, 11, 3)) == 4 * 3600


def test_lord_howe_half_hour_shift():
    schedule = Schedule("Australia/Lord_Howe", {"sun": [("01:00", "04:00")]})
    # 2025-10-05 02:00 -> 02:30 (half an hour lost); 2025-04-06 02:00 -> 01:30 (repeated).
    assert seconds(schedule, utc(2025, 10, 3), utc(2025, 10, 6)) == int(2.5 * 3600)
    assert seconds(schedule, utc(2025, 4, 4), utc(2025, 4, 7)) == int(3.5 * 3600)


def test_an_overnight_shift_belongs_to_the_day_it_starts():
    friday, saturday = date(2025, 6, 6), date(2025, 6, 7)
    weekly = {"fri": [("22:00", "06:00")]}
    start, end = utc(2025, 6, 6), utc(2025, 6, 8)
    assert seconds(Schedule("UTC", weekly), start, end) == 8 * 3600
    assert seconds(Schedule("UTC", weekly, holidays=[friday]), start, end) == 0
    assert seconds(Schedule("UTC", weekly, holidays=[saturday]), start, end) == 8 * 3600


def test_24_00_ends_the_day_and_overlapping_intervals_count_once():
    schedule = Schedule("UTC", {"mon": [("20:00", "24:00"), ("08:00", "21:00")],
                                "tue": [("00:00", "02:00")]})
    # Monday 08:00 - Tuesday 02:00 continuously: 18 h.
    assert seconds(schedule, utc(2025, 6, 2), utc(2025, 6, 4)) == 18 * 3600
    starts, ends = schedule.open_intervals_utc(utc(2025, 6, 2), utc(2025, 6, 4))
    assert len(starts) == len(ends) == 1


def test_uk_christmas_is_closed_with_a_holiday_country():
    schedule = Schedule("Europe/London", WEEKDAYS_9_TO_5, holiday_country="GB", holiday_subdivision="ENG")
    # Wednesday 24th open; Thursday 25th and Friday 26th (Boxing Day) closed.
    assert seconds(schedule, utc(2025, 12, 24), utc(2025, 12, 27)) == 8 * 3600
    assert seconds(Schedule("Europe/London", WEEKDAYS_9_TO_5), utc(2025, 12, 24),
                   utc(2025, 12, 27)) == 3 * 8 * 3600


def test_explicit_holidays_are_closed():
    schedule = Schedule("Asia/Kolkata", WEEKDAYS_9_TO_5, holidays=[date(2025, 6, 3), "2025-06-05"])
    assert seconds(schedule, utc(2025, 6, 2), utc(2025, 6, 7)) == 3 * 8 * 3600


def test_overlapping_pauses_are_excluded_once():
    schedule = Schedule.always()
    start, end = utc(2025, 1, 1), utc(2025, 1, 2)
    pauses = [(utc(2025, 1, 1, 1), utc(2025, 1, 1, 3)), (utc(2025, 1, 1, 2), utc(2025, 1, 1, 4)),
              (utc(2024, 12, 31), utc(2025, 1, 1, 0, 30)),  # clipped to the ticket
              (utc(2025, 1, 1, 10), utc(2025, 1, 1, 10))]  # empty
    assert seconds(schedule, start, end, pauses) == (24 - 3 - 0.5) * 3600


def test_pauses_outside_open_hours_take_nothing_away():
    schedule = Schedule("Europe/London", WEEKDAYS_9_TO_5)
    start, end = local("Europe/London", 2025, 6, 6, 9), local("Europe/London", 2025, 6, 9, 17)
    weekend = (local("Europe/London", 2025, 6, 7, 0), local("Europe/London", 2025, 6, 9, 0))
    assert seconds(schedule, start, end, [weekend]) == 16 * 3600


def test_due_time_examples():
    schedule = Schedule("Europe/London", WEEKDAYS_9_TO_5)
    friday_4pm = local("Europe/London", 2025, 6, 6, 16)
    due = add_business_seconds(schedule, [friday_4pm, friday_4pm, local("Europe/London", 2025, 6, 9, 9)],
                               [2 * 3600, 0, 8 * 3600])
    assert due.tolist() == [datetime(2025, 6, 9, 9),  # Monday 10:00 BST
                            datetime(2025, 6, 6, 15),  # the start itself
                            datetime(2025, 6, 9, 16)]  # Monday 17:00, not Tuesday 09:00


def test_due_times_beyond_the_first_table_widen_it():
    schedule = Schedule("UTC", {"mon": [("09:00", "10:00")]})
    due = add_business_seconds(schedule, [utc(2025, 12, 30)], 200 * 3600)
    assert due.tolist() == [datetime(2029, 10, 29, 10)]  # the 200th Monday
    assert seconds(schedule, utc(2025, 12, 30), utc(2029, 10, 29, 10)) == 200 * 3600


def test_it_accepts_datetime64_of_any_unit_and_mixed_sequences():
    schedule = Schedule("Europe/London", WEEKDAYS_9_TO_5)
    starts_ns = np.array(["2025-06-06T08:00:00.500000000"], dtype="datetime64[ns]")
    ends_s = np.array(["2025-06-09T09:00:00"], dtype="datetime64[s]")
    assert business_seconds_between(schedule, starts_ns, ends_s).tolist() == [9 * 3600 - 1]
    mixed = [utc(2025, 6, 6, 8), np.datetime64("2025-06-06T08:00", "m")]
    assert business_seconds_between(schedule, mixed, np.array(["2025-06-09T09"] * 2, "datetime64[h]")
                                    ).tolist() == [9 * 3600] * 2
    assert business_seconds_between(schedule, [], []).tolist() == []


def test_a_cached_table_is_widened_not_trusted_beyond_its_span():
    schedule = Schedule("America/New_York", WEEKDAYS_9_TO_5, holiday_country="US")
    span = (utc(2025, 7, 1), utc(2025, 7, 8))
    first = seconds(schedule, *span)
    later = seconds(schedule, utc(2031, 7, 1), utc(2031, 7, 8))
    assert seconds(schedule, *span) == first == 4 * 8 * 3600  # July 4th closed
    assert later == seconds(Schedule("America/New_York", WEEKDAYS_9_TO_5, holiday_country="US"),
                            utc(2031, 7, 1), utc(2031, 7, 8)) == 4 * 8 * 3600


def test_a_large_batch_on_a_24x7_schedule_is_plain_elapsed_time():
    rng = np.random.default_rng(7)
    n = 200_000
    starts = (np.datetime64("2024-01-01", "us")
              + rng.integers(0, 3 * 365 * 86_400 * 10**6, n).astype("timedelta64[us]"))
    ends = starts + rng.integers(0, 30 * 86_400 * 10**6, n).astype("timedelta64[us]")
    elapsed = (ends - starts).astype(np.int64) // 10**6
    # Open around the clock in a DST zone is still plain elapsed time: real seconds.
    london_24x7 = Schedule("Europe/London", {day: [("00:00", "24:00")] for day in WEEKDAYS})
    assert (business_seconds_between(Schedule.always(), starts, ends) == elapsed).all()
    assert (business_seconds_between(london_24x7, starts, ends) == elapsed).all()


def test_a_batch_with_pauses_matches_per_ticket_arithmetic():
    rng = np.random.default_rng(11)
    n = 2_000
    starts = [utc(2025, 1, 1) + timedelta(minutes=int(m)) for m in rng.integers(0, 500_000, n)]
    ends = [s + timedelta(minutes=int(m)) for s, m in zip(starts, rng.integers(0, 3_000, n))]
    pauses, expected = [], []
    for start, end in zip(starts, ends):
        ticket = [(start + timedelta(minutes=int(a)), start + timedelta(minutes=int(a + b)))
                  for a, b in rng.integers(-500, 3_000, (rng.integers(0, 4), 2))
                  if b >= 0]
        pauses.append(ticket)
        minutes = {m for a, b in ticket for m in range(int((a - start) / MINUTE), int((b - start) / MINUTE))}
        expected.append(int((end - start).total_seconds())
                        - 60 * len([m for m in minutes if 0 <= m < (end - start) / MINUTE]))
    got = business_seconds_between(Schedule.always(), starts, ends, pauses=pauses)
    assert got.tolist() == expected


# --- Storage ------------------------------------------------------------------------------

def test_to_dict_round_trips_through_json():
    schedule = Schedule("Europe/London", {"fri": [("22:00", "06:00")], "mon": [("09:00", "24:00")]},
                        holidays=[date(2025, 12, 29)], holiday_country="GB", holiday_subdivision="ENG")
    data = json.loads(json.dumps(schedule.to_dict()))
    assert data["holidays"] == ["2025-12-29"]
    assert data["weekly"]["fri"] == [["22:00", "06:00"]]
    assert Schedule.from_dict(data) == schedule
    assert Schedule.from_dict(data) != Schedule.always()


# --- Validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"weekly": {"monday": [("09:00", "17:00")]}}, "unknown weekday"),
    ({"weekly": {"mon": [("9:00", "17:00")]}}, "HH:MM"),
    ({"weekly": {"mon": [("09:00", "25:00")]}}, "outside"),
    ({"weekly": {"mon": [("09:60", "17:00")]}}, "outside"),
    ({"weekly": {"mon": [("24:00", "02:00")]}}, "outside"),
    ({"weekly": {"mon": [("09:00", "09:00")]}}, "zero length"),
    ({"weekly": {"mon": [("09:00",)]}}, "pair"),
    ({"weekly": {"mon": ["09:00-17:00"]}}, "pair"),
    ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone"),
    ({"holiday_country": "XX"}, "unknown holiday country"),
    ({"holiday_country": "GB", "holiday_subdivision": "XX"}, "subdivision"),
    ({"holiday_subdivision": "ENG"}, "needs a holiday country"),
    ({"holidays": ["2025-13-01"]}, "ISO date"),
    ({"holidays": [datetime(2025, 1, 1)]}, "not a date"),
])
def test_it_rejects_bad_schedules(kwargs, message):
    arguments = {"timezone": "UTC", "weekly": WEEKDAYS_9_TO_5} | kwargs
    with pytest.raises(ValueError, match=message):
        Schedule(**arguments)


def test_a_start_after_its_end_is_an_error_naming_the_ticket():
    with pytest.raises(ValueError, match="ticket 1: start 2025-01-02T00:00:00.000000Z is after end"):
        business_seconds_between(Schedule.always(), [utc(2025, 1, 1), utc(2025, 1, 2)],
                                 [utc(2025, 1, 1), utc(2025, 1, 1)])


@pytest.mark.parametrize("starts, ends, message", [
    ([utc(2025, 1, 1)] * 2, [utc(2025, 1, 2), None], r"ends\[1\] is None"),
    ([utc(2025, 1, 1)] * 2, np.array(["2025-01-02", "NaT"], dtype="datetime64[s]"), r"ends\[1\] is NaT"),
    ([utc(2025, 1, 1)] * 2, [utc(2025, 1, 2), datetime(2025, 1, 2)], r"ends\[1\] is a naive datetime"),
    ([utc(2025, 1, 1)] * 2, [utc(2025, 1, 2), "2025-01-02"], r"ends\[1\] is str"),
    ([utc(2025, 1, 1)] * 2, ["2025-01-02", "2025-01-03"], "expected timezone-aware datetimes"),
    ([utc(2025, 1, 1)] * 2, [utc(2025, 1, 2)], "2 starts but 1 ends"),
    ([utc(1850, 1, 1)], [utc(1850, 1, 2)], "year 1850; supported years"),
])
def test_it_rejects_bad_instants(starts, ends, message):
    with pytest.raises(ValueError, match=message):
        business_seconds_between(Schedule.always(), starts, ends)


@pytest.mark.parametrize("pauses, message", [
    ([[(utc(2025, 1, 1, 5), utc(2025, 1, 1, 4))]], "ticket 0: pause starting"),
    ([[(utc(2025, 1, 1, 5),)]], r"\(start, end\) pair"),
    ([[(utc(2025, 1, 1, 5), utc(2025, 1, 1, 6))], None], "2 entries for 1 tickets"),
])
def test_it_rejects_bad_pauses(pauses, message):
    with pytest.raises(ValueError, match=message):
        business_seconds_between(Schedule.always(), [utc(2025, 1, 1)], [utc(2025, 1, 2)], pauses=pauses)


def test_due_times_need_open_hours_and_whole_non_negative_seconds():
    with pytest.raises(ValueError, match="no open hours"):
        add_business_seconds(Schedule("UTC", {}), [utc(2025, 1, 1)], 60)
    assert add_business_seconds(Schedule("UTC", {}), [utc(2025, 1, 1)], 0).tolist() == [datetime(2025, 1, 1)]
    for bad in (-1, 1.5, [1, 2]):
        with pytest.raises(ValueError, match="seconds"):
            add_business_seconds(Schedule.always(), [utc(2025, 1, 1)], bad)


def test_errors_are_teamalign_validation_errors():
    assert issubclass(BusinessHoursError, ValidationError)
    assert issubclass(BusinessHoursError, ValueError)
