"""Guided entry of a study, field by field (placeholder until implemented)."""

from __future__ import annotations

from .entry import Added
from .errors import UserError
from .registry import Registry


def run_guided(reg: Registry, *, replace: bool = False) -> list[Added]:
    raise UserError("guided entry is not available yet; give a file to `evireg add`")
