"""Figures recounted from a raw export with plain Python (csv, json, zipfile + XML), no teamalign.

Each export is described by what a person reading it would know about the tool: which column
holds the ticket number, the state, the opening, resolution and first-response times, how
dates are written, and which state labels mean "done". Nothing here uses the importers, the
ingestion layer or Polars, so the conformance tests compare two independent readings.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

DONE = {"resolved", "closed", "canceled", "cancelled", "closed complete", "closed incomplete", "solved",
        "completed", "resuelta", "cerrada", "résolu", "fermé", "erledigt", "geschlossen", "resolvido", "fechado"}

#: Month words as the exports write them (the test's own table, kept apart from the reader's).
MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
          "oct": 10, "nov": 11, "dec": 12, "ago": 8, "dic": 12, "févr.": 2, "juil.": 7, "août": 8,
          "mrz": 3, "okt": 10, "dez": 12, "fev": 2, "set": 9, "out": 10}


@dataclass
class Figures:
    tickets: int
    open: int
    median_resolution_seconds: float | None
    first_responses: int


@dataclass
class Export:
    """How to read one export. ``opened``/``resolved``/``first`` are column names; ``first`` may be
    a function of the row instead (Zendesk keeps a duration)."""

    id: str
    state: str
    opened: str
    resolved: str | None
    first: object = None
    formats: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S",)
    delimiter: str = ","
    empty: tuple[str, ...] = ("", "-", "?")
    skip_last: bool = False
    rows: object = None  # a function returning the rows when the file is not a plain table
    extra: dict = field(default_factory=dict)


def parse_time(text: str | None, formats: tuple[str, ...]) -> datetime | None:
    if text is None:
        return None
    text = text.strip()
    if not text or text.startswith(("1900-01-01", "1899-12-3", "0000-00-00")):
        return None
    text = text.replace("vorm.", "AM").replace("nachm.", "PM")
    match = re.match(r"^(\d{1,2})/([^/\d]+)/(\d{2}) (.*)$", text)
    if match:  # a Jira date with a month word, in any of the languages of the fixtures
        day, word, year, rest = match.groups()
        text = f"{day}/{MONTHS[word.lower()]:02d}/{year} {rest}"
        formats = ("%d/%m/%y %I:%M %p",)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    for fmt in formats:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta(0))
    raise ValueError(f"no format reads {text!r}")


def read_csv(path: Path, delimiter: str) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def read_xlsx(path: Path) -> list[dict]:
    """The first sheet of a workbook, from its XML: shared and inline strings, numbers, and date
    cells (a style whose number format is a date) as ``YYYY-MM-DD HH:MM:SS``."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root.findall("m:si", ns)]
        date_styles = set()
        if "xl/styles.xml" in names:
            styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
            custom = {int(f.get("numFmtId")): f.get("formatCode", "")
                      for f in styles.findall("m:numFmts/m:numFmt", ns)}
            for index, xf in enumerate(styles.findall("m:cellXfs/m:xf", ns)):
                fmt_id = int(xf.get("numFmtId", "0"))
                code = custom.get(fmt_id, "")
                if 14 <= fmt_id <= 22 or (re.search(r"[dy]", code.lower()) and "[" not in code):
                    date_styles.add(index)
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    grid: dict[int, dict[int, str]] = defaultdict(dict)
    for cell in sheet.iter(f"{{{ns['m']}}}c"):
        ref = cell.get("r")
        letters = re.match(r"[A-Z]+", ref).group()
        column = 0
        for ch in letters:
            column = column * 26 + ord(ch) - 64
        row = int(ref[len(letters):])
        kind = cell.get("t")
        value = cell.find("m:v", ns)
        if kind == "inlineStr":
            text = "".join(t.text or "" for t in cell.iter(f"{{{ns['m']}}}t"))
        elif value is None:
            continue
        elif kind == "s":
            text = shared[int(value.text)]
        elif int(cell.get("s", "0")) in date_styles:
            serial = float(value.text)
            day = datetime(1899, 12, 30) + timedelta(days=serial + (1 if serial < 61 else 0))
            text = (day + timedelta(microseconds=500)).replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
        else:
            number = float(value.text)
            text = str(int(number)) if number.is_integer() else value.text
        grid[row][column] = text
    rows = [grid[r] for r in sorted(grid)]
    header = rows[0]
    width = max(header)
    names = [header.get(c, "") for c in range(1, width + 1)]
    return [{names[c - 1]: row.get(c, "") for c in range(1, width + 1)} for row in rows[1:]]


def recount(path: Path, export: Export) -> Figures:
    if export.rows is not None:
        rows = export.rows(path)
    elif path.suffix == ".xlsx":
        rows = read_xlsx(path)
    else:
        rows = read_csv(path, export.delimiter)
    if export.skip_last:
        rows = rows[:-1]
    tickets = {row[export.id].strip().lstrip("#"): row for row in rows if row.get(export.id, "").strip()}
    open_count = sum(1 for row in tickets.values() if row[export.state].strip().lower() not in DONE)
    durations = []
    responses = 0
    for row in tickets.values():
        opened = parse_time(row[export.opened], export.formats)
        resolved = parse_time(row.get(export.resolved), export.formats) if export.resolved else None
        if resolved is not None and resolved >= opened:
            durations.append((resolved - opened).total_seconds())
        first = export.first(row) if callable(export.first) else row.get(export.first or "", "")
        if first not in (None, "", "-"):
            responses += 1
    median = statistics.median(durations) if durations else None
    return Figures(len(tickets), open_count, median, responses)


