"""``{name}`` placeholders in argv elements and paths: read strictly, substituted unsplit.

A template is one argv element (or one path). Substitution replaces each ``{name}`` with the
value's text and returns one string, so a value becomes part of exactly one argv element, whatever
it contains: there is no shell and nothing is ever split. ``{{`` and ``}}`` stand for literal
braces; any other brace, a format spec (``{x:>4}``) or a conversion (``{x!r}``) is refused. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_ESCAPED = {"{{": "{", "}}": "}"}


class TemplateError(ValueError):
    """A template that cannot be read; the message says which brace or name is wrong."""


def placeholders(template: str) -> tuple[str, ...]:
    """The names of ``template``'s placeholders in order (repeats kept); TemplateError if bad."""
    names: list[str] = []
    for match in _TOKEN.finditer(template):
        token, name = match.group(0), match.group(1)
        if token in _ESCAPED:
            continue
        if name is None:
            raise TemplateError(
                f"stray {token!r} at position {match.start()}; write {token * 2!r} for a literal"
            )
        if not PLACEHOLDER_NAME.fullmatch(name):
            raise TemplateError(
                f"{{{name}}} is not a placeholder: use {{parameter}} with a lower-case name, "
                "no spaces, format specs or conversions"
            )
        names.append(name)
    return tuple(names)


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each placeholder replaced by its value; KeyError for a missing one."""
    placeholders(template)  # refuse malformed templates here too, not only at load

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return _ESCAPED.get(match.group(0), "") if name is None else values[name]

    return _TOKEN.sub(replace, template)


def literal_text(template: str) -> str | None:
    """The text of a template without placeholders (braces unescaped), or None if it has any."""
    return None if placeholders(template) else render(template, {})


def sole_placeholder(template: str) -> str | None:
    """The name when the template is exactly ``{name}`` and nothing else, else None."""
    names = placeholders(template)
    return names[0] if len(names) == 1 and template == f"{{{names[0]}}}" else None
