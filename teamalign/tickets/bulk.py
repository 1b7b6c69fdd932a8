"""Bulk writes of tickets and their state history, through each backend's fast path.

The ORM writes one object at a time (or builds huge statements); a million-ticket import
cannot afford either. The import and recompute services hand this module Polars frames whose
columns are the ticket table's columns, and it writes them inside the caller's transaction:

* SQLite: ``executemany`` of one prepared INSERT for new tickets and one UPDATE … WHERE id = ?
  for changed ones, fed tuples built from whole columns (``zip(*columns)``) in chunks, so
  memory stays flat.
* PostgreSQL: ``COPY`` (psycopg 3 ``cursor.copy``) of CSV that Polars writes in C: new tickets
  straight into the table, changed ones into a temporary table and then one UPDATE … FROM by id.
  Imports of one organisation are serialised by a transaction-level advisory lock, so a row
  cannot appear between our read of the existing tickets and our COPY.

Unchanged rows are never sent: the caller compares each row's hash with the stored one.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain

import polars as pl
from django.db import connection

from .models import Ticket, TicketStateChange

TICKET_TABLE = Ticket._meta.db_table
HISTORY_TABLE = TicketStateChange._meta.db_table
KEY = ("organisation_id", "source", "external_id")

#: Every column the services write, in order (the ticket table minus ``id``).
TICKET_COLUMNS: tuple[str, ...] = tuple(f.column for f in Ticket._meta.concrete_fields if f.column != "id")
_NULLABLE = frozenset(f.column for f in Ticket._meta.concrete_fields if f.null)
HISTORY_COLUMNS = ("organisation_id", "ticket_id", "at", "state", "state_raw")
CHUNK = 50_000
#: Rows per SQLite INSERT statement (a multi-row VALUES): the per-statement cost of the driver
#: (reset, step, releasing the GIL) is paid once per this many rows.
ROWS_PER_INSERT = 400
_ADVISORY_NAMESPACE = 7_353_001  # "tickets" imports; the second key is the organisation id

Progress = Callable[[int], None]


def vendor() -> str:
    return connection.vendor


def _raw():
    connection.ensure_connection()
    return connection.connection


def lock_organisation(organisation_id: int) -> None:
    """Serialise ticket writes of one organisation (SQLite's write lock already does)."""
    if vendor() == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_NAMESPACE, organisation_id])


# --------------------------------------------------------------------------- reading

UTC_US = pl.Datetime("us", "UTC")


def read_frame(table: str, schema: dict[str, pl.DataType], where: str = "", params: Sequence = (),
               expressions: dict[str, str] | None = None, order_by: str = "") -> pl.DataFrame:
    """``SELECT`` the ``schema``'s columns (or their ``expressions``) from ``table`` as a typed frame.

    ``where`` uses ``%s`` placeholders. PostgreSQL streams the rows as CSV through
    ``COPY (…) TO STDOUT``, which Polars parses in C. On SQLite, datetime and boolean columns are
    read as text and integers (so the driver's per-value converters do not run) and parsed
    column-wise.
    """
    expressions = expressions or {}
    postgres = vendor() == "postgresql"
    selected = []
    for name, dtype in schema.items():
        expr = expressions.get(name, name)
        if not postgres and isinstance(dtype, pl.Datetime):
            expr = f"CAST({expr} AS TEXT)"
        elif not postgres and dtype == pl.Boolean:
            expr = f"CAST({expr} AS INTEGER)"
        selected.append(f"{expr} AS {name}")
    sql = f"SELECT {', '.join(selected)} FROM {table}"
    if where:
        sql += f" WHERE {where}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    if postgres:
        from psycopg import sql as pgsql

        query = pgsql.SQL(sql.replace("%s", "{}")).format(*(pgsql.Literal(p) for p in params))
        buffer = io.BytesIO()
        with _raw().cursor() as cursor:
            with cursor.copy(pgsql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, NULL '\\N')").format(query)) as copy:
                for block in copy:
                    buffer.write(block)
        if buffer.getbuffer().nbytes == 0:
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        read_schema = {n: (pl.Utf8 if isinstance(t, pl.Datetime) or t == pl.Boolean else t) for n, t in schema.items()}
        frame = pl.read_csv(buffer, has_header=False, schema=read_schema, null_values="\\N", quote_char='"')
        return frame.with_columns(
            [pl.col(n).str.to_datetime("%Y-%m-%d %H:%M:%S%.f%#z", time_unit="us").dt.convert_time_zone("UTC")
             for n, t in schema.items() if isinstance(t, pl.Datetime)]
            + [(pl.col(n) == "t").alias(n) for n, t in schema.items() if t == pl.Boolean])
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    read_schema = {n: (pl.Utf8 if isinstance(t, pl.Datetime) else pl.Int8 if t == pl.Boolean else t)
                   for n, t in schema.items()}
    frame = pl.DataFrame(rows, schema=read_schema, orient="row")
    return frame.with_columns(
        [pl.col(n).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", time_zone="UTC")
         for n, t in schema.items() if isinstance(t, pl.Datetime)]
        + [pl.col(n).cast(pl.Boolean) for n, t in schema.items() if t == pl.Boolean])


