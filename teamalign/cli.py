"""The `teamalign` command. Every verb is a thin layer over the same services the web UI uses.

The CLI reference in docs/cli.md is generated from this parser's help (`teamalign manage clidocs`),
and a test fails when the two differ.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

Command = Callable[[argparse.Namespace], int]


def _setup_django(*, migrate: bool = True) -> None:
    """Set Django up and, for verbs that use the database, apply any migration not applied yet
    (quietly, as `serve` does), so that every verb works on a fresh, empty data folder."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamalign.settings")
    import django

    django.setup()
    if migrate:
        _migrate_if_needed()


def _migrate_if_needed() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def _console():
    from rich.console import Console

    return Console()


def _fail(message: str) -> int:
    _console().print(f"[bold red]error:[/] {message}", highlight=False)
    return 2


# --- serving ---------------------------------------------------------------------------------------

def _prepare_server() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _run_processes(commands: list[list[str]]) -> int:
    """Run the server (and the worker) until one exits or we are interrupted; stop them all."""
    processes = [subprocess.Popen(c) for c in commands]

    def stop(*_args) -> None:
        for p in processes:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, lambda *a: stop())
    try:
        while True:
            for p in processes:
                try:
                    code = p.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    continue
                stop()
                for other in processes:
                    other.wait()
                return code
    except KeyboardInterrupt:
        stop()
        for p in processes:
            p.wait()
        return 0


def _server_commands(host: str, port: int, workers: int, with_worker: bool) -> list[list[str]]:
    gunicorn = [sys.executable, "-m", "gunicorn", "teamalign.wsgi:application", "--bind", f"{host}:{port}",
                "--workers", str(workers), "--threads", "4", "--worker-class", "gthread",
                "--access-logfile", "-", "--timeout", "120"]
    commands = [gunicorn]
    if with_worker:
        commands.append([sys.executable, "-m", "teamalign.cli", "worker"])
    return commands


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django(migrate=False)  # _prepare_server migrates
    _prepare_server()
    _console().print(f"teamalign serving on [bold]http://{args.host}:{args.port}/[/]", highlight=False)
    return _run_processes(_server_commands(args.host, args.port, args.workers, args.with_worker))


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from teamalign.ops.worker import worker_run

    return worker_run(batch=args.batch, interval=args.interval)


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from teamalign.demo.builder import DEMO_LOGINS, DEMO_PASSWORD, build_demo, demo_exists

    console = _console()
    if args.reset or not demo_exists():
        console.print(f"Building the demo organisation in {settings.DATA_DIR} …")
        build_demo(reset=args.reset, echo=lambda line: console.print(line, highlight=False))
    else:
        console.print(f"Using the demo organisation in {settings.DATA_DIR} (--reset rebuilds it).")
    from rich.table import Table

    table = Table(title=f"Demo logins (password: {DEMO_PASSWORD})")
    table.add_column("email")
    table.add_column("role")
    for login in DEMO_LOGINS:
        table.add_row(login.email, login.note)
    console.print(table)
    if args.no_serve:
        return 0
    call_command("collectstatic", interactive=False, verbosity=0)
    console.print(f"Open [bold]http://{args.host}:{args.port}/[/] — Ctrl-C stops.", highlight=False)
    return _run_processes(_server_commands(args.host, args.port, args.workers, with_worker=True))


# --- organisations and users -----------------------------------------------------------------------

def cmd_org_create(args: argparse.Namespace) -> int:
    _setup_django()
    from teamalign.errors import TeamalignError
    from teamalign.orgs.services import organisation_create

    try:
        org = organisation_create(name=args.name, timezone=args.timezone, currency=args.currency, slug=args.slug)
    except TeamalignError as exc:
        return _fail(str(exc))
    _console().print(f"Created organisation {org.name} (slug: {org.slug}, time zone {org.timezone}).",
                     highlight=False)
    return 0


