"""Skill swaps: requests, "I can help" threads, proposed matches, completion and reputation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import aiosqlite

from bot.storage import Database, from_db_time, to_db_time

OPEN_LIMIT = 5
DETAILS_MAX = 500
THANKS_MAX = 300
LIFETIME = timedelta(days=30)
REMIND_BEFORE = timedelta(days=3)
# A request counts against the limit (and against duplicates) until it is finished.
ACTIVE = ("open", "matched")
FINISHED = ("done", "closed", "expired")

RequestStatus = Literal["open", "matched", "done", "closed", "expired"]
MatchStatus = Literal["proposed", "matched", "declined", "cancelled", "done"]


class SwapRefused(Exception):
    """A request the store will not accept; `reason` is "limit" or "duplicate"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SwapRequest:
    """A member's "I offer X, I want Y" (canonical skill keys), and where it stands."""

    id: int
    guild_id: int
    user_id: int
    offer: str
    want: str
    details: str | None
    status: RequestStatus
    created_at: datetime
    expires_at: datetime
    reminded_at: datetime | None = None
    finished_at: datetime | None = None
    board_channel_id: int | None = None
    board_message_id: int | None = None
    match_id: int | None = None
    helper_user_id: int | None = None

    @property
    def is_active(self) -> bool:
        """Tell whether the request is still open or matched (not finished)."""
        return self.status in ACTIVE


@dataclass(frozen=True)
class MatchMember:
    """One member of a proposed swap: position i offers their skill to position i + 1."""

    position: int
    request_id: int
    user_id: int
    response: str | None


@dataclass(frozen=True)
class SwapMatch:
    """A proposed (then confirmed, declined, cancelled or done) swap between two or three requests."""

    id: int
    guild_id: int
    kind: str
    status: MatchStatus
    members: tuple[MatchMember, ...]
    channel_id: int | None = None
    thread_id: int | None = None
    message_id: int | None = None

    def member_at(self, position: int) -> MatchMember | None:
        """Return the member at a position, or None."""
        return next((m for m in self.members if m.position == position), None)

    def positions_of(self, user_id: int) -> list[int]:
        """Return the positions a member holds in this proposal."""
        return [m.position for m in self.members if m.user_id == user_id]


_REQUEST_COLUMNS = (
    "id, guild_id, user_id, offer_key, want_key, details, status, created_at, expires_at, reminded_at,"
    " finished_at, board_channel_id, board_message_id, match_id, helper_user_id"
)


def _request(row: Any) -> SwapRequest:
    created = from_db_time(row["created_at"])
    expires = from_db_time(row["expires_at"])
    assert created is not None and expires is not None
    return SwapRequest(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        offer=row["offer_key"],
        want=row["want_key"],
        details=row["details"],
        status=row["status"],
        created_at=created,
        expires_at=expires,
        reminded_at=from_db_time(row["reminded_at"]),
        finished_at=from_db_time(row["finished_at"]),
        board_channel_id=row["board_channel_id"],
        board_message_id=row["board_message_id"],
        match_id=row["match_id"],
        helper_user_id=row["helper_user_id"],
    )


