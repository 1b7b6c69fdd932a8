"""One error hierarchy that the CLI, the API and the web UI turn into clear messages."""

from __future__ import annotations


class TeamalignError(Exception):
    """Base class for every error teamalign reports to a person."""


class ImportFileError(TeamalignError):
    """A file cannot be imported. Names the file and, where known, the row and column.

    ``row`` is the 1-based data row as a person sees it in a spreadsheet (the header is
    row 1, so the first data row is row 2); ``column`` is the header name.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class PermissionDenied(TeamalignError):
    """The user's role does not allow this action."""


class NotFound(TeamalignError):
    """The object does not exist in the current organisation."""


class ValidationError(TeamalignError):
    """Input that is well-formed but not acceptable (a duplicate IT department, a bad role...)."""
