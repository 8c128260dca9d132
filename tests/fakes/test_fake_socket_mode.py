"""The fake's Socket Mode endpoint speaks the protocol of slack_sdk's and bolt's aiohttp clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.signing import slash_command_fields
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack

pytestmark = pytest.mark.timeout(5)


async def ack_every_request(client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
    await client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))


@pytest.fixture
async def socket_client(fake: FakeSlack) -> AsyncIterator[SocketModeClient]:
    """slack_sdk's aiohttp Socket Mode client, acking every envelope, connected to the fake."""
    client = SocketModeClient(
        app_token=APP_TOKEN, web_client=AsyncWebClient(base_url=fake.base_url)
    )
    client.socket_mode_request_listeners.append(ack_every_request)
    try:
        await client.connect()
        await fake.socket_mode.wait_connections(1)
        yield client
    finally:
        await client.close()


async def test_client_connects_through_apps_connections_open(
    fake: FakeSlack, socket_client: SocketModeClient
) -> None:
    """The client fetches its URL from apps.connections.open with the app token, then connects."""
    call = fake.last("apps.connections.open")
    assert (call.token, call.ok) == (APP_TOKEN, True)
    assert fake.socket_mode.open_connections == 1


async def test_bot_token_cannot_open_a_connection(fake: FakeSlack) -> None:
    """apps.connections.open refuses a bot token with not_allowed_token_type."""
    client = AsyncWebClient(base_url=fake.base_url)
    with pytest.raises(SlackApiError) as raised:
        await client.apps_connections_open(app_token=BOT_TOKEN)
    assert raised.value.response["error"] == "not_allowed_token_type"


async def test_pushed_envelope_is_acked(fake: FakeSlack, socket_client: SocketModeClient) -> None:
    """An interactive envelope pushed by the test comes back as an ack with its envelope_id."""
    envelope_id = await fake.socket_mode.push("interactive", {"type": "block_actions"})
    ack = await fake.socket_mode.wait_ack(envelope_id)
    assert (ack.envelope_id, ack.payload) == (envelope_id, None)


async def test_disconnect_makes_the_client_reconnect_with_a_new_url(
    fake: FakeSlack, socket_client: SocketModeClient
) -> None:
    """After a refresh_requested disconnect the client calls apps.connections.open and reconnects."""
    await fake.socket_mode.disconnect("refresh_requested")
    await fake.socket_mode.wait_connections(2)
    assert len(fake.calls("apps.connections.open")) == 2
    ack = await fake.socket_mode.request("events_api", {"type": "event_callback"})
    assert ack.payload is None


async def test_ping_is_answered_with_a_pong(
    fake: FakeSlack, socket_client: SocketModeClient
) -> None:
    """A websocket ping from the fake is answered by the client's pong."""
    await fake.socket_mode.ping()


async def test_unknown_ticket_is_refused(fake: FakeSlack) -> None:
    """A URL not issued by apps.connections.open cannot connect."""
    client = SocketModeClient(
        app_token=APP_TOKEN, web_client=AsyncWebClient(base_url=fake.base_url)
    )
    try:
        session = client.aiohttp_client_session
        url = fake.root_url.replace("http", "ws") + "/link/?ticket=forged"
        async with session.get(url) as response:
            assert response.status == 401
    finally:
        await client.close()


async def test_bolt_handler_acks_a_slash_command_with_its_response(fake: FakeSlack) -> None:
    """bolt's AsyncSocketModeHandler runs a command listener and acks with its response payload."""
    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url))

    async def status(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(text=f"status of {command['text']}")

    app.command("/qb")(status)
    handler = AsyncSocketModeHandler(
        app, APP_TOKEN, web_client=AsyncWebClient(base_url=fake.base_url)
    )
    try:
        await handler.connect_async()
        await fake.socket_mode.wait_connections(1)
        payload = slash_command_fields("/qb", "pve1")
        ack = await fake.socket_mode.request(
            "slash_commands", payload, accepts_response_payload=True
        )
    finally:
        await handler.close_async()
    assert ack.payload == {"text": "status of pve1"}


async def test_threaded_fake_is_driven_from_the_test_loop() -> None:
    """With the fake in its own thread, pushes, acks and wait_for still work from the test's loop."""
    with FakeSlack.start_in_thread() as fake:
        web_client = AsyncWebClient(base_url=fake.base_url)
        client = SocketModeClient(app_token=APP_TOKEN, web_client=web_client)
        client.socket_mode_request_listeners.append(ack_every_request)
        try:
            await client.connect()
            await fake.socket_mode.wait_connections(1)
            ack = await fake.socket_mode.request("interactive", {"type": "block_actions"})
            call = await fake.wait_for("apps.connections.open")
        finally:
            await client.close()
    assert (ack.payload, call.ok) == (None, True)
