"""Fixtures of the ticket service, page and API tests: the cast's Acme, small ServiceNow list
exports written on the fly, and the importer fixtures of tests/tickets/fixtures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

# The parsers' fixtures and the shared event log, from the parser tests' conftest.
from tests.tickets.conftest import shared_event_log  # noqa: F401
from tests.tickets.conftest import fixture_path as fixture_file  # noqa: F401

LIST_HEADER = ["number", "short_description", "caller_id", "caller_id.email", "location", "opened_at", "priority",
               "state", "category", "assignment_group", "sys_updated_on", "resolved_at", "closed_at",
               "reassignment_count", "reopen_count"]


@pytest.fixture
def acme(cast):
    """Acme without the ticket and requester rule the cast plants for the isolation tests, so each
    test here starts from the tickets it imports."""
    from django.core.cache import cache

    from teamalign.tickets.models import RequesterRule, Ticket

    cache.clear()
    Ticket.objects.filter(organisation__in=[cast.acme, cast.globex]).delete()
    RequesterRule.objects.filter(organisation__in=[cast.acme, cast.globex]).delete()
    return cast.acme


def ticket_row(number: str, **values) -> dict:
    """A ServiceNow list export row; times are London wall-clock text, as the export writes them."""
    row = {"number": number, "short_description": f"Ticket {number}", "caller_id": "Olivia Okafor",
           "caller_id.email": "olivia@acme.example", "location": "", "opened_at": "2026-03-02 09:00:00",
           "priority": "3 - Moderate", "state": "Resolved", "category": "Hardware",
           "assignment_group": "Service Desk", "sys_updated_on": "2026-03-06 12:00:00",
           "resolved_at": "2026-03-02 11:00:00", "closed_at": "", "reassignment_count": "0",
           "reopen_count": "0"}
    row.update(values)
    return row


@pytest.fixture
def list_csv(tmp_path: Path):
    """list_csv([ticket_row(...), ...], name=...) → the path of a ServiceNow list CSV export."""

    def write(rows: list[dict], name: str = "incidents.csv") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=LIST_HEADER)
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def import_tickets():
    """import_tickets(org, path, **options) → ImportResult, through the service."""
    from teamalign.tickets.services import ticket_import

    def run(organisation, path: Path, **options):
        return ticket_import(organisation=organisation, path=path, file_name=Path(path).name, **options)

    return run
