"""A real teamalign server in a subprocess (the demo, on SQLite in a temporary data folder) and
the system Chromium driven by Playwright. Skipped with a reason when Chromium or Playwright is
missing — except with CI=true, where that is a failure."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port, skip_or_fail

CHROMIUM = os.environ.get("TEAMALIGN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class DemoServer:
    url: str
    data_dir: Path
    log: Path
    password: str
    admin: str


def _server_env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "TASKS_BACKEND", "DJANGO_SETTINGS_MODULE"}}
    env["TEAMALIGN_DATA_DIR"] = str(data_dir)
    return env


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"the server did not answer within {timeout} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium and Playwright, checked before any server is started for them."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        skip_or_fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("Playwright is not installed (pip install -e '.[test]')")
    return CHROMIUM


@pytest.fixture(scope="session")
def demo_server(chromium, tmp_path_factory) -> DemoServer:
    """`teamalign demo --no-serve` to build the demo, then `teamalign demo --port P` (web server + worker)."""
    from teamalign.demo.builder import DEMO_LOGINS, DEMO_PASSWORD

    data_dir = tmp_path_factory.mktemp("browser-data")
    log = data_dir / "server.log"
    env = _server_env(data_dir)
    built = subprocess.run([sys.executable, "-m", "teamalign", "demo", "--no-serve"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    assert DEMO_PASSWORD in built.stdout
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "teamalign", "demo", "--port", str(port), "--workers", "1"],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield DemoServer(url=url, data_dir=data_dir, log=log, password=DEMO_PASSWORD, admin=DEMO_LOGINS[0].email)
    finally:
        # The server's own process group: `teamalign demo`, gunicorn and the worker.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, demo_server):
    """A fresh browser page; it records requests that leave the server and JavaScript errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.outside_requests = []
    page.errors = []
    page.on("request", lambda r: None if r.url.startswith((demo_server.url, "data:", "blob:"))
            else page.outside_requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
