"""Swap proposals: what matching reads, proposals and their answers, completion and reputation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

from bot.storage import Database, to_db_time
from bot.storage.swaps.requests import (
    _REQUEST_COLUMNS,
    THANKS_MAX,
    MatchMember,
    SwapMatch,
    SwapRefused,
    SwapRequest,
    _cancel_pending,
    _fetchall,
    _fetchone,
    _request,
)

# --- matching ---------------------------------------------------------------------------------


async def requests_for_matching(db: Database, guild_id: int) -> list[SwapRequest]:
    """Return a guild's open requests whose owners are still in the guild, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_REQUEST_COLUMNS} FROM swap_requests WHERE guild_id = ? AND status = 'open' "
        "AND NOT EXISTS (SELECT 1 FROM members m WHERE m.guild_id = swap_requests.guild_id"
        " AND m.user_id = swap_requests.user_id"
        " AND m.left_at IS NOT NULL) ORDER BY created_at, id",
        (guild_id,),
    )
    return [_request(r) for r in rows]


async def proposed_request_sets(db: Database, guild_id: int) -> frozenset[frozenset[int]]:
    """Return every set of requests ever proposed together in a guild (never proposed again)."""
    rows = await db.fetchall("SELECT request_set FROM swap_matches WHERE guild_id = ?", (guild_id,))
    return frozenset(frozenset(int(i) for i in r["request_set"].split(",")) for r in rows)


async def pending_request_ids(db: Database, guild_id: int) -> frozenset[int]:
    """Return requests already in a proposal that awaits answers."""
    rows = await db.fetchall(
        "SELECT mm.request_id FROM swap_match_members mm JOIN swap_matches m ON m.id = mm.match_id "
        "WHERE m.guild_id = ? AND m.status = 'proposed'",
        (guild_id,),
    )
    return frozenset(r["request_id"] for r in rows)


async def reputations(db: Database, guild_id: int, user_ids: Iterable[int]) -> dict[int, int]:
    """Return each member's reputation: how many thanks they received for swaps."""
    ids = list(dict.fromkeys(user_ids))
    found: dict[int, int] = dict.fromkeys(ids, 0)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT to_user_id, COUNT(*) AS n FROM swap_thanks WHERE guild_id = ? "
            f"AND to_user_id IN ({marks}) GROUP BY to_user_id",
            (guild_id, *chunk),
        )
        for r in rows:
            found[r["to_user_id"]] = r["n"]
    return found


async def avoid_pairs(db: Database, guild_id: int) -> frozenset[frozenset[int]]:
    """Return the intros "never pair me with" pairs (both ways)."""
    rows = await db.fetchall(
        "SELECT user_id, avoided_user_id FROM intro_avoids WHERE guild_id = ?", (guild_id,)
    )
    return frozenset(
        frozenset((r["user_id"], r["avoided_user_id"])) for r in rows if r["user_id"] != r["avoided_user_id"]
    )


async def avoids_either(db: Database, guild_id: int, user_id: int, other_user_id: int) -> bool:
    """Tell whether either member has the other on their intros "never pair me with" list."""
    row = await db.fetchone(
        "SELECT 1 FROM intro_avoids WHERE guild_id = ? AND ((user_id = ? AND avoided_user_id = ?) "
        "OR (user_id = ? AND avoided_user_id = ?))",
        (guild_id, user_id, other_user_id, other_user_id, user_id),
    )
    return row is not None


async def create_match(
    db: Database, guild_id: int, kind: str, members: Sequence[tuple[int, int]], now: datetime
) -> int | None:
    """Store a proposal of (request id, user id) in cycle order; None if it was proposed before or went stale."""
    request_set = ",".join(str(i) for i in sorted(request_id for request_id, _ in members))
    async with db.transaction() as conn:
        marks = ",".join("?" * len(members))
        open_row = await _fetchone(
            conn,
            f"SELECT COUNT(*) AS n FROM swap_requests WHERE status = 'open' AND id IN ({marks})",
            [request_id for request_id, _ in members],
        )
        if open_row["n"] != len(members):
            return None
        async with conn.execute(
            "INSERT INTO swap_matches (guild_id, kind, request_set, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, request_set) DO NOTHING",
            (guild_id, kind, request_set, to_db_time(now)),
        ) as cur:
            if cur.rowcount == 0:
                return None
            match_id = int(cur.lastrowid or 0)
        await conn.executemany(
            "INSERT INTO swap_match_members (match_id, guild_id, position, request_id, user_id) VALUES (?, ?, ?, ?, ?)",
            [(match_id, guild_id, position, rid, uid) for position, (rid, uid) in enumerate(members)],
        )
    return match_id


