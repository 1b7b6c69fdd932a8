"""People directory CSV (an HR system's or identity provider's export) → validated rows.

Columns, matched case-insensitively and ignoring spaces, dashes and underscores:

| field      | required | accepted headers |
|------------|----------|------------------|
| name       | yes      | name, full name, display name, employee name |
| email      | yes      | email, e-mail, mail, email address, work email, user principal name, upn |
| department | no       | department, dept, function, division |
| team       | no       | team, group, unit, sub department |
| title      | no       | title, job title, position |
| leader     | no       | leader, is leader, people leader, is manager, manages people |

`leader` takes yes/no, true/false, y/n, 1/0 or empty (no). Other columns are ignored. The
file may be comma-, semicolon- or tab-separated, UTF-8 with or without a byte-order mark.
Pure parsing: no database here; `orgs.services.people_import` writes the rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from teamalign.errors import ImportFileError

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


@dataclass(frozen=True)
class PersonRow:
    row: int  # spreadsheet row number (header is row 1)
    name: str
    email: str
    department: str
    team: str
    title: str
    is_leader: bool


def _key(header: str) -> str:
    return re.sub(r"[\s_\-.]+", "", header.strip().lower())


def _decode(data: bytes, file_name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"the file is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'", file=file_name
        ) from None


def parse_people(path: Path | str, *, file_name: str | None = None) -> list[PersonRow]:
    path = Path(path)
    file_name = file_name or path.name
    text = _decode(path.read_bytes(), file_name)
    if not text.strip():
        raise ImportFileError("the file is empty", file=file_name)
    first_line = text.splitlines()[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pl.read_csv(io.StringIO(text), separator=delimiter, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ImportFileError(f"cannot read the file as CSV: {exc}", file=file_name) from None

    columns: dict[str, str] = {}
    for header in frame.columns:
        for field, synonyms in FIELDS.items():
            if _key(header) in synonyms:
                if field in columns:
                    raise ImportFileError(
                        f"both '{columns[field]}' and '{header}' look like the {field} column; keep one",
                        file=file_name, column=header)
                columns[field] = header
    for field in REQUIRED:
        if field not in columns:
            raise ImportFileError(
                f"no {field} column; expected one of the headers: {', '.join(FIELDS[field])} "
                f"(found: {', '.join(frame.columns)})", file=file_name, column=field)

    values = {field: [("" if v is None else v.strip()) for v in frame[header].to_list()]
              for field, header in columns.items()}
    n = frame.height
    rows: list[PersonRow] = []
    seen: dict[str, int] = {}
    for i in range(n):
        row_number = i + 2

        def fail(field: str, message: str) -> None:
            raise ImportFileError(message, file=file_name, row=row_number, column=columns.get(field, field))

        if not any(column[i] for column in values.values()):
            continue  # a blank line (often at the end of a hand-edited file) is not a person
        name = values["name"][i]
        email = values["email"][i].lower()
        if not name:
            fail("name", "the name is empty")
        if not EMAIL_RE.match(email):
            fail("email", f"'{values['email'][i]}' is not an email address")
        if len(email) > 254:
            fail("email", "the email address is longer than 254 characters")
        if email in seen:
            fail("email", f"{email} appears again (first on row {seen[email]})")
        seen[email] = row_number
        department = values.get("department", [""] * n)[i]
        team = values.get("team", [""] * n)[i]
        if team and not department:
            fail("department", f"team '{team}' needs a department")
        leader_word = values.get("leader", [""] * n)[i].lower()
        if leader_word in TRUE_WORDS:
            is_leader = True
        elif leader_word in FALSE_WORDS:
            is_leader = False
        else:
            fail("leader", f"'{leader_word}' is not yes/no")
        for field, value in (("name", name), ("department", department), ("team", team)):
            if len(value) > 200:
                fail(field, f"the {field} is longer than 200 characters")
        rows.append(PersonRow(row=row_number, name=name, email=email, department=department, team=team,
                              title=values.get("title", [""] * n)[i][:200], is_leader=is_leader))
    if not rows:
        raise ImportFileError("the file has a header but no people", file=file_name)
    return rows
