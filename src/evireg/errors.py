"""Errors a user can act on. The CLI prints them without a traceback and exits 1."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where (file, field path, line) and what."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(file)'}: {self.message}"


class UserError(Exception):
    """An error caused by input or environment; carries one message or a list of problems."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
