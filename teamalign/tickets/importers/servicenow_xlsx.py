"""ServiceNow list export as Excel (*list view → column menu → Export → Excel*).

One sheet, the header row holds the column labels ("Number", "Opened", "Short description",
"Caller", "Priority", "State", "Category", "Assignment group", "Resolved", "Closed",
"Reassignment count", "Reopen count", "Updated"…); dates are real Excel date cells or text
in the user's display format. Detection: an XLSX whose first non-empty row has "Number", an
opened date and a state. See :mod:`.servicenow_list` for the field mapping and the export
limits. Given a CSV file, it reads that the same way.
"""

from __future__ import annotations

from . import servicenow_list
from .base import ParsedTickets, ProgressCallback, Sniff

FORMAT = "servicenow-xlsx"
SOURCE = servicenow_list.SOURCE
LABEL = "ServiceNow list export (Excel .xlsx)"
DETECT_ORDER = 20


def detect(snf: Sniff) -> bool:
    return snf.kind == "xlsx" and servicenow_list.detect_header(snf)


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    return servicenow_list.parse(snf, format=FORMAT, timezone=timezone, mapping=mapping,
                                 progress=progress)
