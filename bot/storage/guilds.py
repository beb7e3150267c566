"""Guild settings, feature configuration and member presence."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.storage import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True)
class GuildSettings:
    """A guild's defaults."""

    guild_id: int
    language: str
    timezone: str
    welcomed: bool


@dataclass(frozen=True)
class FeatureConfig:
    """One feature's configuration in one guild; the schedule is rebuilt from this row."""

    guild_id: int
    feature: str
    enabled: bool
    channel_id: int | None
    weekday: int | None
    hour: int | None
    every_weeks: int
    options: dict[str, Any] = field(default_factory=dict)
    anchor: datetime | None = None
    last_run_at: datetime | None = None
    last_error: str | None = None

    @property
    def scheduled(self) -> bool:
        """Tell whether this feature runs on a weekly schedule."""
        return self.enabled and self.weekday is not None and self.hour is not None


async def ensure_guild(db: Database, guild_id: int) -> GuildSettings:
    """Create the guild's row if missing; return its settings.

    A removal mark stays: only the bot being (back) in the guild clears it (`mark_guild_present`), so
    an event that arrives late (a member leaving) cannot cancel the purge of a guild that removed it.
    """
    await db.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, to_db_time(utcnow())),
    )
    settings = await get_guild(db, guild_id)
    assert settings is not None
    return settings


async def mark_guild_present(db: Database, guild_id: int) -> bool:
    """Record that the bot is in a guild (clearing a removal mark); return True if it had been marked."""
    row = await db.fetchone("SELECT removed_at FROM guilds WHERE guild_id = ?", (guild_id,))
    await db.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET removed_at = NULL",
        (guild_id, to_db_time(utcnow())),
    )
    return row is not None and row["removed_at"] is not None


async def present_guild_ids(db: Database) -> list[int]:
    """Return the guilds the store believes the bot is in (not marked removed)."""
    rows = await db.fetchall("SELECT guild_id FROM guilds WHERE removed_at IS NULL ORDER BY guild_id")
    return [r["guild_id"] for r in rows]


async def removed_guild_ids(db: Database) -> list[int]:
    """Return the guilds marked removed, awaiting their purge."""
    rows = await db.fetchall("SELECT guild_id FROM guilds WHERE removed_at IS NOT NULL ORDER BY guild_id")
    return [r["guild_id"] for r in rows]


async def get_guild(db: Database, guild_id: int) -> GuildSettings | None:
    """Return a guild's settings, or None if it was never seen."""
    row = await db.fetchone(
        "SELECT guild_id, language, timezone, welcomed FROM guilds WHERE guild_id = ?", (guild_id,)
    )
    if row is None:
        return None
    return GuildSettings(row["guild_id"], row["language"], row["timezone"], bool(row["welcomed"]))


async def set_guild_language(db: Database, guild_id: int, language: str) -> None:
    """Set the guild's default language."""
    await ensure_guild(db, guild_id)
    await db.execute("UPDATE guilds SET language = ? WHERE guild_id = ?", (language, guild_id))


async def set_guild_timezone(db: Database, guild_id: int, timezone: str) -> None:
    """Set the guild's time zone, used by every schedule."""
    await ensure_guild(db, guild_id)
    await db.execute("UPDATE guilds SET timezone = ? WHERE guild_id = ?", (timezone, guild_id))


async def set_welcomed(db: Database, guild_id: int, welcomed: bool) -> None:
    """Remember whether the welcome message was posted."""
    await db.execute("UPDATE guilds SET welcomed = ? WHERE guild_id = ?", (int(welcomed), guild_id))


async def mark_guild_removed(db: Database, guild_id: int, when: datetime) -> None:
    """Record that the bot was removed from a guild (its data is purged later); an earlier mark stays."""
    await db.execute(
        "UPDATE guilds SET removed_at = ? WHERE guild_id = ? AND removed_at IS NULL",
        (to_db_time(when), guild_id),
    )


def _feature(row: Any) -> FeatureConfig:
    return FeatureConfig(
        guild_id=row["guild_id"],
        feature=row["feature"],
        enabled=bool(row["enabled"]),
        channel_id=row["channel_id"],
        weekday=row["weekday"],
        hour=row["hour"],
        every_weeks=row["every_weeks"],
        options=json.loads(row["options"]),
        anchor=from_db_time(row["anchor"]),
        last_run_at=from_db_time(row["last_run_at"]),
        last_error=row["last_error"],
    )


_FEATURE_COLUMNS = (
    "guild_id, feature, enabled, channel_id, weekday, hour, every_weeks, "
    "options, anchor, last_run_at, last_error"
)


async def get_feature(db: Database, guild_id: int, feature: str) -> FeatureConfig | None:
    """Return one feature's configuration in a guild."""
    row = await db.fetchone(
        f"SELECT {_FEATURE_COLUMNS} FROM guild_features WHERE guild_id = ? AND feature = ?",
        (guild_id, feature),
    )
    return _feature(row) if row else None


async def enabled_feature(
    db: Database, guild_id: int, feature: str, *, channel: bool = False
) -> FeatureConfig | None:
    """Return a feature's configuration if an admin set it up and it is on (and has a channel, if asked)."""
    config = await get_feature(db, guild_id, feature)
    if config is None or not config.enabled or (channel and config.channel_id is None):
        return None
    return config


async def list_features(db: Database, guild_id: int | None = None) -> list[FeatureConfig]:
    """Return every feature row, of one guild or of all guilds the bot is still in."""
    if guild_id is None:
        rows = await db.fetchall(
            f"SELECT {_FEATURE_COLUMNS} FROM guild_features "
            "WHERE guild_id IN (SELECT guild_id FROM guilds WHERE removed_at IS NULL) ORDER BY guild_id, feature"
        )
    else:
        rows = await db.fetchall(
            f"SELECT {_FEATURE_COLUMNS} FROM guild_features WHERE guild_id = ? ORDER BY feature",
            (guild_id,),
        )
    return [_feature(r) for r in rows]


