"""How long uploaded files are kept (UPLOAD_RETENTION_DAYS, UPLOAD_RETENTION_FAILED_DAYS).

A run keeps its uploaded file so that it can be re-run and its checksum checked. The file is
deleted once every run that uses it (a re-run shares its original's file) has ended and is
older than its rule: UPLOAD_RETENTION_DAYS after a successful import, UPLOAD_RETENTION_FAILED_DAYS
after a failed or interrupted one (0 keeps files for ever). The run keeps its record (name,
checksum, counts) and notes when its file went (``ImportRun.file_removed_at``).

Files in the upload folder that no run names — a crash between storing a file and recording its
run, leftovers of older versions such as ``.incoming-…`` partial files — go once they are a day
old (an upload still being received is minutes old at most).

Files are matched to runs by organisation folder and file name, not by absolute path, so a data
folder that was moved (or restored elsewhere) never makes its files look orphaned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from teamalign.orgs.models import ImportRun

logger = logging.getLogger(__name__)

ORPHAN_AGE = timedelta(days=1)
ENDED = (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED, ImportRun.Status.INTERRUPTED)


@dataclass
class CleanReport:
    files: list[Path] = field(default_factory=list)  # kept files past their retention
    orphans: list[Path] = field(default_factory=list)  # files no run names
    bytes: int = 0
    runs: int = 0  # runs whose file went
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"files": len(self.files), "orphans": len(self.orphans), "bytes": self.bytes, "runs": self.runs,
                "dry_run": self.dry_run}


def _key(path: Path | str) -> str:
    path = Path(path)
    return f"{path.parent.name}/{path.name}"


def _expired(status: str, finished_at: datetime | None, created_at: datetime, now: datetime) -> bool:
    if status not in ENDED:
        return False  # queued or running: its file is needed
    days = settings.UPLOAD_RETENTION_DAYS if status == ImportRun.Status.SUCCEEDED \
        else settings.UPLOAD_RETENTION_FAILED_DAYS
    if days <= 0:
        return False
    return (finished_at or created_at) <= now - timedelta(days=days)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def uploads_clean(*, dry_run: bool = False, now: datetime | None = None) -> CleanReport:
    """Delete the uploaded files whose retention has passed, and orphaned files; see the module doc."""
    now = now or timezone.now()
    report = CleanReport(dry_run=dry_run)
    by_key: dict[str, list[tuple]] = {}
    paths: dict[str, str] = {}
    for pk, stored, status, finished_at, created_at, removed_at in ImportRun.objects.exclude(
            stored_path="").values_list("pk", "stored_path", "status", "finished_at", "created_at", "file_removed_at"):
        key = _key(stored)
        by_key.setdefault(key, []).append((pk, status, finished_at, created_at, removed_at))
        paths.setdefault(key, stored)

    upload_dir = Path(settings.UPLOAD_DIR)
    for key, runs in sorted(by_key.items()):
        if all(removed for *_rest, removed in runs):
            continue
        if not all(_expired(status, finished, created, now) for _pk, status, finished, created, _r in runs):
            continue
        path = Path(paths[key])
        if not path.exists():
            path = upload_dir / key  # the data folder moved since the run was recorded
        report.files.append(path)
        report.bytes += _size(path)
        report.runs += sum(1 for *_rest, removed in runs if removed is None)
        if not dry_run:
            path.unlink(missing_ok=True)
            ImportRun.objects.filter(pk__in=[r[0] for r in runs], file_removed_at__isnull=True).update(
                file_removed_at=now)

    if upload_dir.is_dir():
        cutoff = (now - ORPHAN_AGE).timestamp()
        for path in sorted(upload_dir.glob("*/*")):
            if not path.is_file() or _key(path) in by_key:
                continue
            try:
                old = path.stat().st_mtime < cutoff
            except FileNotFoundError:
                continue
            if old:
                report.orphans.append(path)
                report.bytes += _size(path)
                if not dry_run:
                    path.unlink(missing_ok=True)
    if not dry_run and (report.files or report.orphans):
        logger.info("uploads clean: deleted %d kept file(s) and %d orphan(s), %d bytes",
                    len(report.files), len(report.orphans), report.bytes)
    return report
