"""The ingestion layer's place: pure (no Django), and the only way importers read a file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IMPORTERS = [*sorted((REPO / "teamalign/tickets/importers").glob("*.py")),
             *sorted((REPO / "teamalign/orgs/importers").glob("*.py"))]
#: Reading a file by hand: what importers leave to teamalign.ingest.
BY_HAND = re.compile(r"pl\.read_(csv|excel|parquet|ipc|json)|\bcsv\.(reader|DictReader)|python_calamine"
                     r"|\bopen\(|json\.loads?\(")


def test_the_readers_and_the_importers_never_import_django():
    code = ("import sys\n"
            "import teamalign.ingest, teamalign.ingest.sandbox, teamalign.ingest.xlsx, teamalign.ingest.parquet\n"
            "import teamalign.orgs.importers.people_csv\n"
            "from teamalign.tickets import importers\n"
            "importers.formats()\n"
            "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
            "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_importers_read_files_only_through_the_ingestion_layer():
    # Mapping files are the one exception: small settings files the user writes, not exports.
    offenders = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
                 for path in IMPORTERS if path.name != "mapping.py"
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if BY_HAND.search(line) and not line.lstrip().startswith("#")]
    assert offenders == []
