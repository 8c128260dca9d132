"""Read runbook files strictly: every problem named by file, key path, reason and line.

The only module of bot.runbooks that reads files or imports yaml. On top of the schema (unknown
keys, types, references: see model.py) it refuses what PyYAML would let through silently:
duplicate keys (the last would win) and keys YAML 1.1 reads as something other than text, above
all ``on:``, which becomes the boolean True. A problem reads like
``steps[2].commands[0][3]: unknown placeholder {nod}; declared parameters: cluster, node
(line 41)``.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.runbooks.errors import RunbookInvalid
from bot.runbooks.model import Runbook
from bot.runbooks.schema import Loc, SchemaProblem, format_loc

RUNBOOK_SUFFIXES = (".yaml", ".yml")
_TEXT_TAG = "tag:yaml.org,2002:str"
_EXAMPLE = "see docs/runbooks.md"
_YAML_TYPES = {"int": "a number", "float": "a number", "bool": "a boolean", "null": "null"}


def load_runbooks(paths: Iterable[Path]) -> dict[str, Runbook]:
    """Every runbook in ``paths`` (files, or directories of *.yaml), by id.

    Raises RunbookInvalid listing the problems of every file at once, each prefixed with its
    file, and ids used by two files.
    """
    paths = list(paths)
    files = [f for path in paths for f in _runbook_files(path)]
    runbooks: dict[str, Runbook] = {}
    where: dict[str, Path] = {}
    problems: list[str] = []
    for file in files:
        try:
            runbook = load_runbook(file)
        except RunbookInvalid as exc:
            problems += [f"{file}: {problem}" for problem in exc.problems]
            continue
        if runbook.id in runbooks:
            problems.append(f"{file}: id: {runbook.id!r} is already the id of {where[runbook.id]}")
            continue
        runbooks[runbook.id], where[runbook.id] = runbook, file
    if problems:
        raise RunbookInvalid(", ".join(str(p) for p in paths), problems)
    return runbooks


def load_runbook(path: Path) -> Runbook:
    """The runbook in the file at ``path``, whose name must be its id (``<id>.yaml``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RunbookInvalid(str(path), [f"cannot read the file: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        raise RunbookInvalid(str(path), [f"not UTF-8 ({exc.reason} at byte {exc.start})"]) from None
    runbook = parse_runbook(text, source=str(path))
    if path.stem != runbook.id:
        raise RunbookInvalid(
            str(path), [f"id: {runbook.id!r} must match the file name ({path.stem!r})"]
        )
    return runbook


def parse_runbook(text: str, source: str = "<runbook>") -> Runbook:
    """Validate one runbook document; RunbookInvalid lists every problem with path and line."""
    document = _Document.read(text, source)
    if not isinstance(document.data, dict):
        raise RunbookInvalid(source, [f"(top level): expected a mapping; {_EXAMPLE}"])
    try:
        return Runbook.model_validate(document.data)
    except ValidationError as exc:
        errors = _without_echoes(exc.errors())
        found = [document.describe(loc, text) for e in errors for loc, text in _problems(e)]
        in_order = [text for _, text in sorted(found, key=lambda line_text: line_text[0])]
        raise RunbookInvalid(source, list(dict.fromkeys(in_order))) from None


def _runbook_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in RUNBOOK_SUFFIXES and p.is_file())
    return [path]


class _Document:
    """A parsed YAML document with the node behind every key path, for lines and original text."""

    def __init__(self, root: yaml.Node, data: object) -> None:
        self.data = data
        self.nodes: dict[Loc, yaml.Node] = {}
        self._index(root, ())

    @classmethod
    def read(cls, text: str, source: str) -> _Document:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                raise RunbookInvalid(source, [f"the file is empty; {_EXAMPLE}"])
            if problems := list(_key_problems(root, (), set())):
                raise RunbookInvalid(source, problems)
            return cls(root, loader.construct_document(root))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            raise RunbookInvalid(source, [f"{where}not valid YAML: {exc.problem}"]) from None
        except yaml.YAMLError as exc:
            raise RunbookInvalid(source, [f"not valid YAML: {exc}"]) from None
        # SafeLoader lets these through: a date like 2024-13-45, nesting deeper than the stack.
        except (ValueError, OverflowError, RecursionError) as exc:
            raise RunbookInvalid(source, [f"not valid YAML: {exc}"]) from None
        finally:
            loader.dispose()

    def _index(self, node: yaml.Node, loc: Loc) -> None:
        if loc in self.nodes:  # an alias back to an anchor: walked already
            return
        self.nodes[loc] = node
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._index(value, (*loc, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index(item, (*loc, index))

    def describe(self, loc: Loc, message: str) -> tuple[int, str]:
        """The line and ``key.path: message (line N)``, with how YAML read an unquoted scalar."""
        loc = tuple(part for part in loc if part != "[key]")
        known = next(loc[:n] for n in range(len(loc), -1, -1) if loc[:n] in self.nodes)
        node = self.nodes[known]
        if known == loc and message.startswith("expected text") and _unquoted_non_text(node):
            read_as = _YAML_TYPES.get(node.tag.rsplit(":", 1)[-1], "something else")
            message += f": YAML 1.1 reads the unquoted {node.value} as {read_as}; quote it"
        line = node.start_mark.line + 1
        return line, f"{format_loc(loc)}: {message} (line {line})"


def _key_problems(node: yaml.Node, loc: Loc, seen: set[int]) -> Iterator[str]:
    """Duplicate keys and keys that are not text, anywhere below ``node``."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            here = format_loc((*loc, name))
            if not isinstance(key, yaml.ScalarNode):
                yield f"{format_loc(loc)}: a key must be plain text, not a collection (line {line})"
            elif key.tag != _TEXT_TAG:
                yield f"{here}: {_non_text_key(key)} (line {line})"
            elif name in first:
                yield f"{here}: duplicate key (lines {first[name]} and {line}); give it once"
            else:
                first[name] = line
            yield from _key_problems(value, (*loc, name), seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _key_problems(item, (*loc, index), seen)


def _non_text_key(key: yaml.ScalarNode) -> str:
    kind = key.tag.rsplit(":", 1)[-1]
    if key.value.lower() == "on":
        return (
            "a key named 'on' is read as the boolean true by YAML 1.1, so runbooks never use it "
            "(where a step runs is its `target`)"
        )
    return f"YAML 1.1 reads the key {key.value!r} as a {kind}, not text; quote it or rename it"


def _unquoted_non_text(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style is None and node.tag != _TEXT_TAG


def _without_echoes(errors: list[Any]) -> list[Any]:
    """Drop "at least 1 item" on a list whose only item was just refused: that says it already."""
    locs = [tuple(e["loc"]) for e in errors]
    return [
        e
        for e in errors
        if e["type"] != "too_short"
        or not any(
            len(other) > len(e["loc"]) and other[: len(e["loc"])] == tuple(e["loc"])
            for other in locs
        )
    ]


def _problems(error: Any) -> list[tuple[Loc, str]]:
    """One pydantic error as (key path, message) pairs; SchemaProblem carries several."""
    loc: Loc = tuple(error["loc"])
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, SchemaProblem):
        return [((*loc, *sub), text) for sub, text in cause.problems]
    return [(loc, _message(error, loc))]


def _message(error: Any, loc: Loc) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "extra_forbidden":
        fields = _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key{hint}; expected one of: {', '.join(fields)}"
    if kind == "missing":
        return "missing; this key is required"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "string_type":
        return f"expected text, got {_kind(given)}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"expected a mapping (key: value), got {_kind(given)}"
    if kind in {"tuple_type", "list_type"}:
        return f"expected a list, got {_kind(given)}"
    if kind == "string_pattern_mismatch" and loc[-1] == "id":
        return f"{given!r} is not an id: lower-case letters and digits in words joined by '-'"
    return f"{error['msg']} (got {_kind(given)})"


def _fields_at(loc: Loc) -> list[str]:
    """The keys the model at ``loc`` accepts (aliases as written in YAML), if one is there."""
    annotation: object = Runbook
    for part in loc:
        annotation = _inside(annotation, part)
    model = _inside(annotation, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _inside(annotation: object, part: int | str | None) -> object:
    """What ``annotation`` holds at ``part`` (None: the model itself, unwrapped from X | None)."""
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _inside(arguments[0], part)
    if origin in {typing.Union, types.UnionType}:
        found = (_inside(a, part) for a in arguments if a is not types.NoneType)
        return next((f for f in found if f is not None), None)
    if part is None:
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = annotation.model_fields.items()
        return next((f.annotation for name, f in fields if (f.alias or name) == part), None)
    if origin in {tuple, list} and isinstance(part, int):
        return arguments[0]
    if origin is dict:
        return arguments[1]
    return None


def _kind(value: object) -> str:
    """How YAML spells what it read: 'a list', 'the number 329712', 'nothing (null)'."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else type(value).__name__
