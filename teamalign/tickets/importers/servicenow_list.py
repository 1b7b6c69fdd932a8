"""ServiceNow list exports, shared by the CSV and XLSX formats (not a format itself).

A list export is what a ServiceNow user gets from a list view's column menu (*Export →
CSV* or *Export → Excel*) on ``incident``, ``sc_req_item``, ``change_request``, ``problem``
or ``task``: one row per record, display values (``3 - Moderate``, ``In Progress``, the
caller's name). Headers are field names (``number``, ``short_description``, ``caller_id``,
``opened_at``…, dot-walked ones like ``caller_id.email``) or the column labels (``Number``,
``Short description``, ``Caller``, ``Opened``, ``Created``, ``Last update``…), whichever
the user's export settings give; both spellings are accepted in both file kinds.

Dates are the exporting user's display format in the user's time zone: by default
``yyyy-MM-dd HH:mm:ss``; the other formats ServiceNow offers are tried in order (day-first
before month-first, as in ServiceNow's own samples), each column on its own.

Limits and markers: an export is capped (10,000 rows by default) and when a large export is
stopped ServiceNow appends a row saying "Export stopped due to excessive size"; that row is
rejected and both situations raise a warning.

A list export has no first-response time and no state history: ``first_response_at`` is
null and ``has_first_response`` False (response figures are "not measured" unless an event
log is imported). ``kind`` comes from ``sys_class_name`` / "Task type" when present, else
from the number prefix (INC, RITM/REQ/SCTASK, CHG, PRB). The last update (``sys_updated_on``,
"Updated", "Last update") dates the export.
"""

from __future__ import annotations

from teamalign.ingest.dates import ISO_WITH_OFFSET, max_timestamp, parse_datetimes

from . import base
from .base import ParsedTickets, ProgressCallback, Sniff
from .mapping import label_overrides
from .vocabulary import StateGuesses, kind_from_number

SOURCE = "servicenow"

#: Field → header aliases, field names and labels; the first found wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("number", "Number"),
    "kind": ("sys_class_name", "Task type", "Class"),
    "title": ("short_description", "Short description"),
    "priority_raw": ("priority", "Priority"),
    # `state` is the task-level state; `incident_state` mirrors it on incidents.
    "state_raw": ("state", "State", "incident_state", "Incident state"),
    "category": ("category", "Category"),
    "requester_name": ("caller_id", "Caller", "requested_for", "Requested for",
                       "requested_by", "Requested by", "opened_by", "Opened by"),
    "requester_email": ("caller_id.email", "Caller.Email", "Caller Email",
                        "requested_for.email", "Requested for.Email", "u_caller_email"),
    "requester_location": ("location", "Location", "caller_id.location", "Caller.Location"),
    "requester_company": ("company", "Company", "caller_id.company", "Caller.Company"),
    "requester_department": ("caller_id.department", "Caller.Department", "u_department",
                             "department", "Department", "requested_for.department"),
    "assignment_group": ("assignment_group", "Assignment group"),
    "assigned_to": ("assigned_to", "Assigned to"),
    "business_service": ("business_service", "Service", "Business service", "cmdb_ci",
                         "Configuration item"),
    "opened_at": ("opened_at", "Opened", "sys_created_on", "Created"),
    "resolved_at": ("resolved_at", "Resolved"),
    "closed_at": ("closed_at", "Closed"),
    "updated_at": ("sys_updated_on", "Updated", "Last update", "Last updated", "Updated on"),
    "reassignment_count": ("reassignment_count", "Reassignment count"),
    "reopen_count": ("reopen_count", "Reopen count"),
}
REQUIRED = ("external_id", "opened_at", "state_raw")

#: Numeric state values, as in an export made with display values off.
STATE_CODES = {"1": "new", "2": "in_progress", "3": "on_hold", "6": "resolved",
               "7": "closed", "8": "canceled"}

#: The date/time formats ServiceNow users can choose, the default first.
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M",
    "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S", ISO_WITH_OFFSET,
)


def detect_header(snf: Sniff) -> bool:
    """A ServiceNow list: a ``number`` column, an opened date and a state column."""
    return (snf.has("number")
            and snf.has_any("opened_at", "opened", "sys_created_on", "created")
            and snf.has_any("state", "incident_state", "incident state"))


def parse(snf: Sniff, *, format: str, timezone: str, mapping,
          progress: ProgressCallback | None) -> ParsedTickets:
    """Read and shape a ServiceNow list export, CSV or Excel alike."""
    mapping = label_overrides(mapping, format)
    # ServiceNow writes nothing for empty fields, but exports that went through other
    # tools (and the UCI data set) use "?" for missing values.
    table, cols = base.read_export(snf, COLUMNS, format=format, mapping=mapping,
                                   required=REQUIRED, null_values=("?",))
    rows_read = table.height + table.rows_rejected
    stopped = base.drop_export_stopped_marker(table)
    base.warn_if_export_limit(table, stopped)
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []
    guesses = StateGuesses()

    dates = parse_datetimes(
        table, {f: cols.get(f) for f in ("opened_at", "resolved_at", "closed_at", "updated_at")},
        mapping.date_formats or DATE_FORMATS, timezone=timezone, required=("opened_at",))
    base.report_progress(progress, total // 2, total)

    frame = base.shape_tickets(
        table, cols, dates, mapping=mapping, warnings=warnings, default_kind="incident",
        kind_fallback=kind_from_number, state_overrides=STATE_CODES, guesses=guesses)
    base.report_progress(progress, 3 * total // 4, total)
    result = base.finish(
        table, frame, source=SOURCE, format=format, rows_read=rows_read, warnings=warnings,
        columns=cols, guesses=guesses, has_first_response=False,
        source_timestamps={"max_updated_at": max_timestamp(dates["updated_at"])})
    base.report_progress(progress, total, total)
    return result