def zendesk_json_rows(path: Path) -> list[dict]:
    data = json.loads(path.read_text())
    tickets = data["tickets"] if isinstance(data, dict) else data
    side = {m["ticket_id"]: m for m in (data.get("metric_sets") or []) if isinstance(data, dict)}
    rows = []
    for t in tickets:
        metric = t.get("metric_set") or side.get(t["id"]) or {}
        reply = (metric.get("reply_time_in_minutes") or {}).get("calendar")
        rows.append({"id": str(t["id"]), "status": t["status"], "created_at": t["created_at"],
                     "solved_at": metric.get("solved_at") or "", "reply": "" if reply is None else str(reply)})
    return rows


def eventlog_rows(path: Path) -> list[dict]:
    """One row per incident: its last event's state; resolved = resolved_at of the last event, or
    when the state last became Resolved; first response = the first event that left New."""
    events = defaultdict(list)
    for row in read_csv(path, ","):
        events[row["number"]].append(row)
    rows = []
    for number, items in events.items():
        items.sort(key=lambda r: datetime.strptime(r["sys_updated_at"], "%d-%m-%Y %H:%M"))
        last = items[-1]
        resolved = last["resolved_at"] if last["resolved_at"] not in ("", "?") else ""
        if not resolved and last["incident_state"] in ("Resolved", "Closed"):
            became = [b for a, b in zip([None, *items], items)
                      if b["incident_state"] == "Resolved" and (a is None or a["incident_state"] != "Resolved")]
            resolved = became[-1]["sys_updated_at"] if became else ""
        left_new = next((r["sys_updated_at"] for r in items if r["incident_state"] != "New"), "")
        rows.append({"number": number, "state": last["incident_state"], "opened": last["opened_at"],
                     "resolved": resolved, "first": left_new})
    return rows


SN = Export(id="number", state="state", opened="opened_at", resolved="resolved_at")
JIRA = Export(id="Issue key", state="Status", opened="Created", resolved="Resolved",
              first="Custom field ([CHART] Date of First Response)")
ZENDESK_CSV = Export(id="Id", state="Status", opened="Created at", resolved="Solved at",
                     first="First reply time in minutes", formats=("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"))
ZENDESK_JSON = Export(id="id", state="status", opened="created_at", resolved="solved_at", first="reply",
                      formats=("%Y-%m-%dT%H:%M:%S%z",), rows=zendesk_json_rows)
FRESH = Export(id="Ticket Id", state="Status", opened="Created Time", resolved="Resolved Time",
               first="Initial Response Time")
FRESHDESK = Export(id="Ticket ID", state="Status", opened="Created time", resolved="Resolved time",
                   first="Initial response time")

#: fixture → (how to read it, extra CLI arguments)
EXPORTS: dict[str, tuple[Export, tuple[str, ...]]] = {
    "servicenow_incident_list.csv": (SN, ()),
    "servicenow_incident_list_cut.csv": (Export(**{**SN.__dict__, "skip_last": True}), ()),
    "servicenow_incident_labels.csv": (Export(id="Number", state="State", opened="Created", resolved="Resolved"), ()),
    "servicenow_task_list.xlsx": (Export(id="Number", state="State", opened="Opened", resolved="Resolved"), ()),
    "servicenow_eventlog_head.csv": (Export(id="number", state="state", opened="opened", resolved="resolved",
                                            first="first", formats=("%d-%m-%Y %H:%M",), rows=eventlog_rows), ()),
    "jira_service_management.csv": (JIRA, ()),
    "jira_cloud_repeated_fields.csv": (JIRA, ()),
    "jira_es.csv": (Export(id="Clave de incidencia", state="Estado", opened="Creada", resolved="Resuelta",
                           first="Campo personalizado ([CHART] Date of First Response)"), ()),
    "jira_fr.csv": (Export(id="Clé de ticket", state="État", opened="Création", resolved="Résolu",
                           first="Champ personnalisé ([CHART] Date of First Response)"), ()),
    "jira_de.csv": (Export(id="Vorgangsschlüssel", state="Status", opened="Erstellt", resolved="Erledigt",
                           first="Benutzerdefiniertes Feld ([CHART] Date of First Response)"), ()),
    "jira_pt.csv": (Export(id="Chave do item", state="Status", opened="Criado", resolved="Resolvido",
                           first="Campo personalizado ([CHART] Date of First Response)"), ()),
    "zendesk_tickets.csv": (ZENDESK_CSV, ()),
    "zendesk_tickets.xlsx": (ZENDESK_CSV, ()),
    "zendesk_tickets.json": (ZENDESK_JSON, ()),
    "zendesk_tickets_page1.json": (ZENDESK_JSON, ()),
    "freshservice_tickets.csv": (FRESH, ()),
    "freshdesk_tickets.csv": (FRESHDESK, ()),
    "freshdesk_tickets.xlsx": (FRESHDESK, ()),
    "topdesk_calls.csv": (Export(id="Call number", state="Status", opened="Call date", resolved="Completed",
                                 first="First response", delimiter=";", formats=("%d-%m-%Y %H:%M",)),
                          ("--mapping", "topdesk_mapping.toml")),
}
