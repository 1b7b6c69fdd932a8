"""Ticket importers: one module per export format, found automatically.

A format module is any module of this package that defines ``FORMAT``; adding a format is
adding one file. Each format module provides:

``FORMAT``        the format name users pass as ``--format`` (``"jira-csv"``…)
``SOURCE``        the tool the tickets come from (``"jira"``…), ``ParsedTickets.source``
``LABEL``         a human description for help texts
``DETECT_ORDER``  optional, lower is asked first (default 100): a more specific format
                  must be asked before a looser one with a similar header
``detect(sniff) -> bool``
                  whether a :class:`~teamalign.ingest.Sniff` (file kind, header, first
                  bytes) is this format; it must not read the whole file
``parse(sniff, *, timezone="UTC", mapping=None, progress=None) -> ParsedTickets``

Every format reads its tool's CSV *and* Excel exports (the reading is
:mod:`teamalign.ingest`'s, which goes by the file's content, not its name). Modules without
``FORMAT`` (``base``, ``vocabulary``, ``mapping``, ``servicenow_list``, ``zendesk``,
``freshworks``) are shared helpers. Nothing in this package imports Django: parsing is pure,
and the Django service upserts the resulting frames.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from teamalign.errors import ImportFileError
from teamalign.ingest import Sniff, sniff

from . import base
from .base import ParsedTickets, ProgressCallback
from .mapping import load_mapping

__all__ = ["ParsedTickets", "base", "detect", "formats", "get", "module_names", "parse"]


@cache
def _modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "FORMAT", None)
        if name is None:
            continue
        if name in found:
            raise RuntimeError(f"two importer modules declare FORMAT = {name!r}: "
                               f"{found[name].__name__} and {module.__name__}")
        found[name] = module
    return found


def module_names() -> list[str]:
    """The import names of every format module (the sandbox preloads them)."""
    return sorted(m.__name__ for m in _modules().values())


def formats() -> list[str]:
    """The names of every known format, sorted."""
    return sorted(_modules())


def get(format: str) -> ModuleType:
    """The module of a format; an unknown name is an error listing the known ones."""
    try:
        return _modules()[format]
    except KeyError:
        raise ImportFileError(f"unknown ticket format '{format}'; known formats are "
                              f"{', '.join(formats())}") from None


def _detect(snf: Sniff) -> ModuleType:
    ordered = sorted(_modules().values(),
                     key=lambda m: (getattr(m, "DETECT_ORDER", 100), m.FORMAT))
    for module in ordered:
        if module.detect(snf):
            return module
    seen = {"csv": "a CSV", "xlsx": "an Excel workbook", "json": "a JSON file",
            "parquet": "a Parquet file"}[snf.kind]
    header = ""
    if snf.header:
        shown = ", ".join(snf.header[:8]) + (", …" if len(snf.header) > 8 else "")
        header = f" with header: {shown}"
    raise ImportFileError(
        f"unknown ticket export: this is {seen}{header}, which matches none of the "
        f"known formats ({', '.join(formats())}). Pass a format explicitly, or a "
        "mapping file (mapped-csv) for any other CSV", file=snf.name)


def detect(path: str | Path, *, file_name: str | None = None) -> ModuleType:
    """The format module for a file, from its first bytes and header.

    Formats are asked in ``DETECT_ORDER``; the first that recognises the file wins. When none
    does, the error lists the known formats and the file's header.
    """
    return _detect(sniff(path, name=file_name))


def parse(path: str | Path, *, file_name: str | None = None, format: str | None = None,
          timezone: str = "UTC", mapping: Any = None, progress: ProgressCallback | None = None,
          on_format: Callable[[str], None] | None = None) -> ParsedTickets:
    """Parse a ticket export into :class:`ParsedTickets`.

    ``file_name`` is the name the user gave the file (errors use it; default: the path's
    own). ``format`` picks the module by name; without it, a mapping that declares
    ``columns`` means ``mapped-csv`` and anything else is detected from the file.
    ``on_format(name)`` is called once the format is known, before the file is parsed (so a
    failed import still records it). ``timezone`` (IANA name) is where naive timestamps
    were written. ``mapping`` is a JSON/TOML mapping file path or a dict (see
    :mod:`.mapped_csv`); built-in formats honour its ``[values]`` maps and
    ``default_kind``. ``progress`` is an optional ``progress(done, total)`` callback,
    called a few times.
    """
    loaded = load_mapping(mapping)
    if format is not None:
        module = get(format)
    elif loaded is not None and loaded.columns:
        module = get("mapped-csv")
    else:
        module = None
    if module is not None and on_format is not None:
        on_format(module.FORMAT)
    snf = sniff(path, name=file_name)
    if module is None:
        module = _detect(snf)
        if on_format is not None:
            on_format(module.FORMAT)
    return module.parse(snf, timezone=timezone, mapping=loaded, progress=progress)
