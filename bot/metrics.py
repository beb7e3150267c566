"""Health and Prometheus metrics: `/healthz` and `/metrics` on `MAJLIS_METRICS_PORT` (off by default).

Counted as it happens: commands by name and outcome, interactions answered too late, and every REST
request the bot makes and every 429, by route (through discord.py's `http_trace`, an aiohttp
TraceConfig, so nothing private is read: routes are templates, never ids or interaction tokens).
Read at scrape time: gateway latency per shard, how overdue the scheduler's next run is, the database
size, and intro rounds and groups by state from the database (their truth survives restarts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import sqlite3
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

if TYPE_CHECKING:
    from bot.client import MajlisBot

log = logging.getLogger(__name__)

_SNOWFLAKE = re.compile(r"^\d{15,21}$")
_TOKENED = ("interactions", "webhooks")  # /interactions/{id}/{token}/…, /webhooks/{id}/{token}/…


def route_of(path: str) -> str:
    """Turn a request path into its route template: ids become {id}, interaction tokens {token}."""
    parts = [p for p in path.split("/") if p]
    if "v10" in parts:
        parts = parts[parts.index("v10") + 1 :]
    out: list[str] = []
    for i, part in enumerate(parts):
        if _SNOWFLAKE.match(part):
            out.append("{id}")
        elif i >= 2 and parts[i - 2] in _TOKENED:
            out.append("{token}")
        elif i >= 1 and parts[i - 1] == "reactions":
            out.append("{emoji}")
        else:
            out.append(part)
    return "/" + "/".join(out)


class Metrics:
    """One bot's metrics, in a registry of its own (several bots in one test process never clash)."""

    def __init__(self, bot: MajlisBot) -> None:
        self.bot = bot
        self.registry = CollectorRegistry()
        r = self.registry
        self.commands = Counter(
            "majlis_commands",
            "Slash commands run, by name and outcome (ok, refused, error)",
            ["command", "outcome"],
            registry=r,
        )
        self.late = Counter(
            "majlis_interactions_late",
            "Interactions Discord no longer accepted an answer for (10062)",
            registry=r,
        )
        self.requests = Counter(
            "majlis_discord_requests",
            "REST requests the bot made, by method, route and status class",
            ["method", "route", "status"],
            registry=r,
        )
        self.rate_limited = Counter(
            "majlis_discord_429",
            "429 responses from Discord, by method and route",
            ["method", "route"],
            registry=r,
        )
        self.latency = Gauge(
            "majlis_gateway_latency_seconds", "Gateway heartbeat latency per shard", ["shard"], registry=r
        )
        self.overdue = Gauge(
            "majlis_scheduler_overdue_seconds",
            "How late the earliest pending scheduled run is (0 while none is overdue)",
            registry=r,
        )
        self.db_bytes = Gauge("majlis_database_bytes", "Size of the database file and its -wal", registry=r)
        self.rounds = Gauge(
            "majlis_intro_rounds", "Intro rounds by state (delivered, delivering)", ["state"], registry=r
        )
        self.groups = Gauge(
            "majlis_intro_groups",
            "Intro groups by delivery state (posted = delivered, failed, pending…)",
            ["state"],
            registry=r,
        )
        self._server: web.AppRunner | None = None
        self.port: int | None = None
        self.db_timeout = 1.0  # seconds /healthz waits for the database's write lock

    # --- counted as it happens -----------------------------------------------------------------------

    def http_trace(self) -> aiohttp.TraceConfig:
        """Return the aiohttp trace that counts the bot's REST requests (give it to the discord.py client)."""
        trace = aiohttp.TraceConfig()

        async def on_end(session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
            self.count_request(params.method, params.url.path, params.response.status)

        trace.on_request_end.append(on_end)
        return trace

    def count_request(self, method: str, path: str, status: int) -> None:
        """Count one REST request; a 404 to an interaction callback means it was answered too late."""
        route = route_of(path)
        self.requests.labels(method, route, f"{status // 100}xx").inc()
        if status == 429:
            self.rate_limited.labels(method, route).inc()
        if status == 404 and route == "/interactions/{id}/{token}/callback":
            self.late.inc()

    def count_command(self, command: str | None, outcome: str) -> None:
        """Count a finished slash command: ok, refused (bad input, permissions, cooldown) or error."""
        self.commands.labels(command or "?", outcome).inc()

    # --- read at scrape time -------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Read the gauges that are looked up rather than counted."""
        bot = self.bot
        for shard_id, shard in (bot.shards or {}).items():
            if math.isfinite(shard.latency):
                self.latency.labels(str(shard_id)).set(shard.latency)
        now = bot.clock.now()
        pending = bot.scheduler.pending_runs()
        self.overdue.set(max(0.0, max(((now - when).total_seconds() for when in pending), default=0.0)))
        path = bot.settings.db_path
        size = 0
        for candidate in (path, path.with_name(path.name + "-wal")):
            with contextlib.suppress(OSError):
                size += candidate.stat().st_size
        self.db_bytes.set(size)
        rounds = await bot.db.fetchall(
            "SELECT delivered_at IS NOT NULL AS done, COUNT(*) AS n FROM intro_rounds GROUP BY done"
        )
        self.rounds.labels("delivered").set(0)
        self.rounds.labels("delivering").set(0)
        for row in rounds:
            self.rounds.labels("delivered" if row["done"] else "delivering").set(row["n"])
        self.groups.clear()
        for row in await bot.db.fetchall("SELECT state, COUNT(*) AS n FROM intro_groups GROUP BY state"):
            self.groups.labels(row["state"]).set(row["n"])

    async def health(self) -> tuple[bool, str]:
        """Tell whether the gateway is connected and the database writable, with the reason if not."""
        bot = self.bot
        if bot.is_closed() or not bot.is_ready():
            return False, "gateway not ready"
        closed = [str(i) for i, shard in (bot.shards or {}).items() if shard.is_closed()]
        if closed:
            return False, f"gateway shard(s) {', '.join(closed)} disconnected"
        try:
            await asyncio.to_thread(_try_write, bot.settings.db_path, self.db_timeout)
        except sqlite3.Error as exc:
            return False, f"database not writable: {exc}"
        return True, "ok"

    # --- the HTTP endpoint ---------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> None:
        """Serve /healthz and /metrics on host:port (port 0 picks a free one; see `self.port`)."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._server = runner
        self.port = runner.addresses[0][1]
        log.info("metrics on http://%s:%s/metrics and /healthz", host, self.port)

    async def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._server is not None:
            await self._server.cleanup()
            self._server = None

    async def _healthz(self, request: web.Request) -> web.Response:
        healthy, reason = await self.health()
        return web.Response(status=200 if healthy else 503, text=reason + "\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        await self.refresh()
        response = web.Response(body=generate_latest(self.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response


def _try_write(path: Any, timeout: float) -> None:
    """Take and release the write lock on the database file from a connection of its own."""
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()
