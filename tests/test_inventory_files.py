"""Inventory files are validated whole, and every error names the file, the path and the problem."""

from __future__ import annotations

import json

import pytest

from bot.errors import InventoryError
from bot.inventory import dump_inventory_yaml, parse_inventory_yaml, parse_lab_status
from bot.model import Flavor

GOOD = """
clusters:
  - name: pve
    flavor: proxmox
    nodes:
      - {name: pve1, nodeid: 1, address: 10.1.0.1, ring_addrs: [10.1.0.1, 10.2.0.1]}
      - {name: pve2, nodeid: 2, address: pve2.example.org, user: admin, port: 2222,
         jump: "ops@bastion.example.org:22", key: /root/.ssh/id_ed25519}
"""


def test_a_valid_file_becomes_clusters() -> None:
    """Names, flavor, addresses, links, user, port, jump host and key are all read."""
    (cluster,) = parse_inventory_yaml(GOOD, "inv.yaml")
    assert cluster.flavor is Flavor.PROXMOX
    first, second = cluster.nodes
    assert first.ring_addrs == ("10.1.0.1", "10.2.0.1")
    assert (second.user, second.port, second.jump) == ("admin", 2222, "ops@bastion.example.org:22")
    assert second.host_key is None


def test_export_then_import_gives_the_same_clusters() -> None:
    """dump_inventory_yaml writes what parse_inventory_yaml reads back unchanged."""
    clusters = parse_inventory_yaml(GOOD, "inv.yaml")
    assert parse_inventory_yaml(dump_inventory_yaml(clusters), "again") == clusters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clusters: [{name: a, nodes: [{name: n, address: 'x; rm -rf /'}]}]",
         "clusters[0].nodes[0].address: Value error, 'x; rm -rf /' is neither"),
        ("clusters: [{name: a, nodes: [{name: n, address: 10.0.0.1, colour: red}]}]",
         "clusters[0].nodes[0].colour: Extra inputs are not permitted"),
        ("clusters: [{name: a, nodes: [{name: n, address: 10.0.0.1}, {name: n, address: 10.0.0.2}]}]",
         "duplicate node name: n"),
        ("clusters: [{name: a, nodes: [{name: n, address: 10.0.0.1, port: 70000}]}]",
         "clusters[0].nodes[0].port: Input should be less than or equal to 65535"),
        ("clusters: [{name: a, nodes: [{name: n, address: 10.0.0.1, host_key: 'not a key'}]}]",
         "expected an OpenSSH public key"),
        ("clusters: [{name: a, nodes: [{name: n, address: 10.0.0.1, jump: '$(id)'}]}]",
         "expected [user@]host[:port]"),
        ("clusters: [{name: a, flavor: openshift, nodes: [{name: n, address: 10.0.0.1}]}]",
         "clusters[0].flavor: Input should be 'proxmox' or 'corosync'"),
        ("clusters: [{name: a, nodes: []}]", "clusters[0].nodes: Tuple should have at least 1"),
        ("clusters:\n- name: a\n  name: b\n", "duplicate key 'name'"),
        ("clusters: [unclosed", "not valid YAML"),
        ("just text", "(top level): Input should be a valid dictionary"),
        ("clusters: [{name: a, nodes: [{name: n, address: 10.0.0.1}]}, {name: a, nodes: [{name: m, address: 10.0.0.2}]}]",
         "duplicate cluster name: a"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_with_a_precise_reason(text: str, expected: str) -> None:
    """Each kind of mistake is reported with the file name and the exact path inside it."""
    with pytest.raises(InventoryError) as caught:
        parse_inventory_yaml(text, "inv.yaml")
    assert str(caught.value).startswith("inv.yaml: ")
    assert expected in str(caught.value)


def test_lab_status_json_becomes_a_trusted_cluster() -> None:
    """The lab's status JSON becomes a cluster whose nodes carry the lab's host keys."""
    status = {
        "cluster": "lab",
        "flavor": "corosync",
        "nodes": [
            {"name": "lab1", "nodeid": 1, "address": "198.18.0.101", "ring0_addr": "198.18.0.11",
             "ssh_port": 22, "ssh_user": "root", "ssh_key": "/var/lib/k",
             "host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDvD"},
        ],
    }  # fmt: skip
    (cluster,) = parse_lab_status(json.dumps(status), "lab.json")
    (node,) = cluster.nodes
    assert (node.address, node.ring_addrs, node.host_key) == (
        "198.18.0.101", ("198.18.0.11",), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDvD",
    )  # fmt: skip


@pytest.mark.parametrize("text", ["", "{}", "[]", '{"cluster": "x"}', "not json"])
def test_anything_else_is_not_lab_status(text: str) -> None:
    """Text that is not lab status JSON is refused, naming what was expected."""
    with pytest.raises(InventoryError, match="not the output of `quorumbot lab status --json`"):
        parse_lab_status(text, "lab.json")
