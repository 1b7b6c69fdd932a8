"""Scratch installations for the operations tests: a data folder and a database of their own,
driven through real `teamalign` processes (which can be killed with SIGKILL).

The database follows the suite's pass: a SQLite file in the data folder on the SQLite pass, a
scratch PostgreSQL database (created and dropped here) on the PostgreSQL pass.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.cli.conftest import teamalign  # noqa: F401  `teamalign(...)` in this process

ROOT = Path(__file__).resolve().parents[2]
TICKETS = ROOT / "tests" / "tickets" / "fixtures" / "servicenow_incident_list.csv"
TICKETS_IN_FIXTURE = 16  # 16 tickets: one row holds a multi-line description


def _server_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class Scratch:
    """One throwaway teamalign installation."""

    def __init__(self, folder: Path, database_url: str | None) -> None:
        self.folder = folder
        self.data_dir = folder / "data"
        self.database_url = database_url
        self.env = {k: v for k, v in os.environ.items()
                    if k not in {"DATABASE_URL", "TASKS_BACKEND", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}}
        self.env.update({"TEAMALIGN_DATA_DIR": str(self.data_dir), "PYTHONPATH": str(ROOT), "COLUMNS": "200",
                         "RUN_LEASE_SECONDS": "60"})
        if database_url:
            self.env["DATABASE_URL"] = database_url

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    # --- processes -------------------------------------------------------------------------------------

    def teamalign(self, *argv: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "teamalign", *argv], env=self.env, cwd=self.folder,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            pytest.fail(f"teamalign {' '.join(argv)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def python(self, code: str, *, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run Python with Django set up for this installation."""
        script = "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'teamalign.settings')\n" \
                 "django.setup()\n" + textwrap.dedent(code)
        done = subprocess.run([sys.executable, "-c", script], env=self.env, cwd=self.folder, capture_output=True,
                              text=True, timeout=timeout)
        if check and done.returncode != 0:
            pytest.fail(f"python exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def spawn_paused(self, *argv: str, after: str) -> tuple[subprocess.Popen, Path]:
        """Start `teamalign ARGV` in a process that stops for good at a point of the import:

        ``after="write"`` — just after the tickets are written, inside the import's transaction;
        ``after="commit"`` — it is killed (SIGKILL, by itself) the instant the import has committed.
        Returns the process and the marker file it writes when it reaches the point."""
        marker = self.folder / f"reached-{secrets.token_hex(4)}"
        script = textwrap.dedent(f"""
            import os, signal, sys, time
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamalign.settings")
            import django
            django.setup()
            from django.db import connection, transaction
            from teamalign.tickets import bulk
            MARKER = {str(marker)!r}
            if {after!r} == "write":
                real_write = bulk.write_tickets
                def write_then_wait(*args, **kwargs):
                    real_write(*args, **kwargs)
                    open(MARKER, "w").write("written")
                    time.sleep(3600)
                bulk.write_tickets = write_then_wait
            else:
                real_exit = transaction.Atomic.__exit__
                def exit_then_die(self, *exc):
                    result = real_exit(self, *exc)
                    if not connection.in_atomic_block and exc[0] is None:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT COUNT(*) FROM tickets_ticket")
                            if cursor.fetchone()[0]:
                                open(MARKER, "w").write("committed")
                                os.kill(os.getpid(), signal.SIGKILL)
                    return result
                transaction.Atomic.__exit__ = exit_then_die
            from teamalign.cli import main
            sys.exit(main(sys.argv[1:]))
        """)
        log = (self.folder / f"paused-{marker.name}.log").open("w")
        process = subprocess.Popen([sys.executable, "-c", script, *argv], env=self.env, cwd=self.folder,
                                   stdout=log, stderr=subprocess.STDOUT)
        return process, marker

    @staticmethod
    def wait_for(marker: Path, process: subprocess.Popen, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker.exists():
                return
            if process.poll() is not None and not marker.exists():
                pytest.fail(f"the process exited ({process.returncode}) before reaching the point")
            time.sleep(0.1)
        process.kill()
        pytest.fail(f"the process did not reach the point within {timeout} s")

    @staticmethod
    def kill_9(process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL

    # --- the database ----------------------------------------------------------------------------------

    def query(self, sql: str) -> list[tuple]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                return conn.execute(sql).fetchall()
        conn = sqlite3.connect(self.data_dir / "teamalign.sqlite3")
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def value(self, sql: str):
        [(value,)] = self.query(sql)
        return value

    def runs(self) -> list[dict]:
        rows = self.query("SELECT id, status, errors, rows_created, retry_of_id FROM orgs_importrun ORDER BY id")
        return [{"id": r[0], "status": r[1], "errors": r[2] if isinstance(r[2], list) else json.loads(r[2]),
                 "created": r[3], "retry_of": r[4]} for r in rows]

    def tasks(self) -> dict[str, str]:
        """task path → status of its latest task."""
        rows = self.query("SELECT task_path, status FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at")
        return dict(rows)

    def setup_acme(self) -> None:
        self.teamalign("manage", "migrate", "-v", "0")
        self.teamalign("org", "create", "Acme", "--timezone", "Europe/London", "--slug", "acme")

    def enqueue_upload(self, path: Path = TICKETS, kind: str = "tickets") -> int:
        """What the upload page does: keep the file, record the run, queue its job."""
        done = self.python(f"""
            from teamalign.orgs.import_runs import import_run_create, import_run_enqueue
            from teamalign.orgs.models import Organisation
            with open({str(path)!r}, "rb") as source:
                run = import_run_create(organisation=Organisation.objects.get(slug="acme"), kind={kind!r},
                                        file_name={path.name!r}, source=source, user=None, via="web")
            print(import_run_enqueue(run).pk)
        """)
        return int(done.stdout.strip().splitlines()[-1])


def _create_database(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _installations(folder: Path):
    """A maker of Scratch installations under ``folder``, and what to drop afterwards."""
    server = _server_url()
    made: list[str] = []

    def make() -> Scratch:
        place = folder / f"install-{len(made) + 1}-{secrets.token_hex(2)}"
        place.mkdir()
        url = None
        if server:
            suffix = os.environ.get("TEAMALIGN_TEST_DB_SUFFIX", "")
            name = f"test_scratch_{suffix}_{secrets.token_hex(4)}".lower()
            url = _create_database(server, name)
            made.append(name)
        return Scratch(place, url)

    def drop() -> None:
        for name in made:
            _drop_database(server, name)

    return make, drop


@pytest.fixture
def scratch_factory(tmp_path):
    """scratch_factory() → a new Scratch installation (its PostgreSQL database dropped afterwards)."""
    make, drop = _installations(tmp_path)
    yield make
    drop()


@pytest.fixture(scope="module")
def module_scratch_factory(tmp_path_factory):
    """The same, for installations a whole test module shares (the demo, built once)."""
    make, drop = _installations(tmp_path_factory.mktemp("installations"))
    yield make
    drop()


@pytest.fixture
def scratch(scratch_factory) -> Scratch:
    return scratch_factory()
