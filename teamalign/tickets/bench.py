"""`teamalign bench tickets`: the ticket import end to end on SQLite and PostgreSQL, the business-
hours engine alone, and the Responsiveness page under concurrent clients.

What it does, so the figures can be read (and reproduced):

1. Generates a ServiceNow incident list export (CSV, field-name headers, display values,
   ``yyyy-MM-dd HH:mm:ss`` London time) of ``--rows`` tickets over a year, with realistic
   distributions (business-hours arrivals, priority mix, log-normal resolution times, a
   backlog of recent open tickets, auto-close three days after resolution), and a people
   directory of 3,000 requesters in five departments.
2. For each backend, in a fresh data folder (SQLite) or a scratch database it creates and drops
   (PostgreSQL): migrates, creates an organisation, imports the directory, then imports the
   tickets in a child process exactly as ``teamalign import tickets`` does. It prints the import's
   own time (parse, normalise, resolve requesters, business hours, persist — the ImportRun's
   duration), tickets per second, and the child's peak resident memory (``ru_maxrss``) beside the
   peak of the process that reads the file (the import parses in a sandboxed child of its own,
   which reports its ``ru_maxrss`` in the run's details). It then
   imports the same file again (nothing changes: the idempotent path).
3. The engine alone: ``teamalign.calc.bench_business_hours.bench_engine``.
4. The page: starts gunicorn (2 workers × 4 threads, as ``teamalign serve``) on 127.0.0.1 over
   the imported data, signs in, fetches the page once (the cold computation, reported
   separately), then ``--clients`` threads issue ``--requests`` requests in all, cycling through
   the unfiltered page and a few filters; p50/p95/max latency and requests per second.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

ORG = "bench"
PASSWORD = "bench-password-123"
ADMIN = "admin@bench.example"
DEPARTMENTS = {"Operations": 0.55, "Finance": 0.12, "Sales": 0.15, "HR": 0.05, "IT": 0.13}
TEAMS = {"Operations": ["Warehouse", "Transport", "Customer Service"], "Finance": ["Accounts", "FP&A"],
         "Sales": ["Field Sales", "Account Management"], "HR": ["People Operations"],
         "IT": ["Service Desk", "Infrastructure"]}
CATEGORIES = ["Hardware", "Software", "Network", "Access", "E-mail", "Printing", "ERP", "WMS", "Telephony",
              "Security"]
GROUPS = ["Service Desk", "Infrastructure", "Business Applications", "Security", "Network Operations"]
PRIORITIES = ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"]
TITLES = ["Laptop will not start", "Cannot log in to the WMS", "Printer jams", "VPN drops", "Password reset",
          "New starter equipment", "Invoice posting fails", "Scanner offline", "Mailbox full", "Slow network"]


# --------------------------------------------------------------------------- data

def write_people(path: Path, n: int = 3000, seed: int = 1) -> list[tuple[str, str, str]]:
    rng = np.random.default_rng(seed)
    departments = rng.choice(list(DEPARTMENTS), size=n, p=list(DEPARTMENTS.values()))
    people = []
    for i, department in enumerate(departments):
        team = TEAMS[department][i % len(TEAMS[department])]
        people.append((f"Person {i:05d}", f"person{i:05d}@bench.example", department, team))
    pl.DataFrame(people, schema=["name", "email", "department", "team"], orient="row").write_csv(path)
    return people


def write_servicenow_list(path: Path, rows: int, people: list, *, seed: int = 2,
                          end: datetime | None = None) -> None:
    """A ServiceNow incident list export of ``rows`` tickets over the year before ``end``."""
    rng = np.random.default_rng(seed)
    end = end or datetime(2026, 6, 1, tzinfo=UTC)
    start_us = int((end - timedelta(days=365) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1_000_000
    day = rng.integers(0, 365, rows)
    weekday = (start_us // 86_400_000_000 + day + 3) % 7
    day = np.where((weekday >= 5) & (rng.random(rows) < 0.8), (day + 2) % 365, day)  # mostly weekdays
    hour = np.clip(rng.normal(12.5, 2.8, rows), 0, 23.99)
    opened = np.sort(start_us + day * 86_400_000_000 + (hour * 3_600_000_000).astype(np.int64))
    priority = rng.choice(5, size=rows, p=[0.01, 0.09, 0.55, 0.30, 0.05])
    median_h = np.array([4, 8, 20, 40, 80])[priority]
    resolved = opened + (median_h * np.exp(0.9 * rng.standard_normal(rows)) * 3_600_000_000).astype(np.int64)
    end_us = int((end - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1_000_000
    is_resolved = resolved < end_us
    closed = resolved + 3 * 86_400_000_000
    is_closed = is_resolved & (closed < end_us)
    state = np.where(is_closed, "Closed", np.where(is_resolved, "Resolved",
                     np.where(rng.random(rows) < 0.3, "On Hold", np.where(rng.random(rows) < 0.2, "New",
                                                                          "In Progress"))))
    person = rng.integers(0, len(people), rows)
    names = np.array([p[0] for p in people])[person]
    emails = np.array([p[1] for p in people])[person]
    updated = np.where(is_closed, closed, np.where(is_resolved, resolved, np.minimum(opened + 3_600_000_000, end_us)))

    def text(us: np.ndarray, keep: np.ndarray | None = None) -> pl.Series:
        series = pl.Series(us).cast(pl.Datetime("us", "UTC")).dt.convert_time_zone("Europe/London") \
            .dt.strftime("%Y-%m-%d %H:%M:%S")
        return series if keep is None else series.zip_with(pl.Series(keep), pl.Series([""] * rows))

    frame = pl.DataFrame({
        "number": "INC" + pl.Series(np.arange(rows) + 1).cast(pl.Utf8).str.zfill(8),
        "short_description": np.array(TITLES)[rng.integers(0, len(TITLES), rows)],
        "caller_id": names, "caller_id.email": emails,
        "opened_at": text(opened),
        "priority": np.array(PRIORITIES)[priority],
        "state": state,
        "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), rows)],
        "assignment_group": np.array(GROUPS)[rng.choice(len(GROUPS), rows, p=[0.45, 0.2, 0.2, 0.05, 0.1])],
        "assigned_to": "Agent " + pl.Series(rng.integers(1, 80, rows)).cast(pl.Utf8),
        "sys_updated_on": text(updated),
        "resolved_at": text(resolved, is_resolved),
        "closed_at": text(closed, is_closed),
        "reassignment_count": rng.poisson(0.8, rows),
        "reopen_count": (rng.random(rows) < 0.05).astype(np.int64),
        "location": np.array(["Head Office", "Southampton Hub", "North Depot"])[rng.integers(0, 3, rows)],
    })
    frame.write_csv(path)


# --------------------------------------------------------------------------- children

def _env(data_dir: Path, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env["TEAMALIGN_DATA_DIR"] = str(data_dir)
    env["SECRET_KEY"] = "bench-" + "x" * 40
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _child(code: str, env: dict) -> dict:
    """Run Python ``code`` in a fresh process; it prints one JSON line last."""
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


_SETUP = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamalign.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from teamalign.orgs.services import organisation_create, user_create, people_import
from teamalign.orgs.models import Department
org = organisation_create(name="Bench Logistics", slug={org!r}, timezone="Europe/London")
people_import(organisation=org, path={people!r})
Department.objects.filter(organisation=org, name="Operations").update(kind="operations")
user_create(email={admin!r}, password={password!r}, organisation=org, role="admin")
print(json.dumps({{"ok": True}}))
"""

