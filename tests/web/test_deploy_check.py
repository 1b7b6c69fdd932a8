"""Production settings pass Django's deployment checklist (`manage.py check --deploy`)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys


def run_check(tmp_path, **env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "teamalign.settings", "TEAMALIGN_DATA_DIR": str(tmp_path),
                "SECURE": "true", "SECRET_KEY": secrets.token_urlsafe(60),
                "ALLOWED_HOSTS": "teamalign.example.com", **env_overrides})
    return subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_without_secure(tmp_path):
    # The checklist is really being run: without SECURE=true it finds the missing cookie and HSTS settings.
    result = run_check(tmp_path, SECURE="false")
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # SECURE_HSTS_SECONDS
    assert "security.W012" in result.stderr  # SESSION_COOKIE_SECURE


def settings_value(tmp_path, expression: str, **env_overrides) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "teamalign.settings", "TEAMALIGN_DATA_DIR": str(tmp_path),
                **env_overrides})
    code = f"from django.conf import settings; print({expression})"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def test_a_secret_key_is_generated_on_first_run_and_kept_private(tmp_path):
    first = settings_value(tmp_path, "settings.SECRET_KEY")
    assert len(first) >= 50
    assert settings_value(tmp_path, "settings.SECRET_KEY") == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_debug_is_off_and_sqlite_in_the_data_folder_unless_asked(tmp_path):
    assert settings_value(tmp_path, "settings.DEBUG") == "False"
    assert settings_value(tmp_path, "settings.DATABASES['default']['NAME']") == str(tmp_path / "teamalign.sqlite3")
    assert settings_value(tmp_path, "settings.DATABASES['default']['ENGINE']",
                          DATABASE_URL="postgres://u@db.example:5432/ta") == "django.db.backends.postgresql"
