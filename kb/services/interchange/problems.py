"""What an import refuses: problems that name file, line and field, and the refusal itself.

Shared by every reader of import sources (JSON Lines, JSON, publiccode.yml) and the import.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS_SHOWN = 50


@dataclass
class ImportProblem:
    """A problem that names file, line and field."""

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}, Zeile {self.line}" if self.line else self.path
        if self.field and self.field != "-":
            where += f", Feld „{self.field}“"
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """The import was refused; nothing has been written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN]))
        self.problems = problems
