"""`teamalign backup` / `teamalign restore`: a consistent online backup of everything (database
and kept uploads) with a manifest; a restore that checks the file first, refuses a newer schema
or a database that holds data (without --force), and compares every table's row count after."""

from __future__ import annotations

import io
import json
import stat
import tarfile

import pytest
from django.apps import apps
from django.db import connection, models

from teamalign.ops.backup import BackupError, backed_up_models, backup_create, backup_restore
from teamalign.orgs.models import ImportRun, Organisation, Person

from .backup_files import every_row, rewrite_backup

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_round_trip_restores_every_table_row_for_row(tmp_path, cast, people_csv):
    """(The demo organisation makes the same round trip between installations, through the
    command line, in test_backup_installations.py.)"""
    from teamalign.orgs.import_runs import import_run_create, import_run_execute

    with people_csv(name="hr.csv").open("rb") as source:
        import_run_execute(import_run_create(organisation=cast.acme, kind="people", file_name="hr.csv",
                                             source=source, user=cast.ivan, via="web"))
    tables = backed_up_models()
    before = every_row(tables)
    file = tmp_path / "teamalign.tar.gz"

    report = backup_create(path=file)

    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    manifest = report.manifest
    assert manifest["scope"] == "everything" and manifest["database"] == connection.vendor
    assert manifest["migrations"]["orgs"][:3] == ["0001_initial", "0002_accounts_invitations", "0003_runs_leases_and_retention"]
    assert {t: e["rows"] for t, e in manifest["tables"].items()} == {t: len(r) for t, r in before.items()}
    assert [name.split("/")[1] for name in manifest["uploads"]] == ["acme"]

    # What a restore must undo: people deleted (their tickets lose their requester), a run added.
    Person.objects.filter(organisation=cast.acme).delete()
    ImportRun.objects.create(organisation=cast.globex, kind="people", file_name="later.csv", file_sha256="0" * 64)
    restored = backup_restore(path=file, force=True)

    assert restored.rows == sum(len(r) for r in before.values())
    after = every_row(tables)
    for table in before:
        assert after[table] == before[table], table


def test_every_model_of_every_app_is_in_a_backup_and_a_new_model_is_covered_by_itself(tmp_path, cast):
    """Tables come from the app registry: a model another app adds needs no list to be updated."""

    class Gadget(models.Model):  # a model as a new area would add one
        name = models.CharField(max_length=50)
        organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
        weight = models.FloatField(null=True)
        made_at = models.DateTimeField(null=True)
        extras = models.JSONField(default=dict)

        class Meta:
            app_label = "ops"

    with connection.schema_editor() as editor:
        editor.create_model(Gadget)
    try:
        from django.utils import timezone

        Gadget.objects.create(name="one", organisation=cast.acme, weight=float("nan"), made_at=timezone.now(),
                              extras={"a": [1, 2]})
        Gadget.objects.create(name="two", organisation=cast.acme, weight=2.5)
        models_now = {m._meta.db_table for m in apps.get_models(include_auto_created=True)} - {"ops_lease"}
        report = backup_create(path=tmp_path / "b.tar.gz")
        assert set(report.manifest["tables"]) == models_now
        assert report.manifest["tables"]["ops_gadget"]["rows"] == 2
        before = every_row([Gadget])["ops_gadget"]
        Gadget.objects.all().delete()
        backup_restore(path=tmp_path / "b.tar.gz", force=True)
        after = every_row([Gadget])["ops_gadget"]
        # NaN (PostgreSQL keeps it; SQLite stores it as NULL) compares equal to itself here.
        nan_safe = [tuple("NaN" if isinstance(v, float) and v != v else v for v in r) for r in after]
        assert nan_safe == [tuple("NaN" if isinstance(v, float) and v != v else v for v in r) for r in before]
        assert nan_safe[0][3] == ("NaN" if connection.vendor == "postgresql" else None)
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Gadget)
        del apps.all_models["ops"]["gadget"]
        apps.clear_cache()


def test_restore_refuses_a_database_that_holds_data_unless_forced(tmp_path, cast):
    backup_create(path=tmp_path / "b.tar.gz")
    with pytest.raises(BackupError, match=r"the database is not empty \(.* rows in .* tables.*give --force"):
        backup_restore(path=tmp_path / "b.tar.gz")


def test_restore_refuses_a_backup_of_a_newer_schema_and_changes_nothing(tmp_path, cast):
    backup_create(path=tmp_path / "b.tar.gz")
    rewrite_backup(tmp_path / "b.tar.gz", tmp_path / "future.tar.gz",
                   manifest=lambda m: m["migrations"]["orgs"].append("0099_from_the_future"))
    Person.objects.filter(organisation=cast.acme).delete()
    people = Person.objects.count()
    with pytest.raises(BackupError, match="made by a newer teamalign .*orgs.0099_from_the_future is unknown here"):
        backup_restore(path=tmp_path / "future.tar.gz", force=True)
    assert Person.objects.count() == people


