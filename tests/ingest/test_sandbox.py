"""Parsing in a child process: results, callbacks, errors, and the limits that hold."""

from __future__ import annotations

import time

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.ingest import sandbox
from tests.xlsx import write_xlsx

T = "tests.ingest.sandbox_targets"


def run(name: str, **kwargs):
    options = {k: kwargs.pop(k) for k in ("memory_mb", "seconds", "callbacks") if k in kwargs}
    return sandbox.run(f"{T}:{name}", kwargs=kwargs, file_name="export.csv", **options)


def test_frames_come_back_whole_with_the_callbacks_called_on_the_way(tmp_path):
    calls = []
    result = run("frames", rows=50_000, callbacks={"progress": lambda done, total: calls.append((done, total))})
    value = result.value
    assert value["table"].equals(pl.DataFrame({"n": list(range(50_000)),
                                               "text": [f"row {i}" for i in range(50_000)]}))
    assert value["nested"][0].equals(pl.DataFrame({"a": [1]})) and value["nested"][1] == "kept"
    assert value["count"] == 50_000
    assert calls == [(0, 3), (1, 3), (2, 3)]
    assert result.peak_rss_mb > 0


def test_an_import_file_error_comes_back_as_it_was():
    with pytest.raises(ImportFileError) as caught:
        run("refuse", file="export.csv")
    assert type(caught.value) is ImportFileError
    assert (caught.value.file, caught.value.row, caught.value.column) == ("export.csv", 7, "Status")


def test_a_bug_in_a_reader_is_a_clear_error_naming_the_file(caplog):
    with pytest.raises(sandbox.ParserFailed) as caught:
        run("fail")
    assert str(caught.value).startswith("export.csv: the file could not be read: the reader stopped on "
                                        "something it did not expect (KeyError: 'a bug')")
    assert "KeyError" in caplog.text  # the traceback is logged for whoever fixes it


def test_memory_beyond_the_limit_fails_the_parse_not_the_process():
    with pytest.raises(sandbox.ParseMemoryExceeded) as caught:
        run("allocate", megabytes=3000, memory_mb=1024)
    assert "ran out of the memory allowed for reading a file (1,024 MB" in str(caught.value)
    assert run("allocate", megabytes=10).value == 10 * 1024 * 1024  # and the next parse works


def test_a_workbook_that_makes_calamine_abort_is_contained(tmp_path):
    path = write_xlsx(tmp_path / "bomb.xlsx", [["Number"]], cells={"XFD1048576": "x"})
    with pytest.raises(sandbox.ParseMemoryExceeded, match="ran out of the memory allowed"):
        run("calamine_unchecked", path=str(path), memory_mb=2048)


def test_time_beyond_the_limit_stops_the_parse():
    started = time.perf_counter()
    with pytest.raises(sandbox.ParseTimeExceeded) as caught:
        sandbox.run(f"{T}:sleep", kwargs={"seconds": 30}, file_name="export.csv", seconds=1)
    assert time.perf_counter() - started < 20  # stopped at its limit, long before the parser's 30 s
    assert "took longer than the 1 second allowed for reading a file (IMPORT_PARSE_SECONDS)" in str(caught.value)


def test_a_parser_can_hand_over_frames_in_batches_through_a_callback():
    received = []
    result = sandbox.run(f"{T}:batches", kwargs={"count": 3}, file_name="export.csv",
                         callbacks={"emit": lambda number, frame: received.append((number, frame))})
    assert result.value == 3
    assert [(n, f["batch"].to_list()) for n, f in received] == [(0, [0, 0, 0]), (1, [1, 1, 1]), (2, [2, 2, 2])]
