"""Types of the API's parameters: each constraint the server enforces, stated so that the
OpenAPI schema says it too (and nothing the schema says goes unenforced).

The bounds are the web pages' (teamalign/web/params.py), so a page and its endpoint accept
the same values. A value outside them is a 422 in the API's error shape.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from enum import Enum
from typing import Annotated

from ninja.files import UploadedFile
from pydantic import BeforeValidator, Field, WithJsonSchema

from teamalign.web.params import DATE_MAX, DATE_MIN, DATE_PATTERN, ID_MAX, OFFSET_MAX, TEXT_MAX

# PostgreSQL cannot hold a NUL in text, so no string parameter may carry one.
NO_NUL = r"^[^\x00]*$"


def _iso_date(value: object) -> object:
    # Without this, pydantic reads a bare number as a Unix timestamp (since=0 → 1970-01-01),
    # which the schema's `format: date` does not allow. The pattern holds the year range too;
    # pydantic then refuses a day that does not exist (2026-02-30).
    if isinstance(value, str) and not DATE_PATTERN.fullmatch(value):
        raise ValueError(f"write the date as YYYY-MM-DD, from {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}")
    return value


FilterDate = Annotated[
    date, BeforeValidator(_iso_date), WithJsonSchema({
        "type": "string", "format": "date", "pattern": DATE_PATTERN.pattern,
        "description": f"YYYY-MM-DD, from {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}"}),
]
ObjectId = Annotated[int, Field(ge=1, le=ID_MAX)]
Offset = Annotated[int, Field(ge=0, le=OFFSET_MAX)]
Priority = Annotated[int, Field(ge=1, le=5)]
Text = Annotated[str, Field(max_length=TEXT_MAX, pattern=NO_NUL)]
# When a ticket export was taken (orgs.import_runs.as_of_parse): a date, or a date and time with an
# optional offset. What the server checks beyond its shape — not in the future, not before 1970 —
# no JSON schema keyword can say, so the schema names the rule as its own format, "as-of" (OpenAPI
# allows custom formats), and the tests teach schemathesis to generate it. Out of bounds: a 422.
AS_OF_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$"
AsOf = Annotated[str, Field(max_length=40, pattern=AS_OF_PATTERN), WithJsonSchema({
    "type": "string", "format": "as-of", "maxLength": 40, "pattern": AS_OF_PATTERN,
    "description": "When the export was taken: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][±HH:MM|Z], in the "
                   "organisation's time zone unless it has an offset; a real date, not in the future and "
                   "not before 1970 (else 422)"})]


def string_enum(name: str, values: list[str]) -> type[Enum]:
    """A str Enum, so that the schema names the allowed values once, as a component."""
    return Enum(name, {value: value for value in values}, type=str)


# Every IANA zone this Python knows (zoneinfo), as the server checks them.
TimeZone = string_enum("TimeZone", sorted(zoneinfo.available_timezones()))


class NonEmptyFile(UploadedFile):
    """An uploaded file with at least one byte: an empty file has nothing to import."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler) -> dict:
        return {"type": "string", "format": "binary", "minLength": 1}

    @classmethod
    def _validate(cls, v, info):
        v = super()._validate(v, info)
        if not v.size:
            raise ValueError("the file is empty")
        return v
