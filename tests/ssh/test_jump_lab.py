"""Jump hosts against real OpenSSH: qbt2 and qbt3 reached through qbt1, verified at every hop."""

from __future__ import annotations

import pytest

from bot.errors import HostKeyMismatch
from bot.model import Node
from bot.ssh import SshPool, fingerprint, jump_trust_from_inventory
from tests.ssh.doubles import Audit

pytestmark = pytest.mark.lab


def through_qbt1(nodes: dict[str, Node], name: str) -> Node:
    """``name`` with qbt1 as its jump host, trusted with the key the inventory holds for qbt1."""
    jumped = nodes[name].model_copy(update={"jump": f"root@{nodes['qbt1'].address}"})
    return jump_trust_from_inventory(jumped, nodes.values())


async def test_nodes_are_reached_through_a_jump_host(nodes: dict[str, Node]) -> None:
    """qbt2 and qbt3 answer through qbt1: they see the SSH connection coming from qbt1."""
    audit = Audit()
    async with SshPool(audit=audit) as pool:
        seen = {
            name: await pool.run(
                through_qbt1(nodes, name),
                ["sh", "-c", 'echo "$(hostname) ${SSH_CONNECTION%% *}"'],
                actor="t",
                reason="r",
            )
            for name in ("qbt2", "qbt3")
        }
    qbt1 = nodes["qbt1"].address
    assert {n: r.stdout for n, r in seen.items()} == {
        "qbt2": f"qbt2 {qbt1}\n",
        "qbt3": f"qbt3 {qbt1}\n",
    }
    assert [(r.node, r.exit_status) for r in audit.records] == [("qbt2", 0), ("qbt3", 0)]


async def test_a_jump_host_with_another_key_is_refused(nodes: dict[str, Node]) -> None:
    """With qbt3's key trusted for the jump host qbt1, nothing reaches qbt2; both keys are named."""
    wrong = through_qbt1(nodes, "qbt2").model_copy(update={"jump_host_key": nodes["qbt3"].host_key})
    audit = Audit()
    async with SshPool(audit=audit) as pool:
        with pytest.raises(HostKeyMismatch) as caught:
            await pool.run(wrong, ["true"], actor="t", reason="r")
    assert str(caught.value) == (
        f"qbt2: jump host {wrong.jump}: HOST KEY CHANGED: it presents "
        f"{fingerprint(str(nodes['qbt1'].host_key))}, we trust "
        f"{fingerprint(str(nodes['qbt3'].host_key))}; refusing to connect through it "
        "(re-trust only after checking why the key changed)"
    )
    assert audit.records[0].error == str(caught.value)
