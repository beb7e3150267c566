"""The `majlis` command: run the bot (`python -m bot` means `majlis run`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import TYPE_CHECKING

from bot.config import MissingTokenError, Settings, load_settings

if TYPE_CHECKING:
    from bot.client import MajlisBot

log = logging.getLogger(__name__)

# Test-only: the REST base of a local fake Discord (e.g. http://127.0.0.1:8123/api/v10), so an installed
# bot in a subprocess can be driven end to end. Never set it in production: the bot would talk to that URL.
API_BASE_ENV = "MAJLIS_DISCORD_API_BASE"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="majlis", description="Majlis, the Discord bot for freelancers.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot until stopped (SIGINT/SIGTERM stop it cleanly)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run a `majlis` command; return the process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except MissingTokenError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    del args  # one command so far
    return run(settings)


def run(settings: Settings) -> int:
    """Run the bot until SIGINT or SIGTERM, then close the gateway, the scheduler and the database."""
    point_at_test_discord()
    from bot.client import MajlisBot

    async def runner() -> None:
        bot = MajlisBot(settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop, bot, sig)
        async with bot:
            await bot.start(settings.token)
        log.info("stopped cleanly")

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(runner())
    return 0


_closing: set[asyncio.Task[None]] = set()


def stop(bot: MajlisBot, sig: signal.Signals) -> None:
    """Close the bot once a stop signal arrives (systemd sends SIGTERM, Ctrl-C SIGINT)."""
    log.info("%s received: stopping", sig.name)
    task = asyncio.ensure_future(bot.close())
    _closing.add(task)  # keep a reference until it is done
    task.add_done_callback(_closing.discard)


def point_at_test_discord() -> None:
    """Honour `MAJLIS_DISCORD_API_BASE` (tests only): send REST calls to a local fake Discord."""
    base = os.environ.get(API_BASE_ENV, "").strip()
    if not base:
        return
    import discord.http

    log.warning("%s is set: talking to %s, not Discord (tests only)", API_BASE_ENV, base)
    discord.http.Route.BASE = base.rstrip("/")
