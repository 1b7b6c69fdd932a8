"""JSON documents (API responses saved to a file), decoded in the file's own encoding.

The shape of the document is the importer's business; this module only turns bytes into
Python values or a clear error with the line and column where the JSON breaks.
"""

from __future__ import annotations

import json
from typing import Any

from teamalign.errors import ImportFileError

from .source import Source


def load_json(source: Source) -> Any:
    """The parsed document; invalid JSON is an error naming the line and column."""
    data = source.path.read_bytes()
    encoding = source.encoding or "utf-8"
    try:
        if encoding in ("utf-16-le", "utf-16-be"):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig" if encoding.startswith("utf-8") else encoding)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"the file is not valid {encoding} text (byte {exc.start:,})",
                              file=source.name) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        ending = " (the file may be cut short)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise ImportFileError(f"the file is not valid JSON: {exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}{ending}", file=source.name) from None
    except RecursionError:
        raise ImportFileError("the file is not a JSON export: it nests too deeply",
                              file=source.name) from None
