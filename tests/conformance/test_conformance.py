"""Conformance: every fixture of every format, imported through the CLI, against a recount.

``teamalign import tickets FILE --org acme --json`` imports each file (parse in the sandbox,
the database, the run record); the figures stored are then compared with figures recounted
from the raw file by :mod:`.recount` with plain Python: the number of tickets, how many are
still open, the median calendar time from opening to resolution and how many have a first
response. A new quirk means a new fixture, and a new fixture must be listed here.
"""

from __future__ import annotations

import json
import statistics

import pytest

from teamalign.orgs.models import ImportRun
from teamalign.tickets.models import Ticket
from tests.tickets.conftest import FIXTURES

from .recount import EXPORTS, Figures, recount

pytestmark = pytest.mark.django_db


def stored_figures(organisation) -> Figures:
    tickets = list(Ticket.objects.filter(organisation=organisation).values_list(
        "state", "opened_at", "resolved_at", "first_response_at"))
    durations = [(resolved - opened).total_seconds() for _, opened, resolved, _ in tickets
                 if resolved is not None and resolved >= opened]
    return Figures(tickets=len(tickets), open=sum(1 for t in tickets if t[0] in ("new", "in_progress", "on_hold")),
                   median_resolution_seconds=statistics.median(durations) if durations else None,
                   first_responses=sum(1 for t in tickets if t[3] is not None))


def test_every_fixture_is_in_the_conformance_suite():
    files = {p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".json", ".xlsx")}
    assert files == set(EXPORTS), "add the new fixture to tests/conformance/recount.py"


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_an_import_through_the_cli_matches_a_recount_of_the_raw_file(teamalign, acme, capsys, name):
    from teamalign.cli import main

    export, extra = EXPORTS[name]
    extra = tuple(str(FIXTURES / a) if a.endswith(".toml") else a for a in extra)
    code = main(["import", "tickets", str(FIXTURES / name), "--org", acme.slug, "--timezone", "UTC", "--json",
                 *extra])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0, summary["errors"]
    run = ImportRun.objects.get(pk=summary["import_run"])
    assert (run.status, run.file_name) == ("succeeded", name)
    assert stored_figures(acme) == recount(FIXTURES / name, export)
