"""A local fake of Slack: the Web API, response_url webhooks, file uploads and Socket Mode.

Point the bot at it with `AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)`, give payloads
`fake.response_url(...)`, and let Socket Mode find it through apps.connections.open::

    async with FakeSlack.start() as fake:            # in the test's event loop
        ...
    with FakeSlack.start_in_thread() as fake:        # own thread and loop, e.g. for a bot process
        ...

Routes (all on 127.0.0.1 by default):
    /api/{method}          Web API methods (tests.fakes.methods.METHODS), GET or POST
    /webhook/{id}          response_url webhooks (tests.fakes.webhooks)
    /upload/v1/{file_id}   upload URLs handed out by files.getUploadURLExternal
    /link/                 Socket Mode websocket (tests.fakes.socket_mode)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aiohttp import web

from tests.fakes.calls import FILE_UPLOAD, RESPONSE_URL, Call, CallLog, Params, Predicate
from tests.fakes.clock import Clock, system_clock
from tests.fakes.methods import APP_TOKEN_METHODS, METHODS, Answer, Context, decode_json_fields
from tests.fakes.methods import error as error_answer
from tests.fakes.rate_limits import RateLimits, Refusal
from tests.fakes.socket_mode import SocketModeServer
from tests.fakes.webhooks import ResponseUrls
from tests.fakes.workspace import Workspace

BOT_TOKEN = "xoxb-1111-2222-quorumbot"
APP_TOKEN = "xapp-1-A0QBOT0001-3333-quorumbot"

_SERVER_ERRORS = {500: "fatal_error", 503: "service_unavailable"}


class FakeSlack:
    """The fake's state and behaviour; `start` or `start_in_thread` serve it over HTTP."""

    def __init__(self, *, clock: Clock = system_clock) -> None:
        self.clock = clock
        self.bot_tokens: set[str] = {BOT_TOKEN}
        self.app_token = APP_TOKEN
        self.workspace = Workspace()
        self.log = CallLog()
        self.rate_limits = RateLimits(clock)
        self.socket_mode = SocketModeServer(app_id=self.workspace.bot.app_id)
        self._response_urls = ResponseUrls(self.workspace, clock)
        self._root_url = ""

    @classmethod
    @asynccontextmanager
    async def start(
        cls, host: str = "127.0.0.1", port: int = 0, *, clock: Clock = system_clock
    ) -> AsyncIterator[FakeSlack]:
        """Serve a new fake on the running loop until the block ends."""
        fake = cls(clock=clock)
        async with fake._serving(host, port):
            yield fake

    @classmethod
    @contextmanager
    def start_in_thread(
        cls, host: str = "127.0.0.1", port: int = 0, *, clock: Clock = system_clock
    ) -> Iterator[FakeSlack]:
        """Serve a new fake from a background thread with its own loop until the block ends."""
        fake = cls(clock=clock)
        with _ServerThread(fake, host, port):
            yield fake

    @property
    def root_url(self) -> str:
        """http://host:port of the running fake."""
        assert self._root_url, "the fake Slack is not running"
        return self._root_url

    @property
    def base_url(self) -> str:
        """The Web API base URL, for `AsyncWebClient(base_url=...)`."""
        return f"{self.root_url}/api/"

    def response_url(self, channel: str, user: str, *, message_ts: str | None = None) -> str:
        """A new response_url for `user` in `channel` (about message `message_ts` if given)."""
        url_id = self._response_urls.create(channel, user, message_ts=message_ts)
        return f"{self.root_url}/webhook/{url_id}"

    def calls(self, method: str | None = None) -> list[Call]:
        """Every call received so far, or only those to `method`."""
        return self.log.calls(method)

    def last(self, method: str) -> Call:
        """The latest call to `method`."""
        return self.log.last(method)

    async def wait_for(
        self, method: str, predicate: Predicate | None = None, *, timeout_s: float = 2.0
    ) -> Call:
        """The first call to `method` matching `predicate`, waiting up to `timeout_s` for it."""
        return await self.log.wait_for(method, predicate, timeout_s=timeout_s)

    @asynccontextmanager
    async def _serving(self, host: str, port: int) -> AsyncIterator[None]:
        app = web.Application()
        app.add_routes(
            [
                web.route("*", "/api/{method}", self._web_api),
                web.post("/webhook/{url_id}", self._webhook),
                web.post("/upload/v1/{file_id}", self._upload),
                web.get("/link/", self.socket_mode.handle),
            ]
        )
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            bound_host, bound_port = runner.addresses[0][:2]
            self._root_url = f"http://{bound_host}:{bound_port}"
            self.socket_mode.bind(f"ws://{bound_host}:{bound_port}")
            yield
        finally:
            await self.socket_mode.close_all()
            await runner.cleanup()

    async def _web_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        token = _token(request, params, header_only=method in APP_TOKEN_METHODS)
        answer = self._answer(method, params, token)
        call = Call(method, params or {}, token, self.clock(), answer.status, answer.body)
        self.log.record(call)
        return web.json_response(answer.body, status=answer.status, headers=dict(answer.headers))

    def _answer(self, method: str, params: Params | None, token: str | None) -> Answer:
        handler = METHODS.get(method)
        if handler is None:
            return error_answer("unknown_method", req_method=method)
        if params is None:
            return error_answer("invalid_json")
        auth_error = self._auth_error(method, token)
        if auth_error is not None:
            return error_answer(auth_error)
        refusal = self.rate_limits.check(method, params.get("channel"))
        if refusal is not None:
            return _refused(refusal)
        context = Context(self.workspace, self.root_url, self.socket_mode.issue_url)
        return handler(context, params)

    def _auth_error(self, method: str, token: str | None) -> str | None:
        if token is None:
            return "not_authed"
        wanted, other = (
            ({self.app_token}, self.bot_tokens)
            if method in APP_TOKEN_METHODS
            else (self.bot_tokens, {self.app_token})
        )
        if token in wanted:
            return None
        return "not_allowed_token_type" if token in other else "invalid_auth"

    async def _webhook(self, request: web.Request) -> web.Response:
        url_id = request.match_info["url_id"]
        body = await _json_object(request)
        if body is None:
            status, text, body = 400, "invalid_payload", {}
        else:
            status, text = self._response_urls.post(url_id, body)
        params = {**body, "url_id": url_id}
        self.log.record(Call(RESPONSE_URL, params, None, self.clock(), status, text))
        return web.Response(status=status, text=text)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        content = await request.read()
        uploaded = self.workspace.files.get(file_id)
        status, text = (404, "not_found") if uploaded is None else (200, f"OK - {len(content)}")
        if uploaded is not None:
            uploaded.content = content
        params = {"file_id": file_id, "size": len(content)}
        self.log.record(Call(FILE_UPLOAD, params, None, self.clock(), status, text))
        return web.Response(status=status, text=text)


