"""Guided entry: reading answers. Every question goes through `Asker`, which rich prompts back,
so that tests can script the answers (a stream) and read the transcript (a console)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO, TypeVar

from rich.console import Console
from rich.prompt import Confirm, IntPrompt, Prompt
from rich.text import Text, TextType

T = TypeVar("T")


class _Lines:
    """rich returns `stream.readline()` raw: strip the newline so that Enter picks the default as it
    does with input(), echo the answer so that a scripted transcript reads like a session, and turn
    end of input into EOFError (input() does that itself) instead of an endless run of empty answers."""

    @classmethod
    def get_input(
        cls, console: Console, prompt: TextType, password: bool, stream: TextIO | None = None
    ) -> str:
        line = console.input(prompt, password=password, stream=stream)
        if stream is None:
            return line
        if line == "":
            raise EOFError
        line = line.rstrip("\r\n")
        console.print(Text(line), highlight=False)
        return line


class _Ask(_Lines, Prompt):
    pass


class _AskInt(_Lines, IntPrompt):
    pass


class _AskYesNo(_Lines, Confirm):
    pass


class Asker:
    """Every question of the session goes through here, so tests can script the answers (`stream`)
    and read the transcript (`console`); without a stream answers come from stdin."""

    def __init__(self, console: Console, stream: TextIO | None = None) -> None:
        self.console = console
        self.stream = stream

    def heading(self, title: str) -> None:
        self.console.rule(Text(title, style="bold"))

    def note(self, message: str) -> None:
        self.console.print(Text(message, style="dim"))

    def problem(self, message: str) -> None:
        self.console.print(Text(message, style="red"))

    def _line(self, label: str, default: str | None, choices: Sequence[str] | None = None) -> str:
        prompt = _Ask(
            Text(label),
            console=self.console,
            choices=list(choices) if choices else None,
            show_default=default is not None,
        )
        answer = (
            prompt(stream=self.stream) if default is None else prompt(default=default, stream=self.stream)
        )
        # rich takes the default only for an exactly empty line; blanks mean Enter too
        return answer.strip() or (default or "")

    def required(self, label: str, check: Callable[[str], T], *, default: str | None = None) -> T:
        while True:
            raw = self._line(label, default)
            if not raw:
                self.problem("an answer is needed here")
                continue
            try:
                return check(raw)
            except ValueError as e:
                self.problem(str(e))

    def optional(
        self, label: str, check: Callable[[str], T], *, default: str | None = None, tag: str = "optional"
    ) -> T | None:
        """Empty skips; `-` drops a proposed default."""
        while True:
            raw = self._line(f"{label} ({tag})", default)
            if not raw or raw == "-":
                return None
            try:
                return check(raw)
            except ValueError as e:
                self.problem(str(e))

    def choice(self, label: str, choices: Sequence[str], *, default: str | None = None) -> str:
        # rich re-asks until the answer is one of the choices
        return self._line(label, default, choices)

    def number(self, label: str) -> int:
        return _AskInt(Text(label), console=self.console)(stream=self.stream)

    def confirm(self, label: str, *, default: bool | None = None) -> bool:
        prompt = _AskYesNo(Text(label), console=self.console)
        return prompt(stream=self.stream) if default is None else prompt(default=default, stream=self.stream)
