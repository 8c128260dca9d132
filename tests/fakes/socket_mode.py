"""A local Socket Mode endpoint speaking Slack's protocol (https://docs.slack.dev/apis/events-api/using-socket-mode).

The client gets a URL from apps.connections.open, connects, and receives `{"type": "hello"}`. The
test then pushes envelopes (`{"envelope_id", "type", "payload", "accepts_response_payload"}`, plus
`retry_attempt`/`retry_reason` for events_api) and awaits the client's ack (`{"envelope_id",
"payload"?}`). `{"type": "disconnect", "reason": "refresh_requested"}` asks the client to reconnect
through apps.connections.open; pings are answered with pongs both ways.

The test-facing coroutines may be awaited from any event loop: when the fake serves from a
background thread they hop onto its loop.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from aiohttp import WSCloseCode, WSMsgType, web

T = TypeVar("T")
EnvelopeType = Literal["slash_commands", "interactive", "events_api"]


@dataclass(frozen=True)
class Ack:
    """The client's acknowledgement of an envelope, with the response payload if it sent one."""

    envelope_id: str
    payload: dict[str, Any] | None


class SocketModeServer:
    """The websocket side of the fake: tickets, open connections, envelopes and their acks."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.connections_opened = 0
        self.received: list[dict[str, Any]] = []  # client messages that were not acks
        self._ws_root = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[Ack]] = {}
        self._pongs: dict[bytes, asyncio.Future[None]] = {}
        self._changed: asyncio.Condition | None = None

    def bind(self, ws_root: str) -> None:
        """Serve on the running loop, with URLs under `ws_root` (ws://host:port)."""
        self._ws_root = ws_root
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Condition()

    def issue_url(self) -> str:
        """A fresh connection URL, as apps.connections.open returns."""
        ticket = secrets.token_hex(8)
        self._tickets.add(ticket)
        return f"{self._ws_root}/link/?ticket={ticket}&app_id={self.app_id}"

    @property
    def open_connections(self) -> int:
        return len(self._sockets)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The /link/ endpoint: refuse unknown tickets, greet with hello, then read acks and pongs."""
        if request.query.get("ticket") not in self._tickets:
            return web.Response(status=401, text="invalid_ticket")
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.connections_opened += 1
        await self._notify()
        try:
            await ws.send_json(self._hello())
            async for message in ws:
                await self._on_message(ws, message)
        finally:
            self._sockets.remove(ws)
            await self._notify()
        return ws

    async def wait_connections(self, count: int = 1, *, timeout_s: float = 2.0) -> None:
        """Return once `count` connections have been opened in total (reconnects count)."""
        await self._on_server_loop(self._wait_opened(count, timeout_s))

    async def push(
        self,
        envelope_type: EnvelopeType,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Send an envelope on the newest connection; its envelope_id, for `wait_ack`."""
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": retry_reason}
        return await self._on_server_loop(self._push(envelope))

    async def wait_ack(self, envelope_id: str, *, timeout_s: float = 2.0) -> Ack:
        """The client's ack of `envelope_id`; AssertionError if none comes within `timeout_s`."""
        return await self._on_server_loop(self._wait_ack(envelope_id, timeout_s))

    async def request(
        self,
        envelope_type: EnvelopeType,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        timeout_s: float = 2.0,
    ) -> Ack:
        """Push an envelope and wait for its ack."""
        envelope_id = await self.push(
            envelope_type, payload, accepts_response_payload=accepts_response_payload
        )
        return await self.wait_ack(envelope_id, timeout_s=timeout_s)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell every open connection to reconnect, as Slack does before recycling a server."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-applink"}}
        await self._on_server_loop(self._send_all(message))

    async def ping(self, *, timeout_s: float = 2.0) -> None:
        """Ping the newest connection and return once its pong arrives."""
        await self._on_server_loop(self._ping(timeout_s))

    async def close_all(self) -> None:
        """Close every connection (the fake is shutting down)."""
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {"host": "fake-applink", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }

    async def _on_message(self, ws: web.WebSocketResponse, message: Any) -> None:
        if message.type == WSMsgType.PING:
            await ws.pong(message.data)
        elif message.type == WSMsgType.PONG:
            waiter = self._pongs.pop(bytes(message.data), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        elif message.type == WSMsgType.TEXT:
            body = json.loads(message.data)
            ack = self._acks.get(body.get("envelope_id", ""))
            if ack is not None and not ack.done():
                ack.set_result(Ack(body["envelope_id"], body.get("payload")))
            else:
                self.received.append(body)

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def _wait_opened(self, count: int, timeout_s: float) -> None:
        assert self._changed is not None
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.connections_opened >= count), timeout_s
                )
            except TimeoutError:
                opened = self.connections_opened
                raise AssertionError(f"{opened} Socket Mode connections, not {count}") from None

    def _newest(self) -> web.WebSocketResponse:
        assert self._sockets, "no open Socket Mode connection"
        return self._sockets[-1]

    async def _push(self, envelope: dict[str, Any]) -> str:
        envelope_id = str(envelope["envelope_id"])
        assert self._loop is not None
        self._acks[envelope_id] = self._loop.create_future()
        await self._newest().send_json(envelope)
        return envelope_id

    async def _wait_ack(self, envelope_id: str, timeout_s: float) -> Ack:
        future = self._acks.get(envelope_id)
        assert future is not None, f"envelope {envelope_id} was never pushed"
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            raise AssertionError(f"envelope {envelope_id} not acked within {timeout_s}s") from None

    async def _send_all(self, message: dict[str, Any]) -> None:
        for ws in list(self._sockets):
            await ws.send_json(message)

    async def _ping(self, timeout_s: float) -> None:
        assert self._loop is not None
        data = f"fake-slack-ping:{secrets.token_hex(4)}".encode()
        self._pongs[data] = self._loop.create_future()
        await self._newest().ping(data)
        try:
            await asyncio.wait_for(self._pongs[data], timeout_s)
        except TimeoutError:
            raise AssertionError(f"no pong within {timeout_s}s") from None

    async def _on_server_loop(self, work: Coroutine[Any, Any, T]) -> T:
        loop = self._loop
        assert loop is not None, "the fake Slack is not running"
        if asyncio.get_running_loop() is loop:
            return await work
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))
