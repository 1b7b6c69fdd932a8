"""The life of an import, shared by every importer: store the file, record an ImportRun, run it.

Kinds register a handler (``register_import_kind``) from their app's ``ready()``. A handler
takes the run and a progress callback, does its writes and returns the counts.

``import_run_execute`` runs the handler inside one database transaction and records the run's
result **in that same transaction**: the data and "succeeded" are committed together or not at
all, so a process killed at any instant leaves both or neither — never rows stored under a run
that says it is still running. Any ``ImportFileError`` marks the run failed with the error's file,
row and column; any other exception marks it failed with a plain message naming the file (the
traceback goes to the log). Either way the transaction rolled back and nothing the handler wrote
survives, and the process carries on.

While it runs, a run names its process's lease (``teamalign/ops/leases.py``); a run whose process
died is found by ``teamalign/ops/reaper.py`` and marked *interrupted*, and can be re-run from its
stored file (``import_run_rerun``).

Progress goes to a small file in the data folder (``DATA_DIR/runs/<id>.json``), not to the
database: inside the import's transaction a progress write would be invisible to everyone else
(and on SQLite would wait for the very transaction it reports on).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils import timezone as dj_timezone

from teamalign.errors import ImportFileError, ValidationError
from teamalign.ops.files import private_file_open, private_folder

from .models import ImportRun, Organisation, User

logger = logging.getLogger(__name__)

#: Characters of a file's name kept for showing it (the stored copy's name is shorter still).
FILE_NAME_MAX = 120


@dataclass
class ImportResult:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)


Progress = Callable[[int, int], None]
Handler = Callable[[ImportRun, Progress], ImportResult]
_HANDLERS: dict[str, Handler] = {}
_FORMATS: dict[str, Callable[[], list[str]]] = {}


def register_import_kind(kind: str, handler: Handler, formats: Callable[[], list[str]] | None = None) -> None:
    """``formats`` lists the source formats a kind can name explicitly (else it has one format)."""
    _HANDLERS[kind] = handler
    if formats is not None:
        _FORMATS[kind] = formats


def import_kinds() -> list[str]:
    return sorted(_HANDLERS)


def import_formats() -> dict[str, list[str]]:
    """Kind → the formats it accepts besides detection from the file's header."""
    return {kind: list(formats()) for kind, formats in sorted(_FORMATS.items())}


#: Kinds whose imports measure open items at an instant, and so take ``as_of``.
AS_OF_KINDS = ("tickets",)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def as_of_parse(text: str, *, timezone: str, now: datetime | None = None) -> datetime:
    """When an export was taken, as a person writes it: ``2026-03-01``, ``2026-03-01 12:00``,
    ``2026-03-01T12:00:00+01:00`` or ``…Z``. A time without an offset is in ``timezone``; a date
    alone means the end of that day (the export was taken some time that day, and ages measured
    at its end are never younger than the export's own times), or now if that is earlier.
    Returns an aware UTC instant; anything else is a ValidationError saying what to write.
    """
    now = now or dj_timezone.now()
    text = (text or "").strip()
    example = "write a date such as 2026-03-01, or a date and time such as 2026-03-01 12:00 (optionally with " \
              "an offset such as +01:00)"
    if len(text) > 40:
        raise ValidationError(f"the as-of value is too long: {example}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"'{text}' is not a date or a date and time: {example}") from None
    date_only = bool(_DATE_ONLY.match(text))
    day = f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}"  # strftime drops a year's leading zeros
    if parsed.year < 1970:
        raise ValidationError(f"the as-of date {day} is before 1970: give the date the export was taken")
    if parsed.year > now.year + 1:  # before any arithmetic, which would overflow near year 9999
        raise ValidationError(f"the as-of date {day} is in the future: give the date the export was taken")
    zone = ZoneInfo(timezone)
    if date_only:
        parsed = datetime.combine(parsed.date() + timedelta(days=1), clock_time.min, tzinfo=zone)
    elif parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    instant = parsed.astimezone(UTC)
    if date_only and instant > now:
        instant = now.astimezone(UTC)
    # A minute's grace for clocks that differ a little between the exporting tool and this server.
    if instant > now + timedelta(minutes=1):
        raise ValidationError(f"the as-of instant {parsed:%Y-%m-%d %H:%M} is in the future: give the time the "
                              "export was taken")
    return instant.replace(microsecond=0)


