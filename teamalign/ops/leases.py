"""Leases: which process holds an import run or a background task, and whether it still lives.

A process killed while it works (``kill -9``, out of memory, a reboot) cannot say so. Its import
run would stay *running* and its task RUNNING for ever, since a restarted worker only takes
ready tasks. So every process that runs imports or tasks holds a **lease**, and the runs and
tasks it takes point at it (``ImportRun.lease_holder``; a task's worker id is the holder):

* **A lock file** that the process keeps locked (``flock``) for its whole life, in the lease
  folder: ``<database file>-leases/`` beside a SQLite database, ``DATA_DIR/leases/`` otherwise.
  The kernel drops the lock the instant the process dies, however it dies, so another process
  that can take the lock knows the holder is gone — at once, and without trusting a pid that
  could have been reused.
* **A row** in ``ops_lease`` (holder, kind, host and boot id, pid, ``renewed_at``). With
  PostgreSQL a heartbeat thread renews ``renewed_at`` every ``RUN_LEASE_SECONDS / 4`` through its
  own connection. The import's transaction never touches the lease row, so neither waits for the
  other. A holder on another host, whose lock file this host cannot judge, is gone once its
  lease has not been renewed for ``RUN_LEASE_SECONDS``.

SQLite gets no heartbeat, on purpose: while an import holds the write transaction no other
connection can write, so a heartbeat through the database would stall exactly while the import
works. It needs none: every process using a SQLite database opens the same file, so each sees
the lease folder beside it, and the lock decides.

A holder no lease knows (a run left by a version without leases, a task claimed a moment before
its worker recorded its lease) is given ``RUN_LEASE_SECONDS`` from when it started.

``teamalign.ops.reaper`` asks ``Judge.alive`` and marks what dead holders left as interrupted.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections
from django.utils import timezone

from .files import private_folder

logger = logging.getLogger(__name__)


def lease_seconds() -> int:
    """How long a lease lasts without news (RUN_LEASE_SECONDS, at least 5)."""
    return max(5, int(settings.RUN_LEASE_SECONDS))


def uses_sqlite() -> bool:
    return connections["default"].vendor == "sqlite"


def lease_folder() -> Path:
    """Where the lock files are: beside a SQLite database file (every process using it sees it),
    else in the data folder."""
    if uses_sqlite():
        name = str(connections["default"].settings_dict.get("NAME") or "")
        if name and name != ":memory:" and not name.startswith("file:"):
            database = Path(name)
            return database.with_name(database.name + "-leases")
    return Path(settings.DATA_DIR) / "leases"


def host_identity() -> str:
    """This host's name and boot id: a pid or a lock means something only on the same boot."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    name = socket.gethostname()
    return (f"{name}/{boot}" if boot else name)[:255]


