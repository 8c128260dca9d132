"""docs/runbooks.md stays true: its example runbook loads and plans as the text says."""

from __future__ import annotations

import re
from pathlib import Path

from bot.model import Flavor
from bot.runbooks.loader import parse_runbook
from bot.runbooks.planner import plan_runbook
from bot.runbooks.predicates import PREDICATES
from tests.runbooks.conftest import PVE3_LEFT, three_nodes

DOC = Path(__file__).parents[2] / "docs" / "runbooks.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def test_the_example_runbook_loads_and_plans_as_described() -> None:
    """The example plans into `corosync -t` then a restart on pve3, with two preconditions."""
    runbook = parse_runbook(yaml_blocks()[0], source="docs/runbooks.md")
    plan = plan_runbook(
        runbook,
        {"cluster": "pve", "node": "pve3"},
        three_nodes(Flavor.PROXMOX),
        PVE3_LEFT,
        run_id="r1",
    )
    assert [(s.node, s.commands) for s in plan.steps] == [
        ("pve3", (("corosync", "-t"),)),
        ("pve3", (("systemctl", "restart", "corosync.service"),)),
    ]
    assert all(c.held_at_plan_time for c in plan.preconditions)


def test_the_predicate_table_in_the_docs_names_every_predicate() -> None:
    """Every predicate id appears in the docs, and the docs name no other."""
    text = DOC.read_text()
    table = text[text.index("### Predicates") : text.index("## Validation")]
    named = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)?", table, flags=re.MULTILINE))
    assert {n for pair in named for n in pair if n} == set(PREDICATES)
