"""Signed HTTP requests as Slack sends them: slash commands and block_actions interactions.

Slack signs the raw body: `X-Slack-Signature: v0=` + hex HMAC-SHA256(signing secret,
`v0:{timestamp}:{body}`), with the timestamp in `X-Slack-Request-Timestamp`; receivers reject
timestamps more than 5 minutes old (https://docs.slack.dev/authentication/verifying-requests-from-slack).
Slash commands are plain form fields (https://docs.slack.dev/interactivity/implementing-slash-commands);
interactions are one form field, `payload`, holding JSON
(https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.fakes.workspace import ALICE, OPS, BotIdentity

STALE_AFTER_S = 5 * 60  # what Slack's SDKs and bolt accept as clock skew
FORM = "application/x-www-form-urlencoded"

# Defaults match the fake's default workspace: Alice, in #ops, using the quorumbot app.
_BOT = BotIdentity()
TEAM_ID, TEAM_DOMAIN, APP_ID = _BOT.team_id, "quorumbot-tests", _BOT.app_id
USER_ID, USER_NAME = ALICE.id, ALICE.name
CHANNEL_ID, CHANNEL_NAME = OPS.id, OPS.name
NO_RESPONSE_URL = (
    f"https://hooks.slack.com/commands/{TEAM_ID}/1/unused"  # for tests that never reply
)


@dataclass(frozen=True)
class SignedRequest:
    """A body and the headers Slack would send with it."""

    body: str
    headers: dict[str, str]


def signature(secret: str, timestamp: int, body: str) -> str:
    """Slack's v0 signature of `body` sent at `timestamp`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(
    body: str,
    *,
    secret: str,
    now: float | None = None,
    stale: bool = False,
    wrong_secret: bool = False,
    content_type: str = FORM,
) -> SignedRequest:
    """`body` with signature headers; `stale` or `wrong_secret` make a request bolt must refuse."""
    timestamp = int(time.time() if now is None else now)
    if stale:
        timestamp -= STALE_AFTER_S + 1
    key = secret + "-but-wrong" if wrong_secret else secret
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(key, timestamp, body),
    }
    return SignedRequest(body, headers)


def slash_command_fields(
    command: str,
    text: str = "",
    *,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    response_url: str = NO_RESPONSE_URL,
    trigger_id: str = "1111.2222.trigger",
) -> dict[str, str]:
    """The form fields of a slash command; also the payload of a Socket Mode slash_commands envelope."""
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions_payload(
    action_id: str,
    *,
    value: str = "",
    block_id: str = "actions",
    message_ts: str = "1700000000.000100",
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    response_url: str = NO_RESPONSE_URL,
    is_ephemeral: bool = False,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A block_actions payload for one button click on message `message_ts`."""
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": action_id},
        "action_ts": f"{time.time():.6f}",
    }
    container = {"type": "message", "message_ts": message_ts, "channel_id": channel_id}
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "deprecated-verification-token",
        "container": {**container, "is_ephemeral": is_ephemeral},
        "trigger_id": "1111.2222.trigger",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "message": message or {"type": "message", "ts": message_ts, "text": ""},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def signed_slash_command(
    fields: dict[str, str],
    *,
    secret: str,
    now: float | None = None,
    stale: bool = False,
    wrong_secret: bool = False,
) -> SignedRequest:
    """A slash command POST: the fields form-encoded, then signed."""
    body = urlencode(fields)
    return sign(body, secret=secret, now=now, stale=stale, wrong_secret=wrong_secret)


def signed_block_actions(
    payload: dict[str, Any],
    *,
    secret: str,
    now: float | None = None,
    stale: bool = False,
    wrong_secret: bool = False,
) -> SignedRequest:
    """An interaction POST: `payload=<urlencoded JSON>`, then signed."""
    body = urlencode({"payload": json.dumps(payload)})
    return sign(body, secret=secret, now=now, stale=stale, wrong_secret=wrong_secret)
