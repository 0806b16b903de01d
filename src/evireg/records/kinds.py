"""The two kinds of record file, study and review: the model of each, and the id a file's name
gives (a record's id must equal it)."""

from __future__ import annotations

import re
from typing import Literal

from evireg.records.review import Review
from evireg.records.study import Study

RecordKind = Literal["study", "review"]
MODELS: dict[str, type[Study] | type[Review]] = {"study": Study, "review": Review}

_ID_FROM_NAME = re.compile(r"^(?P<id>.+)\.(ya?ml|json)$")


def id_from_filename(name: str) -> str | None:
    m = _ID_FROM_NAME.match(name)
    return m.group("id") if m else None
