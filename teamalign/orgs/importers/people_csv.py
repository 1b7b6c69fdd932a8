"""People directory (an HR system's or identity provider's export) → validated rows.

Columns, matched case-insensitively and ignoring spaces, dashes, underscores and dots:

| field      | required | accepted headers |
|------------|----------|------------------|
| name       | yes      | name, full name, display name, employee name |
| email      | yes      | email, e-mail, mail, email address, work email, user principal name, upn |
| department | no       | department, dept, function, division |
| team       | no       | team, group, unit, sub department |
| title      | no       | title, job title, position |
| leader     | no       | leader, is leader, people leader, is manager, manages people |

`leader` takes yes/no, true/false, y/n, 1/0, x or empty (no). Other columns are ignored. The
file is read through :mod:`teamalign.ingest`: comma-, semicolon-, tab- or pipe-separated
text in UTF-8 (with or without a byte-order mark), UTF-16 or Windows-1252 (with a warning),
or the first sheet of an Excel workbook. A header repeated (two "Department" columns) is
merged, with a warning where the copies disagree; two *different* headers that both look
like one field is an error. Titles longer than 200 characters are cut, with a warning.
Pure parsing: no database here; `orgs.services.people_import` writes the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from teamalign.errors import ImportFileError
from teamalign.ingest import read_table, sniff
from teamalign.ingest.read import tabular_error
from teamalign.ingest.table import ROW, cap_text

FIELDS = {
    "name": ("name", "fullname", "displayname", "employeename"),
    "email": ("email", "mail", "emailaddress", "workemail", "userprincipalname", "upn"),
    "department": ("department", "dept", "function", "division"),
    "team": ("team", "group", "unit", "subdepartment"),
    "title": ("title", "jobtitle", "position"),
    "leader": ("leader", "isleader", "peopleleader", "ismanager", "managespeople"),
}
REQUIRED = ("name", "email")
TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAME_MAX = 200
EMAIL_MAX = 254


@dataclass(frozen=True)
class PersonRow:
    row: int  # spreadsheet row number (header is row 1)
    name: str
    email: str
    department: str
    team: str
    title: str
    is_leader: bool


@dataclass
class ParsedPeople:
    """The people of a file, with what the reader had to say about it."""

    rows: list[PersonRow]
    warnings: list[str] = field(default_factory=list)
    rows_rejected: int = 0


def _key(header: str) -> str:
    return re.sub(r"[\s_\-.]+", "", header.strip().lower())


def parse_people(path: Path | str, *, file_name: str | None = None) -> ParsedPeople:
    """Read and validate a directory export; ``file_name`` is how the user named it."""
    snf = sniff(path, name=file_name)
    if not snf.tabular:
        raise tabular_error(snf, "a people directory import")
    matched: dict[str, str] = {}
    for header in snf.header:
        for fld, synonyms in FIELDS.items():
            if _key(header) in synonyms:
                # The same header twice is one column written twice (merged below); two
                # different headers for one field leave us guessing which is right.
                if fld in matched and matched[fld].strip() != header.strip():
                    raise ImportFileError(
                        f"both '{matched[fld]}' and '{header}' look like the {fld} column; keep one",
                        file=snf.name, column=header)
                matched.setdefault(fld, header)
    for fld in REQUIRED:
        if fld not in matched:
            found = ", ".join(h for h in snf.header[:30] if h)
            raise ImportFileError(
                f"no {fld} column; expected one of the headers: {', '.join(FIELDS[fld])} "
                f"(found: {found})", file=snf.name, column=fld)
    table, columns = read_table(snf, FIELDS, key=_key, all_columns=True, allow_empty=True)
    if table.height == 0:
        raise ImportFileError("the file has a header but no people", file=snf.name)
    warnings = list(table.warnings)
    frame = table.df.select(
        pl.col(ROW),
        *((pl.col(columns[f]) if f in columns else pl.lit(None, dtype=pl.Utf8))
          .str.strip_chars().fill_null("").alias(f) for f in FIELDS))
    frame = frame.with_columns(cap_text(frame["title"], NAME_MAX, label="job title", warnings=warnings))
    headers = {f: table.header_of(columns[f]) for f in columns}
    rows: list[PersonRow] = []
    seen: dict[str, int] = {}
    for values in frame.iter_rows(named=True):
        row_number = values[ROW]

        def fail(fld: str, message: str) -> None:
            raise ImportFileError(message, file=snf.name, row=row_number,
                                  column=headers.get(fld, fld))

        name, raw_email = values["name"], values["email"]
        email = raw_email.lower()
        if not name:
            fail("name", "the name is empty")
        if not EMAIL_RE.match(email):
            fail("email", f"'{raw_email}' is not an email address")
        if len(email) > EMAIL_MAX:
            fail("email", f"the email address is longer than {EMAIL_MAX} characters")
        if email in seen:
            fail("email", f"{email} appears again (first on row {seen[email]})")
        seen[email] = row_number
        department, team = values["department"], values["team"]
        if team and not department:
            fail("department", f"team '{team}' needs a department")
        leader_word = values["leader"].lower()
        if leader_word in TRUE_WORDS:
            is_leader = True
        elif leader_word in FALSE_WORDS:
            is_leader = False
        else:
            fail("leader", f"'{values['leader']}' is not yes/no")
        # Names identify departments and teams: cutting them could merge two; so too long
        # is an error here, where a title is simply cut.
        for fld, value in (("name", name), ("department", department), ("team", team)):
            if len(value) > NAME_MAX:
                fail(fld, f"the {fld} is longer than {NAME_MAX} characters")
        rows.append(PersonRow(row=row_number, name=name, email=email, department=department,
                              team=team, title=values["title"], is_leader=is_leader))
    return ParsedPeople(rows=rows, warnings=warnings, rows_rejected=table.rows_rejected)
