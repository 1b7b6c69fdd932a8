"""The operations verbs: `teamalign backup`, `teamalign restore` and `teamalign uploads clean`."""

from __future__ import annotations

import argparse
import json


def add_commands(sub) -> None:
    p = sub.add_parser("backup", help="write a consistent backup of everything (or of one organisation) to FILE")
    p.add_argument("file", help="the backup file to write, e.g. teamalign-2026-03-01.tar.gz (replaced if it exists)")
    p.add_argument("--org", metavar="SLUG", help="only this organisation, to import into another installation")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup file (everything, or one organisation into this installation)")
    p.add_argument("file")
    p.add_argument("--force", action="store_true",
                   help="replace everything in a database that is not empty (a backup of everything only)")
    p.add_argument("--slug", help="import an organisation's backup under this slug instead of its own")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_restore)

    uploads = sub.add_parser("uploads", help="uploaded files").add_subparsers(
        dest="uploads_command", metavar="ACTION", required=True)
    p = uploads.add_parser("clean", help="delete uploaded files past their retention (UPLOAD_RETENTION_DAYS, "
                                         "UPLOAD_RETENTION_FAILED_DAYS) and orphaned files")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_uploads_clean)


def _size(size: int) -> str:
    from teamalign.orgs.import_runs import describe_size

    return describe_size(size)


def cmd_backup(args: argparse.Namespace) -> int:
    from teamalign.cli import _console, _fail, _setup_django

    _setup_django()
    from teamalign.ops.backup import BackupError, backup_create

    try:
        report = backup_create(path=args.file, organisation_slug=args.org)
    except BackupError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps({"file": str(report.path), "scope": report.scope, "tables": report.tables,
                          "rows": report.rows, "uploads": report.uploads, "bytes": report.bytes,
                          "seconds": report.seconds}, indent=2))
        return 0
    what = f"organisation {args.org}" if args.org else "everything"
    _console().print(f"Backed up {what}: {report.tables} tables, {report.rows:,} rows and {report.uploads} "
                     f"uploaded file(s) to {report.path} ({_size(report.bytes)}) in {report.seconds} s.",
                     highlight=False)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from teamalign.cli import _console, _fail, _setup_django

    _setup_django()
    from teamalign.ops.backup import BackupError, backup_restore

    console = _console()
    try:
        report = backup_restore(path=args.file, force=args.force, slug=args.slug,
                                echo=lambda line: console.print(line, highlight=False))
    except BackupError as exc:
        return _fail(f"{exc}. Nothing was changed.")
    if args.json:
        print(json.dumps({"scope": report.scope, "tables": report.tables, "rows": report.rows,
                          "uploads": report.uploads, "organisation": report.organisation,
                          "users_created": report.users_created, "users_existing": report.users_existing,
                          "migrated_from": report.migrated_from, "seconds": report.seconds}, indent=2))
        return 0
    if report.scope == "organisation":
        console.print(f"Imported organisation {report.organisation}: {report.tables} tables, {report.rows:,} rows "
                      f"({report.users_created} new login(s); {report.users_existing} existing login(s) kept as they "
                      f"are), {report.uploads} uploaded file(s), with new ids, in {report.seconds} s. Every table's "
                      "row count matches the backup.", highlight=False)
    else:
        console.print(f"Restored {report.tables} tables, {report.rows:,} rows and {report.uploads} uploaded file(s) "
                      f"in {report.seconds} s. Every table's row count matches the backup.", highlight=False)
    return 0


def cmd_uploads_clean(args: argparse.Namespace) -> int:
    from teamalign.cli import _console, _setup_django

    _setup_django()
    from django.conf import settings

    from teamalign.ops.retention import uploads_clean

    report = uploads_clean(dry_run=args.dry_run)
    if args.json:
        print(json.dumps({**report.as_dict(), "paths": [str(p) for p in report.files + report.orphans]}, indent=2))
        return 0
    console = _console()
    verb = "Would delete" if args.dry_run else "Deleted"
    for path in report.files + report.orphans:
        console.print(f"{'would delete' if args.dry_run else 'deleted'} {path}", highlight=False)
    rules = (f"kept {settings.UPLOAD_RETENTION_DAYS or 'for ever'}"
             f"{' days' if settings.UPLOAD_RETENTION_DAYS else ''} after a successful import, "
             f"{settings.UPLOAD_RETENTION_FAILED_DAYS or 'for ever'}"
             f"{' days' if settings.UPLOAD_RETENTION_FAILED_DAYS else ''} after a failed or interrupted one")
    console.print(f"{verb} {len(report.files)} kept file(s) past their retention and {len(report.orphans)} orphaned "
                  f"file(s), {_size(report.bytes)} ({rules}).", highlight=False)
    return 0
