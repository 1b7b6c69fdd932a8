"""The people directory import (orgs.services.people_import): validation, atomicity, idempotency."""

from __future__ import annotations

import pytest

from teamalign.errors import ImportFileError
from teamalign.orgs.importers.people_csv import parse_people


def parse_people_rows(path):
    return parse_people(path).rows
from teamalign.orgs.models import Department, Person, Team
from teamalign.orgs.services import people_import
from tests.conftest import PEOPLE_ROWS

pytestmark = pytest.mark.django_db

HEADER = "name,email,department,team,title,leader"


def directory_state(org) -> dict:
    """Everything the import may write, to compare before and after."""
    return {
        "people": sorted(Person.objects.filter(organisation=org).values_list(
            "email", "name", "title", "is_leader", "department__name", "team__name")),
        "departments": sorted(Department.objects.filter(organisation=org).values_list("name", "kind")),
        "teams": sorted(Team.objects.filter(organisation=org).values_list("department__name", "name")),
    }


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Department.objects.count(), Team.objects.count()


BAD_FILES = {
    # name: (file content, the words the message must hold)
    "a bad email on row 4": (
        [HEADER, "Nina Nilsen,nina@acme.example,Sales,Field,Rep,no",
         "Pavel Petrov,pavel@acme.example,Logistics,Trucks,Driver,no",
         "Rosa Rossi,rosa-at-acme.example,Sales,Field,Rep,no"],
        ["people.csv", "row 4", "column 'email'", "rosa-at-acme.example", "not an email address"]),
    "a missing name column": (
        ["email,department", "nina@acme.example,Sales"],
        ["people.csv", "column 'name'", "no name column"]),
    "a duplicate email": (
        [HEADER, "Nina Nilsen,nina@acme.example,Sales,Field,Rep,no",
         "Nina Again,NINA@acme.example,Sales,Field,Rep,no"],
        ["people.csv", "row 3", "column 'email'", "first on row 2"]),
    "a bad leader value": (
        [HEADER, "Nina Nilsen,nina@acme.example,Sales,Field,Rep,maybe"],
        ["people.csv", "row 2", "column 'leader'", "'maybe' is not yes/no"]),
    "a team without a department": (
        [HEADER, "Nina Nilsen,nina@acme.example,New Dept,New Team,Rep,no",
         "Pavel Petrov,pavel@acme.example,,Trucks,Driver,no"],
        ["people.csv", "row 3", "column 'department'", "team 'Trucks' needs a department"]),
    "an empty name": (
        [HEADER, "Nina Nilsen,nina@acme.example,Sales,Field,Rep,no", ",x@acme.example,Sales,Field,Rep,no"],
        ["people.csv", "row 3", "column 'name'", "the name is empty"]),
    "a name that is too long": (
        [HEADER, f"{'N' * 201},nina@acme.example,Sales,Field,Rep,no"],
        ["people.csv", "row 2", "column 'name'", "longer than 200"]),
    "a department that is too long": (
        [HEADER, f"Nina Nilsen,nina@acme.example,{'D' * 201},Field,Rep,no"],
        ["people.csv", "row 2", "column 'department'", "longer than 200"]),
    "an email that is too long": (
        [HEADER, f"Nina Nilsen,{'n' * 250}@acme.example,Sales,Field,Rep,no"],
        ["people.csv", "row 2", "column 'email'", "longer than 254"]),
    "an empty file": (b"", ["people.csv", "the file is empty"]),
    "a file of blank lines": (b"\n\n  \n", ["people.csv", "the file is empty"]),
    "a header and no people": ([HEADER], ["people.csv", "no people"]),
    "a header and blank lines": (HEADER + "\n\n\n", ["people.csv", "no people"]),
    "two columns that both look like email": (
        ["name,email,e-mail", "Nina,nina@acme.example,nina@acme.example"],
        ["people.csv", "both 'email' and 'e-mail'", "keep one"]),
    "ragged lines": (
        ["name,email", "Nina,nina@acme.example,extra,fields"],
        ["people.csv", "row 2", "this row has 4 values but the header has 2 columns"]),
    "a million columns": (
        ",".join(["name", "email"] + [f"c{i}" for i in range(1_000_000)]).encode(),
        ["people.csv", "the first line is longer than 1 MB"]),
    "binary garbage": (bytes(range(1, 256)) * 40, ["people.csv", "not a text export"]),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=lambda c: c.replace(" ", "-"))
