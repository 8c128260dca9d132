"""Slack's message and Block Kit limits, and a pure check of blocks against them.

`problems(blocks)` lists every limit a list of blocks breaks, worded the way Slack words
``invalid_blocks`` errors (``must be less than 3001 characters [json-pointer:/blocks/0/text/text]``);
an empty list means Slack should accept the blocks. It reads JSON as Slack would receive it, so it
takes plain dicts and lists, never slack_sdk models.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Final, Literal

Surface = Literal["message", "modal", "home"]

# Blocks per surface: https://docs.slack.dev/reference/block-kit/blocks
MAX_BLOCKS: Final[Mapping[Surface, int]] = {"message": 50, "modal": 100, "home": 100}

# Block fields: https://docs.slack.dev/reference/block-kit/blocks/section-block,
# .../header-block, .../markdown-block, .../context-block, .../actions-block, .../image-block
SECTION_TEXT_MAX: Final = 3000
SECTION_FIELDS_MAX: Final = 10
SECTION_FIELD_TEXT_MAX: Final = 2000
HEADER_TEXT_MAX: Final = 150
MARKDOWN_TEXT_MAX: Final = 12_000
CONTEXT_ELEMENTS_MAX: Final = 10
ACTIONS_ELEMENTS_MAX: Final = 25
IMAGE_URL_MAX: Final = 3000
IMAGE_ALT_TEXT_MAX: Final = 2000
IMAGE_TITLE_MAX: Final = 2000
INPUT_LABEL_MAX: Final = 2000
INPUT_HINT_MAX: Final = 2000

# Button: https://docs.slack.dev/reference/block-kit/block-elements/button-element
BUTTON_TEXT_MAX: Final = 75
BUTTON_VALUE_MAX: Final = 2000
BUTTON_URL_MAX: Final = 3000
BUTTON_STYLES: Final = frozenset({"primary", "danger"})

# "Maximum length of 255 characters", block_id "unique for each message and each iteration of a
# message", action_id "unique among all other action_ids in the containing block":
# https://docs.slack.dev/reference/block-kit/blocks (block_id) and .../block-elements (action_id)
BLOCK_ID_MAX: Final = 255
ACTION_ID_MAX: Final = 255

# Confirmation dialog: https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
CONFIRM_TITLE_MAX: Final = 100
CONFIRM_TEXT_MAX: Final = 300
CONFIRM_BUTTON_MAX: Final = 30  # both the "confirm" and the "deny" button text

# Options and select menus: https://docs.slack.dev/reference/block-kit/composition-objects/option-object,
# .../block-elements/select-menu-element
OPTION_TEXT_MAX: Final = 75
OPTION_VALUE_MAX: Final = 150
OPTIONS_MAX: Final = 100
OPTION_GROUP_LABEL_MAX: Final = 75
PLACEHOLDER_MAX: Final = 150

# chat.postMessage keeps the first 40,000 characters of `text` and answers
# `"warning": "message_truncated"`: https://api.slack.com/changelog/2018-04-truncating-really-long-messages
MESSAGE_TEXT_MAX: Final = 40_000

# Undocumented: chat.postMessage rejects a message whose blocks hold too much text in total with
# `msg_blocks_too_long`. A maintainer put it at "12,000 text characters with a buffer for block
# containers" (https://github.com/slackapi/bolt-js/issues/2509); one report was rejected at 11,341
# summed characters (https://github.com/slackapi/bolt-js/issues/2867), so renderers should keep a
# margin below this figure.
CUMULATIVE_BLOCK_TEXT_MAX: Final = 12_000
MSG_BLOCKS_TOO_LONG: Final = "msg_blocks_too_long"

TEXT_TYPES: Final = frozenset({"plain_text", "mrkdwn"})

# The block types Slack (and slack_sdk.models.blocks.Block.parse) knows; anything else is invalid.
KNOWN_BLOCK_TYPES: Final = frozenset(
    {
        "actions", "alert", "auth_provider", "call", "card", "carousel", "container", "context",
        "context_actions", "divider", "file", "header", "image", "input", "markdown", "plan",
        "rich_text", "section", "table", "task_card", "video",
    }
)  # fmt: skip


def problems(blocks: Sequence[object], *, surface: Surface = "message") -> list[str]:
    """Every limit `blocks` break on `surface`, including the cumulative text limit of messages."""
    found = invalid_block_problems(blocks, surface=surface)
    if surface == "message" and blocks_too_long(blocks):
        found.append(
            f"{MSG_BLOCKS_TOO_LONG}: blocks hold {block_text_length(blocks)} characters of text, "
            f"more than {CUMULATIVE_BLOCK_TEXT_MAX} [json-pointer:/blocks]"
        )
    return found


def invalid_block_problems(blocks: Sequence[object], *, surface: Surface = "message") -> list[str]:
    """The problems Slack reports as `invalid_blocks` (everything but the cumulative text limit)."""
    out: list[str] = []
    if len(blocks) > MAX_BLOCKS[surface]:
        out.append(f"no more than {MAX_BLOCKS[surface]} items allowed [json-pointer:/blocks]")
    seen_block_ids: dict[str, str] = {}
    for index, block in enumerate(blocks):
        path = f"/blocks/{index}"
        if not isinstance(block, Mapping):
            out.append(f"must be an object [json-pointer:{path}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            _check_string(block_id, f"{path}/block_id", BLOCK_ID_MAX, out, required=True)
            _check_unique("block_id", block_id, seen_block_ids, path, out)
        _check_block(block, path, out)
    return out


def block_text_length(blocks: Sequence[object]) -> int:
    """The characters of text in `blocks`: every string under a "text" key, at any depth."""
    return sum(len(text) for text in _texts(blocks))


def blocks_too_long(blocks: Sequence[object]) -> bool:
    """Whether chat.postMessage would answer `msg_blocks_too_long` for these blocks."""
    return block_text_length(blocks) > CUMULATIVE_BLOCK_TEXT_MAX


def truncate_message_text(text: str) -> str:
    """`text` as Slack stores it: cut after MESSAGE_TEXT_MAX characters."""
    return text[:MESSAGE_TEXT_MAX]


def _texts(node: object) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, Sequence) and not isinstance(node, str):
        for item in node:
            yield from _texts(item)


def _check_block(block: Mapping[object, object], path: str, out: list[str]) -> None:
    kind = block.get("type")
    if kind not in KNOWN_BLOCK_TYPES:
        out.append(f"unsupported type: {kind!r} [json-pointer:{path}/type]")
    elif kind == "section":
        _check_section(block, path, out)
    elif kind == "header":
        _check_text(block.get("text"), f"{path}/text", HEADER_TEXT_MAX, out, plain_only=True)
    elif kind == "markdown":
        _check_string(block.get("text"), f"{path}/text", MARKDOWN_TEXT_MAX, out, required=True)
    elif kind == "context":
        for i, element in _elements(block, path, CONTEXT_ELEMENTS_MAX, out):
            _check_context_element(element, f"{path}/elements/{i}", out)
    elif kind == "actions":
        _check_actions(block, path, out)
    elif kind == "image":
        _check_image(block, path, out)
    elif kind == "input":
        _check_text(block.get("label"), f"{path}/label", INPUT_LABEL_MAX, out, plain_only=True)
        _check_optional_text(block, "hint", path, INPUT_HINT_MAX, out, plain_only=True)
        input_element = block.get("element")
        if isinstance(input_element, Mapping):
            _check_element(input_element, f"{path}/element", out)
        else:
            out.append(f"must provide an element object [json-pointer:{path}/element]")


def _check_section(block: Mapping[object, object], path: str, out: list[str]) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        out.append(f"must provide either text or fields [json-pointer:{path}]")
    if text is not None:
        _check_text(text, f"{path}/text", SECTION_TEXT_MAX, out)
    if fields is not None:
        if not isinstance(fields, list):
            out.append(f"must be an array [json-pointer:{path}/fields]")
        else:
            if len(fields) > SECTION_FIELDS_MAX:
                out.append(
                    f"no more than {SECTION_FIELDS_MAX} items allowed [json-pointer:{path}/fields]"
                )
            for i, field in enumerate(fields):
                _check_text(field, f"{path}/fields/{i}", SECTION_FIELD_TEXT_MAX, out)
    accessory = block.get("accessory")
    if accessory is not None:
        if isinstance(accessory, Mapping):
            _check_element(accessory, f"{path}/accessory", out)
        else:
            out.append(f"must be an object [json-pointer:{path}/accessory]")


def _check_actions(block: Mapping[object, object], path: str, out: list[str]) -> None:
    seen_action_ids: dict[str, str] = {}
    for i, element in _elements(block, path, ACTIONS_ELEMENTS_MAX, out):
        element_path = f"{path}/elements/{i}"
        _check_element(element, element_path, out)
        action_id = element.get("action_id")
        _check_unique("action_id", action_id, seen_action_ids, element_path, out)


def _check_unique(
    key: str, value: object, seen: dict[str, str], owner: str, out: list[str]
) -> None:
    """Report `value` if an earlier object already used it as `key`; else note `owner` used it."""
    if not isinstance(value, str):
        return
    if value in seen:
        first = seen[value]
        out.append(f"duplicate {key} {value!r}, first used at {first} [json-pointer:{owner}/{key}]")
    else:
        seen[value] = owner


def _elements(
    block: Mapping[object, object], path: str, most: int, out: list[str]
) -> Iterator[tuple[int, Mapping[object, object]]]:
    return _objects(block.get("elements"), f"{path}/elements", most, out, non_empty=True)


def _objects(
    value: object, path: str, most: int, out: list[str], *, non_empty: bool = False
) -> Iterator[tuple[int, Mapping[object, object]]]:
    """The objects of the array `value` with their index; what is wrong with it goes to `out`."""
    if not isinstance(value, list) or (non_empty and not value):
        wanted = "a non-empty array" if non_empty else "an array"
        out.append(f"must provide {wanted} [json-pointer:{path}]")
        return
    if len(value) > most:
        out.append(f"no more than {most} items allowed [json-pointer:{path}]")
    for i, item in enumerate(value):
        if isinstance(item, Mapping):
            yield i, item
        else:
            out.append(f"must be an object [json-pointer:{path}/{i}]")


def _check_context_element(element: Mapping[object, object], path: str, out: list[str]) -> None:
    if element.get("type") == "image":
        _check_image(element, path, out)
    else:
        _check_text(element, path, None, out)  # Slack documents no length for these


def _check_image(image: Mapping[object, object], path: str, out: list[str]) -> None:
    _check_string(image.get("alt_text"), f"{path}/alt_text", IMAGE_ALT_TEXT_MAX, out, required=True)
    if image.get("slack_file") is None:
        _check_string(
            image.get("image_url"), f"{path}/image_url", IMAGE_URL_MAX, out, required=True
        )
    _check_optional_text(image, "title", path, IMAGE_TITLE_MAX, out, plain_only=True)


def _check_element(element: Mapping[object, object], path: str, out: list[str]) -> None:
    kind = element.get("type")
    if not isinstance(kind, str):
        out.append(f"must provide a type [json-pointer:{path}/type]")
        return
    if "action_id" in element:
        action_id = element["action_id"]
        _check_string(action_id, f"{path}/action_id", ACTION_ID_MAX, out, required=True)
    if kind == "button":
        _check_text(element.get("text"), f"{path}/text", BUTTON_TEXT_MAX, out, plain_only=True)
        _check_string(element.get("value"), f"{path}/value", BUTTON_VALUE_MAX, out)
        _check_string(element.get("url"), f"{path}/url", BUTTON_URL_MAX, out)
        style = element.get("style")
        if style is not None and style not in BUTTON_STYLES:
            out.append(f"must be one of primary, danger [json-pointer:{path}/style]")
    elif kind == "image":
        _check_image(element, path, out)
    _check_optional_text(element, "placeholder", path, PLACEHOLDER_MAX, out, plain_only=True)
    # Checkboxes and radio buttons allow mrkdwn in option text; menus and overflows do not.
    plain_options = kind not in {"checkboxes", "radio_buttons"}
    if "options" in element:
        _check_options(element["options"], f"{path}/options", out, plain_only=plain_options)
    if "option_groups" in element:
        _check_option_groups(element["option_groups"], f"{path}/option_groups", out)
    if "confirm" in element:
        _check_confirm(element["confirm"], f"{path}/confirm", out)


def _check_options(options: object, path: str, out: list[str], *, plain_only: bool) -> None:
    for i, option in _objects(options, path, OPTIONS_MAX, out):
        option_text = option.get("text")
        _check_text(option_text, f"{path}/{i}/text", OPTION_TEXT_MAX, out, plain_only=plain_only)
        value = option.get("value")
        _check_string(value, f"{path}/{i}/value", OPTION_VALUE_MAX, out, required=True)


def _check_option_groups(groups: object, path: str, out: list[str]) -> None:
    for i, group in _objects(groups, path, OPTIONS_MAX, out):
        label = group.get("label")
        _check_text(label, f"{path}/{i}/label", OPTION_GROUP_LABEL_MAX, out, plain_only=True)
        _check_options(group.get("options"), f"{path}/{i}/options", out, plain_only=True)


def _check_confirm(confirm: object, path: str, out: list[str]) -> None:
    if not isinstance(confirm, Mapping):
        out.append(f"must be an object [json-pointer:{path}]")
        return
    _check_text(confirm.get("title"), f"{path}/title", CONFIRM_TITLE_MAX, out, plain_only=True)
    _check_text(confirm.get("text"), f"{path}/text", CONFIRM_TEXT_MAX, out)
    for button in ("confirm", "deny"):
        text = confirm.get(button)
        _check_text(text, f"{path}/{button}", CONFIRM_BUTTON_MAX, out, plain_only=True)
    style = confirm.get("style")
    if style is not None and style not in BUTTON_STYLES:
        out.append(f"must be one of primary, danger [json-pointer:{path}/style]")


def _check_optional_text(
    parent: Mapping[object, object],
    key: str,
    path: str,
    most: int,
    out: list[str],
    *,
    plain_only: bool = False,
) -> None:
    if parent.get(key) is not None:
        _check_text(parent[key], f"{path}/{key}", most, out, plain_only=plain_only)


def _check_text(
    obj: object, path: str, most: int | None, out: list[str], *, plain_only: bool = False
) -> None:
    """A text object: {"type": "plain_text" | "mrkdwn", "text": 1..most characters}."""
    if not isinstance(obj, Mapping):
        out.append(f"must provide a text object [json-pointer:{path}]")
        return
    kind = obj.get("type")
    if plain_only and kind != "plain_text":
        out.append(f"must be plain_text, not {kind!r} [json-pointer:{path}/type]")
    elif kind not in TEXT_TYPES:
        out.append(f"must be one of plain_text, mrkdwn, not {kind!r} [json-pointer:{path}/type]")
    _check_string(obj.get("text"), f"{path}/text", most, out, required=True)


def _check_string(
    value: object, path: str, most: int | None, out: list[str], *, required: bool = False
) -> None:
    if value is None:
        if required:
            out.append(f"must provide a string [json-pointer:{path}]")
    elif not isinstance(value, str):
        out.append(f"must be a string [json-pointer:{path}]")
    elif most is not None and len(value) > most:
        out.append(f"must be less than {most + 1} characters [json-pointer:{path}]")
    elif required and not value:
        out.append(f"must be more than 0 characters [json-pointer:{path}]")
