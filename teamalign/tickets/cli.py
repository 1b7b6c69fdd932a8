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
    p.add_argument("--rows", type=int, default=1_000_000, help="tickets in the generated export (default 1,000,000)")
    p.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                   help="a PostgreSQL server where a scratch database is created and dropped "
                        "(default the local one); 'none' skips PostgreSQL")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients for the page test (default 20)")
    p.add_argument("--requests", type=int, default=400, help="page requests in all (default 400)")
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
    from rich.table import Table

    from teamalign.tickets.templatetags.responsiveness import duration, percent, ratio

    console.print(f"[bold]{org.name}[/]: {figures['tickets']} tickets"
                  + (f", open ones as of {figures['as_of'][:16]} UTC" if figures["as_of"] else ""), highlight=False)
    if not figures["tickets"]:
        return
    summary = Table(title="Operations and the other departments")
    for column in ("", "tickets", "resp. met", "resp. median", "resp. p90", "resol. met",
                   "resol. median", "resol. p90", "open"):
        summary.add_column(column, justify="left" if not column else "right")
    for label, row in (("Operations", figures["operations"]), ("Others", figures["others"]),
                       ("All", figures["all"])):
        summary.add_row(label, str(row["tickets"]), percent(row["response_attainment"]),
                        duration(row["response_median"]), duration(row["response_p90"]),
                        percent(row["resolution_attainment"]), duration(row["resolution_median"]),
                        duration(row["resolution_p90"]), str(row["open"]))
    console.print(summary)
    same = Table(title="Operations vs the other departments, same priority (median business time)")
    for column in ("priority", "Ops resp.", "others", "ratio", "Ops resol.", "others", "ratio"):
        same.add_column(column, justify="right")
    def compared(r: dict, what: str) -> str:
        """The ratio only where the comparison can carry it, as on the page; * = significantly longer."""
        if r.get(f"{what}_comparable"):
            return ratio(r[f"{what}_ratio"]) + ("*" if r.get(f"{what}_alert") else "")
        return "too few" if r.get(f"{what}_verdict") == "too_few" else "—"

    for r in figures["operations_vs_others"]:
        same.add_row(f"P{r['priority']}", duration(r["operations_response_median"]),
                     duration(r["others_response_median"]), compared(r, "response"),
                     duration(r["operations_resolution_median"]), duration(r["others_resolution_median"]),
                     compared(r, "resolution"))
    same.caption = ("* Operations waits significantly longer (Mann–Whitney U); “too few”: fewer than "
                    f"{figures['comparison']['min_tickets']} measured tickets in a group")
    console.print(same)
    backlog = Table(title="Open backlog by calendar age")
    backlog.add_column("")
    for bucket in figures["backlog_buckets"]:
        backlog.add_column(bucket, justify="right")
    for label, row in (("Operations", figures["operations"]), ("Other departments", figures["others"])):
        backlog.add_row(label, *map(str, row["backlog"]))
    console.print(backlog)
    if figures["without_department"]:
        console.print(f"[yellow]{figures['without_department']} tickets have a requester in no department.[/]")


def cmd_bench_tickets(args: argparse.Namespace) -> int:
    from teamalign.tickets.bench import run_bench

    return run_bench(args)
