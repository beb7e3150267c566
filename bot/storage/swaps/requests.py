"""Swap requests on the board: open, list, finish, renew and expire them; "I can help"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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
    # How the guild first typed the offer and want when they are not shipped skills.
    skill_labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

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
    " finished_at, board_channel_id, board_message_id, match_id, helper_user_id,"
    " (SELECT label FROM guild_skills g WHERE g.guild_id = swap_requests.guild_id AND g.skill_key = offer_key)"
    " AS offer_label,"
    " (SELECT label FROM guild_skills g WHERE g.guild_id = swap_requests.guild_id AND g.skill_key = want_key)"
    " AS want_label"
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
        skill_labels={
            key: label
            for key, label in ((row["offer_key"], row["offer_label"]), (row["want_key"], row["want_label"]))
            if label
        },
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


# Reminders go only where the swap board is on and the bot is still in the guild: a reminder's Renew
# button would meet a disabled board, and a guild that removed the bot is waiting for its purge.
_REMINDABLE = (
    "guild_id IN (SELECT f.guild_id FROM guild_features f JOIN guilds g ON g.guild_id = f.guild_id"
    " WHERE f.feature = 'swaps' AND f.enabled = 1 AND g.removed_at IS NULL)"
)


async def due_reminders(db: Database, now: datetime) -> list[SwapRequest]:
    """Return open requests expiring within three days whose owner was not yet reminded (boards that are on)."""
    rows = await db.fetchall(
        f"SELECT {_REQUEST_COLUMNS} FROM swap_requests WHERE status = 'open' AND reminded_at IS NULL "
        f"AND expires_at <= ? AND expires_at > ? AND {_REMINDABLE} ORDER BY expires_at, id",
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
        "SELECT MIN(expires_at) AS expiry FROM swap_requests WHERE status = 'open' AND reminded_at IS NULL"
        f" AND {_REMINDABLE}",
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
