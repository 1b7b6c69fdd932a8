"""The demo's ticket generator plants what its docstring says, through the real import."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from teamalign.tickets import selectors
from teamalign.tickets.demo import build_event_log

pytestmark = pytest.mark.django_db


def test_the_demo_event_log_imports_and_shows_the_planted_patterns(cast, acme, tmp_path: Path, import_tickets):
    from teamalign.orgs.services import department_save, team_save

    # Acme's directory with the demo's IT teams, so assignment groups are real IT teams.
    for name in ("Business Applications", "Infrastructure", "Security"):
        team_save(organisation=acme, department=acme.it_department, name=name)
    department_save(organisation=acme, name="Sales", kind="other")
    log = build_event_log(acme, seed=7, end=datetime(2026, 6, 1, tzinfo=UTC), tickets=4000)
    path = tmp_path / "events.csv"
    log.write_csv(path)
    result = import_tickets(acme, path)
    assert result.created == 4000 and result.rejected == 0
    assert result.details["format"] == "servicenow-eventlog"

    figures = selectors.responsiveness(acme)
    p2 = next(r for r in figures["operations_vs_others"] if r["priority"] == 2)
    assert p2["response_ratio"] > 2.5
    teams = {r["key"]: r for r in figures["breakdowns"]["it_team"]}
    apps, desk = teams["Business Applications"], teams["Service Desk"]
    assert apps["resolution_attainment"] > desk["resolution_attainment"]
    assert apps["reopen_rate"] > 4 * desk["reopen_rate"]
    assert apps["mean_reassignments"] > 3 * desk["mean_reassignments"]
    assert figures["operations"]["open"] > 0
