"""Serving the bolt app: over Socket Mode (outbound websocket) or HTTP (`/slack/events`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

EVENTS_PATH = "/slack/events"


@asynccontextmanager
async def socket_mode(app: AsyncApp, app_token: str, client: AsyncWebClient) -> AsyncIterator[str]:
    """Connected to Slack (the URL comes from apps.connections.open) until the block ends."""
    handler = AsyncSocketModeHandler(app, app_token, web_client=client)
    await handler.connect_async()  # type: ignore[no-untyped-call]  # bolt leaves it untyped
    try:
        yield "socket mode connected"
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


@asynccontextmanager
async def http(app: AsyncApp, host: str, port: int) -> AsyncIterator[str]:
    """Serving POST /slack/events (signatures verified by bolt) and GET /healthz."""
    web_app = app.web_app(path=EVENTS_PATH, port=port)
    web_app.router.add_get("/healthz", _healthz)
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        yield f"listening on http://{bound_host}:{bound_port}{EVENTS_PATH}"
    finally:
        await runner.cleanup()


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
