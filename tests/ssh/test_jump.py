"""Jump hosts against in-process SSH servers: verified like nodes, pooled, refused when unsure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from bot.errors import HostKeyMismatch, HostKeyUnknown, HostUnreachable, JumpHostKeyUnknown
from bot.model import Node
from bot.ssh import JumpHost, SshPool, fingerprint, jump_trust_from_inventory
from tests.ssh.doubles import Audit, Sshd, public, sshd


@dataclass
class Site:
    """A jump host that forwards, two nodes behind it, and the client key they all accept."""

    jump: Sshd
    first: Sshd
    second: Sshd
    key_path: Path

    def behind(self, target: Sshd, **changes: object) -> Node:
        """``target`` as a node reached through the jump host, whose key is trusted."""
        return target.node(
            self.key_path, jump=self.jump.jump, jump_host_key=self.jump.host_key
        ).model_copy(update=changes)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_path))
    async with (
        sshd("bastion", client_key, forwarding=True) as jump,
        sshd("pve1", client_key) as first,
        sshd("pve2", client_key) as second,
    ):
        yield Site(jump, first, second, key_path)


async def test_a_node_is_reached_through_its_jump_host(site: Site) -> None:
    """A command on a node with a jump runs on the node, over a tunnel the jump host opened."""
    async with SshPool() as pool:
        done = await pool.run(site.behind(site.first), ["hostname"], actor="t", reason="r")
    assert done.stdout == "pve1\n"
    assert site.jump.forwarded == [("127.0.0.1", site.first.port)]
    assert site.jump.commands == []


async def test_nodes_behind_one_jump_host_share_its_connection(site: Site) -> None:
    """Two nodes and repeated commands behind one jump host cost one connection to it."""
    async with SshPool() as pool:
        for target in (site.first, site.second, site.first):
            await pool.run(site.behind(target), ["hostname"], actor="t", reason="r")
    assert site.jump.connections == 1
    assert (site.first.connections, site.second.connections) == (1, 1)


async def test_a_jump_host_without_a_trusted_key_is_never_contacted(site: Site) -> None:
    """No jump host key: the run is refused, audited, and neither server sees a connection."""
    audit = Audit()
    node = site.behind(site.first, jump_host_key=None)
    async with SshPool(audit=audit) as pool:
        with pytest.raises(JumpHostKeyUnknown) as caught:
            await pool.run(node, ["hostname"], actor="t", reason="r")
    assert str(caught.value).startswith(
        f"pve1: its jump host {site.jump.jump} has no trusted host key, so nothing is sent"
    )
    assert isinstance(caught.value, HostKeyUnknown)  # reported as "host key unknown" to checks
    assert (site.jump.connections, site.first.connections) == (0, 0)
    assert audit.records[0].error == str(caught.value)


async def test_a_jump_host_presenting_another_key_is_refused_and_named(site: Site) -> None:
    """A jump host whose key is not the trusted one is refused, naming both fingerprints."""
    impostor_key = site.second.host_key
    node = site.behind(site.first, jump_host_key=impostor_key)
    async with SshPool() as pool:
        with pytest.raises(HostKeyMismatch) as caught:
            await pool.run(node, ["hostname"], actor="t", reason="r")
    message = str(caught.value)
    assert message.startswith(f"pve1: jump host {site.jump.jump}: HOST KEY CHANGED")
    assert f"it presents {fingerprint(site.jump.host_key)}" in message
    assert f"we trust {fingerprint(impostor_key)}" in message
    assert site.first.connections == 0


async def test_a_node_behind_the_jump_host_is_still_verified(site: Site) -> None:
    """A trusted jump host does not vouch for the node: a wrong node key is still refused."""
    node = site.behind(site.first, host_key=site.second.host_key)
    async with SshPool() as pool:
        with pytest.raises(HostKeyMismatch, match="pve1: HOST KEY CHANGED"):
            await pool.run(node, ["hostname"], actor="t", reason="r")


async def test_a_jump_host_that_will_not_forward_is_named(site: Site) -> None:
    """When the jump host refuses the tunnel, the error says the jump host could not reach it."""
    node = site.behind(site.first, jump=site.first.jump, jump_host_key=site.first.host_key)
    async with SshPool() as pool:
        with pytest.raises(HostUnreachable) as caught:
            await pool.run(node, ["hostname"], actor="t", reason="r")
    assert str(caught.value) == (
        f"pve1: jump host {site.first.jump} could not reach "
        f"root@127.0.0.1:{site.first.port}: forwarding is not allowed"
    )


async def test_an_unreachable_jump_host_is_named_as_such(site: Site) -> None:
    """A jump host that is down makes the node unreachable, and the error says it was the hop."""
    async with sshd("gone", asyncssh.generate_private_key("ssh-ed25519")) as gone:
        pass
    node = site.behind(site.first, jump=gone.jump, jump_host_key=gone.host_key)
    async with SshPool() as pool:
        with pytest.raises(HostUnreachable) as caught:
            await pool.run(node, ["hostname"], actor="t", reason="r")
    assert str(caught.value) == (
        f"pve1: jump host root@127.0.0.1:{gone.port} refused the connection (is sshd running?)"
    )
    assert site.first.connections == 0


async def test_the_node_key_is_fetched_through_the_verified_jump_host(site: Site) -> None:
    """`inventory trust` on a jumped node reads its key through the trusted jump host."""
    node = site.behind(site.first, host_key=None)
    async with SshPool() as pool:
        offered = await pool.fetch_host_key(node)
        with pytest.raises(JumpHostKeyUnknown):
            await pool.fetch_host_key(node.model_copy(update={"jump_host_key": None}))
    assert offered == site.first.host_key
    assert site.jump.connections == 1


async def test_the_jump_host_key_can_be_fetched_before_it_is_trusted(site: Site) -> None:
    """The jump host's own key is read directly (no login), to be shown before trusting it."""
    node = site.behind(site.first, jump_host_key=None)
    async with SshPool() as pool:
        offered = await pool.fetch_jump_host_key(node)
    assert offered == site.jump.host_key


