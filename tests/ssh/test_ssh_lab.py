"""The SSH door against real OpenSSH nodes: verified keys, reuse, timeouts, audit, isolation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import SshSettings
from bot.errors import (
    AuthFailed,
    CommandFailed,
    CommandTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    HostUnreachable,
)
from bot.lab.faults import FaultKind, FaultParams
from bot.lab.lab import Lab
from bot.model import Node
from bot.ssh import SshPool, fingerprint
from tests.lab.observe import model_nodes
from tests.ssh.doubles import Audit

pytestmark = pytest.mark.lab


async def test_runs_on_every_node_and_audits_each_command(nodes: dict[str, Node]) -> None:
    """`hostname` on all nodes answers each node's name, and each run is in the audit log."""
    audit = Audit()
    async with SshPool(audit=audit) as pool:
        results = await asyncio.gather(
            *(pool.run(n, ["hostname"], actor="test", reason="who are you") for n in nodes.values())
        )
    assert [r.stdout.strip() for r in results] == list(nodes)
    assert sorted(r.node for r in audit.records) == sorted(nodes)
    record = audit.records[0]
    assert (record.actor, record.reason, record.argv, record.exit_status) == (
        "test", "who are you", ("hostname",), 0,
    )  # fmt: skip
    assert record.stdout_bytes == len(f"{record.node}\n")


async def test_many_concurrent_commands_share_one_connection(nodes: dict[str, Node]) -> None:
    """Forty parallel commands on one node all succeed over a single SSH connection.

    sshd refuses channels ("no more sessions") for a moment after others close; the pool must
    retry those on the same connection, not reconnect and kill the commands still running.
    """
    async with SshPool() as pool:
        results = await asyncio.gather(
            *(
                pool.run(nodes["qbt1"], ["sh", "-c", "echo $SSH_CONNECTION"], actor="t", reason="r")
                for _ in range(40)
            )
        )
    assert all(r.ok for r in results)
    assert len({r.stdout for r in results}) == 1  # same client port: the same TCP connection


async def test_arguments_reach_the_node_verbatim(nodes: dict[str, Node]) -> None:
    """Shell syntax inside an argument is data on the node, never code."""
    hostile = "$(hostname); `id` && echo pwned | cat > /tmp/x '\"\n"
    async with SshPool() as pool:
        done = await pool.run(nodes["qbt1"], ["printf", "%s", hostile], actor="t", reason="r")
    assert done.stdout == hostile


async def test_untrusted_node_is_not_contacted(nodes: dict[str, Node]) -> None:
    """Without a trusted key the pool refuses; fetching the key shows the real fingerprint."""
    untrusted = nodes["qbt1"].model_copy(update={"host_key": None})
    async with SshPool() as pool:
        with pytest.raises(HostKeyUnknown, match="inventory trust qbt1"):
            await pool.run(untrusted, ["true"], actor="t", reason="r")
        offered = await pool.fetch_host_key(untrusted)
    assert fingerprint(offered) == fingerprint(str(nodes["qbt1"].host_key))


async def test_a_changed_host_key_is_refused_and_named(nodes: dict[str, Node]) -> None:
    """A node presenting another key than the trusted one is refused, showing both keys."""
    impostor = nodes["qbt1"].model_copy(update={"host_key": nodes["qbt2"].host_key})
    audit = Audit()
    async with SshPool(audit=audit) as pool:
        with pytest.raises(HostKeyMismatch) as caught:
            await pool.run(impostor, ["true"], actor="t", reason="r")
    message = str(caught.value)
    assert "HOST KEY CHANGED" in message
    assert fingerprint(str(nodes["qbt1"].host_key)) in message
    assert fingerprint(str(nodes["qbt2"].host_key)) in message
    assert audit.records[0].exit_status is None
    assert audit.records[0].error is not None


async def test_a_refused_client_key_is_an_auth_failure(
    nodes: dict[str, Node], tmp_path: Path
) -> None:
    """A key the node does not know gives AuthFailed, not a hang or a generic error."""
    import asyncssh

    other = tmp_path / "other_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(other))
    stranger = nodes["qbt1"].model_copy(update={"key_path": other})
    async with SshPool() as pool:
        with pytest.raises(AuthFailed, match="login as root refused"):
            await pool.run(stranger, ["true"], actor="t", reason="r")


async def test_a_slow_command_times_out_with_its_partial_output(nodes: dict[str, Node]) -> None:
    """A command past its timeout raises CommandTimeout carrying what it printed so far."""
    async with SshPool() as pool:
        with pytest.raises(CommandTimeout) as caught:
            await pool.run(nodes["qbt1"], ["sh", "-c", "echo started; sleep 30"],
                           actor="t", reason="r", timeout_s=1.0)  # fmt: skip
        assert caught.value.stdout == "started\n"
        # The connection is still good for the next command.
        again = await pool.run(nodes["qbt1"], ["true"], actor="t", reason="r")
    assert again.ok


async def test_check_turns_a_non_zero_exit_into_an_error(nodes: dict[str, Node]) -> None:
    """With check, exit 3 raises CommandFailed carrying status and stderr; without, it returns."""
    argv = ["sh", "-c", "echo oops >&2; exit 3"]
    async with SshPool() as pool:
        plain = await pool.run(nodes["qbt1"], argv, actor="t", reason="r")
        with pytest.raises(CommandFailed) as caught:
            await pool.run(nodes["qbt1"], argv, actor="t", reason="r", check=True)
    assert (plain.exit_status, plain.stderr) == (3, "oops\n")
    assert (caught.value.exit_status, caught.value.stderr) == (3, "oops\n")


async def test_a_killed_connection_is_replaced_transparently(nodes: dict[str, Node]) -> None:
    """When sshd drops our connection, the next command reconnects instead of failing."""
    async with SshPool() as pool:
        first = await pool.run(
            nodes["qbt2"], ["sh", "-c", "echo $SSH_CONNECTION"], actor="t", reason="r"
        )
        await pool.run(nodes["qbt2"], ["sh", "-c", "kill $PPID"], actor="t", reason="r")
        second = await pool.run(
            nodes["qbt2"], ["sh", "-c", "echo $SSH_CONNECTION"], actor="t", reason="r"
        )
    assert first.stdout != second.stdout  # a new client port: a new connection


async def test_a_dead_node_does_not_delay_the_others(healed: Lab) -> None:
    """With node 3's link down, nodes 1 and 2 answer first and node 3 is reported unreachable."""
    nodes = model_nodes(healed)
    healed.fault("qbt3", FaultKind.LINK_DOWN, FaultParams())
    order: list[str] = []
    async with SshPool(SshSettings(connect_timeout_s=2.0)) as pool:

        async def probe(node: Node) -> None:
            try:
                await pool.run(node, ["true"], actor="t", reason="r")
                order.append(f"{node.name} ok")
            except HostUnreachable:
                order.append(f"{node.name} unreachable")

        await asyncio.gather(*(probe(n) for n in nodes.values()))
    assert sorted(order[:2]) == ["qbt1 ok", "qbt2 ok"]
    assert order[2] == "qbt3 unreachable"