_IMPORT = """
import json, os, resource, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamalign.settings")
django.setup()
from pathlib import Path
from teamalign.orgs.import_runs import import_run_create, import_run_execute
from teamalign.orgs.models import Organisation
from teamalign.orgs.parsing import warm_up
org = Organisation.objects.get(slug={org!r})
warm_up()  # as `teamalign import` does: the parsing sandbox starts while the file is copied
began = time.perf_counter()
with open({path!r}, "rb") as source:
    run = import_run_create(organisation=org, kind="tickets", file_name=Path({path!r}).name, source=source,
                            user=None, via="cli", size_limit=1 << 62)
run = import_run_execute(run)
wall = time.perf_counter() - began
Path(run.stored_path).unlink(missing_ok=True)
print(json.dumps({{"status": run.status, "errors": run.errors, "rows": run.rows_read, "created": run.rows_created,
                  "updated": run.rows_updated, "unchanged": run.rows_unchanged, "seconds": run.details.get("seconds"),
                  "wall_seconds": round(wall, 2), "stage_seconds": run.details.get("stage_seconds"),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "parse_peak_rss_mb": run.details.get("parse_peak_rss_mb")}}))
"""


def bench_backend(name: str, data_dir: Path, database_url: str | None, people: Path, tickets: Path,
                  rows: int, page: dict | None, say) -> dict:
    env = _env(data_dir, database_url)
    _child(_SETUP.format(org=ORG, people=str(people), admin=ADMIN, password=PASSWORD), env)
    say(f"  {name}: importing {rows:,} tickets …")
    first = _child(_IMPORT.format(org=ORG, path=str(tickets)), env)
    if first["status"] != "succeeded":
        raise RuntimeError(f"{name} import failed: {first['errors']}")
    first["tickets_per_second"] = round(rows / first["seconds"])
    say(f"  {name}: {first['tickets_per_second']:,} tickets/s ({first['seconds']} s for {rows:,}; "
        f"{first['wall_seconds']} s with the file copy and start-up), peak RSS {first['peak_rss_mb']} MB "
        f"(the file is read in a child process: {first['parse_peak_rss_mb']} MB)")
    say(f"  {name}: stages (s): " + ", ".join(f"{k} {v}" for k, v in (first.get("stage_seconds") or {}).items()))
    again = _child(_IMPORT.format(org=ORG, path=str(tickets)), env)
    again["tickets_per_second"] = round(rows / again["seconds"])
    say(f"  {name}: the same file again: {again['created']} created, {again['updated']} updated, "
        f"{again['seconds']} s ({again['tickets_per_second']:,} tickets/s), peak RSS {again['peak_rss_mb']} MB")
    result = {"import": first, "reimport": again}
    if page is not None:
        say(f"  {name}: Responsiveness page, {page['clients']} clients …")
        result["page"] = bench_page(env, page["clients"], page["requests"])
        p = result["page"]
        say(f"  {name}: page cold {p['cold_ms']} ms; under {p['clients']} clients p50 {p['p50_ms']} ms, "
            f"p95 {p['p95_ms']} ms, max {p['max_ms']} ms, {p['requests_per_second']} requests/s")
    return result


