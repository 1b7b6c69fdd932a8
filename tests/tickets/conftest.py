"""Paths of the ticket-import fixtures (no Django, no database)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

#: The real ServiceNow event log shared with the project (5,998 events, 890 incidents).
#: shared/ lies beside the checkout, here and in CI.
SHARED_DATA = Path(os.environ.get("TEAMALIGN_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
SHARED_EVENT_LOG = SHARED_DATA / "servicenow_incident_event_log_sample.csv"


@pytest.fixture
def fixture_path():
    """``fixture_path("jira_service_management.csv")`` → the fixture's path."""

    def path(name: str) -> Path:
        found = FIXTURES / name
        assert found.exists(), f"missing fixture {found}"
        return found

    return path


@pytest.fixture
def shared_event_log() -> Path:
    if not SHARED_EVENT_LOG.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the shared ServiceNow event log at {SHARED_EVENT_LOG}")
        pytest.skip(f"the shared ServiceNow event log is not at {SHARED_EVENT_LOG} "
                    "(set TEAMALIGN_SHARED_DATA)")
    return SHARED_EVENT_LOG


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Shadow the project-wide autouse fixture of ``tests/conftest.py`` for this folder.

    That fixture applies Django test settings; the importers are pure, and these tests
    must also run without Django (``python -m pytest tests/tickets -p no:django``).
    """
    yield None
