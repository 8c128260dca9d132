"""Reading Proxmox's /etc/pve/priv/known_hosts for keys to offer: OpenSSH's format, no network.

The files are written here in the format pve-cluster writes (``<nodename> ssh-rsa AAAA...``,
see pve-cluster src/PVE/Cluster/Setup.pm) and ssh-keygen -H hashes, with keys made by asyncssh.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import asyncssh
import pytest

from bot.model import Node
from bot.ssh import SshPool, fingerprint, host_keys_from_pve_known_hosts, known_host_keys
from tests.ssh.doubles import public, sshd


def new_key(kind: str = "ssh-ed25519") -> str:
    """A fresh host public key of ``kind``, as a known_hosts line carries it."""
    if kind == "ssh-rsa":
        return public(asyncssh.generate_private_key(kind, key_size=2048))
    return public(asyncssh.generate_private_key(kind))


def hashed(host: str, salt: bytes = b"0123456789abcdefghij") -> str:
    """``host`` as ssh-keygen -H writes it: ``|1|base64(salt)|base64(HMAC-SHA1(salt, host))``."""
    digest = hmac.new(salt, host.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


def node(name: str, address: str, port: int = 22) -> Node:
    return Node(cluster="pve", name=name, address=address, port=port)


def test_a_key_recorded_under_the_node_name_is_found_for_that_node() -> None:
    """pve-cluster's ``<nodename> ssh-rsa ...`` line gives that node's key, comment dropped."""
    key = new_key("ssh-rsa")
    text = f"pve1 {key} root@pve1\n"
    assert host_keys_from_pve_known_hosts(text, [node("pve1", "10.0.0.1")]) == {"pve1": key}


def test_a_hashed_entry_is_found_by_the_node_address() -> None:
    """A ``|1|salt|hash`` entry for the node's IP matches, as OpenSSH would match it."""
    key = new_key()
    text = f"{hashed('10.0.0.2')} {key}\n"
    assert host_keys_from_pve_known_hosts(text, [node("pve2", "10.0.0.2")]) == {"pve2": key}


def test_a_name_is_matched_in_lower_case_as_openssh_does() -> None:
    """OpenSSH lower-cases host names before lookup; so does the reader."""
    key = new_key()
    assert known_host_keys(f"pve1 {key}\n", "PVE1") == (key,)


def test_a_revoked_key_is_never_offered() -> None:
    """A key marked @revoked anywhere in the file is not offered, even where listed plainly."""
    key, revoked = new_key(), new_key()
    text = f"pve1,10.0.0.1 {revoked}\n@revoked * {revoked}\npve2 {key}\n@revoked pve3 {key}\n"
    nodes = [node("pve1", "10.0.0.1"), node("pve2", "10.0.0.2")]
    assert host_keys_from_pve_known_hosts(text, nodes) == {}


def test_a_cert_authority_key_is_not_a_host_key() -> None:
    """An @cert-authority line names a CA that signs host keys, not a key to trust as one."""
    text = f"@cert-authority *.example.org,pve1 {new_key()}\n"
    assert host_keys_from_pve_known_hosts(text, [node("pve1", "10.0.0.1")]) == {}


def test_the_strongest_kind_of_key_is_offered() -> None:
    """With an RSA and an Ed25519 key for the node, the Ed25519 key is offered."""
    rsa, ed25519 = new_key("ssh-rsa"), new_key()
    text = f"pve1 {rsa}\n10.0.0.1 {ed25519}\n"
    assert host_keys_from_pve_known_hosts(text, [node("pve1", "10.0.0.1")]) == {"pve1": ed25519}


def test_name_and_address_disagreeing_offer_nothing() -> None:
    """Two different keys of one kind (a stale entry) leave the node out: no guessing."""
    text = f"pve1 {new_key()}\n10.0.0.1 {new_key()}\n"
    assert host_keys_from_pve_known_hosts(text, [node("pve1", "10.0.0.1")]) == {}


def test_unreadable_lines_are_skipped_and_the_rest_is_read() -> None:
    """Comments, a bad marker, a bad hash and a garbled key do not hide the good lines."""
    key = new_key()
    text = "\n".join(
        [
            "# written by pve-cluster",
            f"@nonsense pve1 {new_key()}",
            f"|1|not-base64|zzz {new_key()}",
            "pve1 ssh-ed25519 AAAAnotakey",
            "just-one-field",
            f"pve1 {key}",
        ]
    )
    assert host_keys_from_pve_known_hosts(text, [node("pve1", "10.0.0.1")]) == {"pve1": key}


def test_wildcards_negations_and_ports_match_as_in_openssh() -> None:
    """``pve*,!pve3`` covers pve1 but not pve3; a ``[addr]:port`` entry needs that port."""
    wild, on_port = new_key(), new_key()
    text = f"pve*,!pve3 {wild}\n[10.0.0.5]:2222 {on_port}\n"
    assert known_host_keys(text, "pve1") == (wild,)
    assert known_host_keys(text, "pve3") == ()
    assert known_host_keys(text, "10.0.0.5", port=2222) == (on_port,)
    assert known_host_keys(text, "10.0.0.5") == ()


def test_nodes_the_file_does_not_list_are_absent() -> None:
    """Only listed nodes appear in the result; the caller reports the others."""
    text = f"pve1 {new_key()}\n"
    nodes = [node("pve1", "10.0.0.1"), node("pve9", "10.0.0.9")]
    assert set(host_keys_from_pve_known_hosts(text, nodes)) == {"pve1"}


async def test_a_key_known_by_name_verifies_a_connection_to_the_address(tmp_path: Path) -> None:
    """The RSA key Proxmox recorded under the node name lets the pool reach its address and port.

    The server also has an Ed25519 key; the pool must ask for the RSA one it trusts.
    """
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_path))
    rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    ed25519 = asyncssh.generate_private_key("ssh-ed25519")
    async with sshd("pve1", client_key, host_keys=(ed25519, rsa)) as server:
        text = f"pve1 {public(rsa)}\n"
        target = node("pve1", "127.0.0.1", server.port).model_copy(update={"key_path": key_path})
        offered = host_keys_from_pve_known_hosts(text, [target])["pve1"]
        assert fingerprint(offered) == fingerprint(public(rsa))
        async with SshPool() as pool:
            done = await pool.run(
                target.model_copy(update={"host_key": offered}), ["hostname"], actor="t", reason="r"
            )
    assert done.stdout == "pve1\n"


@pytest.mark.parametrize("name", ["pve 1", "pve1,pve2", "*"])
async def test_a_node_name_that_is_no_plain_host_pattern_still_verifies(
    name: str, tmp_path: Path
) -> None:
    """Names a known_hosts pattern would misread still verify exactly the trusted key."""
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_path))
    async with sshd("pve1", client_key) as server, SshPool() as pool:
        target = server.node(key_path, name=name)
        done = await pool.run(target, ["hostname"], actor="t", reason="r")
    assert done.ok