# A proposal's delivery, one step at a time so a restart resumes it without a second thread or message:
# channel_id set, thread_id NULL = "creating" (Discord may have made the thread before we stopped);
# thread_id set, message_id NULL = the thread exists (the proposal may already be posted in it);
# message_id set = delivered.


async def mark_match_creating(db: Database, match_id: int, channel_id: int) -> None:
    """Record that a proposal's thread is about to be opened in this channel (before asking Discord)."""
    await db.execute(
        "UPDATE swap_matches SET channel_id = ?, thread_id = NULL WHERE id = ? AND message_id IS NULL",
        (channel_id, match_id),
    )


async def set_match_thread(db: Database, match_id: int, thread_id: int) -> None:
    """Remember the private thread opened for a proposal, right after Discord created it."""
    await db.execute("UPDATE swap_matches SET thread_id = ? WHERE id = ?", (thread_id, match_id))


async def set_match_message(
    db: Database, match_id: int, message_id: int, thread_id: int | None = None
) -> None:
    """Remember the message that carries a proposal's buttons (and its thread): its delivery is done."""
    await db.execute(
        "UPDATE swap_matches SET message_id = ?, thread_id = COALESCE(?, thread_id) WHERE id = ?",
        (message_id, thread_id, match_id),
    )


async def _get_match(conn: aiosqlite.Connection, match_id: int) -> SwapMatch | None:
    row = await _fetchone(
        conn,
        "SELECT id, guild_id, kind, status, channel_id, thread_id, message_id FROM swap_matches WHERE id = ?",
        (match_id,),
    )
    if row is None:
        return None
    members = await _fetchall(
        conn,
        "SELECT position, request_id, user_id, response FROM swap_match_members WHERE match_id = ? ORDER BY position",
        (match_id,),
    )
    return SwapMatch(
        id=row["id"],
        guild_id=row["guild_id"],
        kind=row["kind"],
        status=row["status"],
        members=tuple(
            MatchMember(m["position"], m["request_id"], m["user_id"], m["response"]) for m in members
        ),
        channel_id=row["channel_id"],
        thread_id=row["thread_id"],
        message_id=row["message_id"],
    )


async def get_match(db: Database, match_id: int) -> SwapMatch | None:
    """Return a proposal with its members in cycle order."""
    return await _get_match(db.conn, match_id)


async def guilds_with_undelivered_matches(db: Database) -> list[int]:
    """Return the guilds with proposals whose delivery a stop cut short."""
    rows = await db.fetchall(
        "SELECT DISTINCT guild_id FROM swap_matches WHERE status = 'proposed' AND message_id IS NULL ORDER BY guild_id"
    )
    return [r["guild_id"] for r in rows]


async def undelivered_matches(db: Database, guild_id: int) -> list[SwapMatch]:
    """Return proposals stored but whose thread was never opened (the bot stopped in between)."""
    rows = await db.fetchall(
        "SELECT id FROM swap_matches WHERE guild_id = ? AND status = 'proposed' AND message_id IS NULL ORDER BY id",
        (guild_id,),
    )
    found = [await get_match(db, r["id"]) for r in rows]
    return [m for m in found if m is not None]


async def record_response(
    db: Database, match_id: int, position: int, response: Literal["confirmed", "declined"], now: datetime
) -> SwapMatch | None:
    """Record one member's answer; all confirmed makes the swap matched, one decline ends the proposal.

    Returns the proposal as it now stands, or None if it no longer awaits answers.
    """
    async with db.transaction() as conn:
        match = await _get_match(conn, match_id)
        if match is None or match.status != "proposed":
            return None
        await conn.execute(
            "UPDATE swap_match_members SET response = ?, responded_at = ? WHERE match_id = ? AND position = ?",
            (response, to_db_time(now), match_id, position),
        )
        if response == "declined":
            await conn.execute(
                "UPDATE swap_matches SET status = 'declined', decided_at = ? WHERE id = ?",
                (to_db_time(now), match_id),
            )
        else:
            answered = await _fetchone(
                conn,
                "SELECT COUNT(*) AS n FROM swap_match_members WHERE match_id = ? AND response = 'confirmed'",
                (match_id,),
            )
            if answered["n"] == len(match.members):
                await conn.execute(
                    "UPDATE swap_matches SET status = 'matched', decided_at = ? WHERE id = ?",
                    (to_db_time(now), match_id),
                )
                await conn.executemany(
                    "UPDATE swap_requests SET status = 'matched', match_id = ? WHERE id = ? AND status = 'open'",
                    [(match_id, m.request_id) for m in match.members],
                )
        return await _get_match(conn, match_id)


