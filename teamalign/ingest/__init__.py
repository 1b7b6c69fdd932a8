"""Reading any uploaded file into Polars frames of text, for every area's importers.

Pure Python + Polars, no Django. An importer describes the columns it wants and what they
mean; this package does everything that is about *files* rather than about tickets, people
or costs:

* :mod:`.source` — opening a file under the name the user gave it (never the stored copy's
  name), telling its kind from its bytes (CSV/text, XLSX, JSON, Parquet), encodings (UTF-8
  with or without a byte-order mark, UTF-16 with a BOM or recognisable without one,
  Windows-1252 as Excel writes it, with a warning), CR-only line endings, zero bytes,
  binary garbage;
* :mod:`.sniff` — the delimiter and the header row of a text table (``sep=`` lines, blank
  and title lines before the header), and the header of a workbook; limits on the header
  line's size and the number of columns;
* :mod:`.table` — a :class:`~.table.Table` of text columns with spreadsheet row numbers,
  header aliases, repeated columns (merged, kept or joined), text length caps, and errors
  that name the file, the row and the column;
* :mod:`.csvfile`, :mod:`.xlsx`, :mod:`.parquet`, :mod:`.jsonfile` — the readers
  (:func:`read_table` picks the right one from the file's content, not its extension);
* :mod:`.dates` — date and time columns, each with its own format (day-first or
  month-first decided from the column's values), ISO 8601 with or without an offset,
  localised month names, Excel serial numbers, placeholder dates, a plausible range and
  the conversion of wall-clock times to UTC;
* :mod:`.numbers` — whole numbers, decimals with locale separators and durations;
* :mod:`.sandbox` — running a parser in a child process with memory and time limits, so
  that no file can take the service down.

The rules shared by every reader:

* **Row numbers** are what a spreadsheet shows: the header is row 1 (or the line it is
  on, when lines come before it) and the first data row follows it. A quoted value that
  spans several lines is still one row.
* **Empty cells are null**, and so are the "missing" markers a format declares.
* Values are **kept as written** (text); importers decide what they mean.
* Every problem with the file is an :class:`~teamalign.errors.ImportFileError` naming the
  file as the user named it and, where there is one, the row and the column.
"""

from __future__ import annotations

from teamalign.errors import ImportFileError

from .read import read_table
from .sniff import Sniff, header_key, sniff
from .source import Source, open_source
from .table import ROW, Table, first_true, row_error

__all__ = ["ROW", "ImportFileError", "Sniff", "Source", "Table", "first_true", "header_key",
           "open_source", "read_table", "row_error", "sniff"]
