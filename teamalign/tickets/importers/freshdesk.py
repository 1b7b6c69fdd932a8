"""Freshdesk tickets exported as CSV or Excel (*Tickets → Export*).

Headers are Freshdesk's labels: ``Ticket ID``, ``Subject``, ``Status``, ``Priority``,
``Source``, ``Type``, ``Agent``, ``Group``, ``Created time``, ``Due by Time``, ``Resolved
time``, ``Closed time``, ``Last update time``, ``Initial response time``, ``Time tracked``,
``First response time (in hrs)``, ``Resolution time (in hrs)``, ``Agent interactions``,
``Customer interactions``, ``Resolution status``, ``First response status``, ``Tags``,
``Survey results``, ``Product``, ``Full name``, ``Email``, ``Contact ID``, ``Company Name``…
The requester is the contact (``Full name``, ``Email``, ``Contact ID``; ``Company Name`` as
the company); ``Last update time`` dates the export. Untyped tickets are requests
(Freshdesk's types are Question, Incident, Problem, Feature Request…). What is read and
how: :mod:`.freshworks`.

Detection: a table whose header has ``Ticket ID``, ``Subject``, ``Status``, ``Priority`` and
``Created time``, and one of Freshdesk's own columns (``Last update time``, ``Contact ID``,
``Full name``, ``Customer interactions``).
"""

from __future__ import annotations

from . import freshworks
from .base import ParsedTickets, ProgressCallback, Sniff

FORMAT = "freshdesk-csv"
SOURCE = "freshdesk"
LABEL = "Freshdesk ticket export (CSV or Excel)"
DETECT_ORDER = 90  # before freshservice-csv, whose header is much the same

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Ticket ID", "Ticket Id"),
    **freshworks.COMMON,
    "requester_name": ("Full name", "Contact name", "Requester name", "Requester"),
    "requester_email": ("Email", "Contact email", "Requester email"),
    "requester_id": ("Contact ID", "Requester ID"),
    "requester_company": ("Company Name", "Company"),
    "requester_location": ("Location",),
    "requester_department": ("Department",),
    "business_service": ("Product",),
    "updated_at": ("Last update time", "Last updated time", "Updated time"),
}
_OWN = ("Last update time", "Contact ID", "Full name", "Customer interactions")


def detect(snf: Sniff) -> bool:
    return (snf.tabular and snf.has("Ticket ID", "Subject", "Status", "Priority", "Created time")
            and snf.has_any(*_OWN))


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    return freshworks.parse(snf, format=FORMAT, source=SOURCE, columns=COLUMNS,
                            default_kind="request", timezone=timezone, mapping=mapping,
                            progress=progress)
