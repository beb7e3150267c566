"""The `majlis` command: `run|check|backup|restore|migrate` (`python -m bot` means `majlis run`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.backup import BackupError, backup_file, restore_database
from bot.config import MissingTokenError, Settings, load_settings
from bot.logs import setup_logging
from bot.runlock import DatabaseInUse, RunLock

if TYPE_CHECKING:
    from bot.client import MajlisBot

log = logging.getLogger(__name__)

# Test-only: the REST base of a local fake Discord (e.g. http://127.0.0.1:8123/api/v10), so an installed
# bot in a subprocess can be driven end to end. Never set it in production: the bot would talk to that URL.
API_BASE_ENV = "MAJLIS_DISCORD_API_BASE"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="majlis", description="Majlis, the Discord bot for freelancers.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("run", help="run the bot until stopped (SIGINT/SIGTERM stop it cleanly)")
    check = commands.add_parser("check", help="say whether this installation is ready; exit 0 only if it is")
    check.add_argument("--offline", action="store_true", help="skip the checks that talk to Discord")
    commands.add_parser("backup", help="take a backup now into the backup folder")
    restore = commands.add_parser(
        "restore", help="replace the database with a backup (the bot must be stopped)"
    )
    restore.add_argument("file", type=Path, help="the backup file to restore")
    commands.add_parser("migrate", help="apply pending migrations and print the schema version")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run a `majlis` command; return the process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings(require_token=args.command == "run")
    except MissingTokenError as exc:
        print(exc, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, fmt=settings.log_format, discord_debug=settings.discord_debug)
    if settings.discord_debug:
        log.warning(
            "MAJLIS_DISCORD_DEBUG=1: discord.py logs gateway payloads and request bodies (private text)"
        )
    if args.command == "run":
        return run(settings)
    if args.command == "check":
        return check(settings, offline=args.offline)
    try:
        if args.command == "backup":
            return backup(settings)
        if args.command == "restore":
            return restore(settings, args.file)
        return migrate(settings)
    except (BackupError, DatabaseInUse) as exc:
        print(f"majlis {args.command}: {exc}", file=sys.stderr)
        return 1


def check(settings: Settings, *, offline: bool) -> int:
    """Print the readiness report; 0 when ready, 1 otherwise."""
    from bot.check import run_check

    point_at_test_discord()
    report = asyncio.run(run_check(settings, offline=offline))
    sys.stdout.write(report.render())
    return 0 if not report.failures else 1


def backup(settings: Settings) -> int:
    """Take a backup now (safe while the bot runs) and print its path."""
    if not settings.db_path.exists():
        raise BackupError(f"{settings.db_path} does not exist yet")
    path = backup_file(settings.db_path, settings.backup_folder, datetime.now(UTC))
    print(path)
    return 0


def restore(settings: Settings, source: Path) -> int:
    """Put a backup in place of the database while the bot is stopped; print where the old one was kept."""
    with RunLock(settings.db_path):  # refuses while the bot runs, and keeps it from starting meanwhile
        kept = restore_database(settings.db_path, source, datetime.now(UTC))
    print(f"restored {source} into {settings.db_path}")
    if kept is not None:
        print(f"the replaced database is kept as {kept}")
    return 0


def migrate(settings: Settings) -> int:
    """Apply pending migrations (the bot must be stopped) and print the schema version."""
    from bot.storage import Database

    async def apply() -> tuple[int, int]:
        db = Database(settings.db_path)
        await db.open(migrate=False)
        try:
            before = await db.version()
            return before, await db.migrate()
        finally:
            await db.close()

    with RunLock(settings.db_path):
        before, after = asyncio.run(apply())
    applied = after - before
    print(f"schema version {after}" + (f" ({applied} migration(s) applied)" if applied else " (up to date)"))
    return 0


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

    import discord

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(runner())
    except DatabaseInUse as exc:
        print(f"majlis run: {exc}", file=sys.stderr)
        return 1
    except discord.LoginFailure:
        print(
            "majlis run: Discord refused the token; reset it (Developer Portal → Bot → Reset Token)",
            file=sys.stderr,
        )
        return 1
    except discord.PrivilegedIntentsRequired:
        print(
            "majlis run: the Server Members intent is off: Developer Portal → your application → Bot → "
            "Privileged Gateway Intents → Server Members Intent",
            file=sys.stderr,
        )
        return 1
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
    # The bot's token goes with every request: only a fake on this machine may receive it.
    host = urllib.parse.urlsplit(base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(
            f"{API_BASE_ENV} must point at this machine (127.0.0.1, localhost or ::1), not {host!r}"
        )
    import discord.http

    log.warning("%s is set: talking to %s, not Discord (tests only)", API_BASE_ENV, base)
    discord.http.Route.BASE = base.rstrip("/")
