"""Mapping files: which column is which for any CSV, and label translations for every format.

The file format is documented in :mod:`.mapped_csv`. Built-in formats honour a mapping's
``[values]`` tables and ``default_kind`` (to map a tool's custom labels); only
``mapped-csv`` uses its ``[columns]``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from teamalign.errors import ImportFileError

from .base import TICKET_SCHEMA
from .vocabulary import KINDS, STATES, label_key

_MAPPING_KEYS = {"source", "columns", "date_format", "default_kind", "delimiter",
                 "encoding", "null_values", "duration_unit", "values"}
#: Fields a mapping file may point at a column. ``priority`` and ``state`` name the column
#: holding the label (kept as ``priority_raw``/``state_raw``); ``updated_at`` is when each
#: ticket last changed, which dates the export (open tickets' ages are measured as of it).
MAPPABLE_FIELDS = tuple(f for f in TICKET_SCHEMA
                        if f not in ("source_row", "priority_raw", "state_raw")) + ("updated_at",)
_DURATION_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600}
#: The database keeps a ticket's source in 40 characters.
SOURCE_MAX = 40


@dataclass(frozen=True)
class ImportMapping:
    """A loaded, validated mapping file (format: see :mod:`.mapped_csv`)."""

    source: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    default_kind: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    null_values: tuple[str, ...] = ()
    duration_seconds: int = 1
    priority_values: dict[str, int | None] = field(default_factory=dict)
    state_values: dict[str, str] = field(default_factory=dict)
    kind_values: dict[str, str] = field(default_factory=dict)
    file: str | None = None


def load_mapping(mapping: str | Path | Mapping[str, Any] | ImportMapping | None
                 ) -> ImportMapping | None:
    """Load a mapping from a JSON/TOML file or a dict, validating every key."""
    if mapping is None or isinstance(mapping, ImportMapping):
        return mapping
    file = None
    if isinstance(mapping, (str, Path)):
        path = Path(mapping)
        file = path.name
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"the mapping file cannot be read: {exc.strerror}",
                                  file=file) from None
        try:
            if path.suffix.lower() == ".toml" or not text.lstrip().startswith(b"{"):
                data = tomllib.loads(text.decode("utf-8-sig"))
            else:
                data = json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ImportFileError(f"the mapping file is not valid JSON or TOML: {exc}",
                                  file=file) from None
    else:
        data = dict(mapping)

    def fail(message: str) -> ImportFileError:
        return ImportFileError(f"mapping: {message}", file=file)

    if not isinstance(data, dict):
        raise fail("the top level must be a table/object")
    unknown = set(data) - _MAPPING_KEYS
    if unknown:
        raise fail(f"unknown key(s) {', '.join(sorted(unknown))}; known keys are "
                   f"{', '.join(sorted(_MAPPING_KEYS))}")
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise fail("'columns' must map field names to header names (strings)")
    bad_fields = set(columns) - set(MAPPABLE_FIELDS)
    if bad_fields:
        raise fail(f"unknown field(s) in 'columns': {', '.join(sorted(bad_fields))}; "
                   f"fields are {', '.join(MAPPABLE_FIELDS)}")
    date_format = data.get("date_format", ())
    formats = (date_format,) if isinstance(date_format, str) else tuple(date_format)
    if not all(isinstance(f, str) and "%" in f for f in formats):
        raise fail("'date_format' must be a strftime format such as '%d/%m/%Y %H:%M' "
                   "or a list of them")
    default_kind = data.get("default_kind")
    if default_kind is not None and default_kind not in KINDS:
        raise fail(f"'default_kind' must be one of {', '.join(KINDS)}")
    unit = data.get("duration_unit", "seconds")
    if unit not in _DURATION_UNITS:
        raise fail(f"'duration_unit' must be one of {', '.join(_DURATION_UNITS)}")
    null_values = data.get("null_values", [])
    if isinstance(null_values, str):
        null_values = [null_values]
    if not isinstance(null_values, list) or not all(isinstance(v, str) for v in null_values):
        raise fail("'null_values' must be a list of strings")
    delimiter = data.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise fail("'delimiter' must be a single character")
    values = data.get("values", {})
    if not isinstance(values, dict) or set(values) - {"priority", "state", "kind"} \
            or not all(isinstance(v, dict) for v in values.values()):
        raise fail("'values' may only hold 'priority', 'state' and 'kind' tables")
    priority_values: dict[str, int | None] = {}
    for label, value in values.get("priority", {}).items():
        if value in ("", None) or (isinstance(value, str) and value.lower() == "none"):
            priority_values[label_key(label)] = None
        elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            priority_values[label_key(label)] = value
        else:
            raise fail(f"priority for '{label}' must be a number from 1 to 5, got {value!r}")
    state_values: dict[str, str] = {}
    for label, value in values.get("state", {}).items():
        if value not in STATES:
            raise fail(f"state for '{label}' must be one of {', '.join(STATES)}, "
                       f"got {value!r}")
        state_values[label_key(label)] = value
    kind_values: dict[str, str] = {}
    for label, value in values.get("kind", {}).items():
        if value not in KINDS:
            raise fail(f"kind for '{label}' must be one of {', '.join(KINDS)}, got {value!r}")
        kind_values[label_key(label)] = value
    source = data.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise fail("'source' must be a non-empty string")
    if source is not None and len(source.strip()) > SOURCE_MAX:
        raise fail(f"'source' may have at most {SOURCE_MAX} characters (it names the tool)")
    encoding = data.get("encoding")
    if encoding is not None and not isinstance(encoding, str):
        raise fail("'encoding' must be a string such as 'utf-8' or 'cp1252'")
    return ImportMapping(
        source=source.strip() if source else None, columns=dict(columns),
        date_formats=formats, default_kind=default_kind, delimiter=delimiter,
        encoding=encoding, null_values=tuple(null_values),
        duration_seconds=_DURATION_UNITS[unit], priority_values=priority_values,
        state_values=state_values, kind_values=kind_values, file=file)


def label_overrides(mapping: Any, format: str) -> ImportMapping:
    """The value maps a built-in format honours from an optional mapping file.

    Built-in formats know their columns, so a mapping that declares ``columns`` is a mistake
    there (it belongs to ``mapped-csv``) and is rejected.
    """
    loaded = load_mapping(mapping) or ImportMapping()
    if loaded.columns:
        raise ImportFileError(
            f"the mapping declares columns, which only the 'mapped-csv' format uses; "
            f"the '{format}' format only honours [values] and default_kind",
            file=loaded.file)
    return loaded