def test_restore_compares_every_tables_count_and_undoes_everything_when_one_differs(tmp_path, cast):
    backup_create(path=tmp_path / "b.tar.gz")
    rewrite_backup(tmp_path / "b.tar.gz", tmp_path / "short.tar.gz",
                   manifest=lambda m: m["tables"]["orgs_person"].update(rows=m["tables"]["orgs_person"]["rows"] + 1))
    Person.objects.filter(organisation=cast.globex).delete()
    before = every_row(backed_up_models())
    with pytest.raises(BackupError, match=r"orgs_person: 8 rows after the restore, the backup has 9"):
        backup_restore(path=tmp_path / "short.tar.gz", force=True)
    assert every_row(backed_up_models()) == before


def test_a_damaged_or_foreign_file_is_refused_before_anything_changes(tmp_path, cast):
    backup_create(path=tmp_path / "b.tar.gz")
    rewrite_backup(tmp_path / "b.tar.gz", tmp_path / "damaged.tar.gz", keep_checksums=True,
                   tables={"orgs_person": lambda rows: rows[:-1]})
    (tmp_path / "notes.txt").write_text("not a backup")
    whole = (tmp_path / "b.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(whole[: len(whole) // 2])
    before = every_row(backed_up_models())
    for name, message in (("damaged.tar.gz", "orgs_person.jsonl does not match its checksum"),
                          ("notes.txt", "not a teamalign backup"),
                          ("cut.tar.gz", "cut.tar.gz"),
                          ("missing.tar.gz", "no backup file at")):
        with pytest.raises(BackupError, match=message):
            backup_restore(path=tmp_path / name, force=True)
    assert every_row(backed_up_models()) == before


def test_the_command_line(tmp_path, cast, teamalign):
    code, out = teamalign("backup", str(tmp_path / "b.tar.gz"))
    assert code == 0 and "Backed up everything:" in out and "tables" in out
    code, out = teamalign("restore", str(tmp_path / "b.tar.gz"))
    assert code == 2 and "the database is not empty" in out and "Nothing was changed." in out
    code, out = teamalign("restore", str(tmp_path / "b.tar.gz"), "--force")
    assert code == 0 and "Every table's row count matches the backup." in out
    code, out = teamalign("backup", str(tmp_path / "x.tar.gz"), "--org", "nobody")
    assert code == 2 and "no organisation with the slug 'nobody'" in out
    code, out = teamalign("backup", str(tmp_path))
    assert code == 2 and "is a folder" in out


def test_the_manifest_lists_versions_migrations_counts_and_checksums(tmp_path, cast):
    import hashlib

    import teamalign

    report = backup_create(path=tmp_path / "b.tar.gz")
    with tarfile.open(tmp_path / "b.tar.gz") as archive:
        assert archive.getnames()[0] == "manifest.json"
        manifest = json.load(archive.extractfile("manifest.json"))
        for table, entry in manifest["tables"].items():
            content = archive.extractfile(entry["file"]).read()
            assert hashlib.sha256(content).hexdigest() == entry["sha256"]
            assert content.count(b"\n") == entry["rows"]
    assert manifest == json.loads(json.dumps(report.manifest))
    assert manifest["teamalign_version"] == teamalign.__version__
    applied = {(a, n) for a, names in manifest["migrations"].items() for n in names}
    from django.db.migrations.recorder import MigrationRecorder

    assert applied == set(MigrationRecorder(connection).applied_migrations())
    assert "ops_lease" not in manifest["tables"]


@pytest.mark.django_db
def test_any_bytes_given_as_a_backup_give_a_clear_refusal(tmp_path):
    from hypothesis import HealthCheck, given, settings, strategies as st

    def tar_of(members: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for name, content in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        return buffer.getvalue()

    manifests = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                             lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                         max_size=5), max_leaves=20)
    shaped = st.fixed_dictionaries({"format": st.just("teamalign-backup"), "format_version": st.just(1),
                                    "scope": st.sampled_from(["everything", "organisation", "x"]),
                                    "migrations": manifests, "tables": manifests, "uploads": manifests})
    contents = st.one_of(
        st.binary(max_size=2000),
        manifests.map(lambda m: tar_of({"manifest.json": json.dumps(m).encode()})),
        shaped.map(lambda m: tar_of({"manifest.json": json.dumps(m).encode()})),
    )

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(content=contents)
    def check(content):
        path = tmp_path / "fuzz.tar.gz"
        path.write_bytes(content)
        with pytest.raises(BackupError):
            backup_restore(path=path, force=True)

    before = Organisation.objects.count()
    check()
    assert Organisation.objects.count() == before
