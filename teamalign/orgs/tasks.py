"""Background jobs of the orgs app, run by `teamalign worker`."""

from __future__ import annotations

from django_tasks import task

from .import_runs import import_run_execute
from .models import ImportRun


@task()
def import_run_job(run_id: int) -> str:
    run = ImportRun.objects.get(pk=run_id)
    if run.status != ImportRun.Status.QUEUED:
        return run.status  # already picked up: a retried job must not import twice
    return import_run_execute(run).status
