"""Zendesk Support ticket export as CSV or Excel (*Admin → Account → Tools → Reports →
Export*, the full CSV export, or an Explore tickets report with the same columns, saved as
CSV or Excel).

Headers are Zendesk's export labels: ``Id``, ``Requester``, ``Requester id``, ``Requester
email``, ``Submitter``, ``Assignee``, ``Group``, ``Subject``, ``Tags``, ``Status``,
``Priority``, ``Via``, ``Ticket type``, ``Created at``, ``Updated at``, ``Assigned at``,
``Organization``, ``Initially assigned at``, ``Solved at``, ``Satisfaction Score``, ``Group
stations``, ``Assignee stations``, ``Reopens``, ``Replies``, ``First reply time in minutes``
and ``… within business hours``, ``Full resolution time in minutes`` and ``… within
business hours``…, and custom fields as ``Name [list]`` (``Category [list]`` is read as the
category). Dates are ``YYYY-MM-DD HH:MM`` in the account's time zone; Excel versions may
hold ``1900-01-01`` for an empty date, read as empty. ``-`` means empty.

Detection: a table whose header has ``Id``, ``Status``, ``Created at``, ``Updated at`` and
one of ``Requester``, ``Ticket type``, ``Via``, ``Group stations``. The field mapping is
described in :mod:`.zendesk`.
"""

from __future__ import annotations

from . import base, zendesk
from .base import ParsedTickets, ProgressCallback, Sniff
from .mapping import label_overrides

FORMAT = "zendesk-csv"
SOURCE = zendesk.SOURCE
LABEL = "Zendesk ticket export (CSV or Excel)"

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Id", "Ticket ID"),
    "kind": ("Ticket type", "Type"),
    "title": ("Subject",),
    "priority_raw": ("Priority",),
    "state_raw": ("Status",),
    "category": ("Category [list]", "Ticket Category [list]", "Category"),
    "requester_name": ("Requester",),
    "requester_email": ("Requester email",),
    "requester_id": ("Requester id", "Requester ID"),
    "requester_company": ("Organization",),
    "requester_department": ("Department [list]", "Department"),
    "requester_location": ("Location [list]", "Location"),
    "assignment_group": ("Group",),
    "assigned_to": ("Assignee",),
    "opened_at": ("Created at",),
    "updated_at": ("Updated at",),
    "resolved_at": ("Solved at",),
    "reopen_count": ("Reopens",),
    "group_stations": ("Group stations",),
    "reply_calendar": ("First reply time in minutes",),
    "reply_business": ("First reply time in minutes within business hours",),
    "full_resolution_calendar": ("Full resolution time in minutes",),
    "full_resolution_business": ("Full resolution time in minutes within business hours",),
    "satisfaction": ("Satisfaction Score", "Satisfaction rating"),
}
REQUIRED = ("external_id", "opened_at", "state_raw")


def detect(snf: Sniff) -> bool:
    return (snf.tabular and snf.has("Id", "Status", "Created at", "Updated at")
            and snf.has_any("Requester", "Ticket type", "Via", "Group stations"))


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    overrides = label_overrides(mapping, FORMAT)
    table, cols = base.read_export(snf, COLUMNS, format=FORMAT, mapping=overrides,
                                   required=REQUIRED, null_values=("-",))
    rows_read = table.height + table.rows_rejected
    return zendesk.parse_table(table, cols, format=FORMAT, rows_read=rows_read,
                               timezone=timezone, mapping=overrides, progress=progress,
                               has_first_response="reply_calendar" in cols)