def import_options_check(*, kind: str, format: str = "", timezone: str = "", as_of: str = "",
                         organisation_timezone: str = "UTC") -> dict:
    """Validate the options a person may give with an upload; return them for ImportRun.options.

    ``as_of`` (ticket imports) is when the export was taken, read by :func:`as_of_parse` in
    ``organisation_timezone`` unless it carries an offset; it is stored as ISO 8601 in UTC.
    """
    known = import_formats().get(kind, [])
    if format and format not in known:
        raise ValidationError(f"'{format}' is not a format of {kind} imports"
                              + (f"; known: {', '.join(known)}" if known else ""))
    options = {}
    if timezone:
        import zoneinfo

        if timezone not in zoneinfo.available_timezones():
            raise ValidationError(f"'{timezone}' is not a known IANA time zone (for example Europe/London)")
        options["timezone"] = timezone
    if as_of and as_of.strip():
        if kind not in AS_OF_KINDS:
            raise ValidationError(f"an as-of instant applies to {', '.join(AS_OF_KINDS)} imports, not {kind}")
        options["as_of"] = as_of_parse(as_of, timezone=organisation_timezone).isoformat()
    return options


def describe_size(size: int) -> str:
    """A size as people read it ("512 bytes", "3.0 MB"), so that small limits do not print as "0 MB"."""
    from django.template.defaultfilters import filesizeformat

    return filesizeformat(size).replace("\xa0", " ")


# --- file names --------------------------------------------------------------------------------------


def file_name_clean(name: str) -> str:
    """The name a person gave a file, made safe to keep and show: its last path part (after either
    slash), without control, format or unpaired surrogate characters, spaces collapsed, at most
    FILE_NAME_MAX characters with the extension kept ("a-long-report-…-2026.csv")."""
    name = re.split(r"[\\/]", str(name))[-1]
    name = " ".join(name.split())  # tabs and line breaks become spaces, before control characters go
    name = unicodedata.normalize("NFC", "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")).strip()
    if name in ("", ".", ".."):
        return "upload"
    if len(name) > FILE_NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        extension = f".{extension}" if dot and stem and 0 < len(extension) <= 16 else ""
        name = name[:FILE_NAME_MAX - len(extension) - 1].rstrip() + "…" + extension
    return name


def _stored_name(name: str, sha256: str) -> str:
    """The stored copy's name: the checksum, a random part (each upload its own file) and the
    name reduced to short ASCII, keeping the extension importers may look at."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("._-") or "upload"
    stem, dot, extension = plain.rpartition(".")
    if not dot or not stem:
        stem, extension = plain, ""
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())[:10]
    return f"{sha256[:16]}-{secrets.token_hex(4)}-{stem[:60]}" + (f".{extension}" if extension else "")


def upload_folder(organisation: Organisation) -> Path:
    private_folder(settings.UPLOAD_DIR)
    return private_folder(Path(settings.UPLOAD_DIR) / organisation.slug)


def _sha256_and_copy(source: IO[bytes], destination: Path, limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(private_file_open(destination), "wb") as out:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise ValidationError(
                    f"the file is larger than the upload limit of {describe_size(limit)} "
                    "(UPLOAD_MAX_BYTES); import it with the command line instead")
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def import_run_create(*, organisation: Organisation, kind: str, file_name: str, source: IO[bytes],
                      user: User | None, via: str, format: str = "", options: dict | None = None,
                      size_limit: int | None = None) -> ImportRun:
    """Keep a private copy (0600) of the uploaded or named file in the data folder and queue a
    run for it. Whatever fails on the way, no file is left behind without its run."""
    if kind not in _HANDLERS:
        raise ValidationError(f"unknown import kind '{kind}'; known: {', '.join(import_kinds())}")
    name = file_name_clean(file_name)
    folder = upload_folder(organisation)
    partial = folder / f".incoming-{time.time_ns()}-{secrets.token_hex(4)}"
    stored: Path | None = None
    limit = size_limit if size_limit is not None else settings.UPLOAD_MAX_BYTES
    try:
        sha, size = _sha256_and_copy(source, partial, limit)
        stored = folder / _stored_name(name, sha)
        os.replace(partial, stored)
        return ImportRun.objects.create(
            organisation=organisation, kind=kind, file_name=name, file_sha256=sha, file_size=size,
            stored_path=str(stored), created_by=user, via=via, format=format, options=options or {},
        )
    except BaseException:
        partial.unlink(missing_ok=True)
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise


def import_run_enqueue(run: ImportRun) -> ImportRun:
    """Queue the run's job for the worker and remember the task (the reaper follows it)."""
    from .tasks import import_run_job

    result = import_run_job.enqueue(run.pk)
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.task_id = str(result.id)
    return run