async def _fetchall(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    async with conn.execute(sql, params) as cur:
        return list(await cur.fetchall())


async def _fetchone(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    async with conn.execute(sql, params) as cur:
        return await cur.fetchone()


# --- requests -------------------------------------------------------------------------------


async def open_request(
    db: Database,
    guild_id: int,
    user_id: int,
    *,
    offer: str,
    want: str,
    details: str | None,
    now: datetime,
    limit: int = OPEN_LIMIT,
) -> SwapRequest:
    """Store a new open request, refusing a member's sixth active one or an active duplicate."""
    if not offer or not want or offer == want:
        raise ValueError("offer and want must be two different skills")
    if details is not None and len(details) > DETAILS_MAX:
        raise ValueError("details too long")
    async with db.transaction() as conn:
        # Checked inside the write transaction, so two commands at once cannot both pass.
        row = await _fetchone(
            conn,
            "SELECT COUNT(*) AS n, SUM(offer_key = ? AND want_key = ?) AS same FROM swap_requests "
            "WHERE guild_id = ? AND user_id = ? AND status IN ('open', 'matched')",
            (offer, want, guild_id, user_id),
        )
        if row["same"]:
            raise SwapRefused("duplicate")
        if row["n"] >= limit:
            raise SwapRefused("limit")
        await conn.execute(
            "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
            (guild_id, to_db_time(now)),
        )
        async with conn.execute(
            "INSERT INTO swap_requests (guild_id, user_id, offer_key, want_key, details, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, offer, want, details, to_db_time(now), to_db_time(now + LIFETIME)),
        ) as cur:
            request_id = cur.lastrowid
    request = await get_request(db, int(request_id or 0))
    assert request is not None
    return request


async def get_request(db: Database, request_id: int) -> SwapRequest | None:
    """Return one request by id."""
    row = await db.fetchone(
        f"SELECT {_REQUEST_COLUMNS} FROM swap_requests WHERE id = ?",
        (request_id,),
    )
    return _request(row) if row else None


async def get_requests(db: Database, request_ids: Iterable[int]) -> list[SwapRequest]:
    """Return several requests by id, in id order."""
    ids = list(dict.fromkeys(request_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        f"SELECT {_REQUEST_COLUMNS} FROM swap_requests WHERE id IN ({marks}) ORDER BY id",
        tuple(ids),
    )
    return [_request(r) for r in rows]


async def count_active(db: Database, guild_id: int, user_id: int) -> int:
    """Return how many open or matched requests a member has."""
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM swap_requests WHERE guild_id = ? AND user_id = ? AND status IN ('open', 'matched')",
        (guild_id, user_id),
    )
    return int(row["n"]) if row else 0


def _list_filter(
    guild_id: int, statuses: Sequence[str], skill: str | None, user_id: int | None, present_only: bool = False
) -> tuple[str, list[Any]]:
    # Only fixed fragments go into the SQL; every value is a parameter.
    clauses = ["guild_id = ?", f"status IN ({','.join('?' * len(statuses))})"]
    params: list[Any] = [guild_id, *statuses]
    if skill:
        clauses.append("(offer_key = ? OR want_key = ?)")
        params += [skill, skill]
    if user_id is not None:
        clauses.append("user_id = ?")
        params.append(user_id)
    if present_only:
        # Members who left the guild drop off the open list; their rows stay until /privacy forget.
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM members m WHERE m.guild_id = swap_requests.guild_id"
            " AND m.user_id = swap_requests.user_id AND m.left_at IS NOT NULL)"
        )
    return " AND ".join(clauses), params


async def list_requests(
    db: Database,
    guild_id: int,
    *,
    statuses: Sequence[str] = ("open",),
    skill: str | None = None,
    user_id: int | None = None,
    present_only: bool = False,
    limit: int = 10,
    offset: int = 0,
) -> list[SwapRequest]:
    """Return a page of requests, newest first, by status and optionally skill (offered or wanted) or member."""
    where, params = _list_filter(guild_id, statuses, skill, user_id, present_only)
    rows = await db.fetchall(
        f"SELECT {_REQUEST_COLUMNS} FROM swap_requests WHERE {where} "
        "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_request(r) for r in rows]


async def count_requests(
    db: Database,
    guild_id: int,
    *,
    statuses: Sequence[str] = ("open",),
    skill: str | None = None,
    user_id: int | None = None,
    present_only: bool = False,
) -> int:
    """Count the requests `list_requests` pages through."""
    where, params = _list_filter(guild_id, statuses, skill, user_id, present_only)
    row = await db.fetchone(f"SELECT COUNT(*) AS n FROM swap_requests WHERE {where}", tuple(params))
    return int(row["n"]) if row else 0


async def status_counts(db: Database, guild_id: int) -> dict[str, int]:
    """Return how many requests a guild has in each status."""
    rows = await db.fetchall(
        "SELECT status, COUNT(*) AS n FROM swap_requests WHERE guild_id = ? GROUP BY status", (guild_id,)
    )
    return {r["status"]: r["n"] for r in rows}


async def guild_swap_skill_keys(db: Database, guild_id: int, limit: int = 500) -> list[str]:
    """Return skill keys used in a guild's active requests, most common first."""
    rows = await db.fetchall(
        "SELECT skill, COUNT(*) AS n FROM (SELECT offer_key AS skill FROM swap_requests WHERE guild_id = ?"
        " AND status IN ('open', 'matched') UNION ALL SELECT want_key FROM swap_requests WHERE guild_id = ?"
        " AND status IN ('open', 'matched')) GROUP BY skill ORDER BY n DESC, skill LIMIT ?",
        (guild_id, guild_id, limit),
    )
    return [r["skill"] for r in rows]


async def set_board_message(db: Database, request_id: int, channel_id: int, message_id: int) -> None:
    """Remember a request's post on the swap board, so it can be edited when the request changes."""
    await db.execute(
        "UPDATE swap_requests SET board_channel_id = ?, board_message_id = ? WHERE id = ?",
        (channel_id, message_id, request_id),
    )


@dataclass(frozen=True)
class Finish:
    """What closing or expiring a request changed besides the request itself."""

    cancelled_match_ids: tuple[int, ...]  # proposals that can no longer happen
    reopened_request_ids: tuple[
        int, ...
    ]  # partners' requests back on the board after a matched swap fell through


async def finish_request(
    db: Database, request_id: int, status: Literal["closed", "expired"], now: datetime
) -> Finish:
    """Close (open or matched) or expire (open only) a request, and undo what depended on it.

    Raises SwapRefused("not_open") and changes nothing when the request is in no such state, so an
    expiry racing a close is harmless.
    """
    allowed = ("open", "matched") if status == "closed" else ("open",)
    async with db.transaction() as conn:
        row = await _fetchone(conn, "SELECT status, match_id FROM swap_requests WHERE id = ?", (request_id,))
        if row is None or row["status"] not in allowed:
            raise SwapRefused("not_open")
        await conn.execute(
            "UPDATE swap_requests SET status = ?, finished_at = ? WHERE id = ?",
            (status, to_db_time(now), request_id),
        )
        reopened: list[int] = []
        cancelled = await _cancel_pending(conn, [request_id], now)
        if row["status"] == "matched" and row["match_id"] is not None:
            # The swap fell through: the partners' requests go back on the board.
            partners = await _fetchall(
                conn,
                "SELECT id FROM swap_requests WHERE match_id = ? AND id <> ? AND status = 'matched'",
                (row["match_id"], request_id),
            )
            reopened = [p["id"] for p in partners]
            await conn.executemany(
                "UPDATE swap_requests SET status = 'open', match_id = NULL WHERE id = ?",
                [(i,) for i in reopened],
            )
            await conn.execute(
                "UPDATE swap_matches SET status = 'cancelled', decided_at = ? WHERE id = ?",
                (to_db_time(now), row["match_id"]),
            )
            cancelled.append(row["match_id"])
    return Finish(tuple(cancelled), tuple(reopened))


async def renew_request(db: Database, request_id: int, now: datetime) -> SwapRequest | None:
    """Give an open request another 30 days from now; None if it is no longer open."""
    async with db.conn.execute(
        "UPDATE swap_requests SET expires_at = ?, reminded_at = NULL WHERE id = ? AND status = 'open'",
        (to_db_time(now + LIFETIME), request_id),
    ) as cur:
        changed = cur.rowcount > 0
    return await get_request(db, request_id) if changed else None


async def mark_reminded(db: Database, request_id: int, now: datetime) -> None:
    """Remember that the expiry reminder was sent."""
    await db.execute("UPDATE swap_requests SET reminded_at = ? WHERE id = ?", (to_db_time(now), request_id))


async def due_reminders(db: Database, now: datetime) -> list[SwapRequest]:
    """Return open requests expiring within three days whose owner was not yet reminded."""
    rows = await db.fetchall(
        f"SELECT {_REQUEST_COLUMNS} FROM swap_requests WHERE status = 'open' AND reminded_at IS NULL "
        "AND expires_at <= ? AND expires_at > ? ORDER BY expires_at, id",
        (to_db_time(now + REMIND_BEFORE), to_db_time(now)),
    )
    return [_request(r) for r in rows]


async def due_expiries(db: Database, now: datetime) -> list[SwapRequest]:
    """Return open requests whose 30 days have run out."""
    rows = await db.fetchall(
        f"SELECT {_REQUEST_COLUMNS} FROM swap_requests WHERE status = 'open' AND expires_at <= ? "
        "ORDER BY expires_at, id",
        (to_db_time(now),),
    )
    return [_request(r) for r in rows]


async def next_due(db: Database) -> datetime | None:
    """Return when the next reminder or expiry falls due, for the one sweep job."""
    row = await db.fetchone(
        "SELECT MIN(expires_at) AS expiry FROM swap_requests WHERE status = 'open'",
    )
    reminder = await db.fetchone(
        "SELECT MIN(expires_at) AS expiry FROM swap_requests WHERE status = 'open' AND reminded_at IS NULL",
    )
    candidates = []
    if row and row["expiry"]:
        candidates.append(from_db_time(row["expiry"]))
    if reminder and reminder["expiry"]:
        when = from_db_time(reminder["expiry"])
        assert when is not None
        candidates.append(when - REMIND_BEFORE)
    found = [c for c in candidates if c is not None]
    return min(found) if found else None


# --- "I can help" -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HelpStep:
    """Where the "I can help" thread between a request's author and one helper stands."""

    thread_id: int | None
    fresh: bool  # no earlier press recorded this offer: nothing can have been made for it yet


async def record_help(db: Database, request: SwapRequest, helper_user_id: int, now: datetime) -> HelpStep:
    """Record a helper's offer on a request (once, before any request to Discord); return where it stands."""
    async with db.conn.execute(
        "INSERT INTO swap_helps (request_id, guild_id, helper_user_id, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (request_id, helper_user_id) DO NOTHING",
        (request.id, request.guild_id, helper_user_id, to_db_time(now)),
    ) as cur:
        fresh = cur.rowcount == 1
    row = await db.fetchone(
        "SELECT thread_id FROM swap_helps WHERE request_id = ? AND helper_user_id = ?",
        (request.id, helper_user_id),
    )
    return HelpStep(row["thread_id"] if row else None, fresh)


async def set_help_thread(db: Database, request_id: int, helper_user_id: int, thread_id: int | None) -> None:
    """Remember the private thread opened between a request's owner and a helper (None: it was deleted)."""
    await db.execute(
        "UPDATE swap_helps SET thread_id = ? WHERE request_id = ? AND helper_user_id = ?",
        (thread_id, request_id, helper_user_id),
    )


async def helpers_of(db: Database, request_id: int) -> list[int]:
    """Return the members who offered help on a request through its board button, oldest first."""
    rows = await db.fetchall(
        "SELECT helper_user_id FROM swap_helps WHERE request_id = ? ORDER BY created_at, helper_user_id",
        (request_id,),
    )
    return [r["helper_user_id"] for r in rows]


# --- matching ---------------------------------------------------------------------------------


async def requests_for_matching(db: Database, guild_id: int) -> list[SwapRequest]:
    """Return a guild's open requests whose owners are still in the guild, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_REQUEST_COLUMNS} FROM swap_requests r WHERE guild_id = ? AND status = 'open' "
        "AND NOT EXISTS (SELECT 1 FROM members m WHERE m.guild_id = r.guild_id AND m.user_id = r.user_id"
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


async def _cancel_pending(conn: aiosqlite.Connection, request_ids: Sequence[int], now: datetime) -> list[int]:
    marks = ",".join("?" * len(request_ids))
    rows = await _fetchall(
        conn,
        "SELECT DISTINCT m.id FROM swap_matches m JOIN swap_match_members mm ON mm.match_id = m.id "
        f"WHERE m.status = 'proposed' AND mm.request_id IN ({marks})",
        list(request_ids),
    )
    ids = [r["id"] for r in rows]
    await conn.executemany(
        "UPDATE swap_matches SET status = 'cancelled', decided_at = ? WHERE id = ?",
        [(to_db_time(now), match_id) for match_id in ids],
    )
    return ids


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