def _file_name(holder: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", holder) + ".lock"


def lock_path(holder: str) -> Path:
    return lease_folder() / _file_name(holder)


def new_holder() -> str:
    """A holder id, readable in logs and short enough to be a django-tasks worker id (≤ 64)."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:30] or "host"
    return f"{host}:{os.getpid()}:{secrets.token_hex(6)}"


@dataclass
class ProcessLease:
    holder: str
    kind: str
    pid: int
    path: Path
    fd: int
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


_current: ProcessLease | None = None
_guard = threading.Lock()


def _take_lock(holder: str) -> tuple[Path, int]:
    """Create the holder's lock file already locked: a reaper must never find it unlocked.

    The file is created and locked under a temporary name, then renamed into place (the lock
    belongs to the file, not to its name)."""
    folder = private_folder(lease_folder())
    final = folder / _file_name(holder)
    temporary = folder / f".{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, json.dumps({"holder": holder, "pid": os.getpid(), "host": host_identity()}).encode())
        os.replace(temporary, final)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    return final, fd


def lease_acquire(*, kind: str = "process", holder: str | None = None) -> ProcessLease:
    """This process's lease, taken on first use: the lock file now, the row with ``lease_record``.

    A forked child does not inherit its parent's lease (the pid differs), it takes its own."""
    global _current
    with _guard:
        if _current is not None and _current.pid == os.getpid():
            return _current
        holder = holder or new_holder()
        path, fd = _take_lock(holder)
        _current = ProcessLease(holder=holder, kind=kind, pid=os.getpid(), path=path, fd=fd)
        atexit.register(_unlock_at_exit, _current)
        return _current


def current_holder() -> str | None:
    lease = _current
    return lease.holder if lease is not None and lease.pid == os.getpid() else None


def lease_record(lease: ProcessLease) -> None:
    """Write the lease's row (again): a run or a task is about to point at it."""
    from .models import Lease

    Lease.objects.update_or_create(holder=lease.holder, defaults={
        "kind": lease.kind, "host": host_identity(), "pid": lease.pid, "renewed_at": timezone.now()})


def _unlock(lease: ProcessLease) -> None:
    if lease.fd < 0:
        return  # released already
    # Unlinked before it is unlocked, so nobody takes a lock on a name that is being given up.
    lease.path.unlink(missing_ok=True)
    os.close(lease.fd)
    lease.fd = -1


def _unlock_at_exit(lease: ProcessLease) -> None:
    # The row is left to the reaper: at exit the database may be gone (a test database, a
    # server shutting down), and a row whose lock file is gone reads as a dead holder.
    if lease.pid == os.getpid():
        _stop_thread(lease)
        _unlock(lease)


def lease_release(lease: ProcessLease) -> None:
    """Give the lease up (a worker stopping, a command-line import done): thread, row, lock."""
    global _current
    from .models import Lease

    _stop_thread(lease)
    try:
        Lease.objects.filter(holder=lease.holder).delete()
    except DatabaseError as exc:
        logger.warning("could not delete the lease row of %s (%s); the next reaper will", lease.holder, exc)
    _unlock(lease)
    with _guard:
        if _current is lease:
            _current = None


def _stop_thread(lease: ProcessLease) -> None:
    lease.stop.set()
    thread = lease.thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()
    lease.thread = None


def _keep(lease: ProcessLease, renew: bool, tick: Callable[[], None] | None, interval: float) -> None:
    """The lease's thread: renew the row (server databases) and run the owner's timer."""
    from .models import Lease

    try:
        while not lease.stop.wait(interval):
            try:
                if renew and not Lease.objects.filter(holder=lease.holder).update(renewed_at=timezone.now()):
                    lease_record(lease)  # a reaper took us for dead (a long stall): say we live
                if tick is not None:
                    tick()
            except DatabaseError as exc:
                logger.warning("lease %s: the database did not answer (%s); trying again in %.0f s",
                               lease.holder, exc, interval)
            except Exception:
                # The timer's work failing must not stop the heartbeat that keeps our runs alive.
                logger.exception("lease %s: the periodic work failed; trying again in %.0f s", lease.holder, interval)
            finally:
                close_old_connections()
    finally:
        connection.close()


def _start_thread(lease: ProcessLease, renew: bool, tick: Callable[[], None] | None) -> None:
    lease.stop.clear()
    lease.thread = threading.Thread(target=_keep, args=(lease, renew, tick, lease_seconds() / 4),
                                    name=f"lease {lease.holder}", daemon=True)
    lease.thread.start()


@contextmanager
def lease_renewed(lease: ProcessLease) -> Iterator[ProcessLease]:
    """Keep the lease's heartbeat going while the block runs (one import), when nothing else does:
    a web server running a job in-process has no lease thread of its own. SQLite needs none."""
    if lease.thread is not None or uses_sqlite():
        yield lease
        return
    _start_thread(lease, True, None)
    try:
        yield lease
    finally:
        _stop_thread(lease)


@contextmanager
def lease_held(*, kind: str, tick: Callable[[], None] | None = None) -> Iterator[ProcessLease]:
    """Hold this process's lease while the block runs (a worker's life, one command-line import).

    A thread renews the row every RUN_LEASE_SECONDS / 4 on PostgreSQL, and runs ``tick`` (a
    worker's timer) at the same pace on any database."""
    lease = lease_acquire(kind=kind)
    lease.kind = kind
    lease_record(lease)
    renew = not uses_sqlite()
    if renew or tick is not None:
        _start_thread(lease, renew, tick)
    try:
        yield lease
    finally:
        lease_release(lease)


# --- judging other holders ----------------------------------------------------------------------------


def lock_state(path: Path) -> bool | None:
    """True: a live process holds the lock; False: nobody does (its holder is gone); None: no file."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return True  # we may not even open it: we cannot judge, so we do not call it dead
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


class Judge:
    """Decides, once per holder, whether the holder of a run or task is alive (see the module doc)."""

    def __init__(self, leases: dict, now: datetime | None = None, *, sqlite: bool | None = None) -> None:
        self.leases = leases  # holder → Lease row
        self.now = now or timezone.now()
        self.ttl = timedelta(seconds=lease_seconds())
        self.sqlite = uses_sqlite() if sqlite is None else sqlite
        self.host = host_identity()
        self.mine = current_holder()
        self._locks: dict[str, bool | None] = {}

    def lock(self, holder: str) -> bool | None:
        if holder not in self._locks:
            self._locks[holder] = lock_state(lock_path(holder))
        return self._locks[holder]

    def alive(self, holder: str, *, since: datetime | None) -> bool:
        if holder == self.mine:
            return True
        row = self.leases.get(holder)
        state = self.lock(holder)
        if state is not None and (self.sqlite or (row is not None and row.host == self.host)):
            return state
        if row is None:
            return since is not None and since > self.now - self.ttl
        if self.sqlite:
            return False  # a lease whose lock file is gone: released or cleaned, its process with it
        return row.renewed_at > self.now - self.ttl

    def kind(self, holder: str) -> str:
        row = self.leases.get(holder)
        return row.kind if row is not None else ""


def stray_lock_files_remove() -> int:
    """Lock files nobody holds and no row names (a process killed between its lock and its row)."""
    folder = lease_folder()
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.lock"):
        if lock_state(path) is False:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# --- plain `manage db_worker` processes ---------------------------------------------------------------


def connect_task_signals() -> None:
    """A worker started as `manage db_worker` rather than `teamalign worker` takes its lease when it
    starts its first task, under its worker id, so its tasks can be judged like any other."""
    from django_tasks.signals import task_started
    from django_tasks_db.backend import DatabaseBackend

    task_started.connect(_task_started, sender=DatabaseBackend, dispatch_uid="teamalign-ops-lease", weak=False)


def _task_started(sender, task_result, **kwargs) -> None:
    if task_result.worker_ids:
        lease_record(lease_acquire(kind="worker", holder=task_result.worker_ids[-1]))
