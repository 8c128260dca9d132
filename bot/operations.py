"""What every front end asks of the engine: the inventory, a diagnosis, the audit log.

One `Operations` lives as long as the process (the bot, or one CLI command) and owns nothing but
what it is given: the database engine and the SSH pool, so connections are reused across
Slack commands, sweeps and runbooks alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.diagnostics.checks.base import Check
from bot.diagnostics.collect import collect
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.registry import CHECKS
from bot.diagnostics.report import Report, run_checks
from bot.errors import UnknownNode
from bot.model import AuditRecord, Cluster
from bot.ssh import SshPool
from bot.store.counters import CounterRepo
from bot.store.repos import AuditRepo, InventoryRepo


@dataclass(frozen=True)
class Diagnosis:
    """What a diagnosis collected and what the checks made of it."""

    facts: ClusterFacts
    report: Report


class Operations:
    def __init__(
        self,
        inventory: InventoryRepo,
        audit: AuditRepo,
        pool: SshPool,
        counters: CounterRepo | None = None,
    ) -> None:
        self.inventory = inventory
        self.audit = audit
        self.pool = pool
        self.counters = counters
        """Where NIC counters are kept between sweeps, so checks can report what is new."""

    async def clusters(self) -> list[Cluster]:
        return await self.inventory.all()

    async def cluster(self, name: str) -> Cluster:
        """The named cluster, or UnknownCluster naming the ones we know."""
        return await self.inventory.get(name)

    async def diagnose(
        self,
        cluster: Cluster,
        *,
        actor: str,
        reason: str,
        nodes: Sequence[str] | None = None,
        checks: tuple[Check, ...] = CHECKS,
        network: bool = True,
    ) -> Diagnosis:
        """Collect facts from the cluster (only `nodes` if given) and run `checks` on them.

        Without `network` the timed ping probes are skipped: a state-only look for `status`.
        """
        for name in nodes or ():
            if cluster.node(name) is None:
                raise UnknownNode(cluster.name, name, [n.name for n in cluster.nodes])
        facts = await collect(
            self.pool,
            cluster,
            actor=actor,
            reason=reason,
            nodes=list(nodes) if nodes else None,
            network=network,
            counters=self.counters,
        )
        return Diagnosis(facts, run_checks(facts, checks))

    async def history(self, limit: int = 20) -> list[AuditRecord]:
        return await self.audit.recent(limit)
