"""Intros storage: members' settings, private preferences, rounds and their delivery state machine."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.intros import IntroMember, RoundSummary
from bot.matching import Reason
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


# --- rounds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedGroup:
    """A group to store with its round."""

    members: tuple[int, ...]
    reasons: tuple[Reason, ...]
    weight: float
    repeat: bool
    icebreaker_id: str | None


@dataclass(frozen=True)
class RoundPlan:
    """Everything a new round stores, in one transaction."""

    guild_id: int
    scheduled_for: datetime
    created_at: datetime
    seed: int
    group_size: int
    match_mode: str
    delivery: str
    channel_id: int | None
    language: str
    checkin_at: datetime
    groups: tuple[PlannedGroup, ...]
    unmatched: dict[int, str]  # user id -> reason
    priority: frozenset[int] = frozenset()  # members who go first next round (besides the unmatched)
    again_fulfilled: frozenset[frozenset[int]] = frozenset()


@dataclass(frozen=True)
class IntroRound:
    """A stored round."""

    round_id: int
    guild_id: int
    scheduled_for: datetime
    seed: int
    delivery: str
    channel_id: int | None
    language: str
    checkin_at: datetime
    checkin_done: bool
    delivered_at: datetime | None


@dataclass(frozen=True)
class IntroGroup:
    """A stored group and where its delivery stands."""

    group_id: int
    round_id: int
    guild_id: int
    position: int
    members: tuple[int, ...]
    reasons: tuple[Reason, ...]
    is_repeat: bool
    icebreaker_id: str | None
    state: str
    thread_id: int | None
    message_id: int | None
    error: str | None
    attempts: int
    checkin_state: str
    dm_states: dict[int, str] = field(default_factory=dict)
    checkin_dm_states: dict[int, str] = field(default_factory=dict)
    answers: dict[int, str | None] = field(default_factory=dict)


_ROUND_COLUMNS = (
    "round_id, guild_id, scheduled_for, seed, delivery, channel_id, language, checkin_at, "
    "checkin_done, delivered_at"
)


def _round(row: Any) -> IntroRound:
    return IntroRound(
        round_id=row["round_id"],
        guild_id=row["guild_id"],
        scheduled_for=from_db_time(row["scheduled_for"]),  # type: ignore[arg-type]
        seed=row["seed"],
        delivery=row["delivery"],
        channel_id=row["channel_id"],
        language=row["language"],
        checkin_at=from_db_time(row["checkin_at"]),  # type: ignore[arg-type]
        checkin_done=bool(row["checkin_done"]),
        delivered_at=from_db_time(row["delivered_at"]),
    )


def _reasons_json(reasons: Sequence[Reason]) -> str:
    return json.dumps([[r.kind, list(r.detail)] for r in reasons], ensure_ascii=False)


def _reasons(text: str) -> tuple[Reason, ...]:
    return tuple(Reason(kind, tuple(detail)) for kind, detail in json.loads(text))


async def create_round(db: Database, plan: RoundPlan) -> int:
    """Store a round, its groups, members and who was left out, in one transaction; return its id.

    Raises sqlite3.IntegrityError when this occurrence already has a round (UNIQUE guild + time).
    """
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
            (plan.guild_id, to_db_time(plan.created_at)),
        )
        cur = await conn.execute(
            "INSERT INTO intro_rounds (guild_id, scheduled_for, created_at, seed, group_size, match_mode, delivery,"
            " channel_id, language, checkin_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                plan.guild_id,
                to_db_time(plan.scheduled_for),
                to_db_time(plan.created_at),
                plan.seed,
                plan.group_size,
                plan.match_mode,
                plan.delivery,
                plan.channel_id,
                plan.language,
                to_db_time(plan.checkin_at),
            ),
        )
        round_id = cur.lastrowid
        assert round_id is not None
        for position, group in enumerate(plan.groups):
            cur = await conn.execute(
                "INSERT INTO intro_groups (round_id, guild_id, position, reasons, weight, is_repeat, icebreaker_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    round_id,
                    plan.guild_id,
                    position,
                    _reasons_json(group.reasons),
                    group.weight,
                    int(group.repeat),
                    group.icebreaker_id,
                ),
            )
            group_id = cur.lastrowid
            await conn.executemany(
                "INSERT INTO intro_group_members (group_id, guild_id, user_id) VALUES (?, ?, ?)",
                [(group_id, plan.guild_id, uid) for uid in group.members],
            )
        await conn.executemany(
            "INSERT INTO intro_unmatched (round_id, guild_id, user_id, reason) VALUES (?, ?, ?, ?)",
            [(round_id, plan.guild_id, uid, reason) for uid, reason in plan.unmatched.items()],
        )
        # Whoever was grouped has had their turn; the left out and stood up go first next time.
        grouped = [(plan.guild_id, uid) for g in plan.groups for uid in g.members]
        await conn.executemany(
            "UPDATE intro_members SET priority = 0 WHERE guild_id = ? AND user_id = ?", grouped
        )
        first_next = set(plan.unmatched) | set(plan.priority)
        await conn.executemany(
            "UPDATE intro_members SET priority = 1 WHERE guild_id = ? AND user_id = ?",
            [(plan.guild_id, uid) for uid in sorted(first_next)],
        )
        for pair in plan.again_fulfilled:
            a, b = sorted(pair)
            await conn.execute(
                "DELETE FROM intro_again WHERE guild_id = ? AND ((user_id = ? AND again_user_id = ?)"
                " OR (user_id = ? AND again_user_id = ?))",
                (plan.guild_id, a, b, b, a),
            )
    return round_id


async def get_round(db: Database, round_id: int) -> IntroRound | None:
    """Return a round by id."""
    row = await db.fetchone(f"SELECT {_ROUND_COLUMNS} FROM intro_rounds WHERE round_id = ?", (round_id,))
    return _round(row) if row else None


async def round_for(db: Database, guild_id: int, scheduled_for: datetime) -> IntroRound | None:
    """Return the round already created for this occurrence, if any."""
    row = await db.fetchone(
        f"SELECT {_ROUND_COLUMNS} FROM intro_rounds WHERE guild_id = ? AND scheduled_for = ?",
        (guild_id, to_db_time(scheduled_for)),
    )
    return _round(row) if row else None


async def latest_round(db: Database, guild_id: int) -> IntroRound | None:
    """Return the guild's most recent round."""
    row = await db.fetchone(
        f"SELECT {_ROUND_COLUMNS} FROM intro_rounds WHERE guild_id = ? ORDER BY round_id DESC LIMIT 1",
        (guild_id,),
    )
    return _round(row) if row else None


