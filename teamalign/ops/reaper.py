"""Finding what dead processes left behind, so that nothing waits for ever.

An import run still *queued* or *running*, or a background task still RUNNING, whose holder
(teamalign/ops/leases.py) has died is marked: the run *interrupted*, the task FAILED. The run's
page then says so, stops polling and offers a re-run from the stored file. Nothing is re-run by
itself: a file that kills its worker (say, by running it out of memory) must not do it again
and again.

Called by every worker when it starts and on its timer, by `teamalign import` before it starts,
and by the Data and run pages for the runs they show.

"Nothing was changed" in the interrupted message is exact: a run's result is committed in the
same transaction as its data (``import_run_execute``), so a run that did not end committed
nothing. Runs left *running* by a version without leases are the exception, and say so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from teamalign.orgs.models import ImportRun

from .leases import Judge, lock_path, stray_lock_files_remove
from .models import Lease

logger = logging.getLogger(__name__)

#: The exception class recorded on a task whose worker died (it is never raised).
HOLDER_GONE = "teamalign.ops.reaper.HolderGone"
OPEN = (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
WHO = {"worker": "the background worker running it", "cli": "the command-line import running it"}


@dataclass
class Reaped:
    runs: list[ImportRun] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    leases: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.runs or self.tasks or self.leases)


def _run_message(run: ImportRun, who: str, legacy: bool) -> str:
    if legacy:
        return (f"{run.file_name}: the import was interrupted: it had been running for longer than its process "
                "lived (it was started by an earlier version of teamalign, so it may or may not have written "
                "its rows). Import the file again: importing is idempotent, so nothing is counted twice.")
    return (f"{run.file_name}: the import was interrupted because {who} stopped before it finished "
            "(killed, restarted or out of memory); nothing was changed. Re-run it.")


def interrupted_mark(*, runs: QuerySet[ImportRun] | None = None) -> Reaped:
    """Mark the runs and tasks of dead holders; see the module doc.

    ``runs`` limits the work to those runs (and their tasks), for a page; without it every open
    run, every running task and every lease is looked at, and the leases of dead holders deleted."""
    everything = runs is None
    now = timezone.now()
    open_runs = list((ImportRun.objects.all() if everything else runs).filter(status__in=OPEN))
    if not everything and not open_runs:
        return Reaped()
    tasks = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    if not everything:
        tasks = tasks.filter(pk__in=[r.task_id for r in open_runs if r.task_id])
    tasks = list(tasks.only("id", "worker_ids", "started_at", "enqueued_at"))
    holders = {r.lease_holder for r in open_runs if r.lease_holder} | {t.worker_ids[-1] for t in tasks if t.worker_ids}
    leases = Lease.objects.all() if everything else Lease.objects.filter(holder__in=holders)
    judge = Judge({lease.holder: lease for lease in leases}, now)
    reaped = Reaped()

    for task in tasks:
        if not task.worker_ids or judge.alive(task.worker_ids[-1], since=task.started_at or task.enqueued_at):
            continue
        holder = task.worker_ids[-1]
        message = (f"Interrupted: the worker {holder} stopped (killed, restarted or out of memory) while it ran "
                   "this task; marked failed by teamalign.ops.reaper.\n")
        if DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=now, return_value=None,
                exception_class_path=HOLDER_GONE, traceback=message):
            reaped.tasks.append(str(task.pk))
            logger.warning("task %s: its worker %s is gone; marked failed", task.pk, holder)

    ended_tasks = set(DBTaskResult.objects.filter(
        pk__in=[r.task_id for r in open_runs if r.task_id and r.status == ImportRun.Status.QUEUED],
        status__in=[TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL]).values_list("pk", flat=True))
    ended_tasks = {str(pk) for pk in ended_tasks}
    for run in open_runs:
        since = run.started_at or run.created_at
        legacy = False
        if run.lease_holder:
            gone = not judge.alive(run.lease_holder, since=since)
            kind = judge.kind(run.lease_holder) or ("cli" if run.via == "cli" else "worker")
            who = WHO.get(kind, "the process running it")
        elif run.status == ImportRun.Status.RUNNING:
            gone = since <= now - judge.ttl  # running before leases existed
            legacy, who = True, ""
        else:
            # Queued, and its task ended without starting it: the worker died between the two.
            gone = bool(run.task_id) and run.task_id in ended_tasks
            who = WHO["worker"]
        if not gone:
            continue
        text = _run_message(run, who, legacy)
        errors = [{"message": text, "file": run.file_name, "row": None, "column": None, "text": text,
                   "kind": "interrupted"}]
        # Only if nothing else ended it meanwhile (a run that commits wins: its data is there).
        if ImportRun.objects.filter(pk=run.pk, status=run.status, lease_holder=run.lease_holder).update(
                status=ImportRun.Status.INTERRUPTED, finished_at=now, errors=errors):
            run.status, run.finished_at, run.errors = ImportRun.Status.INTERRUPTED, now, errors
            reaped.runs.append(run)
            logger.warning("import run #%s marked interrupted: %s", run.pk, text)
            from teamalign.orgs.import_runs import progress_file_remove

            progress_file_remove(run.pk)

    if everything:
        for holder, lease in judge.leases.items():
            if not judge.alive(holder, since=lease.acquired_at):
                Lease.objects.filter(pk=lease.pk).delete()
                lock_path(holder).unlink(missing_ok=True)
                reaped.leases.append(holder)
        stray_lock_files_remove()
    return reaped
