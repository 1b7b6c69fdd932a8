"""The ingestion layer's tests: pure Python + Polars, no Django, no database."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Shadow the project-wide autouse fixture of ``tests/conftest.py`` for this folder: the
    readers are pure, and these tests also run without Django (``-p no:django``)."""
    yield None


@pytest.fixture
def write(tmp_path):
    """write(content, name=...) → the path of a file holding ``content`` (text is UTF-8)."""

    def make(content: str | bytes, name: str = "export.csv"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return make