async def undelivered_rounds(db: Database) -> list[IntroRound]:
    """Return rounds whose delivery has not finished (to resume after a restart)."""
    rows = await db.fetchall(
        f"SELECT {_ROUND_COLUMNS} FROM intro_rounds WHERE delivered_at IS NULL ORDER BY round_id"
    )
    return [_round(r) for r in rows]


async def pending_checkins(db: Database) -> list[IntroRound]:
    """Return rounds whose check-in has not been posted yet (to rebuild their jobs)."""
    rows = await db.fetchall(
        f"SELECT {_ROUND_COLUMNS} FROM intro_rounds WHERE checkin_done = 0 ORDER BY round_id"
    )
    return [_round(r) for r in rows]


async def mark_round_delivered(db: Database, round_id: int, when: datetime) -> None:
    """Record that every group of a round reached a final state."""
    await db.execute(
        "UPDATE intro_rounds SET delivered_at = ? WHERE round_id = ?", (to_db_time(when), round_id)
    )


async def mark_checkin_done(db: Database, round_id: int) -> None:
    """Record that a round's check-in was posted."""
    await db.execute("UPDATE intro_rounds SET checkin_done = 1 WHERE round_id = ?", (round_id,))


_GROUP_COLUMNS = (
    "group_id, round_id, guild_id, position, reasons, is_repeat, icebreaker_id, state, thread_id,"
    " message_id, error, attempts, checkin_state"
)


