"""The life of an import, shared by every importer: store the file, record an ImportRun, run it.

Kinds register a handler (``register_import_kind``) from their app's ``ready()``. A handler
takes the run and a progress callback, does its writes in one transaction and returns the
counts; any ``ImportFileError`` marks the run failed with the error's file, row and column,
and nothing the handler wrote survives because its transaction rolled back.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils import timezone as dj_timezone

from teamalign.errors import ImportFileError, ValidationError

from .models import ImportRun, Organisation, User


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


def _sha256_and_copy(source: IO[bytes], destination: Path, limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with destination.open("wb") as out:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                out.close()
                destination.unlink(missing_ok=True)
                raise ValidationError(
                    f"the file is larger than the upload limit of {describe_size(limit)} "
                    "(UPLOAD_MAX_BYTES); import it with the command line instead")
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def import_run_create(*, organisation: Organisation, kind: str, file_name: str, source: IO[bytes],
                      user: User | None, via: str, format: str = "", options: dict | None = None,
                      size_limit: int | None = None) -> ImportRun:
    """Keep a copy of the uploaded or named file in the data folder and queue a run for it."""
    if kind not in _HANDLERS:
        raise ValidationError(f"unknown import kind '{kind}'; known: {', '.join(import_kinds())}")
    folder = Path(settings.UPLOAD_DIR) / organisation.slug
    folder.mkdir(parents=True, exist_ok=True)
    safe_name = Path(file_name).name or "upload"
    partial = folder / f".incoming-{time.time_ns()}"
    limit = size_limit if size_limit is not None else settings.UPLOAD_MAX_BYTES
    sha, size = _sha256_and_copy(source, partial, limit)
    stored = folder / f"{sha[:16]}-{safe_name}"
    shutil.move(partial, stored)
    return ImportRun.objects.create(
        organisation=organisation, kind=kind, file_name=safe_name, file_sha256=sha, file_size=size,
        stored_path=str(stored), created_by=user, via=via, format=format, options=options or {},
    )


def import_run_execute(run: ImportRun, progress: Progress | None = None) -> ImportRun:
    """Run a queued import now (in the worker, or in the CLI's process)."""
    handler = _HANDLERS[run.kind]

    def report(done: int, total: int) -> None:
        run.progress_done, run.progress_total = done, total
        ImportRun.objects.filter(pk=run.pk).update(progress_done=done, progress_total=total)
        if progress:
            progress(done, total)

    run.status = ImportRun.Status.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    started = time.perf_counter()
    try:
        result = handler(run, report)
    except ImportFileError as exc:
        run.status = ImportRun.Status.FAILED
        run.errors = [{"message": exc.message, "file": exc.file or run.file_name, "row": exc.row,
                       "column": exc.column, "text": str(exc)}]
        run.rows_created = run.rows_updated = run.rows_unchanged = 0
    except Exception as exc:  # an unexpected failure still ends the run, and is re-raised for the log
        run.status = ImportRun.Status.FAILED
        run.errors = [{"message": f"internal error: {exc.__class__.__name__}: {exc}", "file": run.file_name,
                       "row": None, "column": None, "text": str(exc)}]
        run.finished_at = timezone.now()
        run.save()
        raise
    else:
        run.status = ImportRun.Status.SUCCEEDED
        run.rows_read = result.rows_read
        run.rows_created = result.created
        run.rows_updated = result.updated
        run.rows_unchanged = result.unchanged
        run.rows_rejected = result.rejected
        run.warnings = result.warnings
        run.details = {**run.details, **result.details,
                       "seconds": round(time.perf_counter() - started, 3)}
    run.finished_at = timezone.now()
    run.save()
    return run
