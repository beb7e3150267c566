"""Shared fixtures: the local fake Discord and the real Majlis bot connected to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.client import MajlisBot
from bot.config import Settings
from bot.pacer import Pacer
from bot.sandbox import FakeDiscord
from bot.schedule import Clock
from bot.storage import Database

SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "discord-openapi.json"


def spec_path() -> str | None:
    """Return Discord's OpenAPI file to validate against (CI sets MAJLIS_DISCORD_SPEC)."""
    return os.environ.get("MAJLIS_DISCORD_SPEC") or (str(SHARED_SPEC) if SHARED_SPEC.exists() else None)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated database file of its own for one test."""
    database = Database(tmp_path / "majlis.db")
    await database.open()
    yield database
    await database.close()


class ErrorLogGuard(logging.Handler):
    """Collects ERROR records: discord.py logs handler exceptions instead of raising them."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.allowed: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not any(text in record.getMessage() for text in self.allowed):
            self.records.append(record)


@pytest.fixture(autouse=True)
def logging_restored() -> Any:
    """`majlis` commands run in-process set up logging; each test starts and ends with the same setup."""
    names = ("", "bot", "cogs", "__main__", "discord", "aiohttp", "apscheduler", "asyncio")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def error_log() -> Any:
    guard = ErrorLogGuard()
    root = logging.getLogger()
    root.addHandler(guard)
    yield guard
    root.removeHandler(guard)
    problems = [f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}" for r in guard.records]
    assert not problems, "errors were logged:\n" + "\n".join(problems)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(spec_path=spec_path())
    await server.start()
    server.install()
    try:
        yield server
    finally:
        await server.stop()
        server.uninstall()
    assert server.violations == [], f"the bot sent what Discord refuses: {server.violations}"


@dataclass
class Majlis:
    """A running bot against the fake, with a guild, an admin and helpers to restart it."""

    fake: FakeDiscord
    db_path: Path
    clock: Clock
    guild: Any
    admin: Any
    channel: Any
    bot: MajlisBot | None = None
    _task: asyncio.Task[None] | None = None
    users: dict[str, Any] = field(default_factory=dict)
    extra_settings: dict[str, Any] = field(default_factory=dict)  # e.g. {"metrics_port": 0}, then restart()

    async def start(self) -> MajlisBot:
        settings = Settings(
            token=self.fake.bot_token,
            db_path=self.db_path,
            log_level=logging.INFO,
            dev_guild=None,
            **self.extra_settings,
        )
        bot = MajlisBot(settings, clock=self.clock, guild_ready_timeout=0.05, max_ratelimit_timeout=30.0)
        # Discord's limits, with every window a thousandth as long: no test waits on real time for them.
        bot.delivery.pacer = Pacer(time_scale=0.001)
        await bot.login(settings.token)
        self._task = asyncio.create_task(bot.connect(reconnect=True))
        await asyncio.wait_for(bot.wait_until_ready(), timeout=15)
        self.bot = bot
        return bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
            if self._task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self.bot = None

    async def restart(self) -> MajlisBot:
        await self.stop()
        return await self.start()

    async def stop_mid_request(
        self, method: str, path: str, *, discord_acts: bool, work: Callable[[], Awaitable[Any]] | None = None
    ) -> None:
        """Stop the bot, as a crash would, while its request matching `method path` is in flight.

        `work` starts what makes the request; it is cancelled with the bot. Then Discord acts on the
        request (`discord_acts`: only the reply is lost) or refuses it (it never reached Discord).
        """
        held = self.fake.hold_requests(method, path, status=None if discord_acts else 503)
        running = asyncio.ensure_future(work()) if work is not None else None
        await self.fake.wait_for(lambda: held.held)
        if running is not None:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        await self.stop()
        held.release()
        await self.fake.wait_for(lambda: held.answered)

    def member(self, name: str, *, manage_guild: bool = False, dms_open: bool = True) -> Any:
        """Create a user and add them to the guild (returns the user)."""
        user = self.fake.create_user(name, global_name=name.title(), dms_open=dms_open)
        self.fake.add_member(self.guild, user, manage_guild=manage_guild)
        self.users[name] = user
        return user

    async def run(self, user: Any, command: str, **options: Any) -> Any:
        """Invoke a slash command as `user` in the default channel and wait for the final answer."""
        interaction = await self.fake.invoke(self.guild, user, command, channel=self.channel, **options)
        await interaction.wait_done()
        return interaction


@pytest.fixture
async def majlis(fake: FakeDiscord, tmp_path: Path, error_log: Any) -> AsyncIterator[Majlis]:
    guild = fake.create_guild("Freelancers")
    admin = fake.create_user("admin", global_name="Admin")
    fake.add_member(guild, admin, manage_guild=True)
    channel = fake.create_text_channel(guild, "lounge")
    env = Majlis(
        fake=fake, db_path=tmp_path / "majlis.db", clock=Clock(), guild=guild, admin=admin, channel=channel
    )
    await env.start()
    try:
        yield env
    finally:
        await env.stop()


E2E_DIR = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as `e2e`, so `make unit` (-m "not e2e") leaves them out."""
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
