"""`teamalign org create` and `teamalign org list`."""

from __future__ import annotations

import pytest

from teamalign.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_it_creates_an_organisation_with_its_it_department(teamalign):
    code, out = teamalign("org", "create", "Initech Ltd", "--timezone", "America/Chicago", "--currency", "usd")
    assert code == 0
    assert "Created organisation Initech Ltd (slug: initech-ltd, time zone America/Chicago)." in out
    org = Organisation.objects.get(slug="initech-ltd")
    assert (org.currency, org.it_department.name) == ("USD", "IT")


def test_it_takes_a_slug(teamalign):
    assert teamalign("org", "create", "Initech", "--timezone", "UTC", "--slug", "ini")[0] == 0
    assert Organisation.objects.filter(slug="ini").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["Initech", "--timezone", "Mars/Olympus"], "'Mars/Olympus' is not a known IANA time zone"),
    (["Acme", "--timezone", "UTC"], "an organisation with the slug 'acme' exists already"),
    (["Initech", "--timezone", "UTC", "--currency", "EURO"], "'EURO' is not an ISO 4217 currency code"),
])
def test_it_refuses_a_bad_organisation_with_a_message(argv, message, teamalign, cast):
    before = Organisation.objects.count()
    code, out = teamalign("org", "create", *argv)
    assert code == 2
    assert f"error: {message}" in out
    assert Organisation.objects.count() == before


def test_it_needs_a_time_zone(teamalign, capsys):
    with pytest.raises(SystemExit) as exited:
        teamalign("org", "create", "Initech")
    assert exited.value.code == 2
    assert "--timezone" in capsys.readouterr().err


def test_it_lists_organisations_with_their_people_and_users(teamalign, cast):
    code, out = teamalign("org", "list")
    assert code == 0
    # Acme: 5 people and 5 logins (alice, ivan, olivia, victor, ada); Globex: 3 people, 2 logins (gary, ada)
    assert "│ acme │ Acme │ Europe/London │ EUR │ 5 │ 5 │" in out
    assert "│ globex │ Globex │ Europe/London │ EUR │ 3 │ 2 │" in out
