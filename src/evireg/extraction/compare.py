"""Comparing two extractions of one study field by field.

Each study is flattened to `field path -> value`, where list items are keyed by what identifies
them (arm id, outcome and subgroup, source id) rather than by position, so a reordered list is
not a disagreement. Functions here never print; the CLI renders their results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evireg.errors import UserError
from evireg.records.study import Study
from evireg.registry.extractions import Extraction


def pick_pair(exts: list[Extraction], names: list[str] | None) -> tuple[Extraction, Extraction]:
    """The two extractions to compare: the named ones, or the only two."""
    have = {e.extractor: e for e in exts}
    if names:
        unknown = [n for n in names if n not in have]
        if unknown or len(set(names)) != 2:
            msg = f"name two different extractors (have: {', '.join(have)}); got {', '.join(names)}"
            raise UserError(msg)
        return have[names[0]], have[names[1]]
    if len(exts) != 2:
        raise UserError(
            f"{len(exts)} extraction(s) ({', '.join(have)}); comparing needs two: "
            "add one, or choose two with --extractor NAME --extractor NAME"
        )
    return exts[0], exts[1]



# --- flattening ----------------------------------------------------------------------------

Provenance = tuple[str, str]  # source id, locator


@dataclass(frozen=True)
class FieldValue:
    value: Any  # a JSON scalar, or a list of them (e.g. authors)
    provenance: Provenance | None = None  # for numbers: the source and locator they were read at


def _key_fields(name: str, top: bool) -> tuple[str, ...]:
    """The fields that identify an item of list `name` (and so name it in field paths)."""
    if name == "sources" or (name == "arms" and top):
        return ("id",)
    if name == "arms":
        return ("arm",)  # an outcome's (or alternative's) per-arm result
    if name in ("outcomes", "not_reported"):
        return ("outcome", "subgroup")
    if name == "alternatives":
        return ("source",)
    return ()


def _item_key(fields: tuple[str, ...], item: dict[str, Any]) -> str | None:
    if fields == ("outcome", "subgroup"):
        sg = item.get("subgroup")
        if "outcome" not in item:
            return None
        if isinstance(sg, dict):
            return f"{item['outcome']}/{sg['variable']}={sg['value']}"
        return str(item["outcome"])
    return str(item[fields[0]]) if fields and fields[0] in item else None


def _key_item(fields: tuple[str, ...], key: str) -> dict[str, Any]:
    """The identifying fields of an item, back from its key (inverse of _item_key)."""
    key = re.sub(r"#[0-9]+$", "", key)
    if fields == ("outcome", "subgroup"):
        outcome, _, sub = key.partition("/")
        variable, _, value = sub.partition("=")
        return {"outcome": outcome, **({"subgroup": {"variable": variable, "value": value}} if sub else {})}
    return {fields[0]: key} if fields else {}


def _provenance(node: dict[str, Any]) -> Provenance | None:
    p = node.get("provenance")
    if isinstance(p, dict):
        node = p
    src, loc = node.get("source"), node.get("locator")
    return (src, loc) if isinstance(src, str) and isinstance(loc, str) else None


def flatten(study: Study) -> dict[str, FieldValue]:
    """Every set leaf of a study by field path, e.g. `outcomes[live_birth].arms[treated].events`.

    Fields left at their defaults are left out (one left at its default in both extractions was
    extracted by neither). A required field may be null, e.g. a count not reported; it is kept.
    """
    data = study.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data.pop("$schema", None)
    out: dict[str, FieldValue] = {}
    _walk(data, "", None, (), out)
    return out


def _walk(
    node: dict[str, Any],
    prefix: str,
    prov: Provenance | None,
    skip: tuple[str, ...],
    out: dict[str, FieldValue],
) -> None:
    prov = _provenance(node) or prov
    for name, value in node.items():
        path = f"{prefix}{name}"
        if name in skip:
            continue
        if isinstance(value, dict):
            _walk(value, path + ".", prov, (), out)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            fields = _key_fields(name, prefix == "")
            used: dict[str, int] = {}
            for pos, item in enumerate(value, start=1):
                key = _item_key(fields, item) or str(pos)
                used[key] = used.get(key, 0) + 1
                if used[key] > 1:  # e.g. two alternatives from one source
                    key = f"{key}#{used[key]}"
                _walk(item, f"{path}[{key}].", prov, fields, out)
        elif isinstance(value, list):
            if value:
                out[path] = FieldValue(value)
        else:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            out[path] = FieldValue(value, prov if numeric else None)


_SEGMENT = re.compile(r"^(?P<name>[$A-Za-z_][$\w]*)(?:\[(?P<key>[^\]]+)\])?$")


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """A record from `field path -> value`; list items appear in first-seen order."""
    root: dict[str, Any] = {}
    items: dict[tuple[int, str], dict[str, Any]] = {}
    for path, value in flat.items():
        node = root
        segments = path.split(".")
        for i, seg in enumerate(segments):
            m = _SEGMENT.match(seg)
            if m is None:
                raise UserError(f"{path!r} is not a field path (segment {seg!r})")
            name, key = m["name"], m["key"]
            if key is None:
                if i == len(segments) - 1:
                    node[name] = value
                else:
                    child = node.setdefault(name, {})
                    if not isinstance(child, dict):
                        raise UserError(f"{path!r}: {name!r} holds a value, not fields")
                    node = child
                continue
            lst = node.setdefault(name, [])
            ident = (id(lst), key)
            if ident not in items:
                items[ident] = _key_item(_key_fields(name, node is root), key)
                lst.append(items[ident])
            node = items[ident]
    return root


def keyed_path(data: Any, dotted: str) -> str:
    """A positional problem path (`outcomes.0.arms.1.events`) in field-path form
    (`outcomes[live_birth].arms[placebo].events`), so it matches `evireg compare`."""
    out: list[str] = []
    node = data
    for part in dotted.split(".") if dotted else []:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node) and out:
            item = node[int(part)]
            name = out.pop()
            key = _item_key(_key_fields(name, not out), item) if isinstance(item, dict) else None
            out.append(f"{name}[{key}]" if key else f"{name}.{part}")
            node = item
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(out)


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())  # line wrapping and spacing are not disagreements
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def match_key(value: Any) -> str:
    """What two values must share to agree (JSON, so 1 and true and "1" all differ)."""
    return json.dumps(_normal(value), sort_keys=True, ensure_ascii=False, default=str)


def show(value: Any) -> str:
    """A value as a person reads it in a table or message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    return str(value)


