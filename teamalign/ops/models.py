"""The one table of the operations app: which processes hold import runs and background tasks."""

from __future__ import annotations

from django.db import models
from django.utils import timezone as dj_timezone


class Lease(models.Model):
    """A process (a worker, a command-line import, a web server running jobs in-process) that may
    hold import runs and background tasks, and when it last said it was alive.

    ``holder`` is what runs (``ImportRun.lease_holder``) and tasks (their worker id) point at.
    How liveness is decided — the lock file, the heartbeat — is in ``teamalign/ops/leases.py``.
    """

    class Kind(models.TextChoices):
        WORKER = "worker", "Background worker"
        CLI = "cli", "Command line"
        PROCESS = "process", "Other process"

    holder = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROCESS)
    host = models.CharField(max_length=255)  # host name and boot id: pids only compare on one boot
    pid = models.IntegerField()
    acquired_at = models.DateTimeField(default=dj_timezone.now)
    renewed_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["acquired_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.holder}"
