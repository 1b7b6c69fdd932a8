"""Parsing an uploaded file for any import kind: in the sandbox, with the configured limits.

Every kind's handler parses through :func:`parse_untrusted` (never in its own process): a
file that would exhaust memory or time fails its own run with a clear message, and the web
server, the worker and the other imports go on. See :mod:`teamalign.ingest.sandbox`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from teamalign.ingest import sandbox


def warm_up() -> None:
    """Start the parsing sandbox's fork server ahead of a parse (see ``sandbox.warm_up``)."""
    sandbox.warm_up()


def parse_untrusted(target: str, *, file_name: str, kwargs: Mapping[str, Any],
                    callbacks: Mapping[str, Callable[..., Any]] | None = None) -> sandbox.SandboxResult:
    """Run the parser ``target`` (``"module:function"``) on a file in the sandbox.

    ``IMPORT_PARSE_MEMORY_MB`` and ``IMPORT_PARSE_SECONDS`` bound it; its scratch files go
    under the data folder (``DATA_DIR/tmp``), not a RAM-backed /tmp.
    """
    return sandbox.run(target, kwargs=kwargs, file_name=file_name,
                       memory_mb=settings.IMPORT_PARSE_MEMORY_MB,
                       seconds=settings.IMPORT_PARSE_SECONDS, callbacks=callbacks,
                       scratch=Path(settings.DATA_DIR) / "tmp")
