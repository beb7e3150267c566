"""Intro rounds and their groups: planned, delivered step by step, checked in; what the next round reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.matching import Reason
from bot.storage import Database, from_db_time, to_db_time

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
