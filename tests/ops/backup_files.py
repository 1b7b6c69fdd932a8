"""Helpers of the backup tests: every table's rows, and backup files rewritten on purpose."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path


def every_row(models) -> dict[str, list[tuple]]:
    """Table → all its rows (every column, as Django reads them), in key order."""
    return {m._meta.db_table: list(m._base_manager.order_by("pk").values_list(
        *[f.attname for f in m._meta.concrete_fields])) for m in models}


def rewrite_backup(source: Path, target: Path, *, manifest: Callable[[dict], None] = lambda m: None,
                   tables: dict[str, Callable[[list[list]], list[list]]] | None = None,
                   keep_checksums: bool = False) -> None:
    """Copy a backup, changing its manifest and the rows of some tables (checksums recomputed
    unless ``keep_checksums``: a damaged file)."""
    tables = tables or {}
    with tarfile.open(source, "r:*") as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    data = json.loads(members.pop("manifest.json"))
    for table, change in tables.items():
        name = f"tables/{table}.jsonl"
        rows = [json.loads(line) for line in members[name].decode().splitlines()]
        members[name] = "".join(json.dumps(r) + "\n" for r in change(rows)).encode()
        if not keep_checksums:
            data["tables"][table]["sha256"] = hashlib.sha256(members[name]).hexdigest()
    manifest(data)
    with tarfile.open(target, "w:gz") as archive:
        for name, content in [("manifest.json", json.dumps(data).encode()), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