# --- comparison ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldComparison:
    path: str
    a: Any  # the value in extraction a (None when absent or null; see in_a)
    b: Any
    in_a: bool  # whether extraction a has the field at all
    in_b: bool
    agree: bool
    provenance_a: Provenance | None
    provenance_b: Provenance | None


@dataclass(frozen=True)
class Comparison:
    a: Extraction
    b: Extraction
    fields: list[FieldComparison]  # a's fields in record order, then those only b has

    @property
    def study_id(self) -> str:
        return self.a.study.id

    @property
    def compared(self) -> int:
        return len(self.fields)

    @property
    def agreeing(self) -> int:
        return sum(f.agree for f in self.fields)

    @property
    def disagreements(self) -> list[FieldComparison]:
        return [f for f in self.fields if not f.agree]

    @property
    def rate(self) -> float:
        return self.agreeing / self.compared if self.compared else 1.0


def compare_extractions(a: Extraction, b: Extraction) -> Comparison:
    """Field-level agreement of two extractions; a field only one of them has is a disagreement."""
    fa, fb = flatten(a.study), flatten(b.study)
    fields: list[FieldComparison] = []
    for path in [*fa, *(p for p in fb if p not in fa)]:
        va, vb = fa.get(path), fb.get(path)
        agree = va is not None and vb is not None and match_key(va.value) == match_key(vb.value)
        fields.append(
            FieldComparison(
                path,
                va.value if va else None,
                vb.value if vb else None,
                va is not None,
                vb is not None,
                agree,
                va.provenance if va else None,
                vb.provenance if vb else None,
            )
        )
    return Comparison(a, b, fields)
