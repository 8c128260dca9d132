"""bot.slack.limits finds every Block Kit limit a message breaks, as Slack would report it."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.slack import limits
from bot.slack.limits import problems


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def button(action_id: str = "go", text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(text), **extra}


def actions(*elements: dict[str, Any], block_id: str = "act") -> dict[str, Any]:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def confirm(**overrides: Any) -> dict[str, Any]:
    dialog = {
        "title": plain("Restart?"),
        "text": mrkdwn("Restart corosync on *pve2*?"),
        "confirm": plain("Restart"),
        "deny": plain("Cancel"),
    }
    return {**dialog, **overrides}


def select(options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "pick", "options": options}


def option(text: str = "pve1", value: str = "pve1") -> dict[str, Any]:
    return {"text": plain(text), "value": value}


A_VALID_MESSAGE: list[dict[str, Any]] = [
    {"type": "header", "text": plain("Cluster pve: quorate")},
    section("*3/3* nodes online", fields=[mrkdwn("*pve1*"), mrkdwn("ok")]),
    {"type": "divider"},
    {"type": "context", "elements": [mrkdwn("checked 12:00"), plain("by quorumbot")]},
    actions(button("restart", style="danger", confirm=confirm()), select([option()])),
    {"type": "markdown", "text": "**all good**"},
]


def test_a_valid_message_has_no_problems() -> None:
    """A message using header, section, divider, context, actions and markdown blocks is valid."""
    assert problems(A_VALID_MESSAGE) == []


def test_51_blocks_are_too_many_for_a_message() -> None:
    """A message holds at most 50 blocks."""
    assert problems([{"type": "divider"}] * 51) == [
        "no more than 50 items allowed [json-pointer:/blocks]"
    ]


def test_100_blocks_fit_a_home_tab_but_101_do_not() -> None:
    """Home tabs and modals hold up to 100 blocks."""
    assert problems([{"type": "divider"}] * 100, surface="home") == []
    assert problems([{"type": "divider"}] * 101, surface="modal") == [
        "no more than 100 items allowed [json-pointer:/blocks]"
    ]


def test_section_text_over_3000_characters() -> None:
    """Section text is limited to 3000 characters, worded as Slack's invalid_blocks error."""
    assert problems([section("x" * 3000)]) == []
    assert problems([section("x" * 3001)]) == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_section_fields_are_at_most_10_of_2000_characters() -> None:
    """A section has at most 10 fields, each at most 2000 characters."""
    too_many = {"type": "section", "fields": [mrkdwn("f")] * 11}
    too_long = {"type": "section", "fields": [mrkdwn("f" * 2001)]}
    assert problems([too_many]) == ["no more than 10 items allowed [json-pointer:/blocks/0/fields]"]
    assert problems([too_long]) == [
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"
    ]


def test_section_needs_text_or_fields() -> None:
    """A section with neither text nor fields is invalid."""
    assert problems([{"type": "section"}]) == [
        "must provide either text or fields [json-pointer:/blocks/0]"
    ]


def test_header_text_must_be_plain_text_of_at_most_150_characters() -> None:
    """Header text is plain_text only and at most 150 characters."""
    assert problems([{"type": "header", "text": mrkdwn("*x*")}]) == [
        "must be plain_text, not 'mrkdwn' [json-pointer:/blocks/0/text/type]"
    ]
    assert problems([{"type": "header", "text": plain("x" * 151)}]) == [
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_markdown_block_over_12000_characters() -> None:
    """A markdown block holds at most 12000 characters."""
    assert problems([{"type": "markdown", "text": "x" * 12_001}], surface="home") == [
        "must be less than 12001 characters [json-pointer:/blocks/0/text]"
    ]


def test_context_holds_at_most_10_elements() -> None:
    """A context block has between 1 and 10 elements."""
    assert problems([{"type": "context", "elements": [plain("c")] * 11}]) == [
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]"
    ]


def test_actions_hold_at_most_25_elements() -> None:
    """An actions block has at most 25 elements."""
    buttons = [button(f"b{i}") for i in range(26)]
    assert problems([actions(*buttons)]) == [
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]"
    ]


def test_button_text_value_url_and_style_limits() -> None:
    """Button text is plain_text ≤75, value ≤2000, url ≤3000 and style primary or danger."""
    bad = button(text="x" * 76, value="v" * 2001, url="u" * 3001, style="blue")
    assert problems([actions(bad)]) == [
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        "must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]",
        "must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]",
    ]


def test_button_text_must_be_plain_text() -> None:
    """A button labelled with mrkdwn is invalid."""
    bad = {"type": "button", "action_id": "go", "text": mrkdwn("*Go*")}
    assert problems([actions(bad)]) == [
        "must be plain_text, not 'mrkdwn' [json-pointer:/blocks/0/elements/0/text/type]"
    ]


def test_block_ids_must_be_unique_in_a_message() -> None:
    """Two blocks with the same block_id make the message invalid."""
    found = problems([section(block_id="status"), section(block_id="status")])
    assert found == [
        "duplicate block_id 'status', first used at /blocks/0 [json-pointer:/blocks/1/block_id]"
    ]


