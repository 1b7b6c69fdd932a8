"""Background jobs of the operations app, run by `teamalign worker`."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from .retention import uploads_clean

CLEAN_EVERY = timedelta(hours=24)


@task()
def uploads_clean_job() -> dict:
    """Apply the upload retention rules (the worker queues this once a day)."""
    return uploads_clean().as_dict()


def uploads_clean_due() -> bool:
    """Whether a clean is due: none waiting or running, and none finished in the last day."""
    from django_tasks_db.models import DBTaskResult

    path = uploads_clean_job.module_path
    jobs = DBTaskResult.objects.filter(task_path=path)
    if jobs.filter(status__in=["READY", "RUNNING"]).exists():
        return False
    return not jobs.filter(status="SUCCESSFUL", finished_at__gte=timezone.now() - CLEAN_EVERY).exists()