def cmd_org_list(args: argparse.Namespace) -> int:
    _setup_django()
    from rich.table import Table

    from teamalign.orgs.models import Organisation

    table = Table()
    for column in ("slug", "name", "time zone", "currency", "people", "users"):
        table.add_column(column)
    for org in Organisation.objects.all():
        table.add_row(org.slug, org.name, org.timezone, org.currency, str(org.people.count()),
                      str(org.memberships.count()))
    _console().print(table)
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    _setup_django()
    from teamalign.errors import TeamalignError
    from teamalign.orgs.models import Organisation, User
    from teamalign.orgs.services import user_add

    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    org = Organisation.objects.filter(slug=args.org).first()
    if org is None:
        return _fail(f"no organisation with the slug '{args.org}'")
    try:
        validate_email(args.email.strip())
    except DjangoValidationError:
        return _fail(f"'{args.email}' is not an email address")
    email = args.email.strip().lower()
    exists = User.objects.filter(email=email).exists()
    # TEAMALIGN_PASSWORD is a default for new logins (scripts create several with it); a password
    # given on the command line for an existing login is an explicit request, refused below.
    password = args.password or (None if exists else os.environ.get("TEAMALIGN_PASSWORD"))
    if not password and not exists:
        if not sys.stdin.isatty():
            return _fail("a new user needs a password: give --password or TEAMALIGN_PASSWORD")
        import getpass

        password = getpass.getpass(f"Password for {email}: ")
    try:
        added = user_add(email=email, password=password, organisation=org, role=args.role, name=args.name)
    except TeamalignError as exc:
        return _fail(str(exc))
    who, kept = added.user.email, "has a login already (its password is unchanged)"
    if added.login_created:
        said = f"Created the login {who}; it is {added.role} of {org.name}."
    elif added.previous_role is None:
        said = f"{who} {kept}; added the role {added.role} in {org.name}."
    elif added.previous_role != added.role:
        said = f"{who} {kept}; changed its role in {org.name} from {added.previous_role} to {added.role}."
    else:
        said = f"{who} is {added.role} of {org.name} already; nothing changed (its password is unchanged)."
    _console().print(said, highlight=False)
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django.urls import reverse

    from teamalign.errors import TeamalignError
    from teamalign.orgs.models import User
    from teamalign.orgs.services import password_reset_token, user_password_set

    user = User.objects.filter(email=args.email.strip().lower()).first()
    if user is None:
        return _fail(f"no login with the email {args.email.strip().lower()}")
    if args.password:
        try:
            user_password_set(user=user, password=args.password)
        except TeamalignError as exc:
            return _fail(str(exc))
        _console().print(f"Set a new password for {user.email}; its browsers signed in before are signed out.",
                         highlight=False)
        return 0
    uidb64, token = password_reset_token(user=user)
    link = settings.SITE_URL + reverse("password_reset_confirm", args=[uidb64, token])
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    _console().print(f"Pass this link on to {user.email}: with it they choose a new password. It works once, "
                     f"for {hours} hours; their current password keeps working until then.", highlight=False)
    print(link)
    return 0


# --- imports ---------------------------------------------------------------------------------------

