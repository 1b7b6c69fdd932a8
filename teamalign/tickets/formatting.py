"""Plain-text formatting of responsiveness figures, shared by the pages (through the template
filters of templatetags/responsiveness.py), the CLI and the selectors' sentences.

A figure with no data behind it is "not measured", never "0" or a bare dash.
"""

from __future__ import annotations

NOT_MEASURED = "not measured"

#: How the tools are named in sentences ("Jira's SLA verdict …").
SOURCE_NAMES = {"servicenow": "ServiceNow", "jira": "Jira", "zendesk": "Zendesk", "freshservice": "Freshservice",
                "freshdesk": "Freshdesk", "glpi": "GLPI", "otrs": "OTRS", "topdesk": "TOPdesk"}


def is_empty(value) -> bool:
    return value is None or value == ""


def format_duration(seconds, empty: str = NOT_MEASURED) -> str:
    """Seconds → "40 s", "45 m", "7 h 30 m", "123 h"."""
    if is_empty(seconds):
        return empty
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} m"
    hours, rest = divmod(seconds, 3600)
    if hours < 100:
        return f"{hours} h {rest // 60:02d} m"
    return f"{hours:,} h"


def format_percent(fraction, empty: str = NOT_MEASURED) -> str:
    """0.8731 → "87.3 %"."""
    if is_empty(fraction):
        return empty
    return f"{100 * float(fraction):.1f} %"


def format_ratio(value, empty: str = NOT_MEASURED) -> str:
    if is_empty(value):
        return empty
    return f"{float(value):.2f}×"


def format_mean(value, empty: str = NOT_MEASURED) -> str:
    if is_empty(value):
        return empty
    return f"{float(value):.2f}"


def source_name(source) -> str:
    """"jira" → "Jira"; a tool we do not know keeps its name, capitalised."""
    text = str(source or "")
    return SOURCE_NAMES.get(text.lower(), text[:1].upper() + text[1:])
