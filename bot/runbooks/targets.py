"""Where a step runs: a node named by a parameter, or a role the planner resolves. Pure.

node:<parameter>           the node a ``node`` parameter names
role:failed_node           the one node that has left the membership (refused if 0 or 2+)
role:healthy_quorate_node  one reachable, quorate node that no node parameter names
role:all_nodes             every node of the cluster, one after the other
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BeforeValidator, PlainSerializer

from bot.runbooks.schema import Data

Role = Literal["failed_node", "healthy_quorate_node", "all_nodes"]
ROLES: tuple[Role, ...] = get_args(Role)
TARGET_FORMS = f"node:<parameter> or role:{'|'.join(ROLES)}"


class Target(Data):
    """Exactly one of ``param`` (a node parameter's name) or ``role``."""

    param: str | None = None
    role: Role | None = None

    def __str__(self) -> str:
        return f"node:{self.param}" if self.param is not None else f"role:{self.role}"


def _from_text(value: object) -> object:
    if isinstance(value, Target):
        return value
    if not isinstance(value, str):
        # pydantic turns a ValueError, not a TypeError, into a validation error with our text
        raise ValueError(f"expected text: {TARGET_FORMS}")  # noqa: TRY004
    kind, _, name = value.partition(":")
    if kind == "node" and name:
        return Target(param=name)
    if kind == "role" and name in ROLES:
        return Target(role=name)
    raise ValueError(f"{value!r} is not a target; expected {TARGET_FORMS}")


TargetSpec = Annotated[Target, BeforeValidator(_from_text), PlainSerializer(str)]
"""A target written as text in YAML: ``node:node``, ``role:all_nodes``."""
