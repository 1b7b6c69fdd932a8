"""Business time: how many seconds of a schedule's open hours lie between two instants.

This is the engine behind every SLA figure (time to first response, time to resolution,
due times). It is pure Python + NumPy (no Django), vectorised over whole batches of tickets.

Definition (PRODUCT.md, "Metric definitions"): business time between two instants is the
number of real elapsed seconds of [start, end) that fall inside the schedule's open
intervals, minus holidays, minus paused intervals.

Open intervals are written in local wall-clock time of the schedule's zone and mean the set
of real instants whose local wall time is inside them:

* Spring forward: wall times that do not exist are never reached, so an open 01:00-04:00
  that loses 02:00-03:00 counts 2 h. A boundary inside the gap maps to the transition
  instant (the first real instant whose wall time is later): open 02:30-05:00 on that day
  opens at 03:00 local. (zoneinfo's ``fold=0`` would instead shift 02:30 to 03:30; we use
  the wall-time-membership rule because it is the one a person checking minute by minute
  gets.)
* Fall back: a repeated hour that is open counts twice (01:00-03:00 is 3 h). A boundary
  inside the repeated hour applies to both passes, so open 01:30-05:00 counts
  01:30-02:00 of the first pass and 01:30-05:00 of the second (4 h).
* Holidays are whole local days. An open interval belongs to the day it starts, so an
  overnight shift Fri 22:00-06:00 is removed entirely when Friday is a holiday and kept
  entirely when only Saturday is.
* Overlapping open intervals, and overlapping pauses, count once.

Results are computed exactly in microseconds and floored to whole seconds at the end.

How it is fast: for the whole years covering a batch, the open intervals are materialised
once as sorted UTC microsecond arrays with a running total of open time. The business time
elapsed since the start of that table, C(t), is then one ``np.searchsorted`` per instant,
business time is C(end) - C(start), and due times invert C the same way. Tables are cached
on the Schedule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_calendars
import numpy as np

from teamalign.errors import ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_DAY = 86_400 * US_PER_SECOND

# Instants must fall in these years: a stray year-1 or year-9999 sentinel in ticket data
# is reported instead of silently building a table spanning millennia.
MIN_YEAR = 1900
MAX_YEAR = 2199

# Longer than any due time anyone sets, and keeps seconds * 1e6 well inside int64.
MAX_SECONDS_TO_ADD = 200 * 366 * 86_400

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_HHMM = re.compile(r"(\d\d):(\d\d)")
_MINUTES_PER_DAY = 24 * 60


class BusinessHoursError(ValidationError, ValueError):
    """A schedule, or an input to the business-time functions, is not acceptable.

    A ValueError for plain Python callers and a teamalign ValidationError so the API and
    the UI show the message.
    """


def _parse_hhmm(text: Any, *, weekday: str, allow_24: bool) -> int:
    """'HH:MM' -> minutes after midnight; '24:00' only where an interval may end."""
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise BusinessHoursError(f"{weekday}: time {text!r} is not in HH:MM form")
    hours, minutes = int(match[1]), int(match[2])
    if hours == 24 and minutes == 0 and allow_24:
        return _MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        limit = "00:00-24:00" if allow_24 else "00:00-23:59"
        raise BusinessHoursError(f"{weekday}: time {text!r} is outside {limit}")
    return hours * 60 + minutes


def _parse_holiday(value: Any) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BusinessHoursError(f"holiday {value!r} is not an ISO date (YYYY-MM-DD)") from None
    # datetime is a date subclass; a holiday is a whole local day, so a time is a mistake.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise BusinessHoursError(f"holiday {value!r} is not a date")


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of half-open intervals: sorted, disjoint, touching ones joined."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    opens_group = np.empty(starts.size, dtype=bool)
    opens_group[0] = True
    opens_group[1:] = starts[1:] > reach[:-1]
    first = np.flatnonzero(opens_group)
    last = np.append(first[1:] - 1, starts.size - 1)
    return starts[first], reach[last]


def _year_of(us: int) -> int:
    return int(np.datetime64(int(us), "us").astype("datetime64[Y]").astype(np.int64)) + 1970


def _year_start_us(year: int) -> int:
    return int(np.datetime64(f"{year:04d}-01-01", "us").astype(np.int64))


def _format_us(us: int) -> str:
    return f"{np.datetime64(int(us), 'us')}Z"


@dataclass(frozen=True)
class _OpenTable:
    """The open intervals of whole years [first_year, last_year] as UTC microseconds.

    ``starts``/``ends`` begin with a zero-length sentinel at ``lo`` so every instant in
    [lo, hi] has an interval at or before it; ``cum_end[i]`` is the open time up to ends[i].
    """

    first_year: int
    last_year: int
    lo: int
    hi: int
    starts: np.ndarray
    ends: np.ndarray
    cum_end: np.ndarray

    @property
    def total(self) -> int:
        return int(self.cum_end[-1])

    def covers(self, lo: int, hi: int) -> bool:
        return self.lo <= lo and hi <= self.hi

    def elapsed(self, t: np.ndarray) -> np.ndarray:
        """C(t): open microseconds in [lo, t), for t in [lo, hi]."""
        i = np.searchsorted(self.starts, t, side="right") - 1
        # t is at or after starts[i]; whatever of interval i lies beyond t is not yet elapsed.
        return self.cum_end[i] - np.maximum(self.ends[i] - t, 0)

    def instant_at(self, c: np.ndarray) -> np.ndarray:
        """Earliest t with C(t) == c, for 0 <= c <= total."""
        i = np.searchsorted(self.cum_end, c, side="left")
        return self.ends[i] - (self.cum_end[i] - c)


class Schedule:
    """Weekly open hours in a time zone, with holidays.

    ``weekly`` maps "mon".."sun" to lists of ("HH:MM", "HH:MM") intervals (missing days
    are closed). "24:00" may end an interval; an interval whose end is before its start
    runs past midnight into the next day and belongs to the day it starts. ``holidays``
    are extra closed local dates, added to ``holidays.country_holidays(holiday_country,
    subdiv=holiday_subdivision)`` when a country is given.
    """

    def __init__(
        self,
        timezone: str,
        weekly: Mapping[str, Iterable[Sequence[str]]],
        holidays: Iterable[date | str] = (),
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
    ) -> None:
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise BusinessHoursError(f"unknown time zone {timezone!r}") from None
        self.timezone = timezone

        unknown = sorted(set(weekly) - set(WEEKDAYS), key=str)
        if unknown:
            raise BusinessHoursError(
                f"unknown weekday key(s) {', '.join(map(repr, unknown))}; use {', '.join(WEEKDAYS)}")
        self.weekly: dict[str, tuple[tuple[str, str], ...]] = {}
        # Per weekday (Monday = 0): (start, end) minutes after that day's midnight, end > start.
        self._minutes: list[list[tuple[int, int]]] = []
        for day in WEEKDAYS:
            texts, minutes = [], []
            for interval in weekly.get(day) or ():
                if isinstance(interval, str) or len(interval) != 2:
                    raise BusinessHoursError(f"{day}: {interval!r} is not a (start, end) pair")
                start_text, end_text = interval
                start = _parse_hhmm(start_text, weekday=day, allow_24=False)
                end = _parse_hhmm(end_text, weekday=day, allow_24=True)
                if end == start:
                    raise BusinessHoursError(f"{day}: interval {start_text}-{end_text} has zero length")
                texts.append((start_text, end_text))
                minutes.append((start, end if end > start else end + _MINUTES_PER_DAY))
            self.weekly[day] = tuple(texts)
            self._minutes.append(minutes)

        self.holidays = frozenset(_parse_holiday(value) for value in holidays)

        if holiday_subdivision is not None and holiday_country is None:
            raise BusinessHoursError("a holiday subdivision needs a holiday country")
        if holiday_country is not None:
            try:
                holiday_calendars.country_holidays(holiday_country, subdiv=holiday_subdivision)
            except NotImplementedError as error:
                raise BusinessHoursError(f"unknown holiday country or subdivision: {error}") from None
        self.holiday_country = holiday_country
        self.holiday_subdivision = holiday_subdivision

        self._table: _OpenTable | None = None

    @classmethod
    def always(cls) -> Schedule:
        """Open 24x7 in UTC: business time is plain elapsed time."""
        return cls("UTC", {day: [("00:00", "24:00")] for day in WEEKDAYS})

    @property
    def has_open_hours(self) -> bool:
        return any(self._minutes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; ``Schedule.from_dict(s.to_dict()) == s``."""
        return {
            "timezone": self.timezone,
            "weekly": {day: [list(pair) for pair in self.weekly[day]] for day in WEEKDAYS},
            "holidays": sorted(day.isoformat() for day in self.holidays),
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schedule:
        return cls(
            timezone=data["timezone"],
            weekly=data.get("weekly", {}),
            holidays=data.get("holidays", ()),
            holiday_country=data.get("holiday_country"),
            holiday_subdivision=data.get("holiday_subdivision"),
        )

    def _key(self) -> tuple:
        return (self.timezone, tuple(self.weekly.items()), tuple(sorted(self.holidays)),
                self.holiday_country, self.holiday_subdivision)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schedule) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Schedule.from_dict({self.to_dict()!r})"

    def open_intervals_utc(self, start_utc: datetime | np.datetime64,
                           end_utc: datetime | np.datetime64) -> tuple[np.ndarray, np.ndarray]:
        """Open intervals within [start_utc, end_utc) as (starts, ends) int64 UTC microseconds.

        The intervals are sorted and maximal (touching intervals are joined).
        """
        lo = int(_as_utc_microseconds([start_utc], "start_utc")[0])
        hi = int(_as_utc_microseconds([end_utc], "end_utc")[0])
        if lo > hi:
            raise BusinessHoursError(f"start_utc {_format_us(lo)} is after end_utc {_format_us(hi)}")
        table = self._table_covering(lo, hi)
        starts, ends = table.starts[1:], table.ends[1:]
        first = np.searchsorted(ends, lo, side="right")
        last = np.searchsorted(starts, hi, side="left")
        return np.maximum(starts[first:last], lo), np.minimum(ends[first:last], hi)

    def _table_covering(self, lo: int, hi: int) -> _OpenTable:
        """A table whose span contains [lo, hi], reusing or widening the cached one."""
        first_year, last_year = _year_of(lo), _year_of(hi)
        for name, year in (("earliest", first_year), ("latest", last_year)):
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise BusinessHoursError(
                    f"the {name} instant is in year {year}; supported years are {MIN_YEAR}-{MAX_YEAR}")
        table = self._table
        if table is not None and table.covers(lo, hi):
            return table
        if table is not None:
            first_year = min(first_year, table.first_year)
            last_year = max(last_year, table.last_year)
        table = self._build_table(first_year, last_year)
        self._table = table
        return table

    def _holiday_days(self, first_year: int, last_year: int) -> np.ndarray:
        """Closed local dates in the years, as days since 1970-01-01."""
        dates = set(self.holidays)
        if self.holiday_country is not None:
            dates.update(holiday_calendars.country_holidays(
                self.holiday_country, subdiv=self.holiday_subdivision,
                years=range(first_year, last_year + 1)))
        return np.array(sorted(dates), dtype="datetime64[D]").astype(np.int64)

    def _offset_us(self, utc_seconds: int) -> int:
        local = (_EPOCH + timedelta(seconds=utc_seconds)).astimezone(self._zone)
        return local.utcoffset() // _ONE_US

    def _offset_segments(self, lo: int, hi: int) -> tuple[list[int], list[int]]:
        """Split UTC [lo, hi) at the zone's offset changes: (boundaries, offset per segment).

        Offsets are sampled once per day and each change is bisected to the second; zones
        change offset at whole seconds and never twice within a day.
        """
        day_s = US_PER_DAY // US_PER_SECOND
        lo_s, hi_s = lo // US_PER_SECOND, hi // US_PER_SECOND
        boundaries, offsets = [lo], [self._offset_us(lo_s)]
        for day_start in range(lo_s, hi_s, day_s):
            before, after = day_start, min(day_start + day_s, hi_s)
            offset_after = self._offset_us(after)
            if offset_after == offsets[-1]:
                continue
            # Invariant: offset(before) is the old offset, offset(after) the new one.
            while after - before > 1:
                middle = (before + after) // 2
                if self._offset_us(middle) == offsets[-1]:
                    before = middle
                else:
                    after = middle
            boundaries.append(after * US_PER_SECOND)
            offsets.append(offset_after)
        boundaries.append(hi)
        return boundaries, offsets

    def _build_table(self, first_year: int, last_year: int) -> _OpenTable:
        lo, hi = _year_start_us(first_year), _year_start_us(last_year + 1)

        # Local days whose open intervals can reach into UTC [lo, hi): offsets are within
        # +-1 day and an interval ends less than 2 days after its day's midnight.
        days = np.arange(lo // US_PER_DAY - 3, hi // US_PER_DAY + 3, dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        closed = np.isin(days, self._holiday_days(first_year - 1, last_year + 1))
        wall_starts, wall_ends = [], []
        for day_index, intervals in enumerate(self._minutes):
            midnights = days[(weekday == day_index) & ~closed] * US_PER_DAY
            for start, end in intervals:
                wall_starts.append(midnights + start * US_PER_MINUTE)
                wall_ends.append(midnights + end * US_PER_MINUTE)
        wall_starts, wall_ends = _merge(np.concatenate(wall_starts or [np.empty(0, np.int64)]),
                                        np.concatenate(wall_ends or [np.empty(0, np.int64)]))

        # Within a constant-offset segment local = utc + offset, so the instants whose wall
        # time is in [a, b) are exactly [a - offset, b - offset) clipped to the segment.
        boundaries, offsets = self._offset_segments(lo, hi)
        utc_starts, utc_ends = [], []
        for seg_lo, seg_hi, offset in zip(boundaries[:-1], boundaries[1:], offsets):
            first = np.searchsorted(wall_ends, seg_lo + offset, side="right")
            last = np.searchsorted(wall_starts, seg_hi + offset, side="left")
            utc_starts.append(np.maximum(wall_starts[first:last] - offset, seg_lo))
            utc_ends.append(np.minimum(wall_ends[first:last] - offset, seg_hi))
        starts, ends = _merge(np.concatenate(utc_starts), np.concatenate(utc_ends))

        starts = np.concatenate(([lo], starts))
        ends = np.concatenate(([lo], ends))
        return _OpenTable(first_year=first_year, last_year=last_year, lo=lo, hi=hi,
                          starts=starts, ends=ends, cum_end=np.cumsum(ends - starts))


def _one_to_us(value: Any, name: str, index: int) -> int:
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise BusinessHoursError(f"{name}[{index}] is a naive datetime; pass a timezone-aware one")
        return (value - _EPOCH) // _ONE_US
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise BusinessHoursError(f"{name}[{index}] is NaT")
        return int(value.astype("datetime64[us]").astype(np.int64))
    if value is None:
        raise BusinessHoursError(f"{name}[{index}] is None")
    raise BusinessHoursError(
        f"{name}[{index}] is {type(value).__name__}; expected a timezone-aware datetime or numpy datetime64")


def _as_utc_microseconds(values: Any, name: str) -> np.ndarray:
    """1-D int64 UTC microseconds from datetime64 (any unit, meaning UTC) or aware datetimes."""
    array = values if isinstance(values, np.ndarray) else np.asarray(values)
    if array.ndim != 1:
        raise BusinessHoursError(f"{name} must be a one-dimensional sequence of instants")
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.dtype.kind == "M":
        missing = np.isnat(array)
        if missing.any():
            raise BusinessHoursError(f"{name}[{int(np.argmax(missing))}] is NaT")
        return array.astype("datetime64[us]", copy=False).view(np.int64)
    if array.dtype.kind == "O":
        try:
            return np.fromiter(((value - _EPOCH) // _ONE_US for value in array),
                               dtype=np.int64, count=array.size)
        except TypeError:
            # Not all aware datetimes: convert one by one, which names the offending item.
            return np.array([_one_to_us(value, name, i) for i, value in enumerate(array)],
                            dtype=np.int64)
    raise BusinessHoursError(
        f"{name} holds {array.dtype} values; expected timezone-aware datetimes or numpy datetime64")


def _paused_business_us(table: _OpenTable, pauses: Sequence[Any],
                        start_us: np.ndarray, end_us: np.ndarray) -> np.ndarray:
    """Per ticket, the open microseconds inside the union of its pauses within [start, end)."""
    n = start_us.size
    paused = np.zeros(n, dtype=np.int64)
    if len(pauses) != n:
        raise BusinessHoursError(f"pauses has {len(pauses)} entries for {n} tickets")
    counts = np.fromiter((0 if entry is None else len(entry) for entry in pauses),
                         dtype=np.int64, count=n)
    if counts.sum() == 0:
        return paused
    flat = [pair for entry in pauses if entry is not None for pair in entry]
    try:
        pairs = np.asarray(flat)
    except ValueError:  # ragged: some pause is not a pair
        pairs = None
    if pairs is None or pairs.ndim != 2 or pairs.shape[1] != 2:
        raise BusinessHoursError("each pause must be a (start, end) pair")
    ticket = np.repeat(np.arange(n), counts)
    pause_start = _as_utc_microseconds(pairs[:, 0], "pause starts")
    pause_end = _as_utc_microseconds(pairs[:, 1], "pause ends")
    reversed_ = pause_start > pause_end
    if reversed_.any():
        i = int(np.argmax(reversed_))
        raise BusinessHoursError(f"ticket {int(ticket[i])}: pause starting {_format_us(pause_start[i])} "
                                 f"ends before it starts ({_format_us(pause_end[i])})")

    pause_start = np.clip(pause_start, start_us[ticket], end_us[ticket])
    pause_end = np.clip(pause_end, start_us[ticket], end_us[ticket])
    keep = pause_end > pause_start
    ticket = ticket[keep]
    # Measure the union of each ticket's pauses on the business clock C (monotone, so
    # images of overlapping pauses overlap the same way): sweep +1/-1 events sorted by
    # (ticket, C) and add the gaps where at least one pause is active. Each ticket's events
    # net to zero, so nothing leaks from one ticket into the next.
    events_ticket = np.concatenate((ticket, ticket))
    events_at = np.concatenate((table.elapsed(pause_start[keep]), table.elapsed(pause_end[keep])))
    events_step = np.concatenate((np.ones(ticket.size, np.int64), -np.ones(ticket.size, np.int64)))
    order = np.lexsort((events_at, events_ticket))
    events_ticket, events_at, events_step = events_ticket[order], events_at[order], events_step[order]
    active = np.cumsum(events_step)[:-1] > 0
    np.add.at(paused, events_ticket[:-1][active], np.diff(events_at)[active])
    return paused


def business_seconds_between(schedule: Schedule, starts: Any, ends: Any,
                             pauses: Sequence[Sequence[Sequence[Any]] | None] | None = None
                             ) -> np.ndarray:
    """Business seconds of [starts[i], ends[i]) for each i, as int64.

    ``starts``/``ends`` are sequences or arrays of timezone-aware datetimes, or numpy
    datetime64 of any unit meaning UTC. ``pauses``, if given, has one entry per ticket: None
    or a list of (start, end) pairs to exclude (overlaps excluded once). Raises
    BusinessHoursError (a ValueError) when a start is after its end or an instant is missing.
    """
    start_us = _as_utc_microseconds(starts, "starts")
    end_us = _as_utc_microseconds(ends, "ends")
    if start_us.size != end_us.size:
        raise BusinessHoursError(f"{start_us.size} starts but {end_us.size} ends")
    reversed_ = start_us > end_us
    if reversed_.any():
        i = int(np.argmax(reversed_))
        raise BusinessHoursError(
            f"ticket {i}: start {_format_us(start_us[i])} is after end {_format_us(end_us[i])}")
    if start_us.size == 0:
        return np.empty(0, dtype=np.int64)
    table = schedule._table_covering(int(start_us.min()), int(end_us.max()))
    business_us = table.elapsed(end_us) - table.elapsed(start_us)
    if pauses is not None:
        business_us -= _paused_business_us(table, pauses, start_us, end_us)
    return business_us // US_PER_SECOND


def _as_seconds(seconds: Any, n: int) -> np.ndarray:
    array = np.asarray(seconds)
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.floor(array)):
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise BusinessHoursError("seconds must be whole numbers")
    if array.ndim > 1 or (array.ndim == 1 and array.size != n):
        raise BusinessHoursError(f"seconds must be one number or one per start ({n})")
    array = np.broadcast_to(array.astype(np.int64), (n,))
    if n and (array.min() < 0 or array.max() > MAX_SECONDS_TO_ADD):
        raise BusinessHoursError(f"seconds must be between 0 and {MAX_SECONDS_TO_ADD}")
    return array


def add_business_seconds(schedule: Schedule, starts: Any, seconds: Any) -> np.ndarray:
    """Due times: for each start, the earliest instant t >= start with
    ``business_seconds_between(schedule, [start], [t]) == seconds``, as datetime64[us] UTC.

    ``seconds`` is one whole number for all starts or one per start.
    """
    start_us = _as_utc_microseconds(starts, "starts")
    seconds_ = _as_seconds(seconds, start_us.size)
    if start_us.size == 0:
        return np.empty(0, dtype="datetime64[us]")
    if seconds_.max() > 0 and not schedule.has_open_hours:
        raise BusinessHoursError("the schedule has no open hours, so no due time can be reached")
    lo, hi = int(start_us.min()), int(start_us.max())
    while True:
        table = schedule._table_covering(lo, hi)
        target = table.elapsed(start_us) + seconds_ * US_PER_SECOND
        if target.max() <= table.total:
            break
        # Not enough open time before the table ends (long targets, long holidays): widen.
        next_year = table.last_year + max(1, table.last_year - table.first_year + 1)
        if table.last_year >= MAX_YEAR:
            raise BusinessHoursError(f"a due time falls after year {MAX_YEAR}")
        hi = _year_start_us(min(next_year, MAX_YEAR) + 1) - 1  # the last instant of that year
    return np.maximum(start_us, table.instant_at(target)).view("datetime64[us]")


def is_open_at(schedule: Schedule, instants: Any) -> np.ndarray:
    """For each instant, whether it falls inside the schedule's open hours (holidays closed), as bool.

    An open interval includes its start and excludes its end, as business time counts it.
    """
    t = _as_utc_microseconds(instants, "instants")
    if t.size == 0:
        return np.zeros(0, dtype=bool)
    table = schedule._table_covering(int(t.min()), int(t.max()))
    # The interval starting at or before t (the table's sentinel is a zero-length interval at
    # its very start, so there always is one); t is open when it ends after t.
    i = np.searchsorted(table.starts, t, side="right") - 1
    return t < table.ends[i]