def test_it_rejects_a_bad_file_naming_where_and_writes_nothing(case, cast, people_csv):
    content, words = BAD_FILES[case]
    path = people_csv(content)
    before, state = counts(), directory_state(cast.acme)
    with pytest.raises(ImportFileError) as raised:
        people_import(organisation=cast.acme, path=path, file_name="people.csv")
    message = str(raised.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert counts() == before
    assert directory_state(cast.acme) == state


def test_the_error_carries_file_row_and_column_as_fields(people_csv):
    path = people_csv([HEADER, "Nina,nina@acme.example,Sales,,,no", "Bad,bad,Sales,,,no"])
    with pytest.raises(ImportFileError) as raised:
        parse_people(path)
    assert (raised.value.file, raised.value.row, raised.value.column) == ("people.csv", 3, "email")


def test_it_imports_people_with_their_departments_and_teams(cast, people_csv):
    result = people_import(organisation=cast.acme, path=people_csv(), file_name="people.csv")
    assert (result.rows_read, result.created, result.updated, result.unchanged) == (4, 4, 0, 0)
    pavel = Person.objects.get(organisation=cast.acme, email="pavel@acme.example")
    assert (pavel.name, pavel.title, pavel.is_leader) == ("Pavel Petrov", "Transport Manager", True)
    assert (pavel.department.name, pavel.team.name) == ("Operations", "Transport")
    assert pavel.department == cast.objects["acme"]["departments"]["Operations"]
    sam = Person.objects.get(organisation=cast.acme, email="sam@acme.example")
    assert sam.department == cast.acme.it_department  # "IT" is the organisation's IT provider
    sales = Department.objects.get(organisation=cast.acme, name="Sales")
    assert sales.kind == Department.Kind.OTHER
    assert result.details["departments_created"] == ["Sales"]
    assert sorted(result.details["teams_created"]) == ["IT / Infrastructure", "Operations / Transport",
                                                      "Sales / Field Sales"]


def test_importing_the_same_file_twice_creates_and_changes_nothing(cast, people_csv):
    path = people_csv()
    people_import(organisation=cast.acme, path=path, file_name="people.csv")
    state = directory_state(cast.acme)
    again = people_import(organisation=cast.acme, path=path, file_name="people.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert again.details == {"departments_created": [], "teams_created": []}
    assert directory_state(cast.acme) == state


def test_a_changed_file_updates_only_the_people_who_changed(cast, people_csv):
    people_import(organisation=cast.acme, path=people_csv(), file_name="people.csv")
    changed = [HEADER, "Nina Nilsen,nina@acme.example,Operations,Transport,Senior Driver,yes",
               *PEOPLE_ROWS[1:],
               "Tara Tan,tara@acme.example,Finance,Accounts,Accountant,no"]
    result = people_import(organisation=cast.acme, path=people_csv(changed, name="people-v2.csv"))
    assert (result.created, result.updated, result.unchanged) == (1, 1, 3)
    nina = Person.objects.get(organisation=cast.acme, email="nina@acme.example")
    assert (nina.title, nina.is_leader) == ("Senior Driver", True)


def test_someone_missing_from_a_later_file_is_kept(cast, people_csv):
    people_import(organisation=cast.acme, path=people_csv())
    result = people_import(organisation=cast.acme, path=people_csv([HEADER, "Nina Nilsen,nina@acme.example,"
                                                                    "Operations,Transport,Driver,no"]))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert Person.objects.filter(organisation=cast.acme, email="rosa@acme.example").exists()


def test_it_updates_people_who_were_in_the_directory_already(cast, people_csv):
    # The cast's Oscar works in the warehouse; the HR export moves him to Transport.
    result = people_import(organisation=cast.acme, path=people_csv(
        [HEADER, "Oscar Ortiz,OSCAR@acme.example,operations,Transport,Driver,no"]))
    assert (result.created, result.updated) == (0, 1)
    oscar = Person.objects.get(organisation=cast.acme, email="oscar@acme.example")
    assert (oscar.team.name, oscar.department.name) == ("Transport", "Operations")


def test_it_matches_header_synonyms_case_insensitively(cast, people_csv):
    path = people_csv(["Full Name,E-Mail,DEPT,Group,Job Title,People Leader,Employee ID",
                       "Nina Nilsen,nina@acme.example,Operations,Transport,Driver,Y,123"])
    result = people_import(organisation=cast.acme, path=path)
    assert result.created == 1
    nina = Person.objects.get(organisation=cast.acme, email="nina@acme.example")
    assert (nina.name, nina.title, nina.is_leader, nina.team.name) == ("Nina Nilsen", "Driver", True, "Transport")


@pytest.mark.parametrize("header", ["display_name,work email", "Employee Name,User Principal Name",
                                    "name,mail", "Name,UPN", "fullname,emailaddress"])
def test_more_synonyms_for_name_and_email(header, people_csv):
    rows = parse_people_rows(people_csv([header, "Nina Nilsen,nina@acme.example"]))
    assert [(r.name, r.email) for r in rows] == [("Nina Nilsen", "nina@acme.example")]


def test_a_windows_1252_file_is_read_with_a_warning(cast, people_csv):
    path = people_csv("name,email,title\nJos\xe9 Lopez,jose@acme.example,Jefe de almac\xe9n\n".encode("cp1252"))
    result = people_import(organisation=cast.acme, path=path, file_name="people.csv")
    assert result.created == 1
    assert Person.objects.get(organisation=cast.acme, email="jose@acme.example").name == "José Lopez"
    assert any("not UTF-8; it was read as Windows-1252" in w for w in result.warnings)


def test_a_header_written_twice_is_merged_and_disagreements_are_a_warning(cast, people_csv):
    path = people_csv(["name,email,department,department", "Nina,nina@acme.example,Sales,",
                       "Pavel,pavel@acme.example,Sales,Logistics"])
    result = people_import(organisation=cast.acme, path=path, file_name="people.csv")
    assert result.created == 2
    assert Person.objects.get(organisation=cast.acme, email="pavel@acme.example").department.name == "Sales"
    assert result.warnings == [
        "the column 'department' appears 2 times (columns 3 and 4) and 1 row(s) hold different values "
        "in the copies; the first non-empty value was used (first in row 3: 'Sales' / 'Logistics')"]


def test_a_long_title_is_cut_with_a_warning(cast, people_csv):
    path = people_csv(["name,email,title", f"Nina,nina@acme.example,{'T' * 5000}"])
    result = people_import(organisation=cast.acme, path=path, file_name="people.csv")
    assert Person.objects.get(organisation=cast.acme, email="nina@acme.example").title == "T" * 200
    assert result.warnings == ["1 job title value(s) were longer than 200 characters and were cut to 200"]


def test_an_excel_directory_is_read(cast, tmp_path):
    from tests.xlsx import write_xlsx

    path = tmp_path / "people.xlsx"
    write_xlsx(path, [["Name", "Work email", "Department"], ["Nina Nilsen", "nina@acme.example", "Sales"]])
    result = people_import(organisation=cast.acme, path=path, file_name="HR export.xlsx")
    assert result.created == 1


def test_errors_name_the_file_as_the_user_named_it(cast, people_csv):
    path = people_csv(["name,email", "Nina,not-an-email"], name="dabaa0a0147e9115-export.csv")
    with pytest.raises(ImportFileError) as raised:
        people_import(organisation=cast.acme, path=path, file_name="export.csv")
    assert str(raised.value).startswith("export.csv, row 2, column 'email'")


def test_it_reads_semicolon_separated_files(cast, people_csv):
    path = people_csv(["name;email;department;team;title;leader",
                       "Nina Nilsen;nina@acme.example;Operations;Transport;Driver, nights;no"])
    people_import(organisation=cast.acme, path=path)
    assert Person.objects.get(organisation=cast.acme, email="nina@acme.example").title == "Driver, nights"


def test_it_reads_tab_separated_files(people_csv):
    rows = parse_people_rows(people_csv(["name\temail\tleader", "Nina Nilsen\tnina@acme.example\tyes"]))
    assert rows[0].is_leader is True


def test_it_reads_a_file_with_a_byte_order_mark(cast, people_csv):
    path = people_csv(b"\xef\xbb\xbfname,email\r\nNina Nilsen,nina@acme.example\r\n")
    result = people_import(organisation=cast.acme, path=path)
    assert result.created == 1


def test_it_skips_blank_lines_and_keeps_spreadsheet_row_numbers(people_csv):
    path = people_csv("name,email\nNina,nina@acme.example\n\nBad,not-an-email\n\n")
    with pytest.raises(ImportFileError, match="row 4"):
        parse_people(path)
    rows = parse_people_rows(people_csv("name,email\nNina,nina@acme.example\n\nPavel,pavel@acme.example\n\n\n"))
    assert [r.row for r in rows] == [2, 4]


@pytest.mark.parametrize(("word", "leader"), [("yes", True), ("Y", True), ("TRUE", True), ("1", True),
                                              ("x", True), ("no", False), ("n", False), ("false", False),
                                              ("0", False), ("", False)])
def test_it_understands_the_usual_leader_words(word, leader, people_csv):
    rows = parse_people_rows(people_csv(["name,email,leader", f"Nina,nina@acme.example,{word}"]))
    assert rows[0].is_leader is leader


def test_it_trims_spaces_and_lowercases_emails(people_csv):
    rows = parse_people_rows(people_csv(["name,email,department", "  Nina Nilsen ,  Nina@ACME.example ,  Sales "]))
    assert (rows[0].name, rows[0].email, rows[0].department) == ("Nina Nilsen", "nina@acme.example", "Sales")


def test_an_import_touches_only_its_own_organisation(cast, people_csv):
    globex_before = directory_state(cast.globex)
    people_import(organisation=cast.acme, path=people_csv(
        [HEADER, "Gary Green,gary@globex.example,IT,Service Desk,CIO,yes"]))
    assert directory_state(cast.globex) == globex_before
    assert Person.objects.filter(email="gary@globex.example").count() == 2  # one per organisation


def test_ops_and_operations_become_operations_departments_and_it_names_map_to_the_it_provider(cast, people_csv):
    people_import(organisation=cast.globex, path=people_csv(
        [HEADER, "A,a@globex.example,Ops,Field,,no", "B,b@globex.example,Information Technology,Network,,no"]))
    assert Department.objects.get(organisation=cast.globex, name="Ops").kind == Department.Kind.OPERATIONS
    b = Person.objects.get(organisation=cast.globex, email="b@globex.example")
    assert b.department == cast.globex.it_department
    assert Department.objects.filter(organisation=cast.globex, kind=Department.Kind.IT).count() == 1


def test_a_new_login_gets_linked_to_their_person_when_they_are_imported(cast, people_csv):
    from teamalign.orgs.models import Membership

    membership = Membership.objects.get(user=cast.ada, organisation=cast.acme)
    assert membership.person is None
    people_import(organisation=cast.acme, path=people_csv([HEADER, "Ada Advisor,ada@advisors.example,,,,no"]))
    membership.refresh_from_db()
    assert membership.person.email == "ada@advisors.example"
