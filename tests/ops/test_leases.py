"""Leases: a holder is alive while its process holds its lock file (same machine, any database)
or, on PostgreSQL from another host, while its heartbeat is fresh; a holder nobody knows gets
RUN_LEASE_SECONDS from when its run or task started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from teamalign.ops import leases
from teamalign.ops.leases import Judge, host_identity, lease_folder, lock_path, lock_state, stray_lock_files_remove
from teamalign.ops.models import Lease

pytestmark = pytest.mark.django_db

HOLD_A_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(600)
"""


@pytest.fixture
def other_process_lock():
    """other_process_lock(holder) → a live process holding that holder's lock file."""
    started = []

    def hold(holder: str) -> subprocess.Popen:
        lease_folder().mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen([sys.executable, "-c", HOLD_A_LOCK, str(lock_path(holder))], stdout=subprocess.PIPE,
                                   text=True)
        assert process.stdout.readline().strip() == "locked"
        started.append(process)
        return process

    yield hold
    for process in started:
        process.kill()
        process.wait()


def row(holder: str, *, host: str | None = None, renewed_seconds_ago: float = 0) -> Lease:
    return Lease(holder=holder, kind="worker", host=host or host_identity(), pid=1,
                 renewed_at=timezone.now() - timedelta(seconds=renewed_seconds_ago))


@pytest.mark.parametrize("sqlite", [True, False], ids=["sqlite", "postgresql"])
def test_a_holder_is_alive_while_its_process_holds_the_lock_and_dead_the_moment_it_is_killed(
        other_process_lock, sqlite):
    process = other_process_lock("worker-a")
    leases_by_holder = {"worker-a": row("worker-a", renewed_seconds_ago=3600)}  # the heartbeat is old…
    assert Judge(leases_by_holder, sqlite=sqlite).alive("worker-a", since=None)  # …but the lock decides
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert lock_state(lock_path("worker-a")) is False
    assert not Judge(leases_by_holder, sqlite=sqlite).alive("worker-a", since=timezone.now())


def test_on_postgresql_a_holder_on_another_host_lives_by_its_heartbeat():
    other = row("far-away", host="another-host/boot", renewed_seconds_ago=10)
    stale = row("far-gone", host="another-host/boot", renewed_seconds_ago=61)
    lock_path("far-away").parent.mkdir(parents=True, exist_ok=True)
    lock_path("far-away").write_text("")  # a lock file on a shared folder is not judged across hosts
    judge = Judge({"far-away": other, "far-gone": stale}, sqlite=False)
    assert judge.alive("far-away", since=None)
    assert not judge.alive("far-gone", since=None)
    lock_path("far-away").unlink()


def test_on_sqlite_a_lease_without_its_lock_file_is_dead():
    assert not Judge({"w": row("w")}, sqlite=True).alive("w", since=timezone.now())


@pytest.mark.parametrize("sqlite", [True, False], ids=["sqlite", "postgresql"])
def test_an_unknown_holder_gets_the_lease_time_from_when_it_started(sqlite):
    judge = Judge({}, sqlite=sqlite)
    assert judge.alive("claimed-a-moment-ago", since=timezone.now() - timedelta(seconds=5))
    assert not judge.alive("long-gone", since=timezone.now() - timedelta(seconds=61))
    assert not judge.alive("never-started", since=None)


def test_this_process_is_never_taken_for_dead():
    lease = leases.lease_acquire()
    assert Judge({}, sqlite=True).alive(lease.holder, since=None)
    assert lock_state(lease.path) is True  # and others see its lock held


def test_lock_files_nobody_holds_are_removed(other_process_lock):
    other_process_lock("alive-one")
    lease_folder().mkdir(parents=True, exist_ok=True)
    dead = lock_path("dead-one")
    dead.write_text("")
    stray_lock_files_remove()
    assert not dead.exists() and lock_path("alive-one").exists()


def test_a_lock_file_is_created_already_locked():
    """A reaper must never find a new holder's lock file unlocked: it is made under a temporary
    name, locked, then renamed into place."""
    path, fd = leases._take_lock("fresh-holder")
    try:
        assert lock_state(path) is True
        assert not list(path.parent.glob(".*.tmp"))
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    finally:
        path.unlink()
        os.close(fd)


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_heartbeat_renews_the_lease_outside_any_transaction(settings):
    if not leases.uses_sqlite():
        settings.RUN_LEASE_SECONDS = 5  # a beat every 1.25 s
        with leases.lease_held(kind="cli") as lease:
            first = Lease.objects.get(holder=lease.holder).renewed_at
            deadline = time.monotonic() + 10
            while Lease.objects.get(holder=lease.holder).renewed_at == first and time.monotonic() < deadline:
                time.sleep(0.25)
            assert Lease.objects.get(holder=lease.holder).renewed_at > first
        assert not Lease.objects.filter(holder=lease.holder).exists()  # given up at the end
        assert not lease.path.exists()
    else:
        # SQLite: no heartbeat through the database (it would wait for the import's own write
        # transaction); the lock file is the lease.
        with leases.lease_held(kind="cli") as lease:
            assert lease.thread is None
            assert lock_state(lease.path) is True
        assert not lease.path.exists()


def _slow_kind(seconds: float):
    from teamalign.orgs import import_runs
    from teamalign.orgs.import_runs import ImportResult, register_import_kind

    seen = {}

    def handler(run, progress):
        seen["renewed_before"] = Lease.objects.filter(holder=run.lease_holder).values_list("renewed_at", flat=True)
        seen["renewed_before"] = list(seen["renewed_before"])
        time.sleep(seconds)
        return ImportResult()

    register_import_kind("slow", handler)
    return seen, lambda: import_runs._HANDLERS.pop("slow", None)


@pytest.mark.django_db(transaction=True)
def test_a_run_outside_any_worker_keeps_its_lease_renewed_while_it_works(settings, cast):
    """A web server running a job in-process has no lease thread: the run starts one for itself
    (PostgreSQL), and stops it when it ends."""
    import io

    from teamalign.orgs.import_runs import import_run_create, import_run_execute

    settings.RUN_LEASE_SECONDS = 5  # a beat every 1.25 s
    seen, forget = _slow_kind(3.5)
    try:
        run = import_run_create(organisation=cast.acme, kind="slow", file_name="x.csv", source=io.BytesIO(b"x"),
                                user=None, via="web")
        run = import_run_execute(run)
    finally:
        forget()
    assert run.status == "succeeded"
    lease = Lease.objects.get(holder=run.lease_holder)
    if leases.uses_sqlite():
        assert lease.renewed_at == seen["renewed_before"][0]  # no heartbeat: the lock file is the lease
    else:
        assert lease.renewed_at > seen["renewed_before"][0]
    assert leases._current.thread is None  # stopped with the run


def test_a_run_inside_a_callers_transaction_starts_no_heartbeat(settings, cast):
    """Inside a transaction (the demo builder's) a lease row would be invisible to the heartbeat's
    own connection, whose insert would then wait for that very transaction: no heartbeat there."""
    import io

    from teamalign.orgs.import_runs import import_run_create, import_run_execute

    settings.RUN_LEASE_SECONDS = 5
    seen, forget = _slow_kind(2)
    try:
        run = import_run_create(organisation=cast.acme, kind="slow", file_name="x.csv", source=io.BytesIO(b"x"),
                                user=None, via="web")
        assert import_run_execute(run).status == "succeeded"  # and it returned: no thread waited on us
    finally:
        forget()
    assert leases._current.thread is None
