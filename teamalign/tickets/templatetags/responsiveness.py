"""Template filters for responsiveness figures: business durations, attainment, ratios.

They format through teamalign.tickets.formatting; an empty figure becomes a muted "not measured"
(or the text given as the filter's argument, such as "no target").
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from teamalign.tickets.formatting import (NOT_MEASURED, format_duration, format_mean, format_percent, format_ratio,
                                          is_empty)
from teamalign.tickets.formatting import source_name as plain_source_name

register = template.Library()


def _html(text: str, value) -> str:
    return format_html('<span class="muted not-measured">{}</span>', text) if is_empty(value) else text


@register.filter
def duration(seconds, empty: str = NOT_MEASURED) -> str:
    return _html(format_duration(seconds, empty), seconds)


@register.filter
def percent(fraction, empty: str = NOT_MEASURED) -> str:
    return _html(format_percent(fraction, empty), fraction)


@register.filter
def ratio(value, empty: str = NOT_MEASURED) -> str:
    return _html(format_ratio(value, empty), value)


@register.filter
def mean(value, empty: str = NOT_MEASURED) -> str:
    return _html(format_mean(value, empty), value)


@register.filter
def source_name(source) -> str:
    return plain_source_name(source)


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
    """["on_hold", "new"] → "On hold, New"; "never" for none (the column says when the clock pauses)."""
    from teamalign.tickets.models import TicketState

    labels = dict(TicketState.choices)
    return ", ".join(labels.get(s, s) for s in states or ()) or "never"


@register.simple_tag
def why_not_measured(row, figure: str) -> str:
    """Why a summary row's figure (``response_attainment``, ``resolution_median``…) is not
    measured, in a few words; empty when it is measured."""
    if not isinstance(row, dict) or row.get(figure) is not None:
        return ""
    if not row.get("tickets"):
        return "no tickets"
    what = "response" if figure.startswith("response") else "resolution"
    if what == "response" and row.get("response_not_recorded") == row["tickets"]:
        return "the export has no first-response times"
    if figure.endswith("attainment"):
        return "no ticket has met or breached a target yet"
    return "no ticket has had a first response yet" if what == "response" else "no ticket is resolved yet"