EXISTING_SCHEMA: dict[str, pl.DataType] = {
    "external_id": pl.Utf8, "id": pl.Int64, "row_hash": pl.Int64, "requester_person_id": pl.Int64,
    "requester_department_id": pl.Int64, "requester_team_id": pl.Int64, "policy_id": pl.Int64,
    "as_of": UTC_US, "as_of_source": pl.Utf8}


def existing(organisation_id: int, source: str) -> pl.DataFrame:
    """What an import compares with: each stored ticket's id, row hash and resolved references."""
    return read_frame(TICKET_TABLE, EXISTING_SCHEMA, f"organisation_id = {int(organisation_id)} AND source = %s",
                      [source])


RECOMPUTE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64, "key": pl.Utf8, "kind": pl.Utf8, "priority": pl.Int8, "state": pl.Utf8,
    "opened_at": UTC_US, "first_response_at": UTC_US, "resolved_at": UTC_US, "closed_at": UTC_US,
    "as_of": UTC_US, "requester_details": pl.Utf8, "response_basis": pl.Utf8,
    "source_response_business_seconds": pl.Int64,
    "requester_person_id": pl.Int64, "requester_department_id": pl.Int64, "requester_team_id": pl.Int64,
    "policy_id": pl.Int64, "response_business_seconds": pl.Int64, "resolution_business_seconds": pl.Int64,
    "response_calendar_seconds": pl.Int64, "resolution_calendar_seconds": pl.Int64,
    "response_due_at": UTC_US, "resolution_due_at": UTC_US, "response_breached": pl.Boolean,
    "resolution_breached": pl.Boolean,
}


def load_tickets_for_recompute(organisation_id: int) -> pl.DataFrame:
    """What measuring needs, plus the stored results to compare with. ``key`` is unique per ticket
    (source and external id), so tickets of several sources can be measured together."""
    return read_frame(TICKET_TABLE, RECOMPUTE_SCHEMA, f"organisation_id = {int(organisation_id)}",
                      expressions={"key": "source || ':' || external_id",
                                   "requester_details": "CAST(requester_details AS TEXT)"}, order_by="id")


def load_history(organisation_id: int) -> pl.DataFrame:
    return read_frame(HISTORY_TABLE, {"ticket_id": pl.Int64, "at": UTC_US, "state": pl.Utf8},
                      f"organisation_id = {int(organisation_id)}")


# --------------------------------------------------------------------------- values per backend

