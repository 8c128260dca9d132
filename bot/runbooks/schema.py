"""What every runbook model shares: the strict base class and problems that know where they are.

A validator that finds something wrong raises ``SchemaProblem`` with the key path of each problem
relative to the model it validates; pydantic keeps the exception in the error's context, so the
loader can report ``steps[2].commands[0][3]: …`` instead of pointing at the whole step. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

Loc = tuple[int | str, ...]
"""A key path into a runbook document: ``("steps", 2, "commands", 0, 3)``."""


class Data(BaseModel):
    """Runbook data: immutable, and every key not in the schema is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SchemaProblem(ValueError):
    """One or more problems, each with its key path relative to the model being validated."""

    def __init__(self, problems: Iterable[tuple[Loc, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{format_loc(loc)}: {text}" for loc, text in self.problems))


def raise_problems(problems: list[tuple[Loc, str]]) -> None:
    if problems:
        raise SchemaProblem(problems)


def format_loc(loc: Loc) -> str:
    """``("steps", 2, "commands", 0, 3)`` -> ``steps[2].commands[0][3]``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"
