"""Freshservice tickets exported as CSV or Excel (*Tickets → Export*, all fields).

Headers are Freshservice's field labels: ``Ticket Id`` (``INC-1042``, ``SR-77``, sometimes
with a leading ``#``), ``Subject``, ``Status``, ``Priority``, ``Source``, ``Type``, ``Agent``,
``Group``, ``Created Time``, ``Due by Time``, ``Resolved Time``, ``Closed Time``, ``Updated
Time``, ``Initial Response Time``, ``Time Tracked``, ``First Response Time (in hrs)``,
``Resolution Time (in hrs)``, ``Resolution Status``, ``First Response Status``, ``Requester
Name``, ``Requester Email``, ``Department``, ``Category``, ``Sub-Category``… ``Department``
is the requester's department. What is read and how: :mod:`.freshworks`.

Detection: a table whose header has ``Ticket Id`` (or ``Display Id``), ``Subject``,
``Status``, ``Priority`` and ``Created Time``, and none of Freshdesk's own columns.
"""

from __future__ import annotations

from . import freshworks
from .base import ParsedTickets, ProgressCallback, Sniff

FORMAT = "freshservice-csv"
SOURCE = "freshservice"
LABEL = "Freshservice ticket export (CSV or Excel)"

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Ticket Id", "Ticket ID", "Display Id"),
    **freshworks.COMMON,
    "requester_name": ("Requester Name", "Requester"),
    "requester_email": ("Requester Email",),
    "requester_location": ("Requester Location", "Location"),
    "requester_company": ("Company",),
    "requester_department": ("Department", "Requester Department"),
    "business_service": ("Impacted Services", "Impacted Service", "Business Service"),
    "updated_at": ("Updated Time", "Last Updated Time", "Last Update Time"),
}


def detect(snf: Sniff) -> bool:
    return (snf.tabular and snf.has("Subject", "Status", "Priority", "Created Time")
            and snf.has_any("Ticket Id", "Display Id"))


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    return freshworks.parse(snf, format=FORMAT, source=SOURCE, columns=COLUMNS,
                            default_kind="incident", timezone=timezone, mapping=mapping,
                            progress=progress)
