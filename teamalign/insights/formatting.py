"""Numbers as people read them, for finding titles and the evidence tables: ``2 h 41 m``,
``34.5 %``, ``3,089``, ``4.5×``. Pure functions; the template filters in templatetags wrap them."""

from __future__ import annotations

import math


def duration(seconds) -> str:
    """Seconds → "45 m", "7 h 30 m", "123 h"; "0 m" for zero; "—" when not measured."""
    if seconds is None:
        return "—"
    seconds = int(round(float(seconds)))
    if seconds < 3600:
        return f"{seconds // 60} m" if seconds >= 60 or seconds == 0 else f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    if hours < 100:
        return f"{hours} h {rest // 60:02d} m"
    return f"{hours:,} h"


def percent(fraction, digits: int = 1) -> str:
    if fraction is None:
        return "—"
    return f"{100 * float(fraction):.{digits}f} %"


def count(number) -> str:
    if number is None:
        return "—"
    return f"{int(number):,}"


def ratio(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    value = float(value)
    if not math.isfinite(value):
        return "∞"
    return f"{value:.{digits}f}×"


def p_value(value) -> str:
    """p-values as a reader needs them: "< 0.001" rather than "3.2e-41"."""
    if value is None:
        return "—"
    value = float(value)
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def number(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def figure(value, unit: str) -> str:
    """A figure of a finding's evidence in its unit (registry.UNITS)."""
    if value is None:
        return "not measured"
    if unit == "seconds":
        return duration(value)
    if unit == "fraction":
        return percent(value)
    if unit == "count":
        return count(value)
    if unit == "ratio":
        return ratio(value, 2)
    if unit == "days":
        return f"{number(value)} d"
    if unit == "p_value":
        return p_value(value)
    if unit == "text":
        return str(value)
    return number(value)
