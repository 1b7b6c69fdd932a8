"""Fixtures of the findings tests: Acme with the demo's IT teams, and the demo's ticket planter
(tickets.demo.build_event_log) with a chosen set of its planted patterns."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.tickets_db.conftest import acme, import_tickets, list_csv  # noqa: F401
from tests.tickets.conftest import shared_event_log  # noqa: F401

END = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def demo_acme(acme):  # noqa: F811
    """Acme with the demo's IT teams and a Sales department, as the demo's tickets expect."""
    from teamalign.orgs.services import department_save, team_save

    for name in ("Business Applications", "Infrastructure", "Security"):
        team_save(organisation=acme, department=acme.it_department, name=name)
    department_save(organisation=acme, name="Sales", kind="other")
    return acme


@pytest.fixture
def plant(tmp_path: Path, import_tickets):  # noqa: F811
    """plant(org, patterns, tickets=4000, seed=7) → the import result of a demo event log with
    only those planted patterns (tickets.demo.PATTERNS)."""
    from teamalign.tickets.demo import build_event_log

    def run(organisation, patterns, *, tickets: int = 4000, seed: int = 7):
        log = build_event_log(organisation, seed=seed, end=END, tickets=tickets, patterns=patterns)
        path = tmp_path / f"events-{'-'.join(sorted(patterns)) or 'clean'}.csv"
        log.write_csv(path)
        result = import_tickets(organisation, path)
        assert result.created == tickets and result.rejected == 0
        return result

    return run
