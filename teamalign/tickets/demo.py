"""Demo tickets: about 50,000 IT tickets of Harbourline Logistics over the 12 months before the
demo was built, written as a ServiceNow incident event log (one row per update) and imported
through the real import path (``ticket_import``), so the demo exercises the parser, requester
resolution, the business-hours engine and the bulk upsert.

What it plants (documented for docs/demo.md; the seed makes it the same on every build of a day):

* **Volume and mix.** ~50,000 tickets: 65 % incidents (``INC…``), 35 % requests (``RITM…``);
  priorities P1 1 %, P2 9 %, P3 55 %, P4 30 %, P5 5 %. Tickets arrive mostly on weekdays
  between 08:00 and 18:00 London time, with a thinner evening and weekend tail (Operations
  works shifts, so more of its tickets arrive out of hours).
* **Requesters** are the demo directory's people, weighted so Operations (the largest
  department) raises about 60 % of the tickets. About 3 % come from agency staff who are not
  in the directory but whose location is "North Depot": a requester rule (location "North
  Depot" → Operations / Warehouse) places them. About 1 % come from callers nobody can place,
  to show the "requester in no department" warning.
* **IT teams** are the demo IT teams: Service Desk (hardware, printing, e-mail, telephony,
  access), Infrastructure (network, servers), Business Applications (ERP, WMS, reports) and
  Security (phishing, security access).
* **Times** are drawn in business time of the default schedule (Mon–Fri 09:00–17:00 London):
  log-normal time to first response (median P1 10 min, P2 40 min, P3 2 h, P4 4 h, P5 10 h)
  and to resolution after that (median P1 2 h, P2 4 h, P3 12 h, P4 20 h, P5 40 h). 15 % of
  tickets wait on the requester ("Awaiting User Info", which pauses the clock) for a while.
  Resolved tickets close automatically three days later. Tickets still open at build time form
  the backlog, plus 0.7 % that got stuck long ago.
* **Pattern 1 — Operations waits longer at P2** (``p2_wait``). Operations' P2 tickets get their first
  response about 4× later than the norm (median ≈ 2 h 40 m business), Finance's about 0.8× —
  so the page's "Operations vs other departments" table shows a P2 response ratio well above 1
  and Operations' P2 response attainment far below Finance's.
* **Pattern 2 — green SLA, unhappy customers** (``watermelon``). Business Applications resolves fast (about a
  third of the norm, so its SLA attainment is the best of the IT teams), but 35 % of its
  tickets are reopened (others 4 %) and they are reassigned about 3 times each (others ~0.6):
  the "watermelon" and "reassignment ping-pong" findings.
* **Pattern 3 — Operations works shifts** (``shifts``): 22 % of Operations' tickets arrive at any
  hour of any day (other departments 5 %), so about a quarter of them are opened while the SLA
  schedule (Mon–Fri 09:00–17:00) is closed, against under a fifth of the others': the
  "SLA calendar mismatch" finding.
* **Pattern 4 — stuck tickets** (``stuck``): 0.7 % of tickets wait on a vendor and are never
  resolved, so Operations has an aged backlog (open longer than 30 days): the "aged Operations
  backlog" finding.

``build_event_log(..., patterns=())`` leaves the patterns out: every department and IT team is
served alike, which the tests use as a clean organisation that yields no finding.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from teamalign.calc.business_hours import Schedule as BusinessHours
from teamalign.calc.business_hours import add_business_seconds
from teamalign.demo.builder import DemoContext, register_planter
from teamalign.orgs.import_runs import import_run_create, import_run_execute
from teamalign.orgs.models import Department, Person, Team

from .models import DEFAULT_WEEKLY
from .services import requester_rule_save

TICKETS = 50_000
DAYS = 365
PRIORITY_SHARE = [0.01, 0.09, 0.55, 0.30, 0.05]
RESPONSE_MEDIAN_H = np.array([10 / 60, 40 / 60, 2, 4, 10])
RESOLUTION_MEDIAN_H = np.array([2, 4, 12, 20, 40])
# category → (IT team, share of incidents, share of requests, title)
CATEGORIES = {
    "Hardware": ("Service Desk", 0.18, 0.0, "Laptop will not start"),
    "Printing": ("Service Desk", 0.10, 0.0, "Label printer jams on the packing line"),
    "E-mail": ("Service Desk", 0.10, 0.0, "Cannot send e-mail from mobile"),
    "Telephony": ("Service Desk", 0.06, 0.0, "Handset has no dial tone"),
    "Network": ("Infrastructure", 0.14, 0.0, "Wi-Fi drops in the warehouse"),
    "Servers": ("Infrastructure", 0.05, 0.0, "Shared drive is slow"),
    "ERP": ("Business Applications", 0.14, 0.0, "Invoice posting fails in the ERP"),
    "WMS": ("Business Applications", 0.16, 0.0, "Scanner cannot confirm picks in the WMS"),
    "Phishing": ("Security", 0.07, 0.0, "Suspicious e-mail reported"),
    "Access request": ("Service Desk", 0.0, 0.40, "Access to a shared mailbox"),
    "New equipment": ("Service Desk", 0.0, 0.25, "New starter laptop"),
    "Report request": ("Business Applications", 0.0, 0.20, "New report of late deliveries"),
    "Security access": ("Security", 0.0, 0.15, "VPN access for a contractor"),
}
DEPARTMENT_WEIGHT = {"Operations": 1.25, "Finance": 1.0, "Sales": 0.9, "HR": 0.8, "IT": 0.25}
PRIORITY_LABELS = ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"]
#: The planted patterns (module docstring), each of which the findings must report.
PATTERNS = ("p2_wait", "watermelon", "shifts", "stuck")


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(median.shape))


def _arrivals(rng: np.random.Generator, n: int, end: datetime, out_of_hours: np.ndarray) -> np.ndarray:
    """Opening instants (UTC µs): weekdays 08–18 London time mostly; ``out_of_hours`` rows anywhere."""
    start_day = np.datetime64((end - timedelta(days=DAYS)).date(), "D")
    days = start_day + np.arange(DAYS)
    weekday = (days.astype(np.int64) + 3) % 7
    weights = np.where(weekday < 5, 1.0, 0.12)
    day = days[rng.choice(DAYS, size=n, p=weights / weights.sum())]
    office = np.clip(rng.normal(12.5, 2.6, n), 8, 18)
    anytime = rng.uniform(0, 24, n)
    hours = np.where(out_of_hours, anytime, office)
    # Drawn as UTC, which is London time give or take the summer hour.
    local = day.astype("datetime64[us]") + (hours * 3600e6).astype(np.int64).astype("timedelta64[us]")
    return local.astype(np.int64)


def _people(organisation) -> pl.DataFrame:
    rows = list(Person.objects.filter(organisation=organisation).values_list(
        "name", "email", "department__name", "team__name"))
    return pl.DataFrame(rows, schema={"name": pl.Utf8, "email": pl.Utf8, "department": pl.Utf8, "team": pl.Utf8},
                        orient="row")


def build_event_log(organisation, seed: int, end: datetime, tickets: int = TICKETS,
                    patterns: Collection[str] = PATTERNS) -> pl.DataFrame:
    """The event log rows (one per update), as text columns of a ServiceNow export.

    ``patterns`` chooses which of the planted patterns (:data:`PATTERNS`) are in it; without
    them every department and IT team is served alike (the tests' clean organisation). The
    random draws are the same either way, so one pattern can be switched off on its own."""
    planted = set(patterns)
    unknown = planted - set(PATTERNS)
    if unknown:
        raise ValueError(f"unknown demo patterns: {', '.join(sorted(unknown))}")
    rng = np.random.default_rng(seed)
    people = _people(organisation)
    weights = people["department"].replace_strict(DEPARTMENT_WEIGHT, default=0.5).to_numpy().astype(float)
    n = tickets

    # Who asks: directory people, agency staff at North Depot, and unplaceable callers.
    who = rng.choice(3, size=n, p=[0.96, 0.03, 0.01])
    person = rng.choice(people.height, size=n, p=weights / weights.sum())
    names = people["name"].to_numpy()[person].astype(object)
    emails = people["email"].to_numpy()[person].astype(object)
    departments = people["department"].to_numpy()[person].astype(object)
    agency = who == 1
    names[agency] = np.array([f"Agency Picker {i:03d}" for i in rng.integers(1, 120, agency.sum())], dtype=object)
    emails[agency] = None
    departments[agency] = "Operations"
    unknown = who == 2
    names[unknown] = np.array([f"Caller {i:04d}" for i in rng.integers(1, 40, unknown.sum())], dtype=object)
    emails[unknown] = None
    departments[unknown] = "?"
    location = np.where(agency, "North Depot", np.where(departments == "Operations", "Southampton Hub", "Head Office"))
    is_ops = departments == "Operations"

    # What: kind, category, IT team, priority.
    is_request = rng.random(n) < 0.35
    names_cat = list(CATEGORIES)
    incident_p = np.array([CATEGORIES[c][1] for c in names_cat])
    request_p = np.array([CATEGORIES[c][2] for c in names_cat])
    category_index = np.where(is_request, rng.choice(len(names_cat), n, p=request_p / request_p.sum()),
                              rng.choice(len(names_cat), n, p=incident_p / incident_p.sum()))
    category = np.array(names_cat, dtype=object)[category_index]
    team = np.array([CATEGORIES[c][0] for c in names_cat], dtype=object)[category_index]
    title = np.array([CATEGORIES[c][3] for c in names_cat], dtype=object)[category_index]
    priority = rng.choice(5, size=n, p=PRIORITY_SHARE)  # 0-based
    bizapps = team == "Business Applications"

    # When: arrivals, then response and resolution in business time of the default schedule.
    shifts = is_ops & ("shifts" in planted)
    opened = _arrivals(rng, n, end, out_of_hours=rng.random(n) < np.where(shifts, 0.22, 0.05))
    # Ticket numbers follow opening order. The instants stay with the tickets they were drawn
    # for: sorting them on their own would hand Operations' out-of-hours arrivals to anyone.
    sequence = np.empty(n, dtype=np.int64)
    sequence[np.argsort(opened, kind="stable")] = np.arange(n)
    schedule = BusinessHours("Europe/London", DEFAULT_WEEKLY)
    response_factor = np.ones(n)
    if "p2_wait" in planted:
        response_factor[is_ops & (priority == 1)] = 4.0
        response_factor[(departments == "Finance") & (priority == 1)] = 0.8
    response_s = _lognormal(rng, RESPONSE_MEDIAN_H[priority] * 3600 * response_factor, 0.6)
    watermelon = bizapps & ("watermelon" in planted)
    resolution_factor = np.where(watermelon, 0.35, 1.0)
    resolution_s = _lognormal(rng, RESOLUTION_MEDIAN_H[priority] * 3600 * resolution_factor, 0.7)
    first_response = add_business_seconds(schedule, opened.view("datetime64[us]"),
                                          response_s.astype(np.int64)).view(np.int64)
    resolved = add_business_seconds(schedule, first_response.view("datetime64[us]"),
                                    resolution_s.astype(np.int64)).view(np.int64)
    hour = 3600 * 1_000_000
    # Pauses: waiting on the requester for a while, somewhere between response and resolution.
    paused = rng.random(n) < 0.15
    pause_start = first_response + ((resolved - first_response) * rng.uniform(0.1, 0.6, n)).astype(np.int64)
    pause_length = (_lognormal(rng, np.full(n, 6.0), 0.8) * hour).astype(np.int64)
    resolved = np.where(paused, resolved + pause_length, resolved)
    # Reopens: resolved, reopened a while later, resolved again soon after.
    reopened = rng.random(n) < np.where(watermelon, 0.35, 0.04)
    reopen_at = resolved + (rng.uniform(1, 20, n) * hour).astype(np.int64)
    final_resolved = np.where(reopened, add_business_seconds(
        schedule, reopen_at.view("datetime64[us]"), rng.integers(1800, 7200, n)).view(np.int64), resolved)
    stuck = (rng.random(n) < 0.007) & ("stuck" in planted)
    canceled = (rng.random(n) < 0.01) & ~stuck
    closed = final_resolved + 3 * 24 * hour
    reassignments = np.where(watermelon, rng.poisson(3.0, n), rng.poisson(0.6, n))

    number = np.where(is_request, "RITM", "INC")
    numbers = [f"{p}{i:07d}" for p, i in zip(number, sequence + 1 + 1_000_000)]
    # Events per ticket: (offset in the ticket, at, state)
    now_us = int((end - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)
    events: list[tuple[np.ndarray, np.ndarray, str]] = []
    idx = np.arange(n)
    events.append((idx, opened, "New"))
    cancel = idx[canceled]
    events.append((cancel, opened[cancel] + (rng.uniform(0.2, 8, cancel.size) * hour).astype(np.int64), "Canceled"))
    live = idx[~canceled]
    events.append((live, first_response[live], "Active"))
    p = live[paused[live] & ~stuck[live]]
    events.append((p, pause_start[p], "Awaiting User Info"))
    events.append((p, pause_start[p] + pause_length[p], "Active"))
    s = live[stuck[live]]
    events.append((s, first_response[s] + hour, "Awaiting Vendor"))
    done = live[~stuck[live]]
    events.append((done, resolved[done], "Resolved"))
    r = done[reopened[done]]
    events.append((r, reopen_at[r], "Active"))
    events.append((r, final_resolved[r], "Resolved"))
    events.append((done, closed[done], "Closed"))

    frame = pl.concat([pl.DataFrame({"ticket": t.astype(np.int64), "at": at.astype(np.int64),
                                     "incident_state": [state] * t.size}) for t, at, state in events])
    frame = frame.filter(pl.col("at") <= now_us).sort("ticket", "at", maintain_order=True)
    # Counts and resolution as each update saw them: reopen count grows with the reopen event.
    frame = frame.with_columns(
        (pl.col("incident_state") == "Resolved").cum_sum().over("ticket").alias("_resolutions"))
    last_resolved = pl.when(pl.col("incident_state") == "Resolved").then(pl.col("at"))
    settled = pl.col("incident_state").is_in(["Resolved", "Closed"])
    frame = frame.with_columns(
        (pl.col("_resolutions") - settled.cast(pl.Int64)).clip(0, None).alias("reopen_count"),
        last_resolved.forward_fill().over("ticket").alias("_resolved_at"))
    frame = frame.with_columns(
        pl.when(pl.col("incident_state").is_in(["Resolved", "Closed"]))
        .then(pl.col("_resolved_at")).otherwise(None).alias("_resolved_at"))

    def column(values) -> pl.Series:
        return pl.Series(values).gather(frame["ticket"])

    def local_text(us: pl.Expr) -> pl.Expr:
        return us.cast(pl.Datetime("us")).dt.strftime("%Y-%m-%d %H:%M:%S")

    frame = frame.with_columns(
        column(numbers).alias("number"),
        column(opened).alias("_opened"),
        column(np.where(canceled, np.int64(0), closed)).alias("_closed"),
        column(np.array(PRIORITY_LABELS, dtype=object)[priority].astype(str)).alias("priority"),
        column(category.astype(str)).alias("category"),
        column(title.astype(str)).alias("short_description"),
        column(team.astype(str)).alias("assignment_group"),
        column(names.astype(str)).alias("caller_id"),
        column(np.array([e or "" for e in emails], dtype=str)).alias("caller_id.email"),
        column(location.astype(str)).alias("location"),
        column(reassignments).alias("reassignment_count"),
    )
    # Times in the file are London wall-clock text, as ServiceNow writes them for a London user.
    london = "Europe/London"

    def to_london(expr: pl.Expr) -> pl.Expr:
        return expr.cast(pl.Datetime("us", "UTC")).dt.convert_time_zone(london).dt.replace_time_zone(None)

    return frame.select(
        "number", "incident_state",
        pl.lit("TRUE").alias("active"),
        pl.col("reassignment_count").cast(pl.Utf8), pl.col("reopen_count").cast(pl.Utf8),
        "caller_id", "caller_id.email",
        local_text(to_london(pl.col("_opened"))).alias("opened_at"),
        local_text(to_london(pl.col("at"))).alias("sys_updated_at"),
        "location", "category", "short_description", "priority", "assignment_group",
        pl.when(pl.col("_resolved_at").is_not_null()).then(local_text(to_london(pl.col("_resolved_at"))))
        .otherwise(pl.lit("?")).alias("resolved_at"),
        pl.when(pl.col("incident_state") == "Closed").then(local_text(to_london(pl.col("_closed"))))
        .otherwise(pl.lit("?")).alias("closed_at"),
    ).with_columns(pl.col("caller_id.email").replace("", "?"))


def plant_tickets(ctx: DemoContext) -> str:
    org = ctx.organisation
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    operations = Department.objects.get(organisation=org, name="Operations")
    warehouse = Team.objects.filter(department=operations, name="Warehouse").first()
    requester_rule_save(organisation=org, field="location", value="North Depot", department=operations,
                        team=warehouse)
    log = build_event_log(org, ctx.seed, end)
    path = ctx.folder / "servicenow-incident-events.csv"
    log.write_csv(path)
    with path.open("rb") as source:
        run = import_run_create(organisation=org, kind="tickets", file_name="harbourline-servicenow-events.csv",
                                source=source, user=None, via="cli")
    run = import_run_execute(run)
    if run.status != run.Status.SUCCEEDED:
        raise RuntimeError(f"the demo tickets did not import: {run.errors}")
    return (f"{run.rows_created} tickets from {run.rows_read} ServiceNow events; "
            "Operations waits ~4× longer for a first response at P2; Business Applications meets its SLAs "
            "but its tickets are reopened and reassigned often")


register_planter(20, "tickets", plant_tickets)
