"""`teamalign backup FILE --org SLUG` and its restore into another installation: one
organisation's rows with new ids, its members' logins (an existing login with the same email is
kept as it is), its kept uploads; nothing of any other organisation."""

from __future__ import annotations

import pytest

from teamalign.ops.backup import BackupError, backup_create, backup_restore
from teamalign.orgs.models import Department, ImportRun, Membership, Organisation, Person, Team, User

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_organisation_is_imported_with_new_ids_and_every_reference_remapped(tmp_path, cast):
    from teamalign.tickets.models import Ticket

    cast.alice.is_superuser = cast.alice.is_staff = True
    cast.alice.save()
    report = backup_create(path=tmp_path / "acme.tar.gz", organisation_slug="acme")
    manifest = report.manifest
    assert manifest["scope"] == "organisation" and manifest["organisation"]["slug"] == "acme"
    assert manifest["tables"]["orgs_organisation"]["rows"] == 1
    assert manifest["tables"]["orgs_user"]["rows"] == 5  # alice, ivan, olivia, victor and ada
    assert {"orgs_apitoken", "django_session", "orgs_loginfailure"} <= set(manifest["not_carried"])

    result = backup_restore(path=tmp_path / "acme.tar.gz", slug="acme-copy")

    assert (result.organisation, result.users_created, result.users_existing) == ("acme-copy", 0, 5)
    old, new = Organisation.objects.get(slug="acme"), Organisation.objects.get(slug="acme-copy")
    assert new.pk != old.pk and new.name == old.name
    for model in (Department, Team, Person, Membership, ImportRun, Ticket):
        assert model.objects.filter(organisation=new).count() == model.objects.filter(organisation=old).count()
        assert not set(model.objects.filter(organisation=new).values_list("pk", flat=True)) & set(
            model.objects.filter(organisation=old).values_list("pk", flat=True))
    # References point inside the copy, never back at Acme.
    for person in Person.objects.filter(organisation=new).select_related("team", "department"):
        assert person.team is None or person.team.organisation_id == new.pk
        assert person.department is None or person.department.organisation_id == new.pk
    ticket = Ticket.objects.get(organisation=new)
    assert ticket.requester_person.organisation_id == new.pk and ticket.requester_department.organisation_id == new.pk
    assert ticket.requester_person.email == Ticket.objects.get(organisation=old).requester_person.email
    # Existing logins are the same users, now members of the copy too; nothing else changed for them.
    assert set(Membership.objects.filter(organisation=new).values_list("user__email", "role")) == set(
        Membership.objects.filter(organisation=old).values_list("user__email", "role"))
    assert User.objects.count() == 7  # the cast's logins, no new one
    assert not Organisation.objects.filter(slug="globex").exclude(pk=cast.globex.pk).exists()


def test_into_another_installation_new_logins_keep_their_password_but_not_staff_rights(tmp_path, cast):
    cast.alice.is_superuser = cast.alice.is_staff = True
    cast.alice.save()
    password_hash = User.objects.get(email="ivan@acme.example").password
    backup_create(path=tmp_path / "acme.tar.gz", organisation_slug="acme")
    # "Another installation": this database, emptied, with its own organisation and a login that
    # has the advisor's email.
    from teamalign.orgs.services import organisation_create, user_create

    Person.objects.all().delete()
    Organisation.objects.all().delete()
    User.objects.all().delete()
    other = organisation_create(name="Initech", slug="initech", timezone="UTC")
    advisor = user_create(email="ada@advisors.example", password="her own password 1", organisation=other,
                          role="admin")

    result = backup_restore(path=tmp_path / "acme.tar.gz")

    assert (result.users_created, result.users_existing) == (4, 1)
    acme = Organisation.objects.get(slug="acme")
    assert User.objects.get(email="ivan@acme.example").password == password_hash
    assert User.objects.get(email="ivan@acme.example").check_password(cast.password)
    alice = User.objects.get(email="alice@acme.example")
    assert not alice.is_staff and not alice.is_superuser
    advisor.refresh_from_db()
    assert advisor.check_password("her own password 1")  # an existing login is kept as it is
    assert set(Membership.objects.filter(user=advisor).values_list("organisation__slug", flat=True)) == {
        "initech", "acme"}
    assert Membership.objects.filter(organisation=acme).count() == 5


def test_an_organisation_whose_slug_exists_is_refused_unless_renamed(tmp_path, cast):
    backup_create(path=tmp_path / "acme.tar.gz", organisation_slug="acme")
    before = Organisation.objects.count()
    with pytest.raises(BackupError, match="has an organisation with the slug 'acme' already; give --slug NEW"):
        backup_restore(path=tmp_path / "acme.tar.gz")
    with pytest.raises(BackupError, match="not a usable slug"):
        backup_restore(path=tmp_path / "acme.tar.gz", slug="no spaces/please")
    assert Organisation.objects.count() == before


def test_an_organisation_from_another_version_is_refused_when_its_tables_differ(tmp_path, cast):
    from .backup_files import rewrite_backup

    backup_create(path=tmp_path / "acme.tar.gz", organisation_slug="acme")
    rewrite_backup(tmp_path / "acme.tar.gz", tmp_path / "older.tar.gz",
                   manifest=lambda m: (m["tables"]["orgs_person"]["columns"].remove("title"),
                                       m.update(teamalign_version="0.0.9")),
                   tables={"orgs_person": lambda rows: [r[:3] + r[4:] for r in rows]})
    with pytest.raises(BackupError, match="orgs_person has other columns .*teamalign 0.0.9.*same version"):
        backup_restore(path=tmp_path / "older.tar.gz", slug="acme-old")
    assert not Organisation.objects.filter(slug="acme-old").exists()
