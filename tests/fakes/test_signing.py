"""Signed requests from tests.fakes.signing are what Slack sends, checked by slack_sdk and bolt."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes import signing
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def verifier() -> SignatureVerifier:
    return SignatureVerifier(SECRET)


def test_signature_matches_slack_sdk() -> None:
    """The hmac signature equals slack_sdk's own generate_signature."""
    body, timestamp = "token=x&command=%2Fqb", 1_700_000_000
    expected = verifier().generate_signature(timestamp=str(timestamp), body=body)
    assert signing.signature(SECRET, timestamp, body) == expected


def test_signed_slash_command_is_valid() -> None:
    """A freshly signed slash command passes SignatureVerifier."""
    request = signing.signed_slash_command(signing.slash_command_fields("/qb"), secret=SECRET)
    assert verifier().is_valid_request(request.body, request.headers)


def test_stale_request_is_refused() -> None:
    """A request signed more than five minutes ago fails verification."""
    fields = signing.slash_command_fields("/qb")
    request = signing.signed_slash_command(fields, secret=SECRET, stale=True)
    assert not verifier().is_valid_request(request.body, request.headers)


def test_wrong_secret_is_refused() -> None:
    """A request signed with another secret fails verification."""
    fields = signing.slash_command_fields("/qb")
    request = signing.signed_slash_command(fields, secret=SECRET, wrong_secret=True)
    assert not verifier().is_valid_request(request.body, request.headers)


def test_slash_command_body_has_slacks_fields() -> None:
    """The slash command body is form-encoded with every field Slack documents."""
    fields = signing.slash_command_fields("/qb", "status pve1")
    parsed = parse_qs(signing.signed_slash_command(fields, secret=SECRET).body)
    assert {k: v[0] for k, v in parsed.items()} == fields


def test_block_actions_body_is_a_payload_field_of_json() -> None:
    """An interaction body is payload=<urlencoded JSON> of the block_actions payload."""
    payload = signing.block_actions_payload("restart", value="node-2")
    body = signing.signed_block_actions(payload, secret=SECRET, now=time.time()).body
    assert json.loads(parse_qs(body)["payload"][0]) == payload


def bolt_request(signed: signing.SignedRequest) -> AsyncBoltRequest:
    headers: dict[str, str | Sequence[str]] = dict(signed.headers)
    return AsyncBoltRequest(body=signed.body, headers=headers)


def bolt_app(fake: FakeSlack) -> AsyncApp:
    """A bolt app checking signatures with SECRET, its Web API calls going to the fake."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    return AsyncApp(client=client, signing_secret=SECRET)


async def test_bolt_dispatches_a_signed_slash_command(fake: FakeSlack) -> None:
    """bolt's AsyncApp verifies the signature and runs the command listener."""
    app = bolt_app(fake)

    async def status(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(text=f"status {command['text']}")

    app.command("/qb")(status)
    request = signing.signed_slash_command(signing.slash_command_fields("/qb", "x"), secret=SECRET)
    response = await app.async_dispatch(bolt_request(request))
    assert (response.status, response.body) == (200, "status x")


async def test_bolt_refuses_a_wrong_signature(fake: FakeSlack) -> None:
    """bolt answers 401 to a request signed with the wrong secret."""
    app = bolt_app(fake)
    payload = signing.block_actions_payload("restart")
    request = signing.signed_block_actions(payload, secret=SECRET, wrong_secret=True)
    response = await app.async_dispatch(bolt_request(request))
    assert response.status == 401
