"""Edits made by bot.corosync are accepted by the real corosync, and their diff is what changes."""

from __future__ import annotations

import pytest

from bot.corosync.conf import ConfDocument, parse_conf
from bot.corosync.conf_edit import (
    add_node,
    bump_config_version,
    remove_node,
    set_ring_addr,
    set_totem_key,
    unified_diff,
)
from bot.lab.lab import Lab
from tests.lab.observe import run_in

pytestmark = pytest.mark.lab

NODE = "qbt1"
LIVE = "/etc/corosync/corosync.conf"


def live_conf(lab: Lab) -> ConfDocument:
    doc = parse_conf(run_in(lab, NODE, "cat", LIVE))
    assert isinstance(doc, ConfDocument)
    return doc


def corosync_accepts(lab: Lab, text: str) -> tuple[bool, str]:
    """Write ``text`` to a scratch file on the node and run `corosync -t` on it."""
    target = lab.target(NODE)
    target.sh("tee", "/tmp/qb-candidate.conf", input_text=text)
    done = run_in(lab, NODE, "sh", "-c", "corosync -c /tmp/qb-candidate.conf -t 2>&1; echo rc=$?")
    return done.rstrip().endswith("rc=0"), done


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: bump_config_version(set_totem_key(d, "token", "3000")),
        lambda d: set_totem_key(d, "token_coefficient", "125"),
        lambda d: bump_config_version(add_node(d, "qbt4", 4, {0: "198.18.0.14"})),
        lambda d: bump_config_version(remove_node(d, "qbt3")),
        lambda d: set_ring_addr(d, "qbt2", 0, "198.18.0.22"),
    ],
    ids=["token", "token_coefficient", "add-node", "remove-node", "ring-addr"],
)
def test_corosync_accepts_our_edits(lab: Lab, edit: object) -> None:
    """Each kind of edit yields a file the real `corosync -t` accepts."""
    edited = edit(live_conf(lab))  # type: ignore[operator]
    ok, output = corosync_accepts(lab, edited.text)
    assert ok, output


def test_corosync_rejects_what_our_parser_rejects(lab: Lab) -> None:
    """A line our parser refuses is refused by corosync too, with the same message."""
    broken = live_conf(lab).text + "extra {junk\n"
    ours = parse_conf(broken)
    assert not isinstance(ours, ConfDocument)
    ok, output = corosync_accepts(lab, broken)
    assert not ok
    assert ours.message in output


def test_the_preview_diff_is_exactly_what_changes_on_disk(lab: Lab) -> None:
    """Our unified diff of an edit equals GNU diff of the two files written on the node."""
    before = live_conf(lab)
    after = bump_config_version(set_totem_key(before, "token", "3000"))
    preview = unified_diff(before, after, "corosync.conf")
    target = lab.target(NODE)
    target.sh("tee", "/tmp/qb-before.conf", input_text=before.text)
    target.sh("tee", "/tmp/qb-after.conf", input_text=after.text)
    on_disk = run_in(
        lab,
        NODE,
        "diff",
        "-u",
        "--label",
        "corosync.conf",
        "--label",
        "corosync.conf",
        "/tmp/qb-before.conf",
        "/tmp/qb-after.conf",
    )
    assert preview == on_disk
    assert "+  config_version: 2\n" in preview
