"""Throughput benchmark of the business-hours engine, on ticket-like data (the CLI runs it).

Tickets open at random instants over two years and last from five minutes to four weeks
(log-uniform, so most are short and a few are long), measured on a weekday 08:00-17:00
schedule in Europe/London with the holidays of England. Each timing uses a fresh Schedule,
so it includes building the open-interval table.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np

from teamalign.calc.business_hours import (
    US_PER_DAY,
    US_PER_MINUTE,
    WEEKDAYS,
    Schedule,
    business_seconds_between,
)

_FIRST_OPENED = np.datetime64("2024-01-01", "us")
_SPREAD_US = 2 * 365 * US_PER_DAY
_SHORTEST_US, _LONGEST_US = 5 * US_PER_MINUTE, 28 * US_PER_DAY
# About a third of tickets wait on the requester at some point, one to three times.
_PAUSED_SHARE = 0.3
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _uk_office_hours() -> Schedule:
    return Schedule("Europe/London", {day: [("08:00", "17:00")] for day in WEEKDAYS[:5]},
                    holiday_country="GB", holiday_subdivision="ENG")


def _random_pauses(rng: np.random.Generator, opened: np.ndarray, resolved: np.ndarray) -> list:
    """Per ticket None, or 1-3 (possibly overlapping) pauses inside it, as aware datetimes
    (what the database hands over)."""
    paused = np.flatnonzero(rng.random(opened.size) < _PAUSED_SHARE)
    counts = rng.integers(1, 4, paused.size)
    owner = np.repeat(paused, counts)
    opened_us = opened.view(np.int64)[owner, None]
    duration_us = resolved.view(np.int64)[owner, None] - opened_us
    at = opened_us + (rng.random((owner.size, 2)) * duration_us).astype(np.int64)
    at.sort(axis=1)
    instants = [_EPOCH + timedelta(microseconds=us) for us in at.ravel().tolist()]
    pairs = list(zip(instants[0::2], instants[1::2]))
    pauses: list = [None] * opened.size
    ends = np.cumsum(counts).tolist()
    for ticket, first, last in zip(paused.tolist(), [0, *ends[:-1]], ends):
        pauses[ticket] = pairs[first:last]
    return pauses


def bench_engine(n: int = 2_000_000, *, seed: int = 0) -> dict[str, float | int]:
    """Time business_seconds_between on ``n`` random tickets, without and with pauses.

    Returns intervals, seconds and intervals_per_second for the plain run, and pauses,
    paused_seconds and paused_intervals_per_second for the run with pauses.
    """
    rng = np.random.default_rng(seed)
    opened = _FIRST_OPENED + rng.integers(0, _SPREAD_US, n).astype("timedelta64[us]")
    durations = np.exp(rng.uniform(np.log(_SHORTEST_US), np.log(_LONGEST_US), n)).astype(np.int64)
    resolved = opened + durations.astype("timedelta64[us]")
    pauses = _random_pauses(rng, opened, resolved)

    began = time.perf_counter()
    business_seconds_between(_uk_office_hours(), opened, resolved)
    plain_seconds = time.perf_counter() - began

    began = time.perf_counter()
    business_seconds_between(_uk_office_hours(), opened, resolved, pauses=pauses)
    paused_seconds = time.perf_counter() - began

    return {
        "intervals": n,
        "seconds": round(plain_seconds, 3),
        "intervals_per_second": round(n / plain_seconds),
        "pauses": sum(len(ticket) for ticket in pauses if ticket is not None),
        "paused_seconds": round(paused_seconds, 3),
        "paused_intervals_per_second": round(n / paused_seconds),
    }
