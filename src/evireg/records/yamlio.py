"""Safe YAML/JSON reading with line numbers, and stable YAML writing.

Every record, JSON Lines shard and extraction file is read here, so one set of limits holds for
all of them: a file's size is checked before it is read (a JSON Lines shard's per line), nesting
is bounded, and duplicate keys are refused in JSON as in YAML. The YAML loader also refuses what a
registry file never needs and an attacker could use: custom tags (the safe loader already does)
and aliases (billion-laughs expansion). PyYAML and the json module silently keep the last of two
equal keys, which would hide a reviewer's typo.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

MAX_FILE_BYTES = 2_000_000  # a record file, or one line of a JSON Lines shard
# A study record is about 8 levels deep; the bound keeps every recursive step after parsing
# (construction, line indexing, validation, flattening) far from Python's recursion limit.
MAX_NESTING = 64


class ParseError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _nested_message() -> str:
    return f"nested more than {MAX_NESTING} levels deep; a record is far shallower"


def _value_message(e: ValueError) -> str:
    text = str(e)
    if "integer string conversion" in text:  # int() refuses over 4,300 digits
        return "a number has more than 4,300 digits"
    return text


# --- YAML ------------------------------------------------------------------------------------

if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser as _Parser
else:  # pragma: no cover - libyaml is present in every supported install
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_COLLECTION_STARTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)


class _StrictLoader(Composer, _Parser, SafeConstructor, Resolver):
    """A safe loader that also refuses aliases, duplicate keys and deep nesting.

    libyaml parses in C; the nodes are composed by PyYAML's Python composer rather than libyaml's,
    because the C composer recurses without a bound and overflows the C stack (a segmentation
    fault) on a document 100,000 levels deep. Composing here lets the depth be counted and the
    document refused at level 65, before anything deeper is even parsed.
    """

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(*_COLLECTION_STARTS):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                mark = getattr(self.peek_event(), "start_mark", None)
                raise ParseError(_nested_message(), mark.line + 1 if mark is not None else None)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # An alias is the same node reached twice; refusing it also stops alias bombs, which
        # the composer keeps as shared references and only construction would expand.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise ParseError("YAML aliases (*name) are not allowed", node.start_mark.line + 1)
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as e:  # e.g. 2001-02-30 as a date, or a 5,000-digit integer
            raise ParseError(f"invalid YAML value: {_value_message(e)}", node.start_mark.line + 1) from None

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


def decode(raw: bytes, what: str = "file") -> str:
    """Text of a record file (or, with what="line", one JSON Lines line)."""
    if len(raw) > MAX_FILE_BYTES:
        size = "larger" if what == "file" else "longer"
        raise ParseError(f"{what} is {size} than {MAX_FILE_BYTES:,} bytes; a study record is far smaller")
    if b"\x00" in raw:
        raise ParseError(f"{what} is binary (contains NUL bytes), not YAML or JSON text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParseError(f"{what} is not UTF-8 text (byte {e.start}); re-save it as UTF-8") from None


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A record file's bytes, its size checked before reading: a 3 GB file is refused, not
    loaded. Reads at most limit + 1 bytes even if the file grows meanwhile."""
    with path.open("rb") as fh:
        if os.fstat(fh.fileno()).st_size > limit:
            raise ParseError(f"file is larger than {limit:,} bytes; a study record is far smaller")
        return fh.read(limit + 1)  # decode() refuses the extra byte


def read_lines(fh: IO[bytes], limit: int = MAX_FILE_BYTES) -> Iterator[bytes]:
    """The lines of a JSON Lines file; a line longer than `limit` comes back cut to limit + 1
    bytes (so decode refuses it) and the rest of it is skipped unread into memory."""
    while line := fh.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            _skip_to_next_line(fh)
        yield line


def _skip_to_next_line(fh: IO[bytes]) -> None:
    buf = bytearray(1 << 20)
    while n := fh.readinto(buf):  # type: ignore[attr-defined]
        i = buf.find(b"\n", 0, n)
        if i >= 0:
            fh.seek(i + 1 - n, os.SEEK_CUR)
            return


def parse_file(path: Path) -> Parsed:
    """Read, decode and parse one record or extraction file (JSON if it ends in .json).
    Raises OSError if it cannot be read and ParseError if it is not a valid document."""
    return parse_text(decode(read_limited(path)), json_syntax=path.suffix == ".json")


def parse_text(text: str, *, json_syntax: bool) -> Parsed:
    if not text.strip():
        raise ParseError("file is empty")
    if json_syntax:
        return Parsed(loads_json(text))
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
        problem = str(e.problem or e.context)
        if "nesting depth" in problem:  # PyYAML >= 6.0.4 stops deep documents in its parser
            raise ParseError(_nested_message(), line) from None
        raise ParseError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as e:
        raise ParseError(f"invalid YAML: {e}") from None
    finally:
        loader.dispose()
    return Parsed(data, node)


# --- JSON ------------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return d


def _no_constant(name: str) -> Any:
    raise ParseError(f"invalid JSON: {name} is not a JSON number; write the value, or null with a reason")


def loads_json(text: str) -> Any:
    """The one JSON reader for records, JSON Lines lines and extraction files: duplicate keys,
    NaN/Infinity and nesting deeper than MAX_NESTING are refused with a ParseError."""
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except _DuplicateKey as e:
        raise ParseError(f"duplicate key {e.key!r}", _duplicate_key_line(text, e.key)) from None
    except json.JSONDecodeError as e:
        raise ParseError(f"invalid JSON: {e.msg}", e.lineno) from None
    except RecursionError:
        raise ParseError(_nested_message()) from None
    except ValueError as e:
        raise ParseError(f"invalid JSON: {_value_message(e)}") from None
    # A document with at most MAX_NESTING brackets cannot be nested deeper: skip the walk.
    if text.count("[") + text.count("{") > MAX_NESTING and _deeper_than(data, MAX_NESTING):
        raise ParseError(_nested_message())
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?|[{}\[\]]')


def _duplicate_key_line(text: str, key: str) -> int | None:
    """Line of the second `key` in one object: the json module reports no positions, so the
    text is scanned again (only on this error path) for keys, object by object."""
    objects: list[set[str] | None] = []  # None for an array
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group()
        if tok in "{[":
            objects.append(set() if tok == "{" else None)
        elif tok in "}]":
            if objects:
                objects.pop()
        elif m.group(1) and objects and (keys := objects[-1]) is not None:
            name = json.loads(tok[: tok.rindex('"') + 1])
            if name == key and name in keys:
                return text.count("\n", 0, m.start()) + 1
            keys.add(name)
    return None


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
