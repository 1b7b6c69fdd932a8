"""The smallest valid Excel workbooks, written by hand, for tests and fixtures.

No XLSX writer is a project dependency; this writes what the readers need: one sheet (or
several), text as inline strings, numbers as numbers, ``datetime`` values as real date cells
(an Excel serial number with a date style, as Excel and the tools' exports write them), and
optionally a ``<dimension>`` element and cells at any reference.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
EPOCH = datetime(1899, 12, 30)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        serial = (moment - EPOCH).total_seconds() / 86400
        if moment < datetime(1900, 3, 1):
            serial -= 1  # Excel counts a 29 February 1900 that never was: 1900-01-01 is day 1

        return f'<c r="{ref}" s="1"><v>{serial!r}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list], *, dimension: str | None = None, cells: dict[str, object] | None = None) -> str:
    body = []
    for r, row in enumerate(rows, start=1):
        parts = "".join(_cell(f"{column_letter(c)}{r}", value) for c, value in enumerate(row))
        body.append(f'<row r="{r}">{parts}</row>')
    for ref, value in (cells or {}).items():
        row_number = int("".join(ch for ch in ref if ch.isdigit()))
        body.append(f'<row r="{row_number}">{_cell(ref, value)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'
            f'{dim}<sheetData>{"".join(body)}</sheetData></worksheet>')


def write_xlsx(path: str | Path, rows: list[list], *, sheet_name: str = "Sheet1",
               dimension: str | None = None, cells: dict[str, object] | None = None,
               more_sheets: dict[str, list[list]] | None = None) -> Path:
    """Write ``rows`` (lists of cell values) as the first sheet of a workbook at ``path``.

    ``cells`` adds single cells at given references after the rows (``{"XFD1048576": "x"}``);
    ``dimension`` writes a ``<dimension ref>`` element; ``more_sheets`` adds sheets after it.
    """
    sheets = {sheet_name: sheet_xml(rows, dimension=dimension, cells=cells)}
    for name, more in (more_sheets or {}).items():
        sheets[name] = sheet_xml(more)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>'
                        for i in range(1, len(sheets) + 1))
    entries = "".join(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, name in enumerate(sheets, start=1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
              '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
              '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
              '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs>'
              '</styleSheet>')
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{CT}.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
            f'ContentType="{CT}.styles+xml"/>{overrides}</Types>'))
        z.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f'<sheets>{entries}</sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">{rels}'
            f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", styles)
        for i, xml in enumerate(sheets.values(), start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return path
