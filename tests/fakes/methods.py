"""The Web API methods the fake Slack implements, as functions of (context, params) -> Answer.

Each answers as Slack documents at https://docs.slack.dev/reference/methods/<method>: HTTP 200 with
`{"ok": true, ...}`, or HTTP 200 with `{"ok": false, "error": "<code>"}`. `METHODS` is the table
`FakeSlack` dispatches on; a method missing from it answers `unknown_method`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.slack import limits
from tests.fakes.calls import Params
from tests.fakes.workspace import Message, UploadedFile, Workspace


@dataclass(frozen=True)
class Answer:
    body: dict[str, Any]
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    workspace: Workspace
    root_url: str  # http://127.0.0.1:PORT, for the upload URLs the fake hands out
    issue_socket_url: Callable[[], str]  # a fresh Socket Mode URL, for apps.connections.open


Handler = Callable[[Context, Params], Answer]


def ok(**fields: Any) -> Answer:
    return Answer({"ok": True, **fields})


def error(code: str, **fields: Any) -> Answer:
    return Answer({"ok": False, "error": code, **fields})


def content_error(text: object, blocks: object) -> Answer | None:
    """Why Slack would refuse a message with this text and these blocks, or None if it would not."""
    if blocks is not None:
        if not isinstance(blocks, list):
            return error("invalid_blocks_format")
        problems = limits.invalid_block_problems(blocks)
        if problems:
            return error("invalid_blocks", errors=problems, response_metadata=_messages(problems))
        if limits.blocks_too_long(blocks):
            return error(limits.MSG_BLOCKS_TOO_LONG)
    if not text and not blocks:
        return error("no_text")
    return None


def _messages(problems: list[str]) -> dict[str, list[str]]:
    return {"messages": [f"[ERROR] {p}" for p in problems]}


def _text(params: Params) -> str:
    return str(params.get("text") or "")


def _stored_text(text: str) -> tuple[str, dict[str, Any]]:
    """The text Slack keeps, and the warning it adds when it had to cut it."""
    kept = limits.truncate_message_text(text)
    if kept == text:
        return kept, {}
    return kept, {
        "warning": "message_truncated",
        "response_metadata": {"warnings": ["message_truncated"]},
    }


def auth_test(ctx: Context, params: Params) -> Answer:
    bot = ctx.workspace.bot
    body = {
        "ok": True,
        "url": "https://quorumbot-tests.slack.com/",
        "team": bot.team,
        "user": bot.user,
        "team_id": bot.team_id,
        "user_id": bot.user_id,
        "bot_id": bot.bot_id,
        "is_enterprise_install": False,
    }
    return Answer(body, headers={"x-oauth-scopes": bot.scopes})


def _accepted_channel(ctx: Context, params: Params) -> str | Answer:
    """The channel a new message goes to, or why Slack refuses the message."""
    channel = ctx.workspace.resolve_channel(str(params.get("channel", "")))
    if channel is None:
        return error("channel_not_found")
    return content_error(params.get("text"), params.get("blocks")) or channel


def _post(
    ctx: Context, channel: str, params: Params, *, ephemeral_to: str | None = None
) -> tuple[Message, dict[str, Any]]:
    """The new bot message `params` describe, and the truncation warning if any."""
    text, warning = _stored_text(_text(params))
    blocks, thread_ts = list(params.get("blocks") or []), params.get("thread_ts")
    message = ctx.workspace.post_bot_message(
        channel, text, blocks, thread_ts=thread_ts, ephemeral_to=ephemeral_to
    )
    return message, warning


def chat_post_message(ctx: Context, params: Params) -> Answer:
    channel = _accepted_channel(ctx, params)
    if isinstance(channel, Answer):
        return channel
    message, warning = _post(ctx, channel, params)
    return ok(channel=channel, ts=message.ts, message=message.as_json(), **warning)


def chat_post_ephemeral(ctx: Context, params: Params) -> Answer:
    user = str(params.get("user", ""))
    if user not in ctx.workspace.users:
        return error("user_not_found")
    channel = _accepted_channel(ctx, params)
    if isinstance(channel, Answer):
        return channel
    message, warning = _post(ctx, channel, params, ephemeral_to=user)
    return ok(message_ts=message.ts, **warning)


def _stored_message(
    ctx: Context, params: Params, ts_key: str, *, if_not_ours: str | None = None
) -> Message | Answer:
    """The (non-ephemeral) message `params` point at, or the error Slack gives.

    With `if_not_ours`, a message the bot did not post is refused with that error code.
    """
    ws = ctx.workspace
    channel = ws.resolve_channel(str(params.get("channel", "")))
    if channel is None:
        return error("channel_not_found")
    message = ws.message(channel, str(params.get(ts_key, "")))
    # Ephemeral messages are not stored by Slack, so they cannot be found to edit or delete.
    if message is None or message.ephemeral_to is not None:
        return error("message_not_found")
    if if_not_ours is not None and message.bot_id != ws.bot.bot_id:
        return error(if_not_ours)
    return message


def chat_update(ctx: Context, params: Params) -> Answer:
    message = _stored_message(ctx, params, "ts", if_not_ours="cant_update_message")
    if isinstance(message, Answer):
        return message
    refused = content_error(params.get("text"), params.get("blocks"))
    if refused is not None:
        return refused
    text, warning = _stored_text(_text(params))
    message.text = text
    if "blocks" in params:
        message.blocks = list(params["blocks"] or [])
    message.edits += 1
    body = message.as_json()
    return ok(channel=message.channel, ts=message.ts, text=text, message=body, **warning)


def chat_delete(ctx: Context, params: Params) -> Answer:
    message = _stored_message(ctx, params, "ts", if_not_ours="cant_delete_message")
    if isinstance(message, Answer):
        return message
    ctx.workspace.remove_message(message)
    return ok(channel=message.channel, ts=message.ts)


def reactions_add(ctx: Context, params: Params) -> Answer:
    name = str(params.get("name", ""))
    if not name:
        return error("invalid_name")
    message = _stored_message(ctx, params, "timestamp")
    if isinstance(message, Answer):
        return message
    reacted = message.reactions.setdefault(name, [])
    if ctx.workspace.bot.user_id in reacted:
        return error("already_reacted")
    reacted.append(ctx.workspace.bot.user_id)
    return ok()


def conversations_info(ctx: Context, params: Params) -> Answer:
    channel = ctx.workspace.channels.get(str(params.get("channel", "")))
    if channel is None:
        return error("channel_not_found")
    body: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": False,
        "is_im": False,
        "is_private": channel.is_private,
        "is_archived": False,
        "is_member": True,
        "created": 1_600_000_000,
    }
    return ok(channel=body)


def users_info(ctx: Context, params: Params) -> Answer:
    user = ctx.workspace.users.get(str(params.get("user", "")))
    if user is None:
        return error("user_not_found")
    body: dict[str, Any] = {
        "id": user.id,
        "team_id": ctx.workspace.bot.team_id,
        "name": user.name,
        "real_name": user.real_name,
        "deleted": False,
        "is_bot": user.is_bot,
        "tz": user.tz,
        "profile": {"real_name": user.real_name, "display_name": user.name},
    }
    return ok(user=body)


def usergroups_users_list(ctx: Context, params: Params) -> Answer:
    members = ctx.workspace.usergroups.get(str(params.get("usergroup", "")))
    if members is None:
        return error("no_such_subteam")
    return ok(users=list(members))


def views_publish(ctx: Context, params: Params) -> Answer:
    view, user_id = params.get("view"), str(params.get("user_id", ""))
    if user_id not in ctx.workspace.users:
        return error("user_not_found")
    if not isinstance(view, dict) or view.get("type") != "home":
        problem = "must be a home view [json-pointer:/view/type]"
        return error("invalid_arguments", response_metadata=_messages([problem]))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problem = "must provide an array [json-pointer:/view/blocks]"
        return error("invalid_arguments", response_metadata=_messages([problem]))
    problems = limits.invalid_block_problems(blocks, surface="home")
    if problems:
        in_view = [
            p.replace("[json-pointer:/blocks", "[json-pointer:/view/blocks") for p in problems
        ]
        return error("invalid_arguments", response_metadata=_messages(in_view))
    stored = {**view, "id": ctx.workspace.next_id("V"), "team_id": ctx.workspace.bot.team_id}
    ctx.workspace.home_views[user_id] = stored
    return ok(view=stored)


def files_get_upload_url_external(ctx: Context, params: Params) -> Answer:
    filename, length = str(params.get("filename") or ""), str(params.get("length") or "")
    if not filename or not length.isdigit():
        return error("invalid_arguments")
    file_id = ctx.workspace.next_id("F")
    ctx.workspace.files[file_id] = UploadedFile(file_id, filename, int(length))
    return ok(upload_url=f"{ctx.root_url}/upload/v1/{file_id}", file_id=file_id)


def files_complete_upload_external(ctx: Context, params: Params) -> Answer:
    ws, entries = ctx.workspace, params.get("files")
    if not isinstance(entries, list) or not entries:
        return error("invalid_arguments")
    channel: str | None = None
    if params.get("channel_id"):
        channel = ws.resolve_channel(str(params["channel_id"]))
        if channel is None:
            return error("channel_not_found")
    found = [ws.files.get(str(e.get("id"))) for e in entries if isinstance(e, dict)]
    uploaded = [f for f in found if f is not None and f.content is not None]
    if len(uploaded) != len(entries):
        return error("file_not_found")
    for entry, file in zip(entries, uploaded, strict=True):
        file.title = str(entry.get("title") or file.filename)
        file.channel, file.thread_ts = channel, params.get("thread_ts")
        file.initial_comment = params.get("initial_comment")
    described = [
        {"id": f.id, "name": f.filename, "title": f.title, "size": f.length} for f in uploaded
    ]
    return ok(files=described)


def apps_connections_open(ctx: Context, params: Params) -> Answer:
    return ok(url=ctx.issue_socket_url())


METHODS: Mapping[str, Handler] = {
    "apps.connections.open": apps_connections_open,
    "auth.test": auth_test,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "conversations.info": conversations_info,
    "files.completeUploadExternal": files_complete_upload_external,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "reactions.add": reactions_add,
    "users.info": users_info,
    "usergroups.users.list": usergroups_users_list,
    "views.publish": views_publish,
}

# Methods that take the app-level token (xapp-…), in the Authorization header only
# (https://docs.slack.dev/reference/methods/apps.connections.open); all others take a bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})

# Fields that form-encoded callers send as JSON strings; the fake decodes them like Slack does.
JSON_FIELDS = frozenset({"attachments", "blocks", "files", "metadata", "view"})


def decode_json_fields(params: Params) -> Params:
    """`params` with JSON-string fields decoded (left as strings when they are not valid JSON)."""
    decoded = dict(params)
    for name in JSON_FIELDS & decoded.keys():
        if isinstance(decoded[name], str):
            # Left as a string when it is not JSON: content_error then answers invalid_blocks_format.
            with contextlib.suppress(ValueError):
                decoded[name] = json.loads(decoded[name])
    return decoded
