"""The conformance suite runs the CLI (tests/cli) against Acme without its planted tickets."""

from __future__ import annotations

from tests.cli.conftest import teamalign  # noqa: F401
from tests.tickets_db.conftest import acme  # noqa: F401
