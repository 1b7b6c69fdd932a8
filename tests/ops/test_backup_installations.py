"""Backup and restore between real installations (processes, databases and data folders of their
own): the restored installation holds exactly the rows of the one backed up, table by table, and
the kept uploads; a backup of an older schema is restored at its schema and migrated forward."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from .backup_files import rewrite_backup

pytestmark = pytest.mark.slow

TABLE_DIGESTS = """
import hashlib, json
from teamalign.ops.backup import backed_up_models
digests = {}
for model in backed_up_models():
    # Where a run's file is kept is the one value that must change: this installation's folder.
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "stored_path"]
    digest = hashlib.sha256()
    rows = 0
    for row in model._base_manager.order_by("pk").values_list(*fields).iterator():
        digest.update(repr(row).encode())
        rows += 1
    digests[model._meta.db_table] = [rows, digest.hexdigest()]
print(json.dumps(digests))
"""


def digests(installation) -> dict:
    return json.loads(installation.python(TABLE_DIGESTS).stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_source(module_scratch_factory):
    """An installation with the demo organisations (`teamalign demo --no-serve`, build_demo), built
    once for the tests of this module, which only read it."""
    source = module_scratch_factory()
    source.teamalign("demo", "--no-serve")
    return source


def test_the_demo_restored_into_a_new_installation_has_every_tables_rows(demo_source, scratch_factory, tmp_path):
    source, target = demo_source, scratch_factory()
    file = tmp_path / "everything.tar.gz"
    backup = json.loads(source.teamalign("backup", str(file), "--json").stdout)
    assert backup["rows"] > 200_000 and backup["uploads"] >= 2

    restored = json.loads(target.teamalign("restore", str(file), "--json").stdout)  # a brand-new database

    assert restored["rows"] == backup["rows"] and restored["tables"] == backup["tables"]
    expected = digests(source)
    assert digests(target) == expected
    assert expected["tickets_ticket"][0] > 10_000
    for (stored,) in target.query("SELECT stored_path FROM orgs_importrun WHERE stored_path <> ''"):
        assert Path(stored).is_relative_to(target.data_dir / "uploads") and Path(stored).is_file()


def test_a_backup_of_an_older_schema_is_restored_then_migrated_forward(scratch_factory, tmp_path, people_csv):
    source, target = scratch_factory(), scratch_factory()
    source.setup_acme()
    source.teamalign("import", "people", str(people_csv()), "--org", "acme")
    source.teamalign("backup", str(tmp_path / "now.tar.gz"))
    # The same data as a version without run leases would have written it.
    dropped = ("lease_holder", "retry_of_id", "file_removed_at")
    with tarfile.open(tmp_path / "now.tar.gz") as archive:
        columns = json.load(archive.extractfile("manifest.json"))["tables"]["orgs_importrun"]["columns"]
    keep = [i for i, c in enumerate(columns) if c not in dropped]

    def older(manifest):
        manifest["migrations"]["orgs"].remove("0003_runs_leases_and_retention")
        manifest["tables"]["orgs_importrun"]["columns"] = [columns[i] for i in keep]

    rewrite_backup(tmp_path / "now.tar.gz", tmp_path / "older.tar.gz", manifest=older,
                   tables={"orgs_importrun": lambda rows: [[r[i] for i in keep] for r in rows]})

    done = target.teamalign("restore", str(tmp_path / "older.tar.gz"), "--json")

    said, summary = done.stdout.split("{", 1)
    assert "The backup is of an older schema: restoring at its schema, then migrating forward." in " ".join(said.split())
    assert json.loads("{" + summary)["migrated_from"] == "orgs 0002_accounts_invitations"
    assert target.value("SELECT COUNT(*) FROM orgs_person") == 4
    assert target.query("SELECT status, lease_holder FROM orgs_importrun") == [("succeeded", "")]
    assert target.value("SELECT COUNT(*) FROM django_migrations WHERE app = 'orgs' "
                        "AND name = '0003_runs_leases_and_retention'") == 1


def test_a_backup_of_a_newer_schema_is_refused_by_the_command_line(scratch_factory, tmp_path):
    source, target = scratch_factory(), scratch_factory()
    source.setup_acme()
    source.teamalign("backup", str(tmp_path / "now.tar.gz"))
    rewrite_backup(tmp_path / "now.tar.gz", tmp_path / "newer.tar.gz",
                   manifest=lambda m: m["migrations"]["orgs"].append("0042_later"))
    done = target.teamalign("restore", str(tmp_path / "newer.tar.gz"), check=False)
    assert done.returncode == 2
    assert "the backup was made by a newer teamalign" in " ".join(done.stdout.split())
    assert "Nothing was changed." in " ".join(done.stdout.split())


def test_the_demo_organisation_moves_between_installations(demo_source, scratch_factory, tmp_path):
    """Harbourline leaves the demo installation for one that has its own organisation, with its
    tickets, people and uploads; Fjord Foods, the other client, stays behind."""
    source, target = demo_source, scratch_factory()
    target.teamalign("manage", "migrate", "-v", "0")
    target.teamalign("org", "create", "Initech", "--timezone", "UTC", "--slug", "initech")
    file = tmp_path / "harbourline.tar.gz"
    source.teamalign("backup", str(file), "--org", "harbourline")

    done = target.teamalign("restore", str(file), "--json")

    summary = json.loads(done.stdout)
    assert summary["organisation"] == "harbourline" and summary["users_created"] == 5
    count = ("SELECT COUNT(*) FROM {table} t JOIN orgs_organisation o ON o.id = t.organisation_id "
             "WHERE o.slug = 'harbourline'")
    for table in ("tickets_ticket", "tickets_ticketstatechange", "orgs_person", "orgs_importrun", "orgs_membership"):
        assert target.value(count.format(table=table)) == source.value(count.format(table=table)), table
    assert target.value(count.format(table="tickets_ticket")) > 10_000
    assert target.value("SELECT COUNT(*) FROM orgs_organisation WHERE slug = 'fjordfoods'") == 0
    # Same tickets, same figures behind them, under new ids.
    sample = ("SELECT t.external_id, t.opened_at, t.resolution_business_seconds, p.email FROM tickets_ticket t "
              "LEFT JOIN orgs_person p ON p.id = t.requester_person_id ORDER BY t.external_id LIMIT 200")
    assert target.query(sample) == source.query(sample)
    # The kept files came along, into this installation's data folder.
    for (stored,) in target.query("SELECT stored_path FROM orgs_importrun"):
        assert Path(stored).is_relative_to(target.data_dir / "uploads" / "harbourline") and Path(stored).is_file()
