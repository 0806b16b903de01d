"""Errors a user can act on, as typed exceptions of the public API.

Library code raises these and never mentions command-line flags; the CLI turns them into
messages and exit codes in one place (cli/app.py `handled`): a `UsageError`-like
`InvalidOption` exits 2, every other `UserError` exits 1, without a traceback.
"""

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


EviregError = UserError  # the base of every evireg error, under the name a notebook user expects


class RegistryNotFound(UserError):
    """The folder does not exist or holds no registry."""


class InvalidRecords(UserError):
    """Record files failed validation; `.problems` lists each with file, field path and line."""


class QueryRefused(UserError):
    """A SQL statement or filter was refused (not read-only, not one expression, too slow, ...)."""


class LockTimeout(UserError):
    """Another process held the registry's write lock for longer than the timeout."""


class InvalidOption(UserError):
    """An option value that is not one of its choices (an unknown outcome, measure, format...).

    `.choices` lists the valid values, so a caller can offer them.
    """

    def __init__(self, message: str, choices: list[str] | None = None) -> None:
        super().__init__(message)
        self.choices = choices or []
