"""Background jobs of the orgs app, run by `teamalign worker`."""

from __future__ import annotations

from django_tasks import task

from .import_runs import import_run_execute
from .models import ImportRun


@task()
def import_run_job(run_id: int) -> str:
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        return "deleted"  # its organisation was deleted while it waited
    # A run that is not queued any more is left alone (import_run_execute checks, atomically):
    # a retried job must not import twice.
    return import_run_execute(run).status
