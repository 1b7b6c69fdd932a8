"""Formatting of responsiveness figures: business durations, attainment, ratios."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds → "45 m", "7 h 30 m", "123 h"; "—" when there is no value."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(seconds)
    if seconds < 3600:
        return f"{seconds // 60} m"
    hours, rest = divmod(seconds, 3600)
    if hours < 100:
        return f"{hours} h {rest // 60:02d} m"
    return f"{hours:,} h"


@register.filter
def percent(fraction) -> str:
    """0.8731 → "87.3 %"; "—" when nothing was measured."""
    if fraction is None or fraction == "":
        return "—"
    return f"{100 * float(fraction):.1f} %"


@register.filter
def ratio(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):.2f}×"


@register.filter
def get(mapping, key):
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def attainment_class(fraction) -> str:
    """good ≥ 90 %, warn ≥ 75 %, else bad (for colour only; the number is always shown)."""
    if fraction is None:
        return ""
    return "good" if fraction >= 0.9 else "warn" if fraction >= 0.75 else "bad"


@register.filter
def state_labels(states) -> str:
    """["on_hold", "new"] → "On hold, New"; "—" for none."""
    from teamalign.tickets.models import TicketState

    labels = dict(TicketState.choices)
    return ", ".join(labels.get(s, s) for s in states or ()) or "—"
