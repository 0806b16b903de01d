"""Editing a record file evireg must change (adjudication) without losing what its authors
wrote around the values: comments, key order, quoting and indentation survive, and only the
values that changed are replaced.

The file is read with ruamel.yaml's round-trip loader, each value of the new record is set
over the old one where they differ, and the result is dumped with the indentation the file
itself uses. The caller checks that the text holds exactly the new record (see
`registry.canonical`) and falls back to canonical YAML otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
from itertools import product
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruamel.yaml import YAML


def _yaml(mapping: int, sequence: int, offset: int) -> YAML:
    from ruamel.yaml import YAML

    y = YAML()  # round-trip: keeps comments, key order and flow style
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a line the author wrote
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    y.representer.add_representer(type(None), _null)  # `null`, as written, not an empty value
    return y


def _null(representer: Any, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _dump(y: YAML, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def _house_style(text: str) -> YAML:
    """The indentation settings under which the unedited file dumps back most like itself."""
    best: tuple[int, YAML] | None = None
    lines = text.splitlines()
    for mapping, sequence, offset in product((2, 4), (2, 4), (0, 2)):
        if offset >= sequence:
            continue
        y = _yaml(mapping, sequence, offset)
        again = _dump(y, y.load(text)).splitlines()
        diff = sum(a != b for a, b in zip(lines, again, strict=False)) + abs(len(lines) - len(again))
        if best is None or diff < best[0]:
            best = (diff, y)
        if diff == 0:
            break
    assert best is not None
    return best[1]


def has_comments(text: str) -> bool:
    """Whether a YAML document holds any comment (what a round-trip edit exists to keep)."""
    from ruamel.yaml import YAML

    def walk(node: Any) -> bool:
        ca = getattr(node, "ca", None)
        if ca is not None and (ca.comment or any(v for v in ca.items.values())):
            return True
        if isinstance(node, dict):
            return any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False

    return walk(YAML().load(text))


def _same(old: Any, new: Any) -> bool:
    """Equal as the record means them: a YAML date is its ISO text, a bool is no number."""
    if isinstance(old, dt.date) and isinstance(new, str):
        return old.isoformat() == new
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, str) != isinstance(new, str):
        return False
    return bool(old == new)


def _merge(old: Any, new: Any, full: Any) -> Any:
    """`old` (round-trip nodes) changed in place into the record's values, keeping each
    unchanged value's node, and so its comments and style. `full` is the record with its
    defaults, `new` without: a key the file has keeps its place even when it holds a default
    (`derivation: null` and its comment stay), a key it lacks is added only if not a default."""
    if isinstance(old, dict) and isinstance(full, dict):
        mini = new if isinstance(new, dict) else full
        for key in [k for k in old if k not in full]:
            del old[key]
        for key, value in full.items():
            if key in old:
                old[key] = _merge(old[key], mini.get(key, value), value)
            elif key in mini:
                old[key] = mini[key]
        return old
    if isinstance(old, list) and isinstance(full, list):
        items = new if isinstance(new, list) and len(new) == len(full) else full
        for i in range(min(len(old), len(full))):
            old[i] = _merge(old[i], items[i], full[i])
        del old[len(full) :]
        old.extend(items[len(old) :])
        return old
    return old if _same(old, full) else new


def edited(text: str, new: dict[str, Any], full: dict[str, Any] | None = None) -> str:
    """`text` (a YAML mapping) with its values changed to the record's, comments and layout
    kept: `new` without the model's defaults, `full` with them (default: `new`)."""
    y = _house_style(text)
    data = y.load(text)
    return _dump(y, _merge(data, new, new if full is None else full))
