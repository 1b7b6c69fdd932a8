"""A file to import: its display name, its kind and encoding, and a UTF-8 view of its text.

The kind is read from the bytes, never from the extension: an ``.xlsx`` saved as CSV, a
CSV named ``.xlsx`` and a JSON file named ``.csv`` are all read as what they are. Errors
name the file as the user named it (``display name``): uploads are stored under a prefixed
name (``dabaa0a0147e9115-export.csv``) that means nothing to the person who gave it.

Encodings, as they come out of real tools:

* UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8" writes one);
* UTF-16 with a byte-order mark (Excel's "Unicode Text", tab-separated), or without one
  when the zero bytes show it (every other byte of ASCII text is zero);
* anything else is read as Windows-1252, what Excel's plain "CSV" writes in Western
  locales, with a warning, unless the importer is told the encoding.

A zero byte in a text file is refused wherever it is (PostgreSQL cannot store it and
SQLite would keep it silently, so the two databases would disagree); so is a file whose
first bytes are mostly control characters (binary data that happens to hold no zero byte).
"""

from __future__ import annotations

import codecs
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from teamalign.errors import ImportFileError

from .limits import HEAD_BYTES

UTF8 = ("utf-8", "utf-8-sig")
_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """A file opened for import.

    ``kind`` is ``"text"`` (a delimited table), ``"json"``, ``"xlsx"`` or ``"parquet"``;
    ``encoding`` is the text encoding for text and JSON (empty otherwise); ``head`` the
    first bytes as stored; ``cr_only`` whether lines end with a bare carriage return
    (old Mac Excel).
    """

    path: Path
    name: str
    kind: str
    head: bytes
    encoding: str = ""
    cr_only: bool = False

    def text_head(self) -> str:
        """The first bytes decoded (a character cut at the end is dropped)."""
        return decode_head(self.head, self.encoding)

    @property
    def kind_text(self) -> str:
        return {"text": "a text table (CSV)", "xlsx": "an Excel workbook", "json": "a JSON file",
                "parquet": "a Parquet file"}[self.kind]


def open_source(path: str | Path, *, name: str | None = None) -> Source:
    """Open ``path`` for import; ``name`` is how the user named the file (default: its own)."""
    path = Path(path)
    name = name or path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except FileNotFoundError:
        raise ImportFileError("the file does not exist", file=name) from None
    except IsADirectoryError:
        raise ImportFileError("this is a folder, not a file", file=name) from None
    except OSError as exc:
        raise ImportFileError(f"the file cannot be read: {exc.strerror}", file=name) from None
    if not head.strip(b" \t\r\n\x0b\x0c\xef\xbb\xbf\xff\xfe\x00"):
        raise ImportFileError("the file is empty", file=name)
    binary = _binary_kind(path, head, name)
    if binary:
        return Source(path, name, binary, head)
    encoding = _text_encoding(head)
    text = decode_head(head, encoding)
    # Many zero bytes: binary data. A stray one is refused later with its line number.
    if encoding not in ("utf-16-le", "utf-16-be") and text[:4096].count("\x00") > 8:
        raise ImportFileError(
            "this is not a text export: it holds binary data (zero bytes) where text "
            "should be", file=name)
    _refuse_garbage(text, name)
    body = text.lstrip("\ufeff \t\r\n")
    kind = "json" if _looks_like_json(body) else "text"
    cr_only = "\r" in text and "\n" not in text
    return Source(path, name, kind, head, encoding, cr_only)


