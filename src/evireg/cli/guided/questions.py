"""Guided entry: the session's state (`data`, a plain dict in the record format, and the
registry's profile, which says what to ask) and the questions every section asks (where a
number was read; a fresh id), shared by the sections of study.py and results.py through this
base class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from evireg.cli.guided.asker import Asker
from evireg.cli.guided.checks import HINTS, model_problem, string_check
from evireg.records.base import Provenance, ShortText, Slug
from evireg.records.profile import Profile


class Questions:
    """What a section asks with: the asker, the registry's profile, the answers so far, and the
    questions they share."""

    def __init__(self, asker: Asker, existing_ids: set[str], replace: bool, profile: Profile) -> None:
        self.a = asker
        self.profile = profile
        self.existing_ids = existing_ids
        self.replace = replace
        self.data: dict[str, Any] = {}

    def _provenance(self, what: str) -> dict[str, Any]:
        a = self.a
        ids = [s["id"] for s in self.data["sources"]]
        prov = {
            "source": a.choice(f"Source of {what}", ids, default=ids[0]),
            "locator": a.required("Locator (e.g. abstract, results; Table 2)", string_check(ShortText)),
        }
        self._settle(Provenance, prov)
        return prov

    def _settle(self, model: type[BaseModel], data: dict[str, Any]) -> None:
        problem = model_problem(model, data)
        if problem:  # each field was checked on entry, so this is a bug (or a new model rule), not a typo
            raise RuntimeError(f"guided entry built an invalid {model.__name__}: {problem}")

    def _fresh_slug(self, taken: set[str], what: str) -> Callable[[str], str]:
        slug = string_check(Slug, HINTS["slug"])

        def check(raw: str) -> str:
            value = slug(raw)
            if value in taken:
                raise ValueError(f"{what} {value!r} is already used here; pick another")
            return value

        return check

    def _study_id_check(self, raw: str) -> str:
        value = string_check(Slug, HINTS["slug"])(raw)
        if value in self.existing_ids and not self.replace:
            raise ValueError(
                f"{value!r} is already in the registry; pick another id (e.g. {value}b), "
                "or start again with --replace to overwrite it"
            )
        return value

    def _arm_ref_check(self, arm_ids: list[str], used: list[str]) -> Callable[[str], str]:
        def check(raw: str) -> str:
            if raw not in arm_ids:
                raise ValueError(f"unknown arm {raw!r}; the arms are {', '.join(arm_ids)}")
            if raw in used:
                raise ValueError(f"arm {raw!r} already has a result here")
            return raw

        return check
