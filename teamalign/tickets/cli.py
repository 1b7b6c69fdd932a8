"""The tickets area's verbs: ``teamalign metrics responsiveness`` and ``teamalign bench tickets``.

``teamalign import tickets FILE`` needs nothing here: the generic import command runs the
"tickets" import kind that services.py registers.
"""

from __future__ import annotations

import argparse
import json
from datetime import date


def area_subparsers(sub, name: str, help: str):
    """The sub-command group ``teamalign NAME AREA`` (metrics, bench…), created by whichever area
    module comes first and shared by the others."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help)
        parser._areas = parser.add_subparsers(dest=f"{name}_area", metavar="AREA", required=True)
    return parser._areas


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def add_commands(sub) -> None:
    from teamalign.cli import positive_int

    metrics = area_subparsers(sub, "metrics", "print an area's figures (the numbers its page shows)")
    p = metrics.add_parser("responsiveness", help="ticket responsiveness: Operations first, then the comparisons")
    p.add_argument("--org", required=True, help="organisation slug")
    p.add_argument("--department", help="only tickets requested by this department (its name)")
    p.add_argument("--since", type=_date, help="only tickets opened on or after this date (YYYY-MM-DD)")
    p.add_argument("--priority", type=int, choices=range(1, 6), help="only tickets of this priority")
    p.add_argument("--json", action="store_true", help="print every figure as JSON")
    p.set_defaults(func=cmd_metrics_responsiveness)

    bench = area_subparsers(sub, "bench", "benchmarks that print their figures")
    p = bench.add_parser("tickets", help="ticket import on SQLite and PostgreSQL, the engine, and the page under load")
    p.add_argument("--rows", type=positive_int, default=1_000_000,
                   help="tickets in the generated export (default 1,000,000)")
    p.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                   help="a PostgreSQL server where a scratch database is created and dropped "
                        "(default the local one); 'none' skips PostgreSQL")
    p.add_argument("--clients", type=positive_int, default=20, help="concurrent clients for the page test (default 20)")
    p.add_argument("--requests", type=positive_int, default=400, help="page requests in all (default 400)")
    p.add_argument("--skip", action="append", default=[], choices=["sqlite", "postgres", "engine", "page"],
                   help="leave out a part (repeatable)")
    p.add_argument("--keep", help="keep the generated files and SQLite data in this folder")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_bench_tickets)


def cmd_metrics_responsiveness(args: argparse.Namespace) -> int:
    from teamalign.cli import _console, _fail, _setup_django

    _setup_django()
    from teamalign.orgs.models import Department, Organisation
    from teamalign.tickets import selectors

    org = Organisation.objects.filter(slug=args.org).first()
    if org is None:
        return _fail(f"no organisation with the slug '{args.org}'")
    department = None
    if args.department:
        department = Department.objects.filter(organisation=org, name__iexact=args.department.strip()).first()
        if department is None:
            names = ", ".join(Department.objects.filter(organisation=org).values_list("name", flat=True))
            return _fail(f"no department named '{args.department}' in {org.name}; departments: {names}")
    figures = selectors.responsiveness(org, selectors.Filters(department=department, since=args.since,
                                                              priority=args.priority))
    if args.json:
        print(json.dumps(figures, indent=2, default=str))
        return 0
    _print_figures(_console(), org, figures)
    return 0


def _print_figures(console, org, figures: dict) -> None:
    from datetime import datetime

    from rich.table import Table

    from teamalign.tickets import formatting
    from teamalign.tickets.formatting import source_name
    from teamalign.tickets.sources import local_text

    # In the narrow columns of a terminal table an empty figure is "—", explained in each caption.
    def duration(value):
        return formatting.format_duration(value, "—")

    def percent(value):
        return formatting.format_percent(value, "—")

    def ratio(value):
        return formatting.format_ratio(value, "—")

    def format_mean(value):
        return formatting.format_mean(value, "—")

    legend = "— not measured: no ticket behind the figure"

    console.print(f"[bold]{org.name}[/]: {figures['tickets']} tickets", highlight=False)
    if not figures["tickets"]:
        return
    everyone = figures["all"]
    show_response = everyone["response_median"] is not None or everyone["response_measured"] > 0
    if everyone["response_not_recorded"]:
        tools = ", ".join(source_name(s) for s in figures["response_not_recorded_sources"])
        lead = "Time to first response is not measured" if not show_response else \
            f"{everyone['response_not_recorded']} tickets are left out of the first-response figures"
        console.print(f"[yellow]{lead}: these {tools} exports record no first responses.[/]", highlight=False)
    summary = Table(title="Operations and the other departments", caption=legend)
    columns = ["", "tickets", *(["resp. met", "resp. median", "resp. p90"] if show_response else []),
               "resol. met", "resol. median", "resol. p90", "open", "reopened", "reassign."]
    for column in columns:
        summary.add_column(column, justify="left" if not column else "right")
    for label, row in (("Operations", figures["operations"]), ("Others", figures["others"]), ("All", everyone)):
        response = [percent(row["response_attainment"]), duration(row["response_median"]),
                    duration(row["response_p90"])] if show_response else []
        summary.add_row(label, str(row["tickets"]), *response,
                        percent(row["resolution_attainment"]), duration(row["resolution_median"]),
                        duration(row["resolution_p90"]), str(row["open"]), percent(row["reopen_rate"]),
                        format_mean(row["mean_reassignments"]))
    console.print(summary)
    same = Table(title="Operations vs the other departments, same priority (median business time)", caption=legend)
    for column in ("priority", *(["Ops resp.", "others", "ratio"] if show_response else []),
                   "Ops resol.", "others", "ratio"):
        same.add_column(column, justify="right")
    def compared(r: dict, what: str) -> str:
        """The ratio only where the comparison can carry it, as on the page; * = significantly longer."""
        if r.get(f"{what}_comparable"):
            return ratio(r[f"{what}_ratio"]) + ("*" if r.get(f"{what}_alert") else "")
        return "too few" if r.get(f"{what}_verdict") == "too_few" else "—"

    for r in figures["operations_vs_others"]:
        response = [duration(r["operations_response_median"]), duration(r["others_response_median"]),
                    compared(r, "response")] if show_response else []
        same.add_row(f"P{r['priority']}", *response, duration(r["operations_resolution_median"]),
                     duration(r["others_resolution_median"]), compared(r, "resolution"))
    if figures["operations_vs_others"]:
        same.caption = ("* Operations waits significantly longer (Mann–Whitney U); “too few”: fewer than "
                        f"{figures['comparison']['min_tickets']} measured tickets in a group; — not measured")
        console.print(same)
    else:
        console.print("No tickets from Operations or the other departments with a priority to compare.")
    backlog = Table(title="Open backlog by calendar age")
    backlog.add_column("")
    for bucket in figures["backlog_buckets"]:
        backlog.add_column(bucket, justify="right")
    for label, row in (("Operations", figures["operations"]), ("Other departments", figures["others"])):
        backlog.add_row(label, *map(str, row["backlog"]))
    console.print(backlog)
    why = {"export": "the export's last update", "given": "the as-of instant given with the import",
           "import": "the import: the export has no last-update column (re-import with --as-of)"}
    for row in figures["backlog_as_of"]:
        at = local_text(datetime.fromisoformat(row["latest"]), org.timezone)
        style = "yellow" if row["source"] == "import" else "default"
        console.print(f"[{style}]{row['open']} open tickets: ages as of {at}, {why[row['source']]}.[/]",
                      highlight=False)
    for v in figures["source_verdicts"]:
        tool = source_name(v["source"])
        if v["differ"]:
            console.print(f"[yellow]{tool}'s SLA verdict differs from teamalign's on {v['differ']} of {v['tickets']} "
                          "tickets (schedule and policy differences); list them with the API's "
                          f"tickets?verdict=differs&source={v['source']}.[/]", highlight=False)
        elif v["response_compared"] or v["resolution_compared"]:
            console.print(f"{tool}'s SLA verdicts agree with teamalign's on every ticket that has both.",
                          highlight=False)
    if figures["without_department"]:
        console.print(f"[yellow]{figures['without_department']} tickets have a requester in no department.[/]")


def cmd_bench_tickets(args: argparse.Namespace) -> int:
    import psycopg

    from teamalign.cli import _fail
    from teamalign.tickets.bench import run_bench

    try:
        return run_bench(args)
    except OSError as exc:  # --keep names a folder that cannot be written, the disk is full…
        return _fail(f"the benchmark cannot write its files: {exc}")
    except RuntimeError as exc:  # a child process (import, server) failed; its output is in the message
        return _fail(f"the benchmark stopped: {exc}")
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        return _fail(f"PostgreSQL at --postgres-url cannot be used ({first}); pass --postgres-url none to skip it")