def _sqlite_datetime(column: pl.Expr) -> pl.Expr:
    # Exactly what Django stores for an aware datetime on SQLite (str() of the naive UTC value),
    # so lookups and ordering compare alike.
    return (pl.when(column.dt.microsecond() == 0).then(column.dt.strftime("%Y-%m-%d %H:%M:%S"))
            .otherwise(column.dt.strftime("%Y-%m-%d %H:%M:%S.%6f")))


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(_sqlite_datetime(pl.col(name)).alias(name))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8).alias(name))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _rows(frame: pl.DataFrame) -> Iterator[tuple[int, Iterator[tuple]]]:
    """Chunks of (row count, row tuples), built column by column.

    The tuples come from a lazy ``zip`` handed straight to ``executemany``: the driver drops each
    tuple before asking for the next, so ``zip`` reuses one tuple object instead of allocating a
    million (which also spares the garbage collector's passes over them).
    """
    for start in range(0, frame.height, CHUNK):
        part = _sqlite_ready(frame.slice(start, CHUNK))
        yield part.height, zip(*(part[c].to_list() for c in part.columns))


def _sql_literal(value) -> str | None:
    """``value`` as an SQLite literal, or None when it is better bound."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _constants(frame: pl.DataFrame) -> dict[str, str]:
    """Columns holding one non-null value in every row (the organisation, source, import run,
    timestamps of the import), as SQL literals: written in the statement, they are not bound per row."""
    if frame.height < 2:
        return {}
    found = {}
    for name in frame.columns:
        column = frame[name]
        if column.null_count() or column.n_unique() != 1:
            continue
        literal = _sql_literal(_sqlite_ready(frame.select(name).head(1)).item())
        if literal is not None:
            found[name] = literal
    return found


def _copy_chunks(frame: pl.DataFrame) -> Iterable[bytes]:
    for start in range(0, frame.height, CHUNK * 2):
        buffer = io.BytesIO()
        frame.slice(start, CHUNK * 2).write_csv(buffer, include_header=False, null_value="\\N",
                                                 datetime_format="%Y-%m-%d %H:%M:%S%.6f+00")
        yield buffer.getvalue()


def _copy(cursor, table: str, columns: Iterable[str], frame: pl.DataFrame, progress: Progress | None) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    # Progress is reported after the COPY: the callback writes through the same connection,
    # which is busy until the COPY ends.
    with cursor.copy(sql) as copy:
        for chunk in _copy_chunks(frame):
            copy.write(chunk)
    if progress:
        progress(frame.height)


def _insert_sqlite(raw, table: str, columns: Sequence[str], frame: pl.DataFrame,
                   progress: Progress | None = None) -> int:
    """INSERT ``frame`` (whose columns are ``columns``) into ``table``; return the rows written.

    Constant columns are written as literals; the rest are bound, :data:`ROWS_PER_INSERT` rows per
    statement. The flat parameter tuples are cut from the row tuples in C (``chain`` then the
    ``zip(*[it] * n)`` grouping idiom), with no per-row Python code.
    """
    constants = _constants(frame)
    bound = [c for c in columns if c not in constants]
    row = f"({', '.join(constants.get(c, '?') for c in columns)})"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    width = len(bound)
    per = ROWS_PER_INSERT
    if width:
        per = max(1, min(per, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    single, multiple = head + row, head + ", ".join([row] * per)
    done = 0
    for start in range(0, frame.height, CHUNK):
        part = _sqlite_ready(frame.select(bound).slice(start, CHUNK))
        count = min(CHUNK, frame.height - start)
        lists = [part[c].to_list() for c in bound]
        full = count // per * per if width else 0
        if full:
            flat = chain.from_iterable(zip(*(values[:full] for values in lists)))
            raw.executemany(multiple, zip(*([flat] * (width * per))))
        if full < count:
            if width:
                raw.executemany(single, zip(*(values[full:] for values in lists)))
            else:
                raw.executemany(single, [()] * count)
        done += count
        if progress:
            progress(done)
    return done


# --------------------------------------------------------------------------- tickets

def write_tickets(new: pl.DataFrame, changed: pl.DataFrame, changed_ids: pl.Series,
                  progress: Progress | None = None) -> None:
    """Insert ``new`` tickets and rewrite ``changed`` ones (whose ids are ``changed_ids``); both
    frames have :data:`TICKET_COLUMNS`."""
    new = new.select(TICKET_COLUMNS)
    changed = changed.select(TICKET_COLUMNS)
    if vendor() == "postgresql":
        _write_postgresql(new, changed, changed_ids, progress)
    else:
        _write_sqlite(new, changed, changed_ids, progress)


def _write_sqlite(new: pl.DataFrame, changed: pl.DataFrame, changed_ids: pl.Series,
                  progress: Progress | None) -> None:
    raw = _raw()
    raw.execute("PRAGMA cache_size = -262144")  # 256 MB of page cache for the index updates
    done = 0
    # New rows: a plain INSERT (an upsert's conflict clause costs ~60 % more per row, and the
    # organisation's write lock means no other import can add the same ticket meanwhile).
    # Columns with no value in this file (say, first responses in a list export) are left out:
    # binding each value is most of SQLite's cost, and the column's NULL is what they would hold.
    # Columns with one value in every row go into the statement as literals, for the same reason.
    columns = [c for c in TICKET_COLUMNS if not (c in _NULLABLE and new[c].null_count() == new.height)]
    done = _insert_sqlite(raw, TICKET_TABLE, columns, new.select(columns), progress)
    columns = [c for c in TICKET_COLUMNS if c not in KEY]
    update = f"UPDATE {TICKET_TABLE} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?"
    for count, rows in _rows(changed.select(columns).with_columns(changed_ids.alias("id"))):
        raw.executemany(update, rows)
        done += count
        if progress:
            progress(done)


def _write_postgresql(new: pl.DataFrame, changed: pl.DataFrame, changed_ids: pl.Series,
                      progress: Progress | None) -> None:
    raw = _raw()
    with raw.cursor() as cursor:
        if new.height:
            _copy(cursor, TICKET_TABLE, TICKET_COLUMNS, new, progress)
    if changed.height:
        columns = [c for c in TICKET_COLUMNS if c not in KEY]
        update_columns(changed_ids, changed.select(columns))
        if progress:
            progress(new.height + changed.height)


def update_columns(ids: pl.Series, values: pl.DataFrame) -> None:
    """Set some columns of existing tickets, by id (recompute, requester re-resolution)."""
    if ids.len() == 0:
        return
    columns = list(values.columns)
    frame = values.with_columns(ids.alias("id"))
    if vendor() == "postgresql":
        raw = _raw()
        with raw.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS tk_update")
            cursor.execute(f"CREATE TEMP TABLE tk_update AS SELECT id, {', '.join(columns)} "
                           f"FROM {TICKET_TABLE} WITH NO DATA")
            _copy(cursor, "tk_update", ["id", *columns], frame.select("id", *columns), None)
            sets = ", ".join(f"{c} = s.{c}" for c in columns)
            cursor.execute(f"UPDATE {TICKET_TABLE} t SET {sets} FROM tk_update s WHERE t.id = s.id")
            cursor.execute("DROP TABLE tk_update")
    else:
        sql = f"UPDATE {TICKET_TABLE} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?"
        raw = _raw()
        for _, rows in _rows(frame.select(*columns, "id")):
            raw.executemany(sql, rows)


# --------------------------------------------------------------------------- history

def replace_history(organisation_id: int, ticket_ids: pl.Series, history: pl.DataFrame) -> None:
    """Delete the state history of ``ticket_ids`` and write ``history`` (ticket_id, at, state, state_raw)."""
    with connection.cursor() as cursor:
        ids = ticket_ids.to_list()
        for start in range(0, len(ids), 10_000):
            part = ids[start:start + 10_000]
            cursor.execute(f"DELETE FROM {HISTORY_TABLE} WHERE ticket_id IN ({', '.join(['%s'] * len(part))})", part)
    if history.height == 0:
        return
    frame = history.select(pl.lit(organisation_id, dtype=pl.Int64).alias("organisation_id"), "ticket_id", "at",
                           "state", pl.col("state_raw").fill_null(""))
    raw = _raw()
    if vendor() == "postgresql":
        with raw.cursor() as cursor:
            _copy(cursor, HISTORY_TABLE, HISTORY_COLUMNS, frame, None)
    else:
        _insert_sqlite(raw, HISTORY_TABLE, HISTORY_COLUMNS, frame)