# --- completion and reputation ----------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """What `/swap done` changed: the requests now done, who was thanked, and the match if any."""

    request_ids: tuple[int, ...]
    thanked: tuple[int, ...]
    match_id: int | None
    already_done: bool


async def complete_request(
    db: Database,
    request: SwapRequest,
    now: datetime,
    *,
    partner_ids: Sequence[int],
    thanks: str | None,
) -> Completion:
    """Mark a request (and the whole swap it was matched in) done, and thank the partners once each."""
    if thanks is not None and len(thanks) > THANKS_MAX:
        raise ValueError("thanks too long")
    already_done = request.status == "done"
    async with db.transaction() as conn:
        done_ids: list[int] = []
        if not already_done:
            if request.status == "matched" and request.match_id is not None:
                members = await _fetchall(
                    conn, "SELECT request_id FROM swap_match_members WHERE match_id = ?", (request.match_id,)
                )
                done_ids = [m["request_id"] for m in members]
                await conn.execute(
                    "UPDATE swap_matches SET status = 'done', decided_at = ? WHERE id = ?",
                    (to_db_time(now), request.match_id),
                )
            elif request.status == "open":
                done_ids = [request.id]
                helper = partner_ids[0] if partner_ids else None
                await conn.execute(
                    "UPDATE swap_requests SET helper_user_id = ? WHERE id = ?", (helper, request.id)
                )
            else:
                raise SwapRefused("finished")
            marks = ",".join("?" * len(done_ids))
            await conn.execute(
                f"UPDATE swap_requests SET status = 'done', finished_at = ? "
                f"WHERE id IN ({marks}) AND status IN ('open', 'matched')",
                (to_db_time(now), *done_ids),
            )
            await _cancel_pending(conn, done_ids, now)
        thanked: list[int] = []
        if thanks is not None:
            for partner in dict.fromkeys(partner_ids):
                if partner == request.user_id:
                    continue
                async with conn.execute(
                    "INSERT INTO swap_thanks (guild_id, request_id, from_user_id, to_user_id, note, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (request.guild_id, request.id, request.user_id, partner, thanks, to_db_time(now)),
                ) as cur:
                    if cur.rowcount:
                        thanked.append(partner)
    return Completion(tuple(done_ids), tuple(thanked), request.match_id, already_done)


async def match_partners(db: Database, request: SwapRequest) -> list[int]:
    """Return the other members of the swap a request was matched in."""
    if request.match_id is None:
        return []
    rows = await db.fetchall(
        "SELECT user_id FROM swap_match_members WHERE match_id = ? AND user_id <> ? ORDER BY position",
        (request.match_id, request.user_id),
    )
    return [r["user_id"] for r in rows]


async def member_counts(db: Database, guild_id: int, user_id: int) -> dict[str, int]:
    """Return a member's swaps done (their own requests, or helping through a board thread) and reputation."""
    done = await db.fetchone(
        "SELECT COUNT(*) AS n FROM swap_requests WHERE guild_id = ? AND status = 'done' "
        "AND (user_id = ? OR (helper_user_id = ? AND match_id IS NULL))",
        (guild_id, user_id, user_id),
    )
    thanks = await db.fetchone(
        "SELECT COUNT(*) AS n FROM swap_thanks WHERE guild_id = ? AND to_user_id = ?", (guild_id, user_id)
    )
    return {"swaps_done": int(done["n"]) if done else 0, "reputation": int(thanks["n"]) if thanks else 0}


async def count_swaps_done(db: Database, guild_id: int, since: datetime) -> int:
    """Return how many swaps were completed in a guild since a moment (a matched swap counts once)."""
    row = await db.fetchone(
        "SELECT COUNT(DISTINCT CASE WHEN match_id IS NULL THEN 'r' || id ELSE 'm' || match_id END) AS n "
        "FROM swap_requests WHERE guild_id = ? AND status = 'done' AND finished_at >= ?",
        (guild_id, to_db_time(since)),
    )
    return int(row["n"]) if row else 0


async def guilds_with_open_requests(db: Database) -> list[int]:
    """Return the guilds that have open requests to match."""
    rows = await db.fetchall(
        "SELECT DISTINCT guild_id FROM swap_requests WHERE status = 'open' ORDER BY guild_id"
    )
    return [r["guild_id"] for r in rows]