def test_action_ids_must_be_unique_within_their_block() -> None:
    """Two elements of one block may not share an action_id."""
    found = problems([actions(button("go"), button("go"))])
    expected = (
        "duplicate action_id 'go', first used at /blocks/0/elements/0 "
        "[json-pointer:/blocks/0/elements/1/action_id]"
    )
    assert found == [expected]


def test_the_same_action_id_in_two_blocks_is_allowed() -> None:
    """action_id uniqueness is per containing block, not per message."""
    assert (
        problems([actions(button("go"), block_id="a"), actions(button("go"), block_id="b")]) == []
    )


def test_ids_over_255_characters() -> None:
    """block_id and action_id are at most 255 characters."""
    found = problems([actions(button("a" * 256), block_id="b" * 256)])
    assert found == [
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
    ]


def test_confirm_dialog_limits() -> None:
    """Confirm dialogs: title ≤100, text ≤300, confirm and deny ≤30, all four required."""
    long = confirm(
        title=plain("t" * 101),
        text=mrkdwn("x" * 301),
        confirm=plain("c" * 31),
        deny=plain("d" * 31),
    )
    pointer = "[json-pointer:/blocks/0/elements/0/confirm"
    assert problems([actions(button(confirm=long))]) == [
        f"must be less than 101 characters {pointer}/title/text]",
        f"must be less than 301 characters {pointer}/text/text]",
        f"must be less than 31 characters {pointer}/confirm/text]",
        f"must be less than 31 characters {pointer}/deny/text]",
    ]
    without_deny = {k: v for k, v in confirm().items() if k != "deny"}
    assert problems([actions(button(confirm=without_deny))]) == [
        f"must provide a text object {pointer}/deny]"
    ]


def test_option_limits() -> None:
    """Options: text ≤75, value ≤150, at most 100 of them."""
    assert problems([actions(select([option("t" * 76, "v" * 151)]))]) == [
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]",
        "must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]",
    ]
    assert problems([actions(select([option()] * 101))]) == [
        "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]"
    ]


def test_text_object_type_must_be_plain_text_or_mrkdwn() -> None:
    """A text object of another type is invalid."""
    assert problems([{"type": "section", "text": {"type": "markdown", "text": "x"}}]) == [
        "must be one of plain_text, mrkdwn, not 'markdown' [json-pointer:/blocks/0/text/type]"
    ]


def test_empty_text_is_invalid() -> None:
    """Text objects need at least one character."""
    assert problems([section("")]) == [
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_unknown_block_type() -> None:
    """A block type Slack does not know is invalid."""
    assert problems([{"type": "paragraph"}]) == [
        "unsupported type: 'paragraph' [json-pointer:/blocks/0/type]"
    ]


def test_cumulative_text_limit_applies_to_messages_only() -> None:
    """Over 12,000 characters of text across blocks is msg_blocks_too_long, for messages only."""
    blocks = [section("x" * 2500) for _ in range(5)]
    assert limits.block_text_length(blocks) == 12_500
    too_long = (
        "msg_blocks_too_long: blocks hold 12500 characters of text, more than 12000 "
        "[json-pointer:/blocks]"
    )
    assert problems(blocks) == [too_long]
    assert limits.invalid_block_problems(blocks) == []
    assert problems(blocks, surface="home") == []


def test_message_text_is_truncated_at_40000_characters() -> None:
    """Slack keeps the first 40,000 characters of a message's text."""
    assert limits.truncate_message_text("x" * 40_001) == "x" * 40_000
    assert limits.truncate_message_text("short") == "short"


def sdk_rejects(block: dict[str, Any]) -> bool:
    """Whether slack_sdk's own models refuse the block (to_dict validates nested objects too)."""
    parsed = Block.parse(block)
    assert parsed is not None
    try:
        parsed.to_dict()
    except SlackObjectFormationError:
        return True
    return False


ORACLE_CASES: list[dict[str, Any]] = [
    section("x" * 3000),
    section("x" * 3001),
    {"type": "section", "fields": [mrkdwn("f")] * 11},
    {"type": "header", "text": plain("h" * 150)},
    {"type": "header", "text": plain("h" * 151)},
    {"type": "markdown", "text": "m" * 12_001},
    {"type": "context", "elements": [plain("c")] * 11},
    actions(*[button(f"b{i}") for i in range(26)]),
    actions(button(text="x" * 76)),
    actions(button(value="v" * 2001)),
    actions(button(url="u" * 3001)),
    actions(button(confirm=confirm(title=plain("t" * 101)))),
    actions(button(confirm=confirm())),
    section(block_id="b" * 256),
]


@pytest.mark.parametrize("block", ORACLE_CASES)
def test_agrees_with_slack_sdk_models(block: dict[str, Any]) -> None:
    """For blocks slack_sdk's validators cover, problems() and slack_sdk agree on validity."""
    assert bool(problems([block], surface="home")) == sdk_rejects(block)