async def configure_feature(
    db: Database,
    guild_id: int,
    feature: str,
    *,
    channel_id: int | None,
    weekday: int | None = None,
    hour: int | None = None,
    every_weeks: int = 1,
    options: dict[str, Any] | None = None,
    anchor: datetime | None = None,
) -> FeatureConfig:
    """Enable a feature with this configuration (replacing the previous one, keeping its history).

    The new anchor starts the schedule afresh, so a changed schedule never looks overdue.
    """
    await ensure_guild(db, guild_id)
    await db.execute(
        "INSERT INTO guild_features (guild_id, feature, enabled, channel_id, weekday, hour, every_weeks,"
        " options, anchor, updated_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (guild_id, feature) DO UPDATE SET enabled = 1, channel_id = excluded.channel_id,"
        " weekday = excluded.weekday, hour = excluded.hour, every_weeks = excluded.every_weeks,"
        " options = excluded.options, anchor = excluded.anchor, last_error = NULL, last_run_at = NULL,"
        " updated_at = excluded.updated_at",
        (
            guild_id,
            feature,
            channel_id,
            weekday,
            hour,
            every_weeks,
            json.dumps(options or {}, sort_keys=True),
            to_db_time(anchor),
            to_db_time(utcnow()),
        ),
    )
    config = await get_feature(db, guild_id, feature)
    assert config is not None
    return config


async def set_feature_enabled(db: Database, guild_id: int, feature: str, enabled: bool) -> bool:
    """Turn a feature on or off (data kept); return False if it was never configured."""
    async with db.conn.execute(
        "UPDATE guild_features SET enabled = ?, updated_at = ? WHERE guild_id = ? AND feature = ?",
        (int(enabled), to_db_time(utcnow()), guild_id, feature),
    ) as cur:
        return cur.rowcount > 0


async def record_feature_run(
    db: Database, guild_id: int, feature: str, when: datetime, error: str | None = None
) -> None:
    """Record that a scheduled occurrence ran (and the error, if it failed after all its retries)."""
    await db.execute(
        "UPDATE guild_features SET last_run_at = ?, last_error = ? WHERE guild_id = ? AND feature = ?",
        (to_db_time(when), error, guild_id, feature),
    )


async def record_feature_error(db: Database, guild_id: int, feature: str, error: str) -> None:
    """Record why a scheduled run failed, leaving its last successful run as it was."""
    await db.execute(
        "UPDATE guild_features SET last_error = ? WHERE guild_id = ? AND feature = ?",
        (error, guild_id, feature),
    )


async def set_member_language(db: Database, guild_id: int, user_id: int, language: str | None) -> None:
    """Set (or clear) a member's own language."""
    await ensure_guild(db, guild_id)
    await db.execute(
        "INSERT INTO members (guild_id, user_id, language) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, user_id) DO UPDATE SET language = excluded.language",
        (guild_id, user_id, language),
    )


async def member_language(db: Database, guild_id: int | None, user_id: int) -> str | None:
    """Return the language a member chose in this guild (or any guild, in DMs)."""
    if guild_id is None:
        row = await db.fetchone(
            "SELECT language FROM members WHERE user_id = ? AND language IS NOT NULL LIMIT 1", (user_id,)
        )
    else:
        row = await db.fetchone(
            "SELECT language FROM members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
    return row["language"] if row else None


async def set_member_addressing(db: Database, guild_id: int, user_id: int, addressing: str) -> None:
    """Set how Arabic messages address a member (masculine, feminine or neutral)."""
    await ensure_guild(db, guild_id)
    await db.execute(
        "INSERT INTO members (guild_id, user_id, addressing) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, user_id) DO UPDATE SET addressing = excluded.addressing",
        (guild_id, user_id, addressing),
    )


async def member_addressing(db: Database, guild_id: int | None, user_id: int) -> str | None:
    """Return how a member asked to be addressed in this guild (or any guild, in DMs)."""
    if guild_id is None:
        row = await db.fetchone(
            "SELECT addressing FROM members WHERE user_id = ? AND addressing IS NOT NULL LIMIT 1", (user_id,)
        )
    else:
        row = await db.fetchone(
            "SELECT addressing FROM members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
    return row["addressing"] if row else None


async def mark_member_left(db: Database, guild_id: int, user_id: int, when: datetime) -> None:
    """Record that a member left the guild; they drop out of rounds, history stays."""
    await ensure_guild(db, guild_id)
    await db.execute(
        "INSERT INTO members (guild_id, user_id, left_at) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, user_id) DO UPDATE SET left_at = excluded.left_at",
        (guild_id, user_id, to_db_time(when)),
    )


async def mark_member_present(db: Database, guild_id: int, user_id: int) -> None:
    """Record that a member is (back) in the guild."""
    await ensure_guild(db, guild_id)
    await db.execute(
        "INSERT INTO members (guild_id, user_id) VALUES (?, ?) "
        "ON CONFLICT (guild_id, user_id) DO UPDATE SET left_at = NULL",
        (guild_id, user_id),
    )


async def departed_members(db: Database, guild_id: int) -> set[int]:
    """Return the ids of members who left the guild."""
    rows = await db.fetchall(
        "SELECT user_id FROM members WHERE guild_id = ? AND left_at IS NOT NULL", (guild_id,)
    )
    return {r["user_id"] for r in rows}
