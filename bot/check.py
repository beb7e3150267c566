"""`majlis check`: is this installation ready to run? Offline checks first, then Discord with the token.

Offline: settings, the database path (writable, private), the schema against this code's migrations,
the backup folder. Online (REST only, no gateway session): the token, the application id, the Server
Members intent, the invite URL, and in each server every configured channel the bot cannot use.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.backup import backup_missed, integrity_ok, latest_daily, schema_version
from bot.config import SETUP_HINT, Settings
from bot.files import mode_of
from bot.readiness import (
    ChannelProblem,
    channel_permissions,
    invite_url,
    members_intent_enabled,
    missing_in,
)
from bot.runlock import in_use
from bot.storage import latest_version


@dataclass
class Report:
    """Lines of `ok`, `info`, `warn` and `FAIL`; ready when there is no FAIL."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, status: str, subject: str, text: str) -> None:
        """Add one line."""
        self.lines.append((status, subject, text))

    @property
    def failures(self) -> int:
        """Return how many checks failed."""
        return sum(1 for status, _, _ in self.lines if status == "FAIL")

    def render(self) -> str:
        """Return the report as text, ending with the verdict."""
        out = [f"{status:<5} {subject}: {text}" for status, subject, text in self.lines]
        verdict = "ready" if not self.failures else f"NOT ready ({self.failures} problem(s))"
        return "\n".join([*out, verdict]) + "\n"


def check_offline(settings: Settings, report: Report, now: datetime) -> None:
    """Check what needs no network: settings, database, migrations, backups."""
    if settings.token:
        report.add(
            "ok", "settings", f"token set; database {settings.db_path}; backups {settings.backup_folder}"
        )
    else:
        report.add("FAIL", "settings", SETUP_HINT)
    _check_database(settings.db_path, report)
    _check_backups(settings.backup_folder, report, now)


def _writable_folder(path: Path) -> tuple[bool, Path]:
    """Tell whether `path` (or, if missing, its nearest existing parent) is a folder we may write in."""
    current = path
    while not current.exists() and current.parent != current:
        current = current.parent
    return current.is_dir() and os.access(current, os.W_OK | os.X_OK), current


def _check_database(db_path: Path, report: Report) -> None:
    folder_ok, existing = _writable_folder(db_path.parent)
    if not folder_ok:
        report.add("FAIL", "database", f"cannot write in {existing} (needed for {db_path} and its -wal)")
        return
    if not db_path.exists():
        report.add("ok", "database", f"{db_path} will be created (0600) on first start")
        report.add("ok", "migrations", f"a new database gets schema version {latest_version()}")
        return
    if not os.access(db_path, os.R_OK | os.W_OK):
        report.add("FAIL", "database", f"{db_path} is not readable and writable by this user")
        return
    mode = mode_of(db_path)
    if mode & 0o077:
        report.add("warn", "database", f"{db_path} is mode {mode:o}: the bot makes it 600 when it starts")
    else:
        report.add("ok", "database", f"{db_path} is writable (mode {mode:o})")
    folder_mode = mode_of(db_path.parent)
    if folder_mode & 0o077:
        report.add("warn", "database", f"folder {db_path.parent} is mode {folder_mode:o}: others can list it")
    if in_use(db_path):
        report.add("info", "database", "a running Majlis holds it")
    try:
        version = schema_version(db_path)
    except sqlite3.Error as exc:
        report.add("FAIL", "migrations", f"cannot read {db_path}: {exc}")
        return
    latest = latest_version()
    if version == latest:
        report.add("ok", "migrations", f"schema version {version} (current)")
    elif version < latest:
        report.add(
            "ok",
            "migrations",
            f"schema version {version}; {latest - version} pending, applied at start or by `majlis migrate`",
        )
    else:
        report.add(
            "FAIL", "migrations", f"schema version {version} is newer than this Majlis ({latest}): upgrade it"
        )


