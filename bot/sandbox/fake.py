"""FakeDiscord: an in-process Discord (REST ``/api/v10`` + gateway) that real discord.py connects to."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import BodyPartReader, web

from bot.sandbox.errors import CONTRACT_CODES, DiscordError, ServedError, Violation
from bot.sandbox.gateway import Gateway
from bot.sandbox.interactions import InteractionDriver
from bot.sandbox.openapi import OpenAPIValidator, load_validator
from bot.sandbox.ratelimit import Fault, RateLimiter
from bot.sandbox.rest import ROUTES, ApiRequest, UploadedFile

_log = logging.getLogger(__name__)
_API = "/api/v10"


class RecordedRequest(NamedTuple):
    """One request the bot made: method, API path (without ``/api/v10``) and JSON body (or payload_json)."""

    method: str
    path: str
    body: Any


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": with aiohttp's "; charset=utf-8" discord.py reads the body as text.
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class FakeDiscord(InteractionDriver):
    """Serve Discord's REST API and gateway on 127.0.0.1, strict about Discord's rules.

    Construct, ``await start()``, ``install()`` (points discord.py here), set up the world with
    ``create_guild``/``create_user``/``add_member``/..., run the bot, drive it with ``invoke``/``click``/
    ``submit_modal``/``autocomplete``, and assert on ``messages``/``threads``/``violations``.
    """

    def __init__(
        self,
        *,
        spec_path: str | None = None,
        interaction_deadline: float = 3.0,
        time_scale: float = 1.0,
        rate_limits: bool = False,
        global_rate_limit: int = 50,
        shard_count: int = 1,
    ) -> None:
        super().__init__()
        self.interaction_deadline = interaction_deadline
        self.time_scale = time_scale
        self.shard_count = shard_count
        self.synced_commands = {}
        # Server admins can let anyone run a command despite default_member_permissions (Integrations
        # settings), so bots must check at run time; set True to model a server without such overrides.
        self.enforce_default_permissions = False
        self.interactions = {}
        self.gateway = Gateway(self)
        self.rate_limiter = RateLimiter(self.clock, time_scale)
        self.rate_limiter.enabled = rate_limits
        self.rate_limiter.global_per_second = global_rate_limit
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.served_errors: list[ServedError] = []
        self.violations: list[Violation] = []
        self.openapi: OpenAPIValidator | None = load_validator(spec_path) if spec_path else None
        self._waiters: list[asyncio.Future[None]] = []
        self.recheck_interval = 0.05
        self._runner: web.AppRunner | None = None
        self._saved: tuple[str, yarl.URL] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind to 127.0.0.1 on a free port; ``self.url`` is then e.g. ``http://127.0.0.1:41234``."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._serve_attachment)
        app.router.add_route("*", _API + "/{tail:.*}", self._handle_api)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Close gateway sockets and the server; restore discord.py if ``install()`` was called."""
        await self.gateway.close()
        for fault in self.faults:
            fault.release()  # a request still held would keep the server from shutting down
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.uninstall()

    def install(self) -> None:
        """Point discord.py's REST base and default gateway at this fake."""
        if self._saved is None:
            self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.url + _API
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def uninstall(self) -> None:
        """Restore discord.py's real Discord URLs."""
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None

    # -- test controls -----------------------------------------------------------------------------
    def notify(self) -> None:
        """Wake every ``wait_for`` so it re-evaluates its predicate."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:  # noqa: ASYNC109 -- driver API
        """Return ``predicate()`` once truthy, re-checking after every request or event; TimeoutError otherwise.

        The bot's own state (its cache, a list it appends to after a response) changes without a new request,
        so the predicate is also re-checked every ``recheck_interval`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s; violations: {self.violations}")
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, min(remaining, self.recheck_interval))
            except TimeoutError:
                continue

    def advance_time(self, seconds: float) -> None:
        """Move the fake's clock forward (interaction deadlines, follow-up windows, rate-limit windows)."""
        self.clock.advance(seconds)
        self.notify()

    async def disconnect_gateway(self) -> None:
        """Close every gateway websocket server-side (code 4000); discord.py resumes the session."""
        await self.gateway.disconnect()

    def inject_error(
        self, method: str, path_pattern: str, status: int = 500, count: int = 1, retry_after: float = 0.05
    ) -> Fault:
        """Fail the next ``count`` requests matching ``method`` and a glob like ``/channels/*/messages``."""
        fault = Fault(method.upper(), path_pattern, status, count, retry_after=retry_after)
        self.faults.append(fault)
        return fault

    def delay_responses(self, method: str, path_pattern: str, seconds: float, count: int = 1) -> Fault:
        """Hold the next ``count`` matching requests for ``seconds`` before answering (for timeouts)."""
        fault = Fault(method.upper(), path_pattern, None, count, delay=seconds)
        self.faults.append(fault)
        return fault

    def hold_requests(self, method: str, path_pattern: str, *, status: int | None = None) -> Fault:
        """Hold the next matching request in flight until ``fault.release()`` (a crash test's boundary).

        ``fault.held`` counts requests waiting. Released without ``status`` the request takes effect as
        usual (Discord acted; a stopped bot never saw the reply); with ``status`` it is refused and has
        no effect (it never reached Discord).
        """
        fault = Fault(method.upper(), path_pattern, status, 1, gate=asyncio.Event())
        self.faults.append(fault)
        return fault

    def enable_rate_limits(self, enabled: bool = True, *, global_per_second: int | None = None) -> None:
        """Turn Discord-like rate limiting on or off."""
        self.rate_limiter.enabled = enabled
        if global_per_second is not None:
            self.rate_limiter.global_per_second = global_per_second

    @property
    def served_429(self) -> int:
        """Return how many 429 responses were served (rate limits and injected ones)."""
        return self.rate_limiter.served_429

    def record_violation(
        self, method: str, path: str, status: int, code: int, message: str, detail: Any = None
    ) -> None:
        """Record something real Discord would have refused."""
        violation = Violation(method, path, status, code, message, detail)
        _log.warning("fake discord violation: %s", violation)
        self.violations.append(violation)

    # -- the HTTP pipeline -------------------------------------------------------------------------
    async def _serve_attachment(self, request: web.Request) -> web.Response:
        attachment_id = int(request.match_info["attachment_id"])
        for message in self.stored_messages.values():
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return web.Response(
                        body=attachment.data,
                        headers={"Content-Type": attachment.content_type or "application/octet-stream"},
                    )
        return web.Response(status=404)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        try:
            body, files = await self._read_body(request)
        except ValueError as exc:
            self.record_violation(
                method, path, 400, 50109, "The request body contains invalid JSON.", str(exc)
            )
            return _json_response(400, {"message": "The request body contains invalid JSON.", "code": 50109})
        self.requests.append(RecordedRequest(method, path, body))
        try:
            return await self._answer(request, method, path, body, files)
        finally:
            self.notify()

    async def _answer(
        self, request: web.Request, method: str, path: str, body: Any, files: list[UploadedFile]
    ) -> web.StreamResponse:
        fault = next((f for f in self.faults if f.matches(method, path)), None)
        if fault is not None:
            fault.count -= 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.gate is not None:
                fault.held += 1
                self.notify()
                await fault.gate.wait()
                if fault.status is None:
                    try:
                        return await self._serve(request, method, path, body, files)
                    finally:
                        fault.answered += 1
            if fault.status == 429:
                self.rate_limiter.served_429 += 1
                return _json_response(
                    429,
                    {
                        "message": "You are being rate limited.",
                        "retry_after": fault.retry_after,
                        "global": False,
                        "code": 0,
                    },
                    {"Via": "1.1 google", "X-RateLimit-Scope": "user", "Retry-After": "1"},
                )
            if fault.status is not None:
                fault.answered += 1
                return _json_response(fault.status, {"message": f"{fault.status}: injected", "code": 0})
        return await self._serve(request, method, path, body, files)

    async def _serve(
        self, request: web.Request, method: str, path: str, body: Any, files: list[UploadedFile]
    ) -> web.StreamResponse:
        match = self._match(method, path)
        if match is None:
            return self._refuse(method, path, DiscordError(404, 0, "404: Not Found"))
        route, params = match
        if route.auth and request.headers.get("Authorization") != f"Bot {self.bot_token}":
            return self._refuse(method, path, DiscordError(401, 0, "401: Unauthorized"))
        major = {
            "channel": _int(params.get("channel_id")),
            "guild": self._guild_for(params),
            "webhook": _int(params.get("application_id")),
        }
        verdict = self.rate_limiter.check(method, path, major)
        if verdict.retry_after is not None:
            return _json_response(
                429,
                {
                    "message": "You are being rate limited.",
                    "retry_after": verdict.retry_after,
                    "global": verdict.is_global,
                    "code": 0,
                },
                {"Via": "1.1 google", **verdict.headers},
            )
        if self.openapi is not None and body is not None and method in ("POST", "PUT", "PATCH"):
            problems = self.openapi.errors(method, path, body)
            if problems:
                error = DiscordError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {"_errors": [{"code": "OPENAPI_SCHEMA", "message": p} for p in problems]},
                )
                return self._refuse(method, path, error, detail=problems)
        req = ApiRequest(method, path, params, dict(request.query), body, files)
        try:
            result = await getattr(self, route.handler)(req)
        except DiscordError as error:
            return self._refuse(method, path, error)
        except Exception as exc:
            # A bug in the fake must fail the test loudly, not look like a flaky Discord (no 5xx retries).
            _log.exception("fake discord crashed on %s %s", method, path)
            crash = DiscordError(400, 0, f"fake discord internal error: {exc!r}")
            return self._refuse(method, path, crash, detail=traceback.format_exc(), force_violation=True)
        if result is None:
            return web.Response(status=204, headers=verdict.headers)
        return _json_response(200, result, verdict.headers)

    def _refuse(
        self,
        method: str,
        path: str,
        error: DiscordError,
        *,
        detail: Any = None,
        force_violation: bool = False,
    ) -> web.Response:
        self.served_errors.append(ServedError(method, path, error.status, error.code, error.message))
        if force_violation or error.code in CONTRACT_CODES:
            self.record_violation(
                method, path, error.status, error.code, error.message, detail or error.errors
            )
        return _json_response(error.status, error.body())

    def _match(self, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
        path_matched = False
        for route in ROUTES:
            found = route.pattern.match(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method:
                return route, found.groupdict()
        if path_matched:
            return None
        return None

    def _guild_for(self, params: dict[str, str]) -> int | None:
        if "guild_id" in params:
            return _int(params["guild_id"])
        channel = self.channels.get(_int(params.get("channel_id")) or 0)
        return channel.guild_id if channel else None

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if not request.can_read_body:
            return None, []
        kind = request.content_type
        if kind.startswith("multipart/"):
            body: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # Discord's bodies never nest multiparts
                name = part.name or ""
                data = await part.read()
                if name == "payload_json":
                    body = json.loads(data)
                elif name.startswith("files["):
                    index = int(name[6:-1])
                    files.append(
                        UploadedFile(
                            index,
                            part.filename or f"file{index}",
                            bytes(data),
                            part.headers.get("Content-Type"),
                        )
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, []
        return json.loads(raw), []


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
