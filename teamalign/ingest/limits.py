"""Limits every reader enforces, so that no file can make a reader slow or huge.

They are generous for real exports and small enough that a hostile or broken file fails
fast with a clear message. The memory and time a whole parse may take are settings of the
sandbox (``IMPORT_PARSE_MEMORY_MB``, ``IMPORT_PARSE_SECONDS``), not constants here.
"""

from __future__ import annotations

#: Bytes read from the start of a file to tell its kind, encoding and header.
HEAD_BYTES = 64 * 1024

#: The longest header line accepted. Real headers are a few kilobytes even for a Jira
#: export with every custom field; a longer first line is not a header row.
MAX_HEADER_BYTES = 1024 * 1024

#: The most columns a table may have (Jira "all fields" exports reach a few hundred,
#: with repeated comment and attachment columns maybe a thousand or two).
MAX_COLUMNS = 10_000

#: The largest area (rows × columns) of a workbook sheet read into memory. The reader
#: holds every cell of the area, empty or not, so a sheet with one cell at A1 and one at
#: XFD1048576 would need hundreds of gigabytes.
XLSX_MAX_CELLS = 20_000_000

#: The most a sheet's XML may unpack to before it is refused as a ZIP bomb.
XLSX_MAX_SHEET_BYTES = 4 * 1024 * 1024 * 1024

#: Characters kept of a free-text cell when a caller gives no cap of its own.
DEFAULT_TEXT_CAP = 1000
