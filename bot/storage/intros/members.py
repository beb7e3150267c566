"""Intro members and their preferences: join, leave, pause, avoid, again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.intros import IntroMember
from bot.storage import Database, from_db_time, to_db_time

# --- members and their preferences -----------------------------------------------------------


def _member(row: Any) -> IntroMember:
    return IntroMember(
        user_id=row["user_id"],
        opted_in=bool(row["opted_in"]),
        paused_until=from_db_time(row["paused_until"]),
        priority=bool(row["priority"]),
    )


async def join(db: Database, guild_id: int, user_id: int, now: datetime) -> bool:
    """Opt a member in; return False when they already were."""
    before = await get_member(db, guild_id, user_id)
    await db.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, to_db_time(now)),
    )
    await db.execute(
        "INSERT INTO intro_members (guild_id, user_id, opted_in, joined_at) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (guild_id, user_id) DO UPDATE SET opted_in = 1",
        (guild_id, user_id, to_db_time(now)),
    )
    return before is None or not before.opted_in


async def leave(db: Database, guild_id: int, user_id: int) -> bool:
    """Opt a member out (history kept); return False when they were not in."""
    async with db.conn.execute(
        "UPDATE intro_members SET opted_in = 0, paused_until = NULL WHERE guild_id = ? AND user_id = ? "
        "AND opted_in = 1",
        (guild_id, user_id),
    ) as cur:
        return cur.rowcount > 0


async def set_pause(db: Database, guild_id: int, user_id: int, until: datetime | None) -> bool:
    """Pause an opted-in member until a time (None resumes); return False when they are not in."""
    async with db.conn.execute(
        "UPDATE intro_members SET paused_until = ? WHERE guild_id = ? AND user_id = ? AND opted_in = 1",
        (to_db_time(until), guild_id, user_id),
    ) as cur:
        return cur.rowcount > 0


async def get_member(db: Database, guild_id: int, user_id: int) -> IntroMember | None:
    """Return a member's intros settings, or None if they never joined."""
    row = await db.fetchone(
        "SELECT user_id, opted_in, paused_until, priority FROM intro_members WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return _member(row) if row else None


async def list_members(db: Database, guild_id: int) -> list[IntroMember]:
    """Return every opted-in member of a guild."""
    rows = await db.fetchall(
        "SELECT user_id, opted_in, paused_until, priority FROM intro_members WHERE guild_id = ? AND opted_in = 1 "
        "ORDER BY user_id",
        (guild_id,),
    )
    return [_member(r) for r in rows]


async def add_avoid(db: Database, guild_id: int, user_id: int, avoided_user_id: int, now: datetime) -> None:
    """Record "never pair me with" (private; the other member is never told)."""
    await db.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, to_db_time(now)),
    )
    await db.execute(
        "INSERT INTO intro_avoids (guild_id, user_id, avoided_user_id, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (guild_id, user_id, avoided_user_id, to_db_time(now)),
    )


async def remove_avoid(db: Database, guild_id: int, user_id: int, avoided_user_id: int) -> bool:
    """Withdraw an avoid request; return False when there was none."""
    async with db.conn.execute(
        "DELETE FROM intro_avoids WHERE guild_id = ? AND user_id = ? AND avoided_user_id = ?",
        (guild_id, user_id, avoided_user_id),
    ) as cur:
        return cur.rowcount > 0


async def avoid_requests(db: Database, guild_id: int) -> list[tuple[int, int]]:
    """Return every (member, avoided member) of a guild."""
    rows = await db.fetchall(
        "SELECT user_id, avoided_user_id FROM intro_avoids WHERE guild_id = ?", (guild_id,)
    )
    return [(r["user_id"], r["avoided_user_id"]) for r in rows]


async def add_again(db: Database, guild_id: int, user_id: int, again_user_id: int, now: datetime) -> bool:
    """Record "I'd like to meet them again"; return True when the other member asked too."""
    await db.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, to_db_time(now)),
    )
    await db.execute(
        "INSERT INTO intro_again (guild_id, user_id, again_user_id, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (guild_id, user_id, again_user_id, to_db_time(now)),
    )
    row = await db.fetchone(
        "SELECT 1 FROM intro_again WHERE guild_id = ? AND user_id = ? AND again_user_id = ?",
        (guild_id, again_user_id, user_id),
    )
    return row is not None


async def again_requests(db: Database, guild_id: int) -> list[tuple[int, int]]:
    """Return every (member, member they want to meet again) of a guild."""
    rows = await db.fetchall("SELECT user_id, again_user_id FROM intro_again WHERE guild_id = ?", (guild_id,))
    return [(r["user_id"], r["again_user_id"]) for r in rows]
