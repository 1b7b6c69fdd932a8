"""`teamalign backup FILE` and `teamalign restore FILE`: everything, or one organisation.

What a backup file holds (a gzip-compressed tar, written 0600, complete or not at all):

``manifest.json``
    teamalign's version, when, from which database (``sqlite`` or ``postgresql``), the scope
    (``everything`` or one ``organisation``), the migrations applied per app, and per table its
    model, columns, row count, smallest and largest id, and the SHA-256 of its data file; per
    kept upload its size and SHA-256.
``tables/<table>.jsonl``
    one JSON array per row, values in the manifest's column order, rows in key order.
``uploads/<organisation>/<file>``
    the uploaded files that runs still keep (UPLOAD_RETENTION_DAYS).

**Why rows as JSON, not a database file or pg_dump.** One format serves SQLite and PostgreSQL
(a trial on a laptop moves to a PostgreSQL server by backup and restore), a whole installation
and a single organisation (which has to be rewritten row by row anyway, its ids remapped), can be
checked table by table against its manifest, and needs no client tools of the server's exact
version on the host. A PostgreSQL DBA may add pg_dump to their own routine; this file is the one
teamalign can restore and verify.

**Consistency, while the server runs.** SQLite: the sqlite3 backup API copies the live database
(its WAL included) into a snapshot file in one step, and the rows are read from that copy — not a
file copy of a database in WAL mode, which can be torn. PostgreSQL: every table is read inside one
``REPEATABLE READ, READ ONLY`` transaction, one snapshot, as pg_dump takes it.

**Which tables.** Every concrete model in Django's app registry (many-to-many tables included),
so a model any app adds is backed up without anyone listing it. ``ops.Lease`` is left out: it
describes processes of the machine the backup came from.

**Restore.** Checks the file first (manifest, every checksum) and changes nothing when anything is
wrong; refuses a backup made by a newer schema (a migration this code does not know) and a
database that already holds data unless ``--force``. It then loads every row in one transaction
and compares every table's row count with the manifest before committing. A backup of an older
schema is loaded at its own schema and then migrated forward.

**One organisation** (``--org``): its rows, found by following foreign keys from each model to the
organisation; the logins that are members of it (with their password hashes, so that they can
sign in at the new installation; an email that already has a login there keeps that login and its
password, and gains the membership); its kept uploads. Not carried: staff and superuser flags,
API tokens, sessions, other organisations, background tasks. Restored into another installation
with new ids (every id shifted past the target's largest), the same teamalign version on both
sides (the tables' columns must match).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import io
import json
import logging
import os
import re
import sqlite3
import tarfile
import tempfile
import time
import math
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import orjson
from django.apps import apps as global_apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils import timezone
from django.utils.duration import duration_string

import teamalign
from teamalign.errors import TeamalignError

from .files import private_file_open, private_folder

logger = logging.getLogger(__name__)

FORMAT = "teamalign-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Runtime state of the processes of one machine: meaningless anywhere else.
SKIPPED_MODELS = frozenset({"ops.lease"})
#: Tables that `migrate` fills by itself: they do not make a database "not empty".
FRAMEWORK_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission", "ops_lease"})
BATCH = 2000
_SAFE_PART = re.compile(r"^[^/\\\x00]+$")


class BackupError(TeamalignError):
    """A backup that cannot be written, or a file that cannot be restored (nothing was changed)."""


@dataclass
class BackupReport:
    path: Path
    scope: str
    tables: int = 0
    rows: int = 0
    uploads: int = 0
    bytes: int = 0
    seconds: float = 0.0
    manifest: dict = field(default_factory=dict)


@dataclass
class RestoreReport:
    scope: str
    tables: int = 0
    rows: int = 0
    uploads: int = 0
    seconds: float = 0.0
    organisation: str = ""
    users_created: int = 0
    users_existing: int = 0
    migrated_from: str = ""  # the backup's schema when it was older than this code's


# --- models and values -------------------------------------------------------------------------------


def backed_up_models(registry=global_apps) -> list[type[models.Model]]:
    """Every model whose table a backup holds, from the app registry, by table name."""
    found: dict[str, type[models.Model]] = {}
    for model in registry.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped or meta.label_lower in SKIPPED_MODELS:
            continue
        found.setdefault(meta.db_table, model)
    return [found[table] for table in sorted(found)]


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _json_default(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_string(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} to a backup")


_AS_IS = (models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField, models.CharField,
          models.TextField, models.BooleanField)


def _finite_floats(indexes: list[int]) -> Callable[[list], list]:
    """JSON has no NaN or infinity: such floats are written as the strings Python reads back."""
    def fix(row: list) -> list:
        for index in indexes:
            value = row[index]
            if isinstance(value, float) and not math.isfinite(value):
                row[index] = repr(value)  # "nan", "inf", "-inf"
        return row
    return fix


def _same(value):
    return value


def _to_database(field: models.Field, conn) -> Callable:
    """A function turning a JSON value of this column back into what the database takes
    (``_same`` when JSON gives it as it is)."""
    if field.is_relation:
        return _to_database(field.target_field, conn)
    if isinstance(field, models.DateTimeField) and conn.vendor in ("sqlite", "postgresql"):
        # The hot path of a restore (every ticket has several): parsed in C, and on SQLite put as
        # Django's adapter puts it (naive UTC text), without the adapter's per-value overhead.
        if conn.vendor == "postgresql":
            return lambda v: None if v is None else dt.datetime.fromisoformat(v)

        def sqlite_text(v):
            if v is None:
                return None
            moment = dt.datetime.fromisoformat(v)
            if moment.tzinfo is not None:
                moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
            return str(moment)
        return sqlite_text
    if isinstance(field, models.JSONField):
        null = None if field.null else field.get_db_prep_value(None, conn)
        return lambda v: null if v is None else field.get_db_prep_save(v, conn)
    if isinstance(field, _AS_IS):
        return _same
    if isinstance(field, models.FloatField):
        return lambda v: float(v) if isinstance(v, str) else v
    return lambda v: None if v is None else field.get_db_prep_save(field.to_python(v), conn)


def _batched(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# --- reading the database -----------------------------------------------------------------------------


def _applied_migrations(conn=None) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(conn or connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _fully_migrated(conn=None) -> bool:
    executor = MigrationExecutor(conn or connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


@contextmanager
def _consistent_reads(folder: Path) -> Iterator:
    """A database connection whose reads all see one consistent state of the live database."""
    if connection.vendor == "sqlite":
        snapshot = folder / "snapshot.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(snapshot)
        try:
            connection.connection.backup(copy)  # one step: a consistent copy, WAL included
        finally:
            copy.close()
        # A private connection to the copy, not a configured database: nothing else can use it.
        reader = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper(
            {**connection.settings_dict, "NAME": str(snapshot)}, alias=DEFAULT_DB_ALIAS)
        try:
            yield reader
        finally:
            reader.close()
            snapshot.unlink(missing_ok=True)
    else:
        with transaction.atomic():
            if len(connection.atomic_blocks) == 1:  # ours is the transaction: make it one snapshot
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield connection


def _fetch(queryset: models.QuerySet, reader) -> Iterator[tuple]:
    """The rows of a values_list() queryset, read through ``reader`` (with Django's conversions)."""
    if reader is connection:
        yield from queryset.iterator(chunk_size=BATCH)
        return
    compiler = queryset.query.get_compiler(connection=reader)
    yield from compiler.results_iter(tuple_expected=True, chunked_fetch=True, chunk_size=BATCH)


def _values(queryset: models.QuerySet, field: str, reader) -> set:
    return {row[0] for row in _fetch(queryset.values_list(field), reader)}


@dataclass
class _TableOut:
    model: type[models.Model]
    queryset: models.QuerySet
    fix: Callable[[list], list] | None = None


def _write_table(folder: Path, table: _TableOut, reader) -> dict:
    """Write one table's rows to ``folder/<table>.jsonl``; return its manifest entry."""
    meta = table.model._meta
    fields = _columns(table.model)
    path = folder / f"{meta.db_table}.jsonl"
    digest, rows = hashlib.sha256(), 0
    smallest = largest = None
    integer_key = isinstance(meta.pk, (models.AutoField, models.BigAutoField, models.SmallAutoField,
                                       models.IntegerField)) and not meta.pk.is_relation
    key_index = fields.index(meta.pk) if meta.pk in fields else None
    floats = [i for i, f in enumerate(fields) if isinstance(f, models.FloatField)]
    fix = _chain(table.fix, _finite_floats(floats)) if floats else table.fix
    with path.open("wb") as out:
        for values in _fetch(table.queryset.order_by("pk").values_list(*[f.attname for f in fields]), reader):
            row = list(values)
            if fix is not None:
                row = fix(row)
            data = orjson.dumps(row, default=_json_default, option=orjson.OPT_APPEND_NEWLINE)
            out.write(data)
            digest.update(data)
            rows += 1
            if integer_key and key_index is not None:
                key = row[key_index]
                smallest = key if smallest is None else min(smallest, key)
                largest = key if largest is None else max(largest, key)
    return {"model": meta.label_lower, "columns": [f.column for f in fields], "rows": rows,
            "ids": [smallest, largest] if smallest is not None else None,
            "file": f"tables/{meta.db_table}.jsonl", "sha256": digest.hexdigest()}


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _kept_uploads(runs: models.QuerySet, reader) -> dict[str, Path]:
    """Archive name → file, for the uploaded files these runs still keep."""
    kept: dict[str, Path] = {}
    for stored in sorted(_values(runs.filter(file_removed_at__isnull=True).exclude(stored_path=""), "stored_path",
                                 reader)):
        path = Path(stored)
        if not path.is_file():
            path = Path(settings.UPLOAD_DIR) / path.parent.name / path.name  # the data folder moved
        if path.is_file():
            kept[f"uploads/{path.parent.name}/{path.name}"] = path
    return kept


def _write_archive(target: Path, folder: Path, manifest: dict, tables: dict, uploads: dict[str, Path]) -> int:
    """Write the tar file beside ``target`` and move it into place; return its size."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with os.fdopen(private_file_open(partial, exclusive=False), "wb") as raw, \
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(data))
            for table in tables:
                archive.add(folder / f"{table}.jsonl", arcname=f"tables/{table}.jsonl", recursive=False)
            for name, path in uploads.items():
                archive.add(path, arcname=name, recursive=False)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def backup_create(*, path: Path | str, organisation_slug: str | None = None) -> BackupReport:
    """Write a backup of everything, or of one organisation, to ``path``; see the module doc."""
    from teamalign.orgs.models import ImportRun, Organisation

    started = time.perf_counter()
    target = Path(path).expanduser().resolve()
    if target.is_dir():
        raise BackupError(f"{target} is a folder; name the backup file, e.g. {target / 'teamalign.tar.gz'}")
    if not target.parent.is_dir():
        raise BackupError(f"there is no folder {target.parent} to write the backup in")
    organisation = None
    if organisation_slug is not None:
        organisation = Organisation.objects.filter(slug=organisation_slug).first()
        if organisation is None:
            raise BackupError(f"no organisation with the slug '{organisation_slug}'")
    if not _fully_migrated():
        raise BackupError("the database is not fully migrated; run `teamalign manage migrate` first")
    report = BackupReport(path=target, scope="organisation" if organisation else "everything")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".teamalign-backup-") as scratch:
        folder = Path(scratch)
        with _consistent_reads(folder) as reader:
            if organisation is None:
                plan = [_TableOut(m, m._base_manager.all()) for m in backed_up_models()]
                runs = ImportRun.objects.all()
                extra = {}
            else:
                plan, extra = _organisation_plan(organisation, reader)
                runs = ImportRun.objects.filter(organisation=organisation)
            tables = {}
            for table in plan:
                tables[table.model._meta.db_table] = _write_table(folder, table, reader)
            uploads = _kept_uploads(runs, reader)
            migrations = _applied_migrations()
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "teamalign_version": teamalign.__version__,
            "created_at": timezone.now().isoformat(), "database": connection.vendor, "scope": report.scope,
            "migrations": migrations, "upload_dir": str(settings.UPLOAD_DIR), "tables": tables,
            "uploads": {name: {"size": p.stat().st_size, "sha256": _sha256_file(p)} for name, p in uploads.items()},
            **extra,
        }
        report.bytes = _write_archive(target, folder, manifest, tables, uploads)
    report.tables = len(tables)
    report.rows = sum(t["rows"] for t in tables.values())
    report.uploads = len(uploads)
    report.manifest = manifest
    report.seconds = round(time.perf_counter() - started, 2)
    return report


# --- one organisation: which rows -----------------------------------------------------------------------


def _path_to_organisation(model: type[models.Model], organisation_model) -> str | None:
    """The shortest chain of foreign keys from the model to the organisation ("ticket__organisation"),
    non-null keys first; None when there is none."""
    if model is organisation_model:
        return "pk"
    queue = deque([(model, "")])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        keys = [f for f in current._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)]
        for key in sorted(keys, key=lambda f: (f.null, f.name)):
            related = key.related_model
            step = f"{path}__{key.name}" if path else key.name
            if related is organisation_model:
                return step
            if related not in seen:
                seen.add(related)
                queue.append((related, step))
    return None


#: Organisation tables an organisation export leaves behind, and why.
ORGANISATION_EXPORT_LEAVES = {
    "orgs.invitation": "pending invitations are one-time links of the installation that sent them; "
                       "invite the people again from the new one",
}


def _organisation_plan(organisation, reader) -> tuple[list[_TableOut], dict]:
    """The tables of one organisation's export: rows, and row fixes that drop references to rows
    the export does not carry (a run started by a user who left, say)."""
    from teamalign.orgs.models import Organisation

    user_model = global_apps.get_model(settings.AUTH_USER_MODEL)
    carried: dict[type[models.Model], models.QuerySet] = {}
    not_carried = []
    for model in backed_up_models():
        if model is user_model:
            continue
        if model._meta.label_lower in ORGANISATION_EXPORT_LEAVES:
            not_carried.append(model._meta.db_table)
            continue
        path = _path_to_organisation(model, Organisation)
        if path is None:
            not_carried.append(model._meta.db_table)
            continue
        manager = model._base_manager
        carried[model] = manager.filter(pk=organisation.pk) if path == "pk" else manager.filter(**{path: organisation.pk})
    # Logins: those a carried row cannot do without (members; an invitation's user…).
    user_ids: set = set()
    for model, queryset in carried.items():
        for f in _columns(model):
            if f.is_relation and f.related_model is user_model and not f.null:
                user_ids.update(_values(queryset, f.attname, reader))
    carried[user_model] = user_model._base_manager.filter(pk__in=user_ids)

    ids: dict[type[models.Model], set] = {}

    def known(model) -> set:
        if model not in ids:
            ids[model] = _values(carried[model], "pk", reader)
        return ids[model]

    plan = []
    for model in sorted(carried, key=lambda m: m._meta.db_table):
        fields = _columns(model)
        checks = []
        for index, f in enumerate(fields):
            if not f.is_relation:
                continue
            target = f.related_model
            if target in carried:
                checks.append((index, f, target))
            elif f.null:
                checks.append((index, f, None))
            else:
                raise BackupError(f"cannot export {model._meta.db_table}: its column {f.column} refers to "
                                  f"{target._meta.db_table}, which an organisation export does not carry")
        plan.append(_TableOut(model, carried[model], _reference_fix(model, checks, known) if checks else None))
        if model is user_model:
            staff = [i for i, f in enumerate(fields) if f.name in ("is_staff", "is_superuser")]
            plan[-1].fix = _chain(plan[-1].fix, _clear(staff))
    extra = {"organisation": {"slug": organisation.slug, "name": organisation.name},
             "not_carried": sorted(not_carried)}
    return plan, extra


def _reference_fix(model, checks, known) -> Callable[[list], list]:
    def fix(row: list) -> list:
        for index, f, target in checks:
            value = row[index]
            if value is None:
                continue
            if target is None or value not in known(target):
                if not f.null:
                    raise BackupError(f"{model._meta.db_table} row {row} refers to {f.related_model._meta.db_table} "
                                      f"#{value}, which is outside the organisation")
                row[index] = None
        return row
    return fix


def _clear(indexes: list[int]) -> Callable[[list], list]:
    def fix(row: list) -> list:
        for index in indexes:
            row[index] = False
        return row
    return fix


def _chain(first, second):
    if first is None:
        return second
    return lambda row: second(first(row))


# --- reading a backup file ------------------------------------------------------------------------------


class _Archive:
    """A backup file, opened and checked: its manifest is valid and every member matches its checksum."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.tar = tarfile.open(path, mode="r:*")
        except FileNotFoundError:
            raise BackupError(f"no backup file at {path}") from None
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{path.name} is not a teamalign backup (not a readable tar file: {exc})") from None
        try:
            self.manifest = self._manifest()
            self._verify()
        except BaseException:
            self.tar.close()
            raise

    def close(self) -> None:
        self.tar.close()

    def member(self, name: str):
        try:
            member = self.tar.getmember(name)
        except KeyError:
            raise BackupError(f"{self.path.name} is incomplete: {name} is missing") from None
        if not member.isfile():
            raise BackupError(f"{self.path.name} is damaged: {name} is not a file")
        source = self.tar.extractfile(member)
        if source is None:
            raise BackupError(f"{self.path.name} is damaged: {name} cannot be read")
        return source

    def _manifest(self) -> dict:
        try:
            manifest = json.loads(self.member(MANIFEST).read(64 << 20).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{self.path.name} is not a teamalign backup (its manifest cannot be read: {exc})") \
                from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{self.path.name} is not a teamalign backup (no teamalign manifest)")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(f"{self.path.name} was written by a newer teamalign (backup format {version}); "
                              "upgrade teamalign to restore it")
        try:
            scope = manifest["scope"]
            assert scope in ("everything", "organisation")
            assert isinstance(manifest["migrations"], dict)
            for app, names in manifest["migrations"].items():
                assert isinstance(app, str) and isinstance(names, list) and all(isinstance(n, str) for n in names)
            tables = manifest["tables"]
            assert isinstance(tables, dict)
            for table, entry in tables.items():
                assert isinstance(table, str) and isinstance(entry, dict)
                assert entry["file"] == f"tables/{table}.jsonl"
                assert isinstance(entry["rows"], int) and entry["rows"] >= 0
                assert isinstance(entry["columns"], list) and all(isinstance(c, str) for c in entry["columns"])
                assert isinstance(entry["sha256"], str)
            uploads = manifest["uploads"]
            assert isinstance(uploads, dict)
            for name, entry in uploads.items():
                parts = name.split("/")
                assert len(parts) == 3 and parts[0] == "uploads"
                assert all(_SAFE_PART.match(p) and p not in (".", "..") for p in parts[1:])
                assert isinstance(entry, dict) and isinstance(entry["sha256"], str)
            # Every backup has at least the organisations app and its table: anything else is
            # not a backup of teamalign, however well formed.
            assert "0001_initial" in manifest["migrations"]["orgs"]
            assert "orgs_organisation" in tables
            if scope == "organisation":
                assert isinstance(manifest["organisation"]["slug"], str)
        except (KeyError, TypeError, AssertionError):
            raise BackupError(f"{self.path.name} is damaged: its manifest is incomplete") from None
        return manifest

    def _verify(self) -> None:
        names = [entry["file"] for entry in self.manifest["tables"].values()] + list(self.manifest["uploads"])
        expected = {entry["file"]: entry["sha256"] for entry in self.manifest["tables"].values()}
        expected.update({name: entry["sha256"] for name, entry in self.manifest["uploads"].items()})
        for name in names:
            digest = hashlib.sha256()
            try:
                source = self.member(name)
                while chunk := source.read(1 << 20):
                    digest.update(chunk)
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                raise BackupError(f"{self.path.name} is damaged: {name} cannot be read ({exc})") from None
            if digest.hexdigest() != expected[name]:
                raise BackupError(f"{self.path.name} is damaged: {name} does not match its checksum")

    def rows(self, table: str) -> Iterator[list]:
        source = self.member(self.manifest["tables"][table]["file"])
        width = len(self.manifest["tables"][table]["columns"])
        for number, line in enumerate(source, start=1):
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise BackupError(f"{self.path.name}: {table} line {number} is not a row") from None
            if not isinstance(row, list) or len(row) != width:
                raise BackupError(f"{self.path.name}: {table} line {number} does not have {width} values")
            yield row


@contextmanager
def _open_backup(path: Path | str) -> Iterator[_Archive]:
    archive = _Archive(Path(path).expanduser())
    try:
        yield archive
    finally:
        archive.close()


# --- restoring everything --------------------------------------------------------------------------------


def _schema(manifest: dict) -> tuple[bool, list[tuple[str, str | None]]]:
    """(same schema as this code?, the migration targets of the backup's schema when older)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    code = set(loader.graph.nodes)
    replaced = {key for migration in loader.replacements.values() for key in migration.replaces}
    backup = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(backup - code - replaced)
    if unknown:
        app, name = unknown[0]
        raise BackupError(f"the backup was made by a newer teamalign (version {manifest.get('teamalign_version')}: "
                          f"migration {app}.{name} is unknown here); upgrade teamalign, then restore")
    backup &= code
    if code <= backup:
        return True, []
    targets: list[tuple[str, str | None]] = []
    for app in sorted({a for a, _ in code}):
        applied = {n for a, n in backup if a == app}
        leaves = [n for n in applied
                  if not any(child.key[0] == app and child.key[1] in applied
                             for child in loader.graph.node_map[(app, n)].children)]
        if len(leaves) > 1:
            raise BackupError(f"the backup's migrations of {app} have several heads ({', '.join(sorted(leaves))})")
        targets.append((app, leaves[0] if leaves else None))
    return False, targets


def _database_rows() -> dict[str, int]:
    """Rows per table of the current database, framework tables left out."""
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in FRAMEWORK_TABLES or table.startswith("sqlite_"):
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _flush(tables: Iterable[str]) -> None:
    # Every table that refers to these is in the list: no cascade needed (and SQLite's cascade
    # reads a cached graph of the tables that can be out of date).
    statements = connection.ops.sql_flush(no_style(), sorted(tables), reset_sequences=True)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _insert(model: type[models.Model], rows: Iterable[list], columns: list[str]) -> int:
    fields = {f.column: f for f in _columns(model)}
    chosen = [fields[c] for c in columns]
    convert = [(i, c) for i, c in enumerate(_to_database(f, connection) for f in chosen) if c is not _same]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    count = 0
    with connection.cursor() as cursor:
        for batch in _batched(rows, BATCH):
            for row in batch:
                for index, to_database in convert:
                    row[index] = to_database(row[index])
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def _upload_path_fix(columns: list[str], slug_for: Callable[[str], str]) -> Callable[[list], list] | None:
    """Import runs name their stored file by absolute path: point it at this data folder."""
    if "stored_path" not in columns:
        return None
    index = columns.index("stored_path")
    upload_dir = Path(settings.UPLOAD_DIR)

    def fix(row: list) -> list:
        if row[index]:
            stored = Path(row[index])
            row[index] = str(upload_dir / slug_for(stored.parent.name) / stored.name)
        return row
    return fix


def _write_uploads(archive: _Archive, slug_for: Callable[[str], str]) -> list[Path]:
    """Copy the backup's uploads into the upload folder (0600); return the files created."""
    created: list[Path] = []
    try:
        for name in archive.manifest["uploads"]:
            _, slug, file_name = name.split("/")
            folder = private_folder(private_folder(settings.UPLOAD_DIR) / slug_for(slug))
            target = folder / file_name
            if target.is_file() and _sha256_file(target) == archive.manifest["uploads"][name]["sha256"]:
                continue
            partial = folder / f".incoming-restore-{os.getpid()}"
            source = archive.member(name)
            with os.fdopen(private_file_open(partial, exclusive=False), "wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            os.replace(partial, target)
            created.append(target)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return created


def backup_restore(*, path: Path | str, force: bool = False, slug: str | None = None,
                   echo: Callable[[str], None] = lambda line: None) -> RestoreReport:
    """Restore a backup file; see the module doc. Raises BackupError, having changed nothing, when
    the file or the database is not fit."""
    started = time.perf_counter()
    with _open_backup(path) as archive:
        manifest = archive.manifest
        if manifest["scope"] == "organisation":
            report = _restore_organisation(archive, slug=slug, echo=echo)
        else:
            if slug:
                raise BackupError("--slug is for a backup of one organisation; this backup holds everything")
            report = _restore_everything(archive, force=force, echo=echo)
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _restore_everything(archive: _Archive, *, force: bool, echo: Callable[[str], None]) -> RestoreReport:
    manifest = archive.manifest
    same, targets = _schema(manifest)
    report = RestoreReport(scope="everything")
    existing = {table: n for table, n in _database_rows().items() if n}
    if existing and not force:
        total = sum(existing.values())
        raise BackupError(f"the database is not empty ({total:,} rows in {len(existing)} tables, e.g. "
                          f"{', '.join(sorted(existing)[:3])}); restoring replaces everything in it: give --force "
                          "to do that (take a backup of it first)")
    if same:
        call_command("migrate", interactive=False, verbosity=0)
        registry = global_apps
    else:
        leaves = set(MigrationLoader(connection, ignore_no_migrations=True).graph.leaf_nodes())
        report.migrated_from = ", ".join(f"{app} {name or '(none)'}" for app, name in targets
                                         if (app, name) not in leaves)
        echo("The backup is of an older schema: restoring at its schema, then migrating forward.")
        if existing:
            with transaction.atomic():
                _flush([t for t in connection.introspection.table_names() if t not in ("django_migrations",)])
        executor = MigrationExecutor(connection)
        executor.migrate(targets, plan=executor.migration_plan(targets))
        registry = executor.loader.project_state([t for t in targets if t[1]], at_end=True).apps
    by_table = {m._meta.db_table: m for m in backed_up_models(registry)}
    missing = sorted(set(manifest["tables"]) - set(by_table))
    if missing:
        raise BackupError(f"the backup has tables this installation does not: {', '.join(missing)}")
    for table, entry in manifest["tables"].items():
        columns = {f.column for f in _columns(by_table[table])}
        if set(entry["columns"]) - columns:
            raise BackupError(f"the backup's {table} has columns this schema does not: "
                              f"{', '.join(sorted(set(entry['columns']) - columns))}")
    upload_files = _write_uploads(archive, lambda slug: slug)
    try:
        with transaction.atomic():
            _flush([t for t in connection.introspection.table_names() if t in by_table])
            for table, entry in manifest["tables"].items():
                model = by_table[table]
                fix = _upload_path_fix(entry["columns"], lambda slug: slug) if table == "orgs_importrun" else None
                rows = archive.rows(table)
                report.rows += _insert(model, map(fix, rows) if fix else rows, entry["columns"])
                report.tables += 1
            _reset_sequences(list(by_table.values()))
            for table, entry in manifest["tables"].items():
                if (found := _count(table)) != entry["rows"]:
                    raise BackupError(f"{table}: {found:,} rows after the restore, the backup has {entry['rows']:,}; "
                                      "nothing was restored")
    except BaseException:
        for file in upload_files:
            file.unlink(missing_ok=True)
        raise
    if not same:
        call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    report.uploads = len(manifest["uploads"])
    return report


# --- restoring one organisation ---------------------------------------------------------------------------


def _restore_organisation(archive: _Archive, *, slug: str | None, echo: Callable[[str], None]) -> RestoreReport:
    from teamalign.orgs.models import Organisation

    manifest = archive.manifest
    call_command("migrate", interactive=False, verbosity=0)
    user_model = global_apps.get_model(settings.AUTH_USER_MODEL)
    by_table = {m._meta.db_table: m for m in backed_up_models()}
    missing = sorted(set(manifest["tables"]) - set(by_table))
    if missing:
        raise BackupError(f"the backup has tables this installation does not: {', '.join(missing)}")
    for table, entry in manifest["tables"].items():
        here = [f.column for f in _columns(by_table[table])]
        if sorted(here) != sorted(entry["columns"]):
            raise BackupError(f"the backup's {table} has other columns than this installation's (backup from "
                              f"teamalign {manifest.get('teamalign_version')}, this is {teamalign.__version__}); "
                              "export and import with the same version")
    source_slug = manifest["organisation"]["slug"]
    new_slug = slug or source_slug
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,60}", new_slug):
        raise BackupError(f"'{new_slug}' is not a usable slug (letters, digits, - and _)")
    if Organisation.objects.filter(slug=new_slug).exists():
        raise BackupError(f"this installation has an organisation with the slug '{new_slug}' already; "
                          "give --slug NEW to import it under another one")
    report = RestoreReport(scope="organisation", organisation=new_slug)

    models_in = {table: by_table[table] for table in manifest["tables"]}
    columns_of = {table: entry["columns"] for table, entry in manifest["tables"].items()}
    # Logins that exist here already (same email) are kept as they are; the others get new ids.
    existing_users: dict = {}
    user_table = user_model._meta.db_table
    if user_table in manifest["tables"]:
        email_index = columns_of[user_table].index(user_model._meta.get_field(user_model.EMAIL_FIELD).column)
        key_index = columns_of[user_table].index(user_model._meta.pk.column)
        here = {email.lower(): pk for pk, email in user_model._base_manager.values_list("pk", user_model.EMAIL_FIELD)}
        for row in archive.rows(user_table):
            if str(row[email_index]).lower() in here:
                existing_users[row[key_index]] = here[str(row[email_index]).lower()]
    offsets: dict[type[models.Model], int] = {}
    for table, model in models_in.items():
        pk = model._meta.pk
        ids = manifest["tables"][table].get("ids")
        if pk.is_relation or not ids or not isinstance(pk, (models.AutoField, models.BigAutoField,
                                                            models.SmallAutoField, models.IntegerField)):
            continue
        largest = model._base_manager.aggregate(m=models.Max("pk"))["m"] or 0
        offsets[model] = largest + 1 - ids[0]

    def new_id(model, value):
        if value is None:
            return None
        if model is user_model and value in existing_users:
            return existing_users[value]
        if model in offsets:
            return value + offsets[model]
        return value

    def remapper(table: str) -> Callable[[list], list | None]:
        model = models_in[table]
        fields = {f.column: f for f in _columns(model)}
        steps = []
        for index, column in enumerate(columns_of[table]):
            f = fields[column]
            if f.is_relation:
                steps.append((index, f.related_model))
            elif f.primary_key:
                steps.append((index, model))
        slug_index = columns_of[table].index("slug") if model is Organisation else None
        skip_existing = model is user_model
        key_index = columns_of[table].index(model._meta.pk.column)

        def remap(row: list) -> list | None:
            if skip_existing and row[key_index] in existing_users:
                return None
            for index, target in steps:
                row[index] = new_id(target, row[index])
            if slug_index is not None:
                row[slug_index] = new_slug
            return row
        return remap

    slug_for = lambda old: new_slug if old == source_slug else old  # noqa: E731
    upload_files = _write_uploads(archive, slug_for)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _reserve_ids(models_in, offsets, manifest)
            for table, model in models_in.items():
                remap = remapper(table)
                fix = _upload_path_fix(columns_of[table], slug_for) if table == "orgs_importrun" else None
                rows = (r for r in (remap(row) for row in archive.rows(table)) if r is not None)
                inserted = _insert(model, map(fix, rows) if fix else rows, columns_of[table])
                expected = manifest["tables"][table]["rows"]
                if model is user_model:
                    report.users_created, report.users_existing = inserted, len(existing_users)
                    expected -= len(existing_users)
                if inserted != expected:
                    raise BackupError(f"{table}: {inserted:,} rows imported, the backup has {expected:,}; "
                                      "nothing was imported")
                report.rows += inserted
                report.tables += 1
            _reset_sequences(list(models_in.values()))
    except DatabaseError as exc:
        for file in upload_files:
            file.unlink(missing_ok=True)
        raise BackupError(f"the database refused the organisation's rows ({exc.__class__.__name__}: "
                          f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}); nothing was imported") \
            from None
    except BaseException:
        for file in upload_files:
            file.unlink(missing_ok=True)
        raise
    report.uploads = len(manifest["uploads"])
    return report


def _reserve_ids(models_in: dict, offsets: dict, manifest: dict) -> None:
    """Move each sequence past the ids about to be used, so that rows others insert meanwhile
    cannot take them (PostgreSQL's setval does not wait for our commit)."""
    with connection.cursor() as cursor:
        for table, model in models_in.items():
            if model not in offsets:
                continue
            top = manifest["tables"][table]["ids"][1] + offsets[model]
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute("SELECT setval(%s, GREATEST(%s, COALESCE(pg_sequence_last_value(%s::regclass), 0)))",
                               [sequence, top, sequence])