def test_a_jump_through_an_inventory_node_takes_that_node_s_trusted_key() -> None:
    """A jump naming one of our trusted nodes (by address and port) gets that node's key."""
    key = public(asyncssh.generate_private_key("ssh-ed25519"))
    bastion = Node(cluster="c", name="pve1", address="10.0.0.1", host_key=key)
    behind = Node(cluster="c", name="pve2", address="10.0.0.2", jump="root@10.0.0.1")
    assert jump_trust_from_inventory(behind, [bastion]).jump_host_key == key
    by_name = behind.model_copy(update={"jump": "pve1"})
    assert jump_trust_from_inventory(by_name, [bastion]).jump_host_key == key
    other_port = behind.model_copy(update={"jump": "10.0.0.1:2222"})
    assert jump_trust_from_inventory(other_port, [bastion]).jump_host_key is None
    untrusted = bastion.model_copy(update={"host_key": None})
    assert jump_trust_from_inventory(behind, [untrusted]).jump_host_key is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("bastion", JumpHost("bastion")),
        ("admin@bastion:2222", JumpHost("bastion", 2222, "admin")),
        ("10.0.0.1:22", JumpHost("10.0.0.1")),
        ("[fd00::1]:2222", JumpHost("fd00::1", 2222)),
        ("root@fd00::1", JumpHost("fd00::1", 22, "root")),
    ],
)
def test_jump_specs_are_taken_apart(spec: str, expected: JumpHost) -> None:
    """``[user@]host[:port]`` gives user, host and port; IPv6 bracketed or bare."""
    assert JumpHost.parse(spec) == expected


@pytest.mark.parametrize(
    "spec", ["", "@bastion", "bastion:0", "bastion:ssh", "[fd00::1", "[::1]x", "a b", "h;id"]
)
def test_malformed_jump_specs_are_refused(spec: str) -> None:
    """Anything but ``[user@]host[:port]`` is refused, never passed on to a connection."""
    with pytest.raises(ValueError, match="is not \\[user@\\]host\\[:port\\]"):
        JumpHost.parse(spec)
