"""`teamalign worker`: django-tasks-db's worker, holding a lease, with a timer for upkeep.

The worker's lease (teamalign/ops/leases.py) is its worker id, so every task it claims names
it. When it starts, and then every RUN_LEASE_SECONDS / 4 on the lease's thread, the worker marks
what dead processes left behind as interrupted (teamalign/ops/reaper.py) — a restarted worker
thereby cleans up after the one it replaces — and once a day it queues the upload retention job.
"""

from __future__ import annotations

import logging

from django.core.management import call_command

from .leases import lease_held
from .reaper import interrupted_mark
from .tasks import uploads_clean_due, uploads_clean_job

logger = logging.getLogger(__name__)


def worker_tick() -> None:
    """The worker's periodic upkeep."""
    interrupted_mark()
    if uploads_clean_due():
        uploads_clean_job.enqueue()


def worker_run(*, batch: bool = False, interval: float = 1.0) -> int:
    call_command("migrate", interactive=False, verbosity=0)
    with lease_held(kind="worker", tick=worker_tick) as lease:
        worker_tick()
        call_command("db_worker", batch=batch, reload=False, interval=interval, worker_id=lease.holder,
                     verbosity=1)
    return 0