def _check_backups(folder: Path, report: Report, now: datetime) -> None:
    writable, existing = _writable_folder(folder)
    if not writable:
        report.add("FAIL", "backups", f"cannot write in {existing} (MAJLIS_BACKUP_DIR)")
        return
    latest = latest_daily(folder)
    if latest is None:
        report.add("ok", "backups", f"{folder}: none yet; the bot takes one daily at 03:00 UTC")
        return
    newest = folder / f"majlis-daily-{latest}.db"
    if not integrity_ok(newest):
        report.add("FAIL", "backups", f"{newest} fails integrity_check")
    elif backup_missed(folder, now, datetime.min.replace(tzinfo=UTC)):
        report.add(
            "warn", "backups", f"newest is {newest.name}: one was missed; the bot takes one when it starts"
        )
    else:
        report.add("ok", "backups", f"newest is {newest.name} (passes integrity_check)")


async def check_online(settings: Settings, report: Report) -> None:
    """Log in over REST and check the application, the intent and every configured channel."""
    import aiohttp
    import discord

    client = discord.Client(intents=discord.Intents.none())
    try:
        try:
            await client.login(settings.token)
        except discord.LoginFailure:
            report.add(
                "FAIL", "discord", "the token was refused: reset it (Developer Portal → Bot → Reset Token)"
            )
            return
        except (aiohttp.ClientError, OSError) as exc:
            report.add("FAIL", "discord", f"cannot reach Discord: {exc}")
            return
        app = await client.application_info()
        me = client.user
        assert me is not None
        report.add("ok", "discord", f"logged in as {me.name}; application id {app.id}")
        if members_intent_enabled(app.flags.value):
            report.add("ok", "intent", "Server Members intent is enabled")
        else:
            report.add(
                "FAIL",
                "intent",
                "Server Members intent is off: Developer Portal → your application → Bot → "
                "Privileged Gateway Intents → Server Members Intent",
            )
        report.add("info", "invite", invite_url(app.id))
        await _check_guilds(client, settings.db_path, me.id, report)
    finally:
        await client.close()


async def _check_guilds(client: object, db_path: Path, bot_id: int, report: Report) -> None:
    import discord

    assert isinstance(client, discord.Client)
    joined = {g.id: g.name async for g in client.fetch_guilds(limit=None)}
    configured = _configured_channels(db_path)
    report.add(
        "ok" if joined else "info", "servers", f"in {len(joined)} server(s)" if joined else "in no server yet"
    )
    for guild_id in sorted(set(joined) | set(configured)):
        name = joined.get(guild_id)
        if name is None:
            report.add("warn", f"server {guild_id}", "configured here, but the bot is no longer in it")
            continue
        features = configured.get(guild_id, [])
        if not features:
            report.add("info", f"server {name} ({guild_id})", "nothing configured yet (/majlis …)")
            continue
        guild = await client.http.get_guild(guild_id)
        member = await client.http.get_member(guild_id, bot_id)
        problems: list[ChannelProblem] = []
        for feature, channel_id in features:
            try:
                channel = await client.http.get_channel(channel_id)
            except discord.NotFound:
                problems.append(ChannelProblem(feature, channel_id, (), gone=True))
                continue
            except discord.Forbidden:
                problems.append(ChannelProblem(feature, channel_id, ("view_channel",)))
                continue
            allowed = channel_permissions(guild, member, channel, bot_id)
            missing = missing_in(feature, allowed)
            if missing:
                problems.append(ChannelProblem(feature, channel_id, missing))
        subject = f"server {name} ({guild_id})"
        if problems:
            for problem in problems:
                report.add("FAIL", subject, problem.describe())
        else:
            report.add("ok", subject, f"{len(features)} configured channel(s) usable")


def _configured_channels(db_path: Path) -> dict[int, list[tuple[str, int]]]:
    """Return each guild's enabled features with a channel, read from the database (read-only)."""
    if not db_path.exists():
        return {}
    found: dict[int, list[tuple[str, int]]] = {}
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        rows = conn.execute(
            "SELECT f.guild_id, f.feature, f.channel_id FROM guild_features f JOIN guilds g USING (guild_id) "
            "WHERE f.enabled = 1 AND f.channel_id IS NOT NULL AND g.removed_at IS NULL "
            "ORDER BY f.guild_id, f.feature"
        ).fetchall()
    for guild_id, feature, channel_id in rows:
        found.setdefault(int(guild_id), []).append((str(feature), int(channel_id)))
    return found


async def run_check(settings: Settings, *, offline: bool = False, now: datetime | None = None) -> Report:
    """Run every check and return the report."""
    report = Report()
    check_offline(settings, report, now or datetime.now(UTC))
    if settings.token and not offline:
        await check_online(settings, report)
    return report
