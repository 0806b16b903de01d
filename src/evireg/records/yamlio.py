"""Safe YAML/JSON reading with line numbers, and stable YAML writing.

The loader refuses what a registry file never needs and an attacker could use: custom tags
(the safe loader already does), aliases (billion-laughs expansion) and duplicate keys (PyYAML
silently keeps the last one, which would hide a reviewer's typo).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

MAX_FILE_BYTES = 2_000_000


class ParseError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# libyaml parses and composes in C; construction stays in Python, where the checks below run.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _StrictLoader(_BaseLoader):  # type: ignore[misc]
    """A safe loader that also refuses aliases and duplicate keys."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # An alias is the same node reached twice; refusing it also stops alias bombs, which
        # the composer keeps as shared references and only construction would expand.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise ParseError("YAML aliases (*name) are not allowed", node.start_mark.line + 1)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ParseError("mapping keys must be plain scalars", key_node.start_mark.line + 1)
            if key_node.value in seen:
                raise ParseError(f"duplicate key {key_node.value!r}", key_node.start_mark.line + 1)
            seen.add(key_node.value)
        return dict(super().construct_mapping(node, deep=deep))


# Timestamps stay dates only; YAML 1.1's sexagesimal ints and yes/no booleans are kept as PyYAML
# resolves them, so a reviewer sees a type error rather than a silent reinterpretation.


@dataclass
class Parsed:
    """Parsed data and, for YAML, the node tree that gives field lines (indexed on demand,
    since only a record with problems needs them)."""

    data: Any
    node: Any = None
    _lines: dict[tuple[str | int, ...], int] | None = None

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """Line of the deepest known node on `path` (a missing field reports its parent)."""
        if self.node is None:
            return None
        if self._lines is None:
            self._lines = {}
            _index_lines(self.node, (), self._lines)
        for n in range(len(path), -1, -1):
            line = self._lines.get(tuple(path[:n]))
            if line is not None:
                return line
        return None


def _index_lines(node: Any, path: tuple[str | int, ...], out: dict[tuple[str | int, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k.start_mark.line)
            _index_lines(v, (*path, key), out)
            out[(*path, key)] = k.start_mark.line + 1  # a field's line is its key's line
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _index_lines(v, (*path, i), out)


def decode(raw: bytes) -> str:
    if len(raw) > MAX_FILE_BYTES:
        raise ParseError(f"file is larger than {MAX_FILE_BYTES:,} bytes; a study record is far smaller")
    if b"\x00" in raw:
        raise ParseError("file is binary (contains NUL bytes), not YAML or JSON text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParseError(f"file is not UTF-8 text (byte {e.start}); re-save it as UTF-8") from None


def parse_text(text: str, *, json_syntax: bool) -> Parsed:
    if not text.strip():
        raise ParseError("file is empty")
    if json_syntax:
        try:
            return Parsed(json.loads(text))
        except json.JSONDecodeError as e:
            raise ParseError(f"invalid JSON: {e.msg}", e.lineno) from None
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ParseError("file is empty")
        data = loader.construct_document(node)
    except ParseError:
        raise
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ParseError(f"invalid YAML: {e.problem or e.context}", line) from None
    except yaml.YAMLError as e:
        raise ParseError(f"invalid YAML: {e}") from None
    finally:
        loader.dispose()
    return Parsed(data, node)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True  # the loader refuses aliases, so never write one


def _str_presenter(dumper: Any, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    node: yaml.ScalarNode = dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)
    return node


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(data: Any) -> str:
    """Dump in the given key order (the model's field order), block style, wide lines."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