def _binary_kind(path: Path, head: bytes, name: str) -> str | None:
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise ImportFileError(
                "the file starts like an Excel workbook (a ZIP archive) but is damaged or "
                "cut short; save it again, or export it as CSV", file=name) from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            what = "a Word document"
        elif any(n.startswith("ppt/") for n in names):
            what = "a PowerPoint presentation"
        elif "content.xml" in names:
            what = "an OpenDocument file (save it as .xlsx or CSV)"
        else:
            what = "a ZIP archive"
        raise ImportFileError(f"this is {what}, not an Excel workbook or a CSV export", file=name)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "this is an old Excel .xls workbook (or another old Office file); save it as "
            ".xlsx or CSV and import that", file=name)
    if head.startswith(b"PAR1"):
        return "parquet"
    for magic, what in ((b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip-compressed file; unpack it first"),
                        (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                        (b"SQLite format 3", "an SQLite database"), (b"7z\xbc\xaf", "a 7-Zip archive"),
                        (b"Rar!", "a RAR archive")):
        if head.startswith(magic):
            raise ImportFileError(f"this is {what}, not a data export", file=name)
    return None


def _text_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    sample = head[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        # ASCII text in UTF-16 has a zero in every other byte, and almost none elsewhere.
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # The head may end inside a multi-byte character: only that is fine.
        if exc.start >= len(head) - 3 and len(head) >= HEAD_BYTES - 3:
            return "utf-8"
        return "cp1252"


def decode_head(head: bytes, encoding: str) -> str:
    """Decode the first bytes of a file, dropping a character cut at the end."""
    if encoding in ("utf-16-le", "utf-16-be"):
        data = head[2:] if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else head
        data = data[: len(data) // 2 * 2]
        return data.decode(encoding, errors="replace")
    if encoding in UTF8 or not encoding:
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        return decoder.decode(head, final=False)
    return head.decode(encoding, errors="replace")


def _looks_like_json(body: str) -> bool:
    if body.startswith("{"):
        return True
    if body.startswith("["):
        rest = body[1:].lstrip()
        return rest[:1] in ("{", "]", "[", '"') or rest[:1].isdigit()
    return False


def _refuse_garbage(text: str, name: str) -> None:
    """Binary data without zero bytes still shows as control characters and U+FFFD."""
    sample = text[:8192]
    if not sample:
        return
    bad = sum(1 for ch in sample
              if (ord(ch) < 32 and ch not in "\t\r\n\x0c") or 0x7f <= ord(ch) < 0xa0 or ch == "\ufffd")
    if bad > max(8, len(sample) // 50):
        raise ImportFileError(
            "this is not a text export: its first bytes are binary data, not readable text "
            "(is it an export at all? CSV, Excel .xlsx and JSON are read)", file=name)


# --------------------------------------------------------------------------- text as UTF-8


def normalised_encoding(encoding: str | None) -> str | None:
    if encoding is None:
        return None
    key = encoding.replace("-", "").replace("_", "").lower()
    if key in ("utf8", "utf8sig"):
        return "utf-8-sig"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(f"unknown text encoding '{encoding}' (for example utf-8, cp1252, "
                              "latin-1, utf-16)") from None


def utf8_path(source: Source, *, encoding: str | None = None, force: bool = False
              ) -> tuple[Path, bool]:
    """A path to the file's text as UTF-8 with ``\\n`` or ``\\r\\n`` line ends.

    The file itself when it already is (the usual case: nothing is copied); otherwise a
    temporary UTF-8 copy, written in chunks so memory does not grow with the file, which
    the caller deletes (the second value says whether it is one). ``encoding`` overrides
    the detected one; ``force`` transcodes a file that looked like UTF-8 at the start but
    is not further on, as Windows-1252. Zero bytes are refused wherever they are.
    """
    chosen = normalised_encoding(encoding) or ("cp1252" if force else source.encoding)
    if chosen in UTF8 and not source.cr_only:
        _refuse_zero_bytes(source)
        return source.path, False
    handle, name = tempfile.mkstemp(prefix="teamalign-text-", suffix=".csv")
    try:
        with os.fdopen(handle, "wb") as out, source.path.open("rb") as raw:
            _transcode(raw, out, chosen, source)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), True


def _transcode(raw, out, encoding: str, source: Source) -> None:
    if encoding in ("utf-16-le", "utf-16-be"):
        start = raw.read(2)
        if start not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raw.seek(0)
    errors = "replace" if encoding in ("cp1252",) else "strict"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    lines = 1
    pending_cr = False
    while True:
        chunk = raw.read(_CHUNK)
        final = not chunk
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"the file cannot be read as {encoding}: {exc.reason} "
                                  f"(near line {lines})", file=source.name) from None
        if pending_cr:
            text = "\r" + text
            pending_cr = False
        if text.endswith("\r") and not final:
            text, pending_cr = text[:-1], True
        if "\x00" in text:
            at = text.index("\x00")
            raise _zero_byte_error(source, lines + text.count("\n", 0, at))
        if source.cr_only:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines += text.count("\n")
        out.write(text.encode("utf-8"))
        if final:
            break


def _refuse_zero_bytes(source: Source) -> None:
    offset = 0
    with source.path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            at = chunk.find(b"\x00")
            if at >= 0:
                raise _zero_byte_error(source, _line_at(source, offset + at))
            offset += len(chunk)


def _line_at(source: Source, offset: int) -> int:
    """The line a byte offset is on (only counted on the error path, so the scan stays a
    memchr over the file)."""
    lines, done = 1, 0
    with source.path.open("rb") as raw:
        while done < offset and (chunk := raw.read(min(_CHUNK, offset - done))):
            lines += chunk.count(b"\n")
            done += len(chunk)
    return lines


def _zero_byte_error(source: Source, line: int) -> ImportFileError:
    return ImportFileError(
        f"line {line:,} holds a zero byte (NUL), which text exports never contain: the file "
        "is damaged or not a text export. Export it again (or remove that byte) and import "
        "the new file", file=source.name)