# --- progress ----------------------------------------------------------------------------------------


def _progress_path(run_id: int) -> Path:
    return Path(settings.DATA_DIR) / "runs" / f"{run_id}.json"


def progress_file_remove(run_id: int) -> None:
    _progress_path(run_id).unlink(missing_ok=True)


class _ProgressFile:
    """The running import's progress, at most twice a second, for the run's page to read."""

    EVERY = 0.5

    def __init__(self, run_id: int) -> None:
        self.path = _progress_path(run_id)
        self.last = 0.0
        self.broken = False

    def write(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.broken or now - self.last < self.EVERY:
            return
        self.last = now
        temporary = self.path.with_suffix(".tmp")
        try:
            private_folder(self.path.parent)
            with os.fdopen(private_file_open(temporary, exclusive=False), "w") as out:
                json.dump({"done": done, "total": total}, out)
            os.replace(temporary, self.path)
        except OSError as exc:
            # Progress is a courtesy: a full disk or a read-only folder must not fail the import.
            self.broken = True
            logger.warning("cannot write the progress of an import to %s (%s); the page will show none",
                           self.path, exc)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        self.path.with_suffix(".tmp").unlink(missing_ok=True)


def import_run_live(run: ImportRun) -> ImportRun:
    """The run as a page should show it: a run whose process died is marked interrupted first,
    and a running run gets its latest progress from its progress file."""
    if run.is_finished:
        return run
    from teamalign.ops.reaper import interrupted_mark

    if interrupted_mark(runs=ImportRun.objects.filter(pk=run.pk)).runs:
        run.refresh_from_db()
        return run
    if run.status == ImportRun.Status.RUNNING:
        try:
            progress = json.loads(_progress_path(run.pk).read_text())
            run.progress_done, run.progress_total = int(progress["done"]), int(progress["total"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no progress file (yet, or the run runs on another host): the stored figures stand
    return run


# --- running -----------------------------------------------------------------------------------------


# What a person is told about an unexpected failure: its kind, never a Python exception text.
_PROBLEMS: tuple[tuple[type[BaseException], str], ...] = (
    (MemoryError, "not enough memory"),
    (DatabaseError, "a database error"),
    (UnicodeError, "a text-encoding error"),
    (OSError, "a file-system error"),
)


def _unexpected(run: ImportRun, exc: BaseException) -> dict:
    kind = next((text for cls, text in _PROBLEMS if isinstance(exc, cls)), "a program error")
    text = (f"{run.file_name}: could not be imported because of an unexpected problem ({kind}); "
            f"nothing was changed. The details are in the server log (import run #{run.pk}).")
    return {"message": text, "file": run.file_name, "row": None, "column": None, "text": text,
            "kind": "unexpected"}


def _finish(run: ImportRun, status: str, errors: list[dict] | None = None) -> None:
    run.status = status
    if errors is not None:
        run.errors = errors
        run.rows_created = run.rows_updated = run.rows_unchanged = 0
    run.finished_at = timezone.now()
    run.save()


def import_run_execute(run: ImportRun, progress: Progress | None = None) -> ImportRun:
    """Run a queued import now (in the worker, or in the CLI's process); see the module doc.

    A run that is no longer queued (another process took it, or it ended) is left alone: a
    retried job never imports twice."""
    from teamalign.ops import leases

    handler = _HANDLERS[run.kind]
    lease = leases.lease_acquire()
    # Inside a caller's transaction (the demo builder, a test) nobody else can see the run running,
    # so there is nothing to keep alive; and a lease row written in that transaction would make the
    # heartbeat's own connection wait for it.
    outer_transaction = connection.in_atomic_block
    if not outer_transaction:
        leases.lease_record(lease)
    started_at = timezone.now()
    if not ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.QUEUED).update(
            status=ImportRun.Status.RUNNING, started_at=started_at, lease_holder=lease.holder):
        run.refresh_from_db()
        return run
    run.status, run.started_at, run.lease_holder = ImportRun.Status.RUNNING, started_at, lease.holder
    progress_file = _ProgressFile(run.pk)

    def report(done: int, total: int) -> None:
        run.progress_done, run.progress_total = done, total
        progress_file.write(done, total)
        if progress:
            progress(done, total)

    clock = time.perf_counter()
    try:
        with (nullcontext() if outer_transaction else leases.lease_renewed(lease)), transaction.atomic():
            result = handler(run, report)
            run.rows_read = result.rows_read
            run.rows_created = result.created
            run.rows_updated = result.updated
            run.rows_unchanged = result.unchanged
            run.rows_rejected = result.rejected
            run.warnings = result.warnings
            run.details = {**run.details, **result.details, "seconds": round(time.perf_counter() - clock, 3)}
            _finish(run, ImportRun.Status.SUCCEEDED)
            committing = time.perf_counter()
    except ImportFileError as exc:
        _finish(run, ImportRun.Status.FAILED, [{
            "message": exc.message, "file": exc.file or run.file_name, "row": exc.row, "column": exc.column,
            "text": str(exc) if exc.file else f"{run.file_name}: {exc}"}])
    except Exception as exc:
        logger.exception("import run #%s (%s import of %s) failed unexpectedly", run.pk, run.kind, run.file_name)
        _finish(run, ImportRun.Status.FAILED, [_unexpected(run, exc)])
    except BaseException:
        # Ctrl-C, or a worker told to stop now: the transaction rolled back; say so at once rather
        # than leave the run for the reaper.
        text = f"{run.file_name}: the import was stopped before it finished; nothing was changed. Re-run it."
        try:
            _finish(run, ImportRun.Status.INTERRUPTED, [{"message": text, "file": run.file_name, "row": None,
                                                         "column": None, "text": text, "kind": "interrupted"}])
        except DatabaseError:
            logger.warning("import run #%s was stopped; the reaper will mark it interrupted", run.pk)
        raise
    else:
        # The commit's own time belongs to the import's duration too. Written after the commit,
        # so losing it (a kill right now) loses only this figure, never the result.
        run.details["seconds"] = round(time.perf_counter() - clock, 3)
        stages = run.details.get("stage_seconds")
        if isinstance(stages, dict):
            # The handler's own "commit" stage is now a savepoint: the commit is this one.
            stages["commit"] = round(stages.get("commit", 0) + time.perf_counter() - committing, 3)
        run.finished_at = timezone.now()
        try:
            ImportRun.objects.filter(pk=run.pk).update(details=run.details, finished_at=run.finished_at)
        except DatabaseError as exc:
            logger.warning("import run #%s succeeded; its duration could not be updated (%s)", run.pk, exc)
    finally:
        progress_file.remove()
    return run


# --- re-running --------------------------------------------------------------------------------------


def import_run_rerun_blocker(run: ImportRun) -> str | None:
    """Why the run cannot be re-run from its stored file, or None when it can."""
    if run.status == ImportRun.Status.FAILED and any(e.get("kind") == "unexpected" for e in run.errors):
        pass  # an unexpected failure may have been passing (memory, the database): worth a retry
    elif run.status != ImportRun.Status.INTERRUPTED:
        return "only an interrupted import (or one that failed unexpectedly) can be re-run"
    retry = run.retries.exclude(status__in=[ImportRun.Status.FAILED, ImportRun.Status.INTERRUPTED]).first()
    if retry is not None:
        return f"it has been re-run already (import run #{retry.pk})"
    if run.file_removed_at is not None or not run.stored_path or not Path(run.stored_path).is_file():
        return "its file is no longer kept (see UPLOAD_RETENTION_FAILED_DAYS); upload it again"
    return None


def import_run_rerun(*, run: ImportRun, user: User | None, via: str = "web") -> ImportRun:
    """Queue the same import again from the stored file (an interrupted run's one-click re-run)."""
    blocker = import_run_rerun_blocker(run)
    if blocker:
        raise ValidationError(f"{run.file_name}: {blocker}")
    retry = ImportRun.objects.create(
        organisation=run.organisation, kind=run.kind, file_name=run.file_name, file_sha256=run.file_sha256,
        file_size=run.file_size, stored_path=run.stored_path, created_by=user, via=via, format=run.format,
        options=run.options, retry_of=run)
    return import_run_enqueue(retry)
