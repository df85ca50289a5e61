"""The one error bad input becomes: a reason a person can act on, with the line and column."""

from __future__ import annotations


class VcfError(ValueError):
    """The input cannot be annotated; `line` and `column` are 1-based where they apply."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None):
        self.reason = reason
        self.line = line
        self.column = column
        where = f"line {line}" + (f", column {column}" if column else "") + ": " if line else ""
        super().__init__(where + reason)
