"""Helpers for the CLI tests: run `teamalign ...` in this process, against the test database."""

from __future__ import annotations

import pytest

from teamalign.cli import main


@pytest.fixture
def teamalign(capsys, monkeypatch):
    """teamalign("org", "list") → (exit code, output with whitespace collapsed, as rich wraps long lines)."""
    monkeypatch.setenv("COLUMNS", "200")

    def run(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, " ".join((captured.out + captured.err).split())

    return run
