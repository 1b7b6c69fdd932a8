"""Fuzzing the real import entry points: whatever the file, a clear error and an unchanged database.

Every ticket format (and detection) is fed random bytes, real exports cut short, real exports
with bytes flipped, the other formats' files and files under the wrong extension, through
``ticket_import`` (parse in the sandbox, then the database), and the people import likewise.
The only acceptable failure is an :class:`ImportFileError` that is not a reader crash
(:class:`~teamalign.ingest.sandbox.ParserFailed` means a bug); when an import fails, nothing
it touched has changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamalign.errors import ImportFileError
from teamalign.ingest.sandbox import ParserFailed
from teamalign.orgs.models import Person
from teamalign.tickets import importers
from teamalign.tickets.models import Ticket, TicketStateChange
from tests.tickets.conftest import FIXTURES

pytestmark = pytest.mark.django_db

FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".csv", ".json", ".xlsx"))
FORMATS = [None, *importers.formats()]
EXTENSIONS = [".csv", ".xlsx", ".json", ".txt", ".xls", ""]
MAPPING = FIXTURES / "topdesk_mapping.toml"
#: TEAMALIGN_FUZZ_EXAMPLES=500 runs a deeper search than the suite's default.
EXAMPLES = int(os.environ.get("TEAMALIGN_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


def state(organisation) -> tuple:
    return (sorted(Ticket.objects.filter(organisation=organisation).values_list("external_id", "updated_at")),
            TicketStateChange.objects.filter(organisation=organisation).count())


def attempt(organisation, tmp_path: Path, content: bytes, extension: str, format: str | None) -> None:
    from teamalign.tickets.services import ticket_import

    path = tmp_path / f"fuzzed{extension}"
    path.write_bytes(content)
    before = state(organisation)
    options = {"mapping": str(MAPPING)} if format == "mapped-csv" else {}
    try:
        ticket_import(organisation=organisation, path=path, file_name=f"upload{extension}", format=format,
                      **options)
    except ParserFailed as error:
        pytest.fail(f"a reader crashed on a fuzzed file ({format}, {extension}): {error}")
    except ImportFileError as error:
        assert error.file == f"upload{extension}" or (error.file or "").endswith(".toml"), str(error)
        assert str(error).strip()
        assert state(organisation) == before


@FUZZ
@given(content=st.binary(min_size=0, max_size=3000), extension=st.sampled_from(EXTENSIONS),
       format=st.sampled_from(FORMATS))
def test_random_bytes(acme, tmp_path, content, extension, format):
    attempt(acme, tmp_path, content, extension, format)


@FUZZ
@given(source=st.sampled_from(FILES), cut=st.floats(min_value=0, max_value=1), format=st.sampled_from(FORMATS))
def test_real_exports_cut_short(acme, tmp_path, source, cut, format):
    data = source.read_bytes()
    attempt(acme, tmp_path, data[: int(len(data) * cut)], source.suffix, format)


@FUZZ
@given(source=st.sampled_from(FILES), data=st.data(), format=st.sampled_from([None, None, *FORMATS]))
def test_real_exports_with_bytes_flipped(acme, tmp_path, source, data, format):
    content = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(min_value=1, max_value=8), label="flips")):
        at = data.draw(st.integers(min_value=0, max_value=len(content) - 1), label="at")
        content[at] = data.draw(st.integers(min_value=0, max_value=255), label="byte")
    attempt(acme, tmp_path, bytes(content), source.suffix, format)


@settings(FUZZ, max_examples=EXAMPLES * 2)
@given(source=st.sampled_from(FILES), format=st.sampled_from(importers.formats()),
       extension=st.sampled_from(EXTENSIONS))
def test_the_other_formats_files_and_wrong_extensions(acme, tmp_path, source, format, extension):
    attempt(acme, tmp_path, source.read_bytes(), extension, format)


@FUZZ
@given(content=st.one_of(st.binary(max_size=2000),
                         st.sampled_from(FILES).map(lambda p: p.read_bytes()),
                         st.text(max_size=500).map(lambda t: ("name,email\n" + t).encode("utf-8", "replace"))),
       extension=st.sampled_from(EXTENSIONS))
def test_the_people_import_too(cast, tmp_path, content, extension):
    from teamalign.orgs.services import people_import

    path = tmp_path / f"people{extension}"
    path.write_bytes(content)
    before = sorted(Person.objects.values_list("email", "name"))
    try:
        people_import(organisation=cast.acme, path=path, file_name=f"hr{extension}")
    except ParserFailed as error:
        pytest.fail(f"the people reader crashed on a fuzzed file: {error}")
    except ImportFileError as error:
        assert error.file == f"hr{extension}", str(error)
        assert sorted(Person.objects.values_list("email", "name")) == before
