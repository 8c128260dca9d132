"""The lab's shape is derived purely from its name, size and network index."""

from __future__ import annotations

import subprocess
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.lab.spec import (
    LAB_SUPERNET,
    MAX_NODES,
    LabSpec,
    check_lab_name,
    check_node_count,
    corosync_conf,
    ssh_fingerprint,
)

names = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)


@given(name=names, count=st.integers(2, MAX_NODES), index=st.integers(0, 255))
def test_every_resource_name_fits_linux_interface_limits(name: str, count: int, index: int) -> None:
    """Bridge and veth names stay within 15 bytes and belong to their own lab only."""
    spec = LabSpec(name=name, node_count=count, subnet_index=index)
    for n in spec.nodes:
        assert len(n.host_veth) <= 15
        assert spec.owns_interface(n.host_veth)
        assert spec.owns_netns(n.netns)
    assert len(spec.bridge) <= 15
    assert spec.owns_interface(spec.bridge)


@given(name=names, index=st.integers(0, 255))
def test_addresses_stay_inside_the_benchmarking_range(name: str, index: int) -> None:
    """Every lab address lies in 198.18.0.0/15 and inside the lab's own /24."""
    spec = LabSpec(name=name, node_count=MAX_NODES, subnet_index=index)
    assert spec.network.subnet_of(LAB_SUPERNET)
    for n in spec.nodes:
        for addr in (n.ring0_addr, n.mgmt_addr, n.moved_addr):
            assert addr in spec.network
            assert addr != spec.host_addr


def test_first_lab_uses_the_documented_addresses() -> None:
    """Lab 0 puts the host on .1 and nodes at .11, .12, ... as the README says."""
    spec = LabSpec(name="lab", node_count=3, subnet_index=0)
    assert spec.network == IPv4Network("198.18.0.0/24")
    assert spec.host_addr == IPv4Address("198.18.0.1")
    assert [str(n.ring0_addr) for n in spec.nodes] == ["198.18.0.11", "198.18.0.12", "198.18.0.13"]
    assert [n.name for n in spec.nodes] == ["lab1", "lab2", "lab3"]


def test_similar_lab_names_do_not_claim_each_others_resources() -> None:
    """Lab "lab" does not own the interfaces or namespaces of lab "lab1", and vice versa."""
    lab = LabSpec(name="lab", node_count=3, subnet_index=0)
    lab1 = LabSpec(name="lab1", node_count=3, subnet_index=1)
    for other, this in ((lab1, lab), (lab, lab1)):
        assert not this.owns_interface(other.bridge)
        for n in other.nodes:
            assert not this.owns_interface(n.host_veth)
            assert not this.owns_netns(n.netns)


@pytest.mark.parametrize("bad", ["", "Lab", "1lab", "lab-1", "toolongname", "lab 1", "läb", "a;b"])
def test_bad_lab_names_are_refused_with_the_rule(bad: str) -> None:
    """A name that cannot prefix interface names is refused, saying what is allowed."""
    with pytest.raises(UsageError, match="1-8 characters"):
        check_lab_name(bad)


@pytest.mark.parametrize("count", [-1, 0, 1, MAX_NODES + 1])
def test_node_counts_outside_the_range_are_refused(count: int) -> None:
    """A lab has between 2 and 32 nodes."""
    with pytest.raises(UsageError, match="2 to 32"):
        check_node_count(count)


def test_unknown_node_names_list_the_real_ones() -> None:
    """Asking for a node the lab does not have names the nodes it does have."""
    spec = LabSpec(name="lab", node_count=2, subnet_index=0)
    with pytest.raises(UsageError, match="its nodes: lab1, lab2"):
        spec.node("lab9")


def test_corosync_conf_lists_every_node_once_with_a_line_break_after_each_brace() -> None:
    """The rendered conf has one node block per node and never text after a `{`."""
    conf = corosync_conf(LabSpec(name="lab", node_count=5, subnet_index=0))
    assert conf.count("  node {\n") == 5
    assert all(line.endswith("{") for line in conf.splitlines() if "{" in line)
    assert "ring0_addr: 198.18.0.15" in conf
    assert "config_version: 1" in conf


def test_fingerprint_matches_ssh_keygen(tmp_path: Path) -> None:
    """Our SHA256 fingerprint of a public key is the one `ssh-keygen -l` prints."""
    key = f"{tmp_path}/k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    public = Path(f"{key}.pub").read_text()
    printed = subprocess.run(
        ["ssh-keygen", "-lf", f"{key}.pub"], capture_output=True, text=True, check=True
    ).stdout
    assert printed.split()[1] == ssh_fingerprint(public)