def cmd_import(args: argparse.Namespace) -> int:
    _setup_django()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from teamalign.errors import TeamalignError
    from teamalign.orgs.import_runs import import_kinds, import_options_check, import_run_create, import_run_execute
    from teamalign.orgs.models import ImportRun, Organisation, User

    org = Organisation.objects.filter(slug=args.org).first()
    if org is None:
        return _fail(f"no organisation with the slug '{args.org}'")
    if args.kind not in import_kinds():
        return _fail(f"cannot import '{args.kind}' yet; known kinds: {', '.join(import_kinds())}")
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"no file at {path}")
    user = None
    if args.user:
        user = User.objects.filter(email=args.user.strip().lower()).first()
        if user is None:
            return _fail(f"no user with the email '{args.user}' (create one with `teamalign user create`)")
    # The file is parsed in a sandboxed child: start its fork server while the file is copied.
    from teamalign.orgs.parsing import warm_up

    warm_up()
    if args.mapping and not Path(args.mapping).is_file():
        return _fail(f"no mapping file at {args.mapping}")
    console = _console()
    from teamalign.ops.leases import lease_held
    from teamalign.ops.reaper import interrupted_mark

    try:
        options = import_options_check(kind=args.kind, format=args.format or "", timezone=args.timezone or "",
                                       as_of=args.as_of or "", organisation_timezone=org.timezone)
        if args.mapping:
            options["mapping"] = args.mapping
        with lease_held(kind="cli"):
            # Runs whose process died (a killed import, a crashed worker) are marked first.
            for stale in interrupted_mark().runs:
                console.print(f"[yellow]note:[/] import run #{stale.pk} ({stale.file_name}) was left unfinished by "
                              "a process that stopped; it is now marked interrupted.", highlight=False)
            with path.open("rb") as source:
                run = import_run_create(organisation=org, kind=args.kind, file_name=path.name, source=source,
                                        user=user, via="cli", format=args.format or "", options=options,
                                        size_limit=1 << 62)
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=True) as bar:
                task = bar.add_task(f"{args.kind} ← {path.name}", total=None)
                run = import_run_execute(run, progress=lambda done, total: bar.update(task, completed=done,
                                                                                      total=total))
    except TeamalignError as exc:
        return _fail(str(exc))
    except OSError as exc:  # the file vanished or cannot be read (permissions, a device, …)
        return _fail(f"cannot read {path}: {exc.strerror or exc}")
    summary = {"import_run": run.pk, "status": run.status, "format": run.format, "rows_read": run.rows_read,
               "created": run.rows_created, "updated": run.rows_updated, "unchanged": run.rows_unchanged,
               "rejected": run.rows_rejected, "seconds": run.details.get("seconds"), "warnings": run.warnings,
               "errors": [e["text"] for e in run.errors]}
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    elif run.status == ImportRun.Status.SUCCEEDED:
        console.print(f"Imported {path.name}: {run.rows_read} rows read, {run.rows_created} created, "
                      f"{run.rows_updated} updated, {run.rows_unchanged} unchanged, {run.rows_rejected} rejected "
                      f"in {run.details.get('seconds')} s (import run #{run.pk}).", highlight=False)
        for warning in run.warnings:
            console.print(f"[yellow]warning:[/] {warning}", highlight=False)
        for key, value in run.details.items():
            if value and key not in {"seconds"} and isinstance(value, list):
                console.print(f"{key.replace('_', ' ')}: {', '.join(map(str, value[:20]))}"
                              f"{' …' if len(value) > 20 else ''}", highlight=False)
    else:
        for error in run.errors:
            console.print(f"[bold red]error:[/] {error['text']}", highlight=False)
        console.print("Nothing was imported.")
    return 0 if run.status == ImportRun.Status.SUCCEEDED else 1


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django(migrate=False)  # `manage migrate`, `showmigrations`… are the user's to run
    from django.core.management import execute_from_command_line

    execute_from_command_line(["teamalign manage", *args.rest])
    return 0


# --- the parser ------------------------------------------------------------------------------------

def positive_int(text: str) -> int:
    """An argparse type: a whole number ≥ 1 (a bad value is a usage error, not a traceback)."""
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def port_number(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (1–65535)")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds (0 or more)")
    return value


