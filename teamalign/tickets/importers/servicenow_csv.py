"""ServiceNow list export as CSV (*list view → column menu → Export → CSV*).

Headers are field names (``number,short_description,caller_id,opened_at,priority,state,…``)
or, from some instances' export settings, the column labels (``Number``, ``State``,
``Created``, ``Last update``); values are display values (``3 - Moderate``, ``In
Progress``), dates ``yyyy-MM-dd HH:mm:ss`` by default in the exporting user's time zone.
Detection: a CSV whose header has ``number``, an opened date (``opened_at``, ``Opened``,
``Created``) and a state (``state`` or ``incident_state``). See :mod:`.servicenow_list` for
the field mapping, the 10,000-row limit and the "Export stopped" marker. Given an Excel
file, it reads that the same way.
"""

from __future__ import annotations

from . import servicenow_list
from .base import ParsedTickets, ProgressCallback, Sniff

FORMAT = "servicenow-csv"
SOURCE = servicenow_list.SOURCE
LABEL = "ServiceNow list export (CSV)"
DETECT_ORDER = 20  # after the event log, whose header also has `number`


def detect(snf: Sniff) -> bool:
    return snf.kind == "csv" and servicenow_list.detect_header(snf)


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    return servicenow_list.parse(snf, format=FORMAT, timezone=timezone, mapping=mapping,
                                 progress=progress)
