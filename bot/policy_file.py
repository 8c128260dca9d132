"""The policy file: YAML read strictly into a ``bot.policy.Policy``, or a ConfigError saying why.

The file is checked whole at start-up. Each problem names the key path inside the file, what
is wrong, what is expected and the line, e.g.
``users.U123: 'superuser' is not a role; expected one of viewer, operator, approver, admin (line 7)``.
Duplicate keys are refused rather than letting the last one silently win.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import ConfigError
from bot.policy import ChannelGrant, ClusterRules, Defaults, LocalGrant, Policy, Role

_EXAMPLE = "see deploy/policy.example.yaml"

# The model that holds the keys at each place in the file ("*" stands for any id or name).
_SECTIONS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Policy,
    ("channels", "*"): ChannelGrant,
    ("clusters", "*"): ClusterRules,
    ("local",): LocalGrant,
    ("defaults",): Defaults,
}

Loc = tuple[int | str, ...]


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the policy file: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from None
    return parse_policy(text, source=str(path))


def parse_policy(text: str, source: str = "the policy") -> Policy:
    """Validate a policy document; ConfigError lists every problem with its key path and line."""
    node, data = _read_yaml(text, source)
    if not isinstance(data, dict):
        sections = ", ".join(Policy.model_fields)
        expected = f"expected a mapping of sections ({sections}), got {_kind(data)}"
        raise ConfigError(source, [f"(top level): {expected}; {_EXAMPLE}"])
    if not data:
        raise ConfigError(source, [f"(top level): the policy is empty; {_EXAMPLE}"])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(error["loc"], error, node) for error in exc.errors()]
        raise ConfigError(source, problems) from None


def _read_yaml(text: str, source: str) -> tuple[yaml.Node, object]:
    """The document's node tree (for line numbers) and its value; refuses duplicate keys."""
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # already reads the text: control characters raise here
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
        if node is None or data is None:  # no document, only comments, a bare `---` or `~`
            raise ConfigError(source, [f"the file is empty; {_EXAMPLE}"])
        if duplicates := list(_duplicate_keys(node, (), set())):
            raise ConfigError(source, duplicates)
        return node, data
    except yaml.YAMLError as exc:
        raise ConfigError(source, [_yaml_problem(exc)]) from None
    # SafeLoader lets these through: a date like 2024-13-45, or nesting deeper than Python's stack.
    except (ValueError, OverflowError, RecursionError) as exc:
        raise ConfigError(source, [f"not valid YAML: {exc}"]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """``line 3, column 9: not valid YAML: found character '\\t' …`` without the echo of the text."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        during = f" ({exc.context})" if exc.context else ""
        return (
            f"line {mark.line + 1}, column {mark.column + 1}: not valid YAML: {exc.problem}{during}"
        )
    return f"not valid YAML: {exc}"


def _duplicate_keys(node: yaml.Node, loc: Loc, seen: set[int]) -> Iterator[str]:
    if id(node) in seen:  # an alias back to an anchor: already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode) and (key.tag, name) in first:
                where = f"lines {first[key.tag, name]} and {line}"
                yield f"{_path((*loc, name))}: duplicate key ({where}); each key may appear once"
            elif isinstance(key, yaml.ScalarNode):
                first[key.tag, name] = line
            yield from _duplicate_keys(value, (*loc, name), seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, index), seen)


def _describe(loc: Loc, error: Any, node: yaml.Node) -> str:
    """One problem: ``key.path: what is wrong; what is expected (line N)``."""
    # The model holds no lists of entries, so every part of a location is a mapping key.
    keys = tuple(str(part) for part in loc if part != "[key]")
    kind, given = error["type"], error.get("input")
    if kind == "extra_forbidden":
        section = _SECTIONS.get(_generic(keys[:-1]))
        expected = f"; expected one of {', '.join(section.model_fields)}" if section else ""
        message = f"unknown key{expected}"
    elif kind == "missing":
        message = "missing; this key is required"
    elif kind == "enum":
        shown = repr(given) if isinstance(given, str) else _kind(given)
        message = f"{shown} is not a role; expected one of {', '.join(r.value for r in Role)}"
    elif kind in {"dict_type", "model_type", "model_attributes_type"}:
        message = f"expected a mapping (key: value), got {_kind(given)}"
    elif kind == "string_type":
        message = f"expected text, got {_kind(given)}"
    elif kind == "bool_type":
        message = f"expected true or false, got {_kind(given)}"
    elif kind == "value_error":
        message = str(error["ctx"]["error"])
    else:
        message = f"{error['msg']} (got {_kind(given)})"
    return f"{_path(keys)}: {message} (line {_line(node, loc)})"


def _generic(keys: Loc) -> tuple[str, ...]:
    """``("channels", "C123")`` -> ``("channels", "*")``: the shape _SECTIONS is keyed by."""
    if len(keys) == 2 and keys[0] in {"channels", "clusters"}:
        return (str(keys[0]), "*")
    return tuple(str(k) for k in keys)


def _line(node: yaml.Node, loc: Loc) -> int:
    """The line of the deepest part of ``loc`` found in the file (1-based)."""
    line = node.start_mark.line
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            entry = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part)
                ),
                None,
            )
            if entry is None:
                break
            line, node = entry[0].start_mark.line, entry[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1


def _path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _kind(value: object) -> str:
    """How YAML spells what was found: 'a list', 'text', 'nothing'."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    names = {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}
    shown = f" {value!r}" if isinstance(value, str | int | float) else ""
    return f"{names.get(type(value), type(value).__name__)}{shown}"
