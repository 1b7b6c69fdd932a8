"""Zendesk Support tickets as JSON, in the shapes the REST API returns.

Accepted shapes (what people save from the API or from export scripts):

* ``{"tickets": [...], "users": [...], "groups": [...], "organizations": [...]}``
  from ``/api/v2/tickets.json?include=users,groups,organizations,metric_sets`` or
  the incremental export ``/api/v2/incremental/tickets/cursor.json?include=…``;
  metrics either embedded per ticket (``ticket["metric_set"]``) or side-loaded as a
  top-level ``metric_sets`` / ``ticket_metrics`` list keyed by ``ticket_id``
  (``/api/v2/ticket_metrics.json`` saved into the same file);
* a bare list of ticket objects (side-loads then cannot be resolved: names stay
  null, ids are kept where a name would go).

Ticket fields read: ``id``, ``type``, ``subject``, ``priority``, ``status``,
``requester_id``, ``assignee_id``, ``group_id``, ``organization_id``, ``created_at``,
``updated_at``, ``satisfaction_rating.score``; metric fields: ``solved_at``,
``reopens``, ``group_stations``, ``reply_time_in_minutes``,
``full_resolution_time_in_minutes`` (``{calendar, business}``). Timestamps are ISO
8601 UTC (``2026-02-25T22:17:05Z``). The requester's e-mail and name come from the
side-loaded ``users``. Each ticket's "row" in messages and ``source_row`` is its
position in the list, starting at 1.

Detection: a JSON file whose first bytes contain a ``"tickets"`` key, or a list of
objects with ``"requester_id"``. The field mapping is described in :mod:`.zendesk`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from teamalign.errors import ImportFileError

from . import base, zendesk
from .base import ROW, ParsedTickets, ProgressCallback, Sniff, Table

FORMAT = "zendesk-json"
SOURCE = zendesk.SOURCE
LABEL = "Zendesk tickets with metrics (API JSON)"

#: Field → the flattened JSON path used as the column "header" in messages.
PATHS: dict[str, str] = {
    "external_id": "id",
    "kind": "type",
    "title": "subject",
    "priority_raw": "priority",
    "state_raw": "status",
    "requester_name": "requester.name",
    "requester_email": "requester.email",
    "requester_company": "organization.name",
    "assignment_group": "group.name",
    "assigned_to": "assignee.name",
    "opened_at": "created_at",
    "updated_at": "updated_at",
    "resolved_at": "metric_set.solved_at",
    "reopen_count": "metric_set.reopens",
    "group_stations": "metric_set.group_stations",
    "reply_calendar": "metric_set.reply_time_in_minutes.calendar",
    "reply_business": "metric_set.reply_time_in_minutes.business",
    "full_resolution_business": "metric_set.full_resolution_time_in_minutes.business",
    "satisfaction": "satisfaction_rating.score",
}


def detect(snf: Sniff) -> bool:
    if snf.kind != "json":
        return False
    head = snf.head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"{"):
        return b'"tickets"' in head
    return b'"requester_id"' in head


def parse(path: str | Path, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    overrides = base.label_overrides(mapping, FORMAT)
    snf = base.sniff(path)
    table = read_json_table(snf)
    cols = {f: p for f, p in PATHS.items()}
    return zendesk.parse_table(table, cols, format=FORMAT, rows_read=table.height,
                               timezone=timezone, mapping=overrides, progress=progress)


def read_json_table(snf: Sniff) -> Table:
    """Flatten tickets, their metrics and side-loaded names into a text table."""
    try:
        data = json.loads(snf.path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"the file is not valid JSON: {exc}", file=snf.name) from None
    if isinstance(data, list):
        tickets, side = data, {}
    elif isinstance(data, dict) and isinstance(data.get("tickets"), list):
        tickets, side = data["tickets"], data
    else:
        raise ImportFileError("no 'tickets' list found: expected the API shape "
                              "{\"tickets\": [...]} or a list of tickets", file=snf.name)
    users = _by_id(side.get("users"))
    groups = _by_id(side.get("groups"))
    organizations = _by_id(side.get("organizations"))
    metrics: dict[Any, dict] = {}
    for key in ("metric_sets", "ticket_metrics"):
        for metric in side.get(key) or []:
            if isinstance(metric, dict) and "ticket_id" in metric:
                metrics[metric["ticket_id"]] = metric

    columns: dict[str, list[str | None]] = {p: [] for p in PATHS.values()}
    for position, ticket in enumerate(tickets, start=1):
        if not isinstance(ticket, dict):
            raise ImportFileError("this entry of 'tickets' is not an object",
                                  file=snf.name, row=position)
        metric = ticket.get("metric_set") or metrics.get(ticket.get("id")) or {}
        requester = users.get(ticket.get("requester_id"), {})
        assignee = users.get(ticket.get("assignee_id"), {})
        values = {
            "id": ticket.get("id"),
            "type": ticket.get("type"),
            "subject": ticket.get("subject") or ticket.get("raw_subject"),
            "priority": ticket.get("priority"),
            "status": ticket.get("status"),
            "requester.name": requester.get("name"),
            "requester.email": requester.get("email"),
            "organization.name": organizations.get(ticket.get("organization_id"), {})
            .get("name", ticket.get("organization_id")),
            "group.name": groups.get(ticket.get("group_id"), {})
            .get("name", ticket.get("group_id")),
            "assignee.name": assignee.get("name", ticket.get("assignee_id")),
            "created_at": ticket.get("created_at"),
            "updated_at": ticket.get("updated_at"),
            "metric_set.solved_at": metric.get("solved_at"),
            "metric_set.reopens": metric.get("reopens"),
            "metric_set.group_stations": metric.get("group_stations"),
            "metric_set.reply_time_in_minutes.calendar":
                _minutes(metric.get("reply_time_in_minutes"), "calendar"),
            "metric_set.reply_time_in_minutes.business":
                _minutes(metric.get("reply_time_in_minutes"), "business"),
            "metric_set.full_resolution_time_in_minutes.business":
                _minutes(metric.get("full_resolution_time_in_minutes"), "business"),
            "satisfaction_rating.score": (ticket.get("satisfaction_rating") or {}).get("score")
            if isinstance(ticket.get("satisfaction_rating"), dict) else None,
        }
        for name, value in values.items():
            columns[name].append(None if value is None or value == "" else str(value))
    headers = list(columns)
    df = pl.DataFrame(
        [pl.Series(ROW, range(1, len(tickets) + 1), dtype=pl.UInt32)]
        + [pl.Series(name, values, dtype=pl.Utf8) for name, values in columns.items()])
    return Table(df, headers, list(headers), snf.name)


def _by_id(items: Any) -> dict[Any, dict]:
    return {item["id"]: item for item in items or [] if isinstance(item, dict) and "id" in item}


def _minutes(value: Any, key: str) -> Any:
    """``{"calendar": 12, "business": 7}``; older payloads give a bare calendar number."""
    if isinstance(value, dict):
        return value.get(key)
    return value if key == "calendar" else None