# Modules that add verbs of their area; each has `add_commands(subparsers)`.
CLI_EXTENSION_MODULES: tuple[str, ...] = ("teamalign.tickets.cli", "teamalign.insights.cli", "teamalign.ops.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teamalign", description=(
        "teamalign: measure and manage the partnership between IT and Operations. "
        "Settings come from environment variables (docs/configuration.md); data lives in TEAMALIGN_DATA_DIR. "
        "Every verb that uses the database applies pending migrations first, so a fresh data folder needs "
        "no setup (`manage` leaves them to you)."))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="build the demo organisation on SQLite and serve it")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port_number, default=8000)
    p.add_argument("--workers", type=positive_int, default=2, help="web server processes")
    p.add_argument("--reset", action="store_true", help="delete and rebuild the demo organisation")
    p.add_argument("--no-serve", action="store_true", help="build the demo organisation and stop")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="production web server (applies migrations first)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port_number, default=8000)
    p.add_argument("--workers", type=positive_int, default=2, help="web server processes")
    p.add_argument("--with-worker", action="store_true", help="also run the background worker")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run background jobs (imports, upload retention) until stopped; "
                                      "marks the runs of stopped processes interrupted")
    p.add_argument("--batch", action="store_true", help="run the jobs waiting now, then exit")
    p.add_argument("--interval", type=seconds, default=1.0, help="seconds between polls when idle")
    p.set_defaults(func=cmd_worker)

    org = sub.add_parser("org", help="organisations").add_subparsers(dest="org_command", metavar="ACTION",
                                                                      required=True)
    p = org.add_parser("create", help="create an organisation (with its IT department)")
    p.add_argument("name")
    p.add_argument("--timezone", required=True, help="IANA time zone, e.g. Europe/London")
    p.add_argument("--currency", default="USD", help="ISO 4217 code (default USD)")
    p.add_argument("--slug", help="URL name (default: from the name)")
    p.set_defaults(func=cmd_org_create)
    p = org.add_parser("list", help="list organisations")
    p.set_defaults(func=cmd_org_list)

    user = sub.add_parser("user", help="users").add_subparsers(dest="user_command", metavar="ACTION", required=True)
    p = user.add_parser("create", help="create a login with a role in an organisation (or give an existing "
                                       "login a role there; its password is never changed)")
    p.add_argument("email")
    p.add_argument("--org", required=True, help="organisation slug")
    p.add_argument("--role", required=True, choices=["admin", "it", "ops", "viewer"])
    p.add_argument("--name", default="")
    p.add_argument("--password", help="for a new login (default: TEAMALIGN_PASSWORD, else asked for); "
                                      "refused for an existing login: see reset-password")
    p.set_defaults(func=cmd_user_create)
    p = user.add_parser("reset-password", help="print a one-time link to choose a new password "
                                               "(or set one with --password)")
    p.add_argument("email")
    p.add_argument("--password", help="set this password now instead of printing a link")
    p.set_defaults(func=cmd_user_reset_password)

    p = sub.add_parser("import", help="import a file (people, tickets, …) atomically and idempotently")
    p.add_argument("kind", help="what the file holds: people, tickets, …")
    p.add_argument("file")
    p.add_argument("--org", required=True, help="organisation slug")
    p.add_argument("--format", help="source format (default: detected from the header)")
    p.add_argument("--mapping", help="mapping file for a generic CSV")
    p.add_argument("--timezone", help="time zone of naive timestamps (default: the organisation's)")
    p.add_argument("--as-of", help="tickets: when the export was taken (2026-03-01 or 2026-03-01T12:00, in the "
                                   "organisation's time zone unless it has an offset); open tickets' ages are "
                                   "measured then (default: the export's last-update column, else now)")
    p.add_argument("--user", help="email of the user to record as importer")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_import)

    for module in CLI_EXTENSION_MODULES:
        importlib.import_module(module).add_commands(sub)

    p = sub.add_parser("manage", help="Django's management commands (migrate, createsuperuser, …)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from django.db import Error as DatabaseError

    try:
        return args.func(args)
    except DatabaseError as exc:
        # A database that cannot be reached or used is a setting to fix, not a crash to read.
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        return _fail(f"the database cannot be used ({first}); check DATABASE_URL and TEAMALIGN_DATA_DIR "
                     "(docs/configuration.md)")


if __name__ == "__main__":
    sys.exit(main())