async def _groups(db: Database, where: str, params: tuple[Any, ...]) -> list[IntroGroup]:
    rows = await db.fetchall(
        f"SELECT {_GROUP_COLUMNS} FROM intro_groups WHERE {where} ORDER BY group_id",
        params,
    )
    if not rows:
        return []
    ids = [r["group_id"] for r in rows]
    members: dict[int, list[Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for m in await db.fetchall(
            f"SELECT group_id, user_id, answer, dm_state, checkin_dm_state FROM intro_group_members "
            f"WHERE group_id IN ({marks}) ORDER BY group_id, user_id",
            tuple(chunk),
        ):
            members.setdefault(m["group_id"], []).append(m)
    return [
        IntroGroup(
            group_id=r["group_id"],
            round_id=r["round_id"],
            guild_id=r["guild_id"],
            position=r["position"],
            members=tuple(m["user_id"] for m in members.get(r["group_id"], [])),
            reasons=_reasons(r["reasons"]),
            is_repeat=bool(r["is_repeat"]),
            icebreaker_id=r["icebreaker_id"],
            state=r["state"],
            thread_id=r["thread_id"],
            message_id=r["message_id"],
            error=r["error"],
            attempts=r["attempts"],
            checkin_state=r["checkin_state"],
            dm_states={m["user_id"]: m["dm_state"] for m in members.get(r["group_id"], [])},
            checkin_dm_states={m["user_id"]: m["checkin_dm_state"] for m in members.get(r["group_id"], [])},
            answers={m["user_id"]: m["answer"] for m in members.get(r["group_id"], [])},
        )
        for r in rows
    ]


async def round_groups(db: Database, round_id: int) -> list[IntroGroup]:
    """Return a round's groups with their members, answers and delivery state."""
    return await _groups(db, "round_id = ?", (round_id,))


async def get_group(db: Database, group_id: int) -> IntroGroup | None:
    """Return one group."""
    found = await _groups(db, "group_id = ?", (group_id,))
    return found[0] if found else None


async def set_group_state(
    db: Database,
    group_id: int,
    state: str,
    *,
    thread_id: int | None = None,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    """Move a group's delivery on one step (ids and errors are kept once set)."""
    await db.execute(
        "UPDATE intro_groups SET state = ?, thread_id = COALESCE(?, thread_id), message_id = COALESCE(?, message_id),"
        " error = COALESCE(?, error) WHERE group_id = ?",
        (state, thread_id, message_id, error, group_id),
    )


async def count_attempt(db: Database, group_id: int, error: str) -> int:
    """Record a transient failure of a group's delivery; return the attempts so far."""
    await db.execute(
        "UPDATE intro_groups SET attempts = attempts + 1, error = ? WHERE group_id = ?",
        (error[:300], group_id),
    )
    row = await db.fetchone("SELECT attempts FROM intro_groups WHERE group_id = ?", (group_id,))
    return int(row["attempts"]) if row else 0


async def set_dm_state(
    db: Database, group_id: int, user_id: int, state: str, message_id: int | None = None
) -> None:
    """Move one member's direct-message delivery on one step."""
    await db.execute(
        "UPDATE intro_group_members SET dm_state = ?, dm_message_id = COALESCE(?, dm_message_id)"
        " WHERE group_id = ? AND user_id = ?",
        (state, message_id, group_id, user_id),
    )


async def set_checkin_dm_state(
    db: Database, group_id: int, user_id: int, state: str, message_id: int | None = None
) -> None:
    """Move one member's direct-message check-in on one step."""
    await db.execute(
        "UPDATE intro_group_members SET checkin_dm_state = ?,"
        " checkin_dm_message_id = COALESCE(?, checkin_dm_message_id) WHERE group_id = ? AND user_id = ?",
        (state, message_id, group_id, user_id),
    )


async def set_checkin_state(db: Database, group_id: int, state: str, message_id: int | None = None) -> None:
    """Record where a group's check-in stands."""
    await db.execute(
        "UPDATE intro_groups SET checkin_state = ?, checkin_message_id = COALESCE(?, checkin_message_id)"
        " WHERE group_id = ?",
        (state, message_id, group_id),
    )


async def record_answer(db: Database, group_id: int, user_id: int, answer: str, when: datetime) -> bool:
    """Store (or change) a member's check-in answer; return False when they are not in the group."""
    async with db.conn.execute(
        "UPDATE intro_group_members SET answer = ?, answered_at = ? WHERE group_id = ? AND user_id = ?",
        (answer, to_db_time(when), group_id, user_id),
    ) as cur:
        return cur.rowcount > 0


async def unmatched_of(db: Database, round_id: int) -> dict[int, str]:
    """Return who a round left out, with the reason, still to be told."""
    rows = await db.fetchall(
        "SELECT user_id, reason FROM intro_unmatched WHERE round_id = ? AND notified = 'pending'", (round_id,)
    )
    return {r["user_id"]: r["reason"] for r in rows}


async def set_unmatched_notified(db: Database, round_id: int, user_id: int, state: str) -> None:
    """Record that a left-out member was told (or that their DMs are closed)."""
    await db.execute(
        "UPDATE intro_unmatched SET notified = ? WHERE round_id = ? AND user_id = ?",
        (state, round_id, user_id),
    )


# --- what the next round needs from past ones ---------------------------------------------


async def recent_round_groups(db: Database, guild_id: int, rounds: int) -> list[list[tuple[int, ...]]]:
    """Return the member tuples of each of the last `rounds` rounds, newest first."""
    round_rows = await db.fetchall(
        "SELECT round_id FROM intro_rounds WHERE guild_id = ? ORDER BY round_id DESC LIMIT ?",
        (guild_id, rounds),
    )
    out = []
    for r in round_rows:
        rows = await db.fetchall(
            "SELECT gm.group_id, gm.user_id FROM intro_group_members gm JOIN intro_groups g USING (group_id)"
            " WHERE g.round_id = ? AND g.state != 'failed' ORDER BY gm.group_id",
            (r["round_id"],),
        )
        groups: dict[int, list[int]] = {}
        for row in rows:
            groups.setdefault(row["group_id"], []).append(row["user_id"])
        out.append([tuple(m) for m in groups.values()])
    return out


async def last_round_answers(db: Database, guild_id: int) -> list[dict[int, str | None]]:
    """Return each delivered group's answers in the guild's latest round."""
    latest = await latest_round(db, guild_id)
    if latest is None:
        return []
    return [g.answers for g in await round_groups(db, latest.round_id) if g.state == "posted"]


async def recent_icebreakers(db: Database, guild_id: int, limit: int) -> list[str]:
    """Return the icebreakers given to the guild's latest groups, oldest first."""
    rows = await db.fetchall(
        "SELECT icebreaker_id FROM intro_groups WHERE guild_id = ? AND icebreaker_id IS NOT NULL"
        " ORDER BY group_id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [r["icebreaker_id"] for r in reversed(rows)]


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