async def _read_params(request: web.Request) -> Params | None:
    """Query and body merged, as Slack reads them: JSON, form-encoded or multipart; None if bad JSON."""
    params: Params = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await _json_object(request)
            if body is None:
                return None
            params.update(body)
        else:
            form = await request.post()
            params.update({k: _form_value(v) for k, v in form.items()})
    return decode_json_fields(params)


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    """The request body as a JSON object, or None if it is not one."""
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _form_value(value: str | bytes | bytearray | web.FileField) -> str:
    """A form field as text; for a multipart file, its file name."""
    if isinstance(value, web.FileField):
        return value.filename
    return value if isinstance(value, str) else bytes(value).decode()


def _token(request: web.Request, params: Params | None, *, header_only: bool) -> str | None:
    """The token from `Authorization: Bearer`, else (where Slack allows it) the `token` field."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    if header_only or params is None:
        return None
    token = params.pop("token", None)
    return str(token) if token is not None else None


def _refused(refusal: Refusal) -> Answer:
    if refusal.status == 429:
        headers = {"Retry-After": str(refusal.retry_after or 1)}
        return Answer({"ok": False, "error": "ratelimited"}, 429, headers)
    code = _SERVER_ERRORS.get(refusal.status, "request_failed")
    return Answer({"ok": False, "error": code}, refusal.status)


class _ServerThread:
    """Runs `fake` on its own event loop in a daemon thread, from `__enter__` to `__exit__`."""

    def __init__(self, fake: FakeSlack, host: str, port: int, *, timeout_s: float = 5.0) -> None:
        self._fake, self._host, self._port, self._timeout_s = fake, host, port, timeout_s
        self._ready = threading.Event()
        self._failure: Exception | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fake-slack", daemon=True)

    def __enter__(self) -> None:
        self._thread.start()
        if not self._ready.wait(self._timeout_s):
            raise RuntimeError(f"the fake Slack did not start within {self._timeout_s}s")
        if self._failure is not None:
            raise RuntimeError("the fake Slack failed to start") from self._failure

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(self._timeout_s)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except Exception as failure:  # noqa: BLE001 - any start-up failure goes to __enter__
            self._failure = failure
            self._ready.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with self._fake._serving(self._host, self._port):
            self._ready.set()
            await self._stop.wait()
