"""The life of an import, shared by every importer: store the file, record an ImportRun, run it.

Kinds register a handler (``register_import_kind``) from their app's ``ready()``. A handler
takes the run and a progress callback, does its writes in one transaction and returns the
counts; any ``ImportFileError`` marks the run failed with the error's file, row and column,
and nothing the handler wrote survives because its transaction rolled back.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils import timezone

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


def import_options_check(*, kind: str, format: str = "", timezone: str = "") -> dict:
    """Validate the options a person may give with an upload; return them for ImportRun.options."""
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
