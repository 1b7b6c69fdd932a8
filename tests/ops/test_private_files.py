"""The data folder is 0700 and its files 0600 — the SQLite database and its WAL included — under
the usual umask (022), whether teamalign creates them or finds them world-readable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from .conftest import ROOT

SHOW_MODES = """
import json, os, stat, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamalign.settings")
django.setup()
from django.conf import settings
from django.db import connection
from teamalign.orgs.models import Organisation
Organisation.objects.create(name="Acme", slug="acme")  # a write: the WAL and its index exist now
data = settings.DATA_DIR
files = [data, data / "teamalign.sqlite3", data / "teamalign.sqlite3-wal", data / "teamalign.sqlite3-shm",
         data / "secret_key"]
print(json.dumps({p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files}))
"""


def run(env: dict, code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def sqlite_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}
    env.update(TEAMALIGN_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "teamalign", "manage", "migrate", "-v", "0"], env=env, check=True,
                   timeout=300, preexec_fn=lambda: os.umask(0o022))
    return env


def test_a_new_installation_is_private(sqlite_env):
    import json

    modes = json.loads(run(sqlite_env, SHOW_MODES))
    assert modes == {"data": "0o700", "teamalign.sqlite3": "0o600", "teamalign.sqlite3-wal": "0o600",
                     "teamalign.sqlite3-shm": "0o600", "secret_key": "0o600"}


def test_an_existing_world_readable_installation_is_made_private_at_start(sqlite_env, tmp_path):
    import json

    data = tmp_path / "data"
    data.chmod(0o755)
    (data / "teamalign.sqlite3").chmod(0o644)
    (data / "secret_key").chmod(0o644)
    modes = json.loads(run(sqlite_env, SHOW_MODES))
    assert modes["data"] == "0o700" and modes["teamalign.sqlite3"] == "0o600" and modes["secret_key"] == "0o600"
    assert modes["teamalign.sqlite3-wal"] == "0o600"


def test_a_shared_folder_such_as_tmp_is_never_closed(tmp_path):
    from teamalign.ops.files import private_folder

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    private_folder(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE(private_folder(shared / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE((shared / "a").stat().st_mode) == 0o700