# --------------------------------------------------------------------------- the page under load

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _sign_in(base: str) -> urllib.request.OpenerDirector:
    opener = _opener()
    page = opener.open(f"{base}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": ADMIN, "password": PASSWORD, "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"}),
                timeout=30).read()
    return opener


def bench_page(env: dict, clients: int, requests: int) -> dict:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "teamalign.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--timeout", "300"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        opener = _sign_in(base)
        path = f"{base}/o/{ORG}/responsiveness/"
        variants = [path, f"{path}?priority=2", f"{path}?priority=3", f"{path}?since=2026-01-01"]
        began = time.perf_counter()
        body = opener.open(path, timeout=300).read()
        cold_ms = round((time.perf_counter() - began) * 1000)
        if b"ops-response-attainment" not in body:
            raise RuntimeError("the page did not show the figures")
        for variant in variants[1:]:  # each filter computed once, as the first visitor after an import would
            opener.open(variant, timeout=300).read()
        # Each worker process keeps its own rendering cache: visit enough to reach both.
        for _ in range(8):
            for variant in variants:
                opener.open(variant, timeout=300).read()
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        counter = iter(range(requests))

        def client(opener: urllib.request.OpenerDirector) -> None:
            while True:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                start = time.perf_counter()
                try:
                    response = opener.open(variants[index % len(variants)], timeout=60)
                    response.read()
                    if response.status != 200:
                        errors.append(str(response.status))
                except Exception as exc:  # counted, the run goes on
                    errors.append(repr(exc))
                with lock:
                    latencies.append(time.perf_counter() - start)

        threads = [threading.Thread(target=client, args=(opener,)) for _ in range(clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        ms = np.array(latencies) * 1000
        return {"clients": clients, "requests": len(latencies), "errors": len(errors), "cold_ms": cold_ms,
                "p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
                "max_ms": round(float(ms.max()), 1), "requests_per_second": round(len(latencies) / elapsed, 1)}
    finally:
        server.terminate()
        server.wait(timeout=30)


# --------------------------------------------------------------------------- PostgreSQL scratch database

def _postgres_database(url: str) -> tuple[str, callable]:
    import psycopg

    name = f"teamalign_bench_{os.getpid()}"
    admin = psycopg.connect(url, autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(url)
    scratch = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def drop() -> None:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()

    return scratch, drop


# --------------------------------------------------------------------------- the command

def run_bench(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console()

    def say(line: str) -> None:
        if not args.json:
            console.print(line, highlight=False)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="teamalign-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    figures: dict = {"rows": args.rows, "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    try:
        say(f"Generating a ServiceNow list export of {args.rows:,} tickets in {folder} …")
        people_path, tickets_path = folder / "people.csv", folder / "servicenow-incidents.csv"
        people = write_people(people_path)
        began = time.perf_counter()
        write_servicenow_list(tickets_path, args.rows, people)
        figures["file_mb"] = round(tickets_path.stat().st_size / 2**20)
        say(f"  {figures['file_mb']} MB in {time.perf_counter() - began:.1f} s")
        page = {"clients": args.clients, "requests": args.requests} if "page" not in args.skip else None

        if "engine" not in args.skip:
            try:
                from teamalign.calc.bench_business_hours import bench_engine
            except ImportError:
                bench_engine = None
            if bench_engine is not None:
                say("Business-hours engine alone …")
                figures["engine"] = bench_engine()
                say(f"  {figures['engine']['intervals_per_second']:,} intervals/s "
                    f"({figures['engine'].get('paused_intervals_per_second', 0):,} with pauses)")

        if "sqlite" not in args.skip:
            say("SQLite …")
            figures["sqlite"] = bench_backend("SQLite", folder / "sqlite-data", None, people_path, tickets_path,
                                              args.rows, page, say)
        if "postgres" not in args.skip and args.postgres_url.lower() != "none":
            say("PostgreSQL …")
            scratch, drop = _postgres_database(args.postgres_url)
            try:
                figures["postgresql"] = bench_backend("PostgreSQL", folder / "postgres-data", scratch, people_path,
                                                      tickets_path, args.rows, page, say)
            finally:
                drop()
        figures["peak_rss_children_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print_summary(console, figures)
    return 0


def _print_summary(console, figures: dict) -> None:
    from rich.table import Table

    table = Table(title=f"teamalign bench tickets — {figures['rows']:,} tickets, {figures['machine']['cpus']} CPUs")
    for column in ("measure", "figure", "target"):
        table.add_column(column)
    for key, label, target in (("sqlite", "SQLite", 100_000), ("postgresql", "PostgreSQL", 75_000)):
        if key in figures:
            run = figures[key]["import"]
            table.add_row(f"import, {label}", f"{run['tickets_per_second']:,} tickets/s ({run['seconds']} s)",
                          f"≥ {target:,}")
            table.add_row(f"peak memory, {label}",
                          f"{run['peak_rss_mb']} MB (reading the file, in its own process: "
                          f"{run['parse_peak_rss_mb']} MB)", "≤ 1,536 MB")
            table.add_row(f"re-import (no change), {label}", f"{figures[key]['reimport']['seconds']} s", "")
            if "page" in figures[key]:
                p = figures[key]["page"]
                table.add_row(f"page, {label}, {p['clients']} clients",
                              f"p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms ({p['requests']} requests, "
                              f"{p['errors']} errors)", "p95 ≤ 300 ms")
    if "engine" in figures:
        table.add_row("business-hours engine", f"{figures['engine']['intervals_per_second']:,} intervals/s",
                      "≥ 2,000,000")
    console.print(table)
