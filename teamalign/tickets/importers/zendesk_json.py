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
side-loaded ``users``; the requester's id is always kept (``requester_id``), so requesters
of a file without side-loaded users can still be placed by a requester rule on the id.
Each ticket's "row" in messages and ``source_row`` is its position in the list, starting
at 1.

A file that is one page of a paginated response (``next_page`` set with a ``count`` larger
than the page, ``meta.has_more``, or an incremental export with ``end_of_stream`` false)
is imported with a warning that the other pages are missing. A file without any ticket
metrics has no first-response information (response figures are "not measured").

Detection: a JSON file whose first bytes contain a ``"tickets"`` key, or a list of
objects with ``"requester_id"``. The field mapping is described in :mod:`.zendesk`.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from teamalign.errors import ImportFileError
from teamalign.ingest.jsonfile import load_json
from teamalign.ingest.table import ROW, Table, refuse_zero_characters

from . import zendesk
from .base import ParsedTickets, ProgressCallback, Sniff
from .mapping import label_overrides

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
    "requester_id": "requester_id",
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
    "full_resolution_calendar": "metric_set.full_resolution_time_in_minutes.calendar",
    "full_resolution_business": "metric_set.full_resolution_time_in_minutes.business",
    "satisfaction": "satisfaction_rating.score",
}


def detect(snf: Sniff) -> bool:
    if snf.kind != "json":
        return False
    head = snf.source.text_head().lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        return '"tickets"' in head
    return '"requester_id"' in head


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    overrides = label_overrides(mapping, FORMAT)
    if snf.kind != "json":
        raise ImportFileError(f"the '{FORMAT}' format reads Zendesk's JSON; this is "
                              f"{snf.source.kind_text}: use zendesk-csv for its CSV or Excel "
                              "export", file=snf.name)
    table, metrics_found = read_json_table(snf)
    cols = {f: p for f, p in PATHS.items()}
    return zendesk.parse_table(table, cols, format=FORMAT, rows_read=table.height,
                               timezone=timezone, mapping=overrides, progress=progress,
                               has_first_response=metrics_found)


def read_json_table(snf: Sniff) -> tuple[Table, bool]:
    """Flatten tickets, their metrics and side-loaded names into a text table; the flag
    says whether any ticket had metrics."""
    data = load_json(snf.source)
    if isinstance(data, list):
        tickets, side = data, {}
    elif isinstance(data, dict) and isinstance(data.get("tickets"), list):
        tickets, side = data["tickets"], data
    else:
        raise ImportFileError("no 'tickets' list found: expected the API shape "
                              "{\"tickets\": [...]} or a list of tickets", file=snf.name)
    if not tickets:
        raise ImportFileError("the file holds no tickets (its 'tickets' list is empty)",
                              file=snf.name)
    users = _by_id(side.get("users"))
    groups = _by_id(side.get("groups"))
    organizations = _by_id(side.get("organizations"))
    metrics: dict[Any, dict] = {}
    for key in ("metric_sets", "ticket_metrics"):
        for metric in side.get(key) or []:
            if isinstance(metric, dict) and "ticket_id" in metric:
                metrics[metric["ticket_id"]] = metric

    columns: dict[str, list[str | None]] = {p: [] for p in PATHS.values()}
    metrics_found = False
    for position, ticket in enumerate(tickets, start=1):
        if not isinstance(ticket, dict):
            raise ImportFileError("this entry of 'tickets' is not an object",
                                  file=snf.name, row=position)
        metric = ticket.get("metric_set") or metrics.get(_key(ticket.get("id"))) or {}
        if not isinstance(metric, dict):
            metric = {}
        metrics_found = metrics_found or bool(metric)
        requester = _user(users, ticket.get("requester_id"))
        assignee = _user(users, ticket.get("assignee_id"))
        rating = ticket.get("satisfaction_rating")
        values = {
            "id": ticket.get("id"),
            "type": ticket.get("type"),
            "subject": ticket.get("subject") or ticket.get("raw_subject"),
            "priority": ticket.get("priority"),
            "status": ticket.get("status"),
            "requester_id": ticket.get("requester_id"),
            "requester.name": requester.get("name"),
            "requester.email": requester.get("email"),
            "organization.name": _user(organizations, ticket.get("organization_id"))
            .get("name", ticket.get("organization_id")),
            "group.name": _user(groups, ticket.get("group_id")).get("name", ticket.get("group_id")),
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
            "metric_set.full_resolution_time_in_minutes.calendar":
                _minutes(metric.get("full_resolution_time_in_minutes"), "calendar"),
            "metric_set.full_resolution_time_in_minutes.business":
                _minutes(metric.get("full_resolution_time_in_minutes"), "business"),
            "satisfaction_rating.score": rating.get("score") if isinstance(rating, dict) else rating,
        }
        for name, value in values.items():
            columns[name].append(_text(value))
    headers = list(columns)
    df = pl.DataFrame(
        [pl.Series(ROW, range(1, len(tickets) + 1), dtype=pl.UInt32)]
        + [pl.Series(name, values, dtype=pl.Utf8) for name, values in columns.items()])
    table = Table(df, headers, list(headers), snf.name)
    refuse_zero_characters(table)
    _warn_if_one_page(side, len(tickets), table.warnings)
    return table, metrics_found


def _warn_if_one_page(side: dict, height: int, warnings: list[str]) -> None:
    count = side.get("count")
    meta = side.get("meta") if isinstance(side.get("meta"), dict) else {}
    more = (side.get("next_page") and (not isinstance(count, int) or count > height)) \
        or meta.get("has_more") is True or side.get("end_of_stream") is False
    if not more:
        return
    of = f" {height:,} of the {count:,} tickets" if isinstance(count, int) and count > height else \
        f" {height:,} tickets, and more follow"
    warnings.append(f"this file is one page of a paginated Zendesk response: it holds{of}. The "
                    "other pages are missing from this import; save every page (or use the "
                    "incremental export) and import each")


def _key(value: Any) -> Any:
    return value if isinstance(value, (int, str)) else None


def _user(items: dict[Any, dict], key: Any) -> dict:
    found = items.get(_key(key))
    return found if isinstance(found, dict) else {}


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return None
    return str(value)


def _by_id(items: Any) -> dict[Any, dict]:
    if not isinstance(items, list):
        return {}
    return {item["id"]: item for item in items
            if isinstance(item, dict) and isinstance(item.get("id"), (int, str))}


def _minutes(value: Any, key: str) -> Any:
    """``{"calendar": 12, "business": 7}``; older payloads give a bare calendar number."""
    if isinstance(value, dict):
        return value.get(key)
    return value if key == "calendar" else None
