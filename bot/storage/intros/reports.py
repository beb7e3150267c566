"""What members and admins see of the intros: current group, peers met, delivery counts, stats."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.intros import RoundSummary
from bot.storage import Database, from_db_time, to_db_time
from bot.storage.intros.rounds import get_round

# --- what members and admins see --------------------------------------------------------------


@dataclass(frozen=True)
class MemberGroup:
    """A member's latest group, for `/intros status`."""

    group_id: int
    round_id: int
    delivery: str
    state: str
    thread_id: int | None
    members: tuple[int, ...]


async def current_group(db: Database, guild_id: int, user_id: int) -> MemberGroup | None:
    """Return the member's group in their latest round."""
    row = await db.fetchone(
        "SELECT g.group_id, g.round_id, r.delivery, g.state, g.thread_id FROM intro_group_members gm"
        " JOIN intro_groups g ON g.group_id = gm.group_id JOIN intro_rounds r ON r.round_id = g.round_id"
        " WHERE gm.guild_id = ? AND gm.user_id = ? ORDER BY gm.group_id DESC LIMIT 1",
        (guild_id, user_id),
    )
    if row is None:
        return None
    members = await db.fetchall(
        "SELECT user_id FROM intro_group_members WHERE group_id = ? ORDER BY user_id", (row["group_id"],)
    )
    return MemberGroup(
        row["group_id"],
        row["round_id"],
        row["delivery"],
        row["state"],
        row["thread_id"],
        tuple(m["user_id"] for m in members),
    )


async def peers_met(db: Database, guild_id: int, user_id: int) -> int:
    """Count the distinct peers a member met (either side answered "met")."""
    row = await db.fetchone(
        "SELECT COUNT(DISTINCT other.user_id) AS n FROM intro_group_members me"
        " JOIN intro_group_members other ON other.group_id = me.group_id AND other.user_id != me.user_id"
        " WHERE me.guild_id = ? AND me.user_id = ? AND (me.answer = 'met' OR other.answer = 'met')",
        (guild_id, user_id),
    )
    return int(row["n"]) if row else 0


async def peers_introduced(db: Database, guild_id: int, user_id: int) -> int:
    """Count the distinct peers a member was introduced to."""
    row = await db.fetchone(
        "SELECT COUNT(DISTINCT other.user_id) AS n FROM intro_group_members me"
        " JOIN intro_group_members other ON other.group_id = me.group_id AND other.user_id != me.user_id"
        " JOIN intro_groups g ON g.group_id = me.group_id"
        " WHERE me.guild_id = ? AND me.user_id = ? AND g.state = 'posted'",
        (guild_id, user_id),
    )
    return int(row["n"]) if row else 0


async def last_unmatched_reason(db: Database, guild_id: int, user_id: int, round_id: int) -> str | None:
    """Return why the member was left out of a round, if they were."""
    row = await db.fetchone(
        "SELECT reason FROM intro_unmatched WHERE guild_id = ? AND user_id = ? AND round_id = ?",
        (guild_id, user_id, round_id),
    )
    return row["reason"] if row else None


@dataclass(frozen=True)
class DeliveryCounts:
    """A round's delivery at a glance, for `/majlis status`."""

    round_id: int
    scheduled_for: datetime
    groups: int
    posted: int
    failed: int
    pending: int
    closed_dms: int
    unmatched: int


async def delivery_counts(db: Database, round_id: int) -> DeliveryCounts | None:
    """Count a round's groups by delivery state, and members whose DMs were closed."""
    stored = await get_round(db, round_id)
    if stored is None:
        return None
    rows = await db.fetchall(
        "SELECT state, COUNT(*) AS n FROM intro_groups WHERE round_id = ? GROUP BY state", (round_id,)
    )
    states = {r["state"]: r["n"] for r in rows}
    closed = await db.fetchone(
        "SELECT COUNT(*) AS n FROM intro_group_members gm JOIN intro_groups g USING (group_id)"
        " WHERE g.round_id = ? AND gm.dm_state = 'closed'",
        (round_id,),
    )
    unmatched = await db.fetchone("SELECT COUNT(*) AS n FROM intro_unmatched WHERE round_id = ?", (round_id,))
    total = sum(states.values())
    return DeliveryCounts(
        round_id=round_id,
        scheduled_for=stored.scheduled_for,
        groups=total,
        posted=states.get("posted", 0),
        failed=states.get("failed", 0),
        pending=total - states.get("posted", 0) - states.get("failed", 0),
        closed_dms=int(closed["n"]) if closed else 0,
        unmatched=int(unmatched["n"]) if unmatched else 0,
    )


async def round_summaries(db: Database, guild_id: int, since: datetime) -> list[RoundSummary]:
    """Return each round since a time with its groups, answers and repeats."""
    rows = await db.fetchall(
        "SELECT r.round_id, r.scheduled_for,"
        " COUNT(g.group_id) AS groups,"
        " SUM(CASE WHEN g.is_repeat = 1 THEN 1 ELSE 0 END) AS repeats,"
        " SUM(CASE WHEN EXISTS (SELECT 1 FROM intro_group_members m WHERE m.group_id = g.group_id"
        "   AND m.answer = 'met') THEN 1 ELSE 0 END) AS met,"
        " SUM(CASE WHEN EXISTS (SELECT 1 FROM intro_group_members m WHERE m.group_id = g.group_id"
        "   AND m.answer IS NOT NULL) THEN 1 ELSE 0 END) AS answered,"
        " (SELECT COUNT(*) FROM intro_group_members m JOIN intro_groups g2 USING (group_id)"
        "   WHERE g2.round_id = r.round_id AND g2.state = 'posted') AS members"
        " FROM intro_rounds r LEFT JOIN intro_groups g ON g.round_id = r.round_id AND g.state = 'posted'"
        " WHERE r.guild_id = ? AND r.scheduled_for >= ? GROUP BY r.round_id ORDER BY r.scheduled_for",
        (guild_id, to_db_time(since)),
    )
    return [
        RoundSummary(
            round_id=r["round_id"],
            scheduled_for=from_db_time(r["scheduled_for"]),  # type: ignore[arg-type]
            groups=r["groups"] or 0,
            met_groups=r["met"] or 0,
            answered_groups=r["answered"] or 0,
            repeat_groups=r["repeats"] or 0,
            members=r["members"] or 0,
        )
        for r in rows
    ]


async def never_matched(db: Database, guild_id: int, exclude: Iterable[int] = ()) -> int:
    """Count opted-in members who were never placed in a delivered group."""
    skip = set(exclude)
    rows = await db.fetchall(
        "SELECT im.user_id FROM intro_members im WHERE im.guild_id = ? AND im.opted_in = 1 AND NOT EXISTS"
        " (SELECT 1 FROM intro_group_members gm JOIN intro_groups g USING (group_id)"
        "  WHERE gm.guild_id = im.guild_id AND gm.user_id = im.user_id AND g.state = 'posted')",
        (guild_id,),
    )
    return sum(1 for r in rows if r["user_id"] not in skip)
