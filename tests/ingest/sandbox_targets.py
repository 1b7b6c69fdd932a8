"""Functions the sandbox tests run in a child process (they must be importable by name)."""

from __future__ import annotations

import time

import polars as pl

from teamalign.errors import ImportFileError


def frames(progress, rows: int) -> dict:
    for done in range(3):
        progress(done, 3)
    return {"table": pl.DataFrame({"n": list(range(rows)), "text": [f"row {i}" for i in range(rows)]}),
            "nested": [pl.DataFrame({"a": [1]}), "kept"], "count": rows}


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def calamine_unchecked(path: str) -> int:
    """What reading a hostile workbook without the area check does: calamine allocates
    the whole area and the process aborts."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).height


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def refuse(file: str) -> None:
    raise ImportFileError("the state is empty", file=file, row=7, column="Status")


def fail() -> None:
    raise KeyError("a bug")


def batches(emit, count: int) -> int:
    for number in range(count):
        emit(number, pl.DataFrame({"batch": [number] * 3}))
    return count
