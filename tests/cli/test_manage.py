"""`teamalign manage ...` (Django's management commands) and the bare `teamalign`."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_manage_runs_djangos_commands(teamalign):
    code, out = teamalign("manage", "check")
    assert code == 0 and "System check identified no issues" in out


def test_without_a_command_it_prints_the_help(teamalign):
    code, out = teamalign()
    assert code == 0
    for verb in ("demo", "serve", "worker", "org", "user", "import", "manage"):
        assert verb in out


def test_python_dash_m_teamalign_is_the_same_command():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "teamalign", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "usage: teamalign" in result.stdout
