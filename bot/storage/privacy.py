"""A member's own data across every feature: what `/privacy export` sends and `/privacy forget` erases.

The member-data tables are read from the schema (a `guild_id` column and a user column), so a table a
future migration adds is exported and erased without anyone remembering to list it here.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage import Database, to_db_time
from bot.storage import profiles as profile_store
from bot.storage import share as share_store
from bot.storage.maintenance import tables_with_column

EXPORT_SCHEMA_VERSION = 1
# Someone else's private wish about this member ("avoid them", "meet them again"): erased with the
# member, but never shown to them in an export.
PRIVATE_TARGET_COLUMNS = frozenset({"avoided_user_id", "again_user_id"})
DisplayName = Callable[[int], str | None]


def is_user_column(name: str) -> bool:
    """Tell whether a column holds a member's id (the naming rule every migration follows)."""
    return name == "user_id" or name.endswith(("_user_id", "member_id"))


async def _table_columns(conn: aiosqlite.Connection, table: str) -> list[str]:
    # Table names come from sqlite_master, not from input; PRAGMA takes no parameters.
    async with conn.execute(f"PRAGMA table_info('{table}')") as cur:
        return [row[1] for row in await cur.fetchall()]


async def member_data_tables(db: Database) -> dict[str, tuple[str, ...]]:
    """Return every table holding member data, with its user columns, as the schema says."""
    found = {}
    for table in await tables_with_column(db, "guild_id"):
        columns = tuple(c for c in await _table_columns(db.conn, table) if is_user_column(c))
        if columns:
            found[table] = columns
    return found


def _json_row(row: Any) -> dict[str, Any]:
    return {key: row[key] for key in row.keys()}  # noqa: SIM118 -- sqlite rows are not mappings


async def _owned_rows(
    db: Database, table: str, columns: tuple[str, ...], guild_id: int, user_id: int
) -> list[dict[str, Any]]:
    own = [c for c in columns if c not in PRIVATE_TARGET_COLUMNS]
    if not own:
        return []
    where = " OR ".join(f"{c} = ?" for c in own)
    # Table and column names come from the schema; values are parameters.
    rows = await db.fetchall(
        f"SELECT * FROM {table} WHERE guild_id = ? AND ({where}) ORDER BY rowid",
        (guild_id, *([user_id] * len(own))),
    )
    return [_json_row(r) for r in rows]


def _person(user_id: int, display_name: DisplayName) -> dict[str, Any]:
    if user_id < 0:  # a forgotten member's tombstone
        return {"user_id": None, "name": None}
    return {"user_id": user_id, "name": display_name(user_id)}


async def _intro_history(
    db: Database, guild_id: int, user_id: int, display_name: DisplayName
) -> list[dict[str, Any]]:
    groups = await db.fetchall(
        "SELECT gm.group_id, r.scheduled_for, r.delivery, g.state, g.thread_id, gm.answer, gm.answered_at"
        " FROM intro_group_members gm JOIN intro_groups g ON g.group_id = gm.group_id"
        " JOIN intro_rounds r ON r.round_id = g.round_id"
        " WHERE gm.guild_id = ? AND gm.user_id = ? ORDER BY gm.group_id",
        (guild_id, user_id),
    )
    history = []
    for group in groups:
        partners = await db.fetchall(
            "SELECT user_id FROM intro_group_members WHERE group_id = ? AND user_id != ? ORDER BY user_id",
            (group["group_id"], user_id),
        )
        entry = _json_row(group)
        entry["partners"] = [_person(p["user_id"], display_name) for p in partners]
        history.append(entry)
    return history


async def export_member(
    db: Database, guild_id: int, user_id: int, now: datetime, display_name: DisplayName = lambda _uid: None
) -> dict[str, Any]:
    """Return everything stored about a member in a guild, ready for `json.dumps`."""
    tables = await member_data_tables(db)
    rows = {
        table: await _owned_rows(db, table, columns, guild_id, user_id) for table, columns in tables.items()
    }
    export: dict[str, Any] = {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": to_db_time(now),
        "guild_id": guild_id,
        "member": _person(user_id, display_name),
    }
    if "profiles" in tables:
        profile = await profile_store.get_profile(db, guild_id, user_id)
        export["profile"] = dataclasses.asdict(profile) if profile else None
    if "intro_group_members" in tables:
        export["intros"] = {
            "history": await _intro_history(db, guild_id, user_id, display_name),
            "avoid": [_person(r["avoided_user_id"], display_name) for r in rows.get("intro_avoids", [])],
            "meet_again": [_person(r["again_user_id"], display_name) for r in rows.get("intro_again", [])],
        }
    if "shared_posts" in tables:
        export["share"] = await share_store.export_member(db, guild_id, user_id)
    # Every stored row, table by table: the rich sections above only make them readable.
    export["tables"] = rows
    return export


@dataclass(frozen=True)
class BoardPost:
    """A swap request's message on the board, to edit once the request is withdrawn."""

    request_id: int
    channel_id: int
    message_id: int


@dataclass(frozen=True)
class Forgotten:
    """What `/privacy forget` changed that Discord messages must now show."""

    withdrawn_posts: tuple[BoardPost, ...]  # the member's own open requests, now closed
    reopened_request_ids: tuple[
        int, ...
    ]  # partners' requests back on the board after a matched swap fell through
    cancelled_match_ids: tuple[int, ...]  # proposals that can no longer happen
    rows_deleted: int
    job_id: int | None = None  # the Discord messages still to edit or delete (`ForgetJob`)


@dataclass(frozen=True)
class ForgetStep:
    """One of the bot's Discord messages to take a forgotten member out of, and how far it got."""

    job_id: int
    position: int
    kind: str  # board (withdraw) | forum (delete the thread) | digest | prompt | intro (edit out)
    channel_id: int
    message_id: int
    detail: dict[str, Any]
    state: str  # pending | begun (the request may have reached Discord) | done | gone


@dataclass(frozen=True)
class ForgetJob:
    """The Discord side of one `/privacy forget`, kept until every step is done."""

    id: int
    guild_id: int
    forgotten_id: int
    language: str
    steps: tuple[ForgetStep, ...]


async def _plan_discord_steps(
    conn: aiosqlite.Connection, guild_id: int, user_id: int
) -> list[tuple[str, int, int, dict[str, Any]]]:
    """List the bot's messages that name the member or carry their words (before any row changes)."""
    steps: list[tuple[str, int, int, dict[str, Any]]] = []

    async def rows(sql: str, params: tuple[Any, ...]) -> list[Any]:
        async with conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    # Their swap requests on the board, whatever became of them: the post names them and their details.
    for r in await rows(
        "SELECT board_channel_id, board_message_id FROM swap_requests WHERE guild_id = ? AND user_id = ?"
        " AND board_channel_id IS NOT NULL AND board_message_id IS NOT NULL ORDER BY id",
        (guild_id, user_id),
    ):
        steps.append(("board", r["board_channel_id"], r["board_message_id"], {}))
    # Their experience threads: the bot wrote them in the forum, so only the bot can delete them.
    threads = [
        r["thread_id"]
        for r in await rows(
            "SELECT thread_id FROM shared_posts WHERE guild_id = ? AND user_id = ? ORDER BY post_id",
            (guild_id, user_id),
        )
    ]
    steps.extend(("forum", thread, thread, {}) for thread in threads)
    # Digests may feature their answer or link their threads; prompt posts may credit them.
    for r in await rows(
        "SELECT channel_id, message_id FROM prompt_digests WHERE guild_id = ? AND status = 'posted'"
        " AND channel_id IS NOT NULL AND message_id IS NOT NULL ORDER BY id",
        (guild_id,),
    ):
        steps.append(("digest", r["channel_id"], r["message_id"], {"threads": threads}))
    for r in await rows(
        "SELECT channel_id, message_id FROM prompt_posts WHERE guild_id = ? AND credited_user_id = ?"
        " AND channel_id IS NOT NULL AND message_id IS NOT NULL ORDER BY id",
        (guild_id, user_id),
    ):
        steps.append(("prompt", r["channel_id"], r["message_id"], {}))
    # Intro messages in group threads: their profile is one field, in the group's member order.
    for r in await rows(
        "SELECT g.group_id, g.thread_id, g.message_id FROM intro_group_members gm"
        " JOIN intro_groups g ON g.group_id = gm.group_id"
        " WHERE gm.guild_id = ? AND gm.user_id = ? AND g.thread_id IS NOT NULL AND g.message_id IS NOT NULL"
        " ORDER BY g.group_id",
        (guild_id, user_id),
    ):
        members = [
            m["user_id"]
            for m in await rows(
                "SELECT user_id FROM intro_group_members WHERE group_id = ? ORDER BY user_id",
                (r["group_id"],),
            )
        ]
        steps.append(("intro", r["thread_id"], r["message_id"], {"field": members.index(user_id)}))
    return steps


def _step(row: Any) -> ForgetStep:
    return ForgetStep(
        row["job_id"],
        row["position"],
        row["kind"],
        row["channel_id"],
        row["message_id"],
        json.loads(row["detail"]),
        row["state"],
    )


async def forget_jobs(db: Database, job_id: int | None = None) -> list[ForgetJob]:
    """Return the forget jobs with steps left (one, or all of them: at start-up)."""
    where, params = ("WHERE id = ?", (job_id,)) if job_id is not None else ("", ())
    jobs = []
    for row in await db.fetchall(
        f"SELECT id, guild_id, forgotten_id, language FROM forget_jobs {where} ORDER BY id", params
    ):
        steps = await db.fetchall(
            "SELECT * FROM forget_steps WHERE job_id = ? ORDER BY position", (row["id"],)
        )
        jobs.append(
            ForgetJob(
                row["id"],
                row["guild_id"],
                row["forgotten_id"],
                row["language"],
                tuple(_step(s) for s in steps),
            )
        )
    return jobs


async def set_step_state(db: Database, job_id: int, position: int, state: str) -> None:
    """Record how far one Discord step got."""
    await db.execute(
        "UPDATE forget_steps SET state = ? WHERE job_id = ? AND position = ?", (state, job_id, position)
    )


async def finish_job(db: Database, job_id: int) -> None:
    """Delete a finished job, and with it the forgotten member's id."""
    await db.execute("DELETE FROM forget_jobs WHERE id = ?", (job_id,))


def new_tombstone() -> int:
    """Return a fresh negative id: it keeps partners' history countable, and links to nobody."""
    return -(secrets.randbelow(2**62) + 1)


async def _close_requests(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime
) -> tuple[list[BoardPost], list[int], list[int]]:
    async with conn.execute(
        "SELECT id, status, match_id, board_channel_id, board_message_id FROM swap_requests"
        " WHERE guild_id = ? AND user_id = ? AND status IN ('open', 'matched')",
        (guild_id, user_id),
    ) as cur:
        active = list(await cur.fetchall())
    if not active:
        return [], [], []
    ids = [r["id"] for r in active]
    marks = ",".join("?" * len(ids))
    async with conn.execute(
        "SELECT DISTINCT match_id FROM swap_match_members mm JOIN swap_matches m ON m.id = mm.match_id"
        f" WHERE m.status IN ('proposed', 'matched') AND mm.request_id IN ({marks})",
        ids,
    ) as cur:
        cancelled = [r["match_id"] for r in await cur.fetchall()]
    reopened: list[int] = []
    for match_id in cancelled:
        # The swap can no longer happen: partners' requests go back on the board.
        async with conn.execute(
            f"SELECT id FROM swap_requests WHERE match_id = ? AND status = 'matched' AND id NOT IN ({marks})",
            (match_id, *ids),
        ) as cur:
            reopened.extend(r["id"] for r in await cur.fetchall())
    stamp = to_db_time(now)
    await conn.executemany(
        "UPDATE swap_matches SET status = 'cancelled', decided_at = ? WHERE id = ?",
        [(stamp, m) for m in cancelled],
    )
    await conn.executemany(
        "UPDATE swap_requests SET status = 'open', match_id = NULL WHERE id = ?", [(r,) for r in reopened]
    )
    await conn.executemany(
        "UPDATE swap_requests SET status = 'closed', finished_at = ? WHERE id = ?", [(stamp, i) for i in ids]
    )
    posts = [
        BoardPost(r["id"], r["board_channel_id"], r["board_message_id"])
        for r in active
        if r["board_channel_id"] is not None and r["board_message_id"] is not None
    ]
    return posts, reopened, cancelled


# History other members need (their "peers met", reputation, repeat avoidance): the member's id is
# replaced by the tombstone, and what the member wrote there is cleared.
_ANONYMISE = (
    ("intro_group_members", "user_id", "dm_message_id = NULL, checkin_dm_message_id = NULL"),
    ("swap_requests", "user_id", "details = NULL"),
    ("swap_requests", "helper_user_id", None),
    ("swap_helps", "helper_user_id", None),
    ("swap_match_members", "user_id", None),
    ("swap_thanks", "from_user_id", "note = NULL"),
    ("swap_thanks", "to_user_id", None),
)
# Credits and decisions that name the member: the row stays for the guild, the name goes.
_UNLINK = (
    ("prompt_posts", "credited_user_id"),
    ("prompt_suggestions", "decided_by_user_id"),
)


async def forget_member(
    db: Database, guild_id: int, user_id: int, now: datetime, language: str = "ar"
) -> Forgotten:
    """Delete everything stored about a member in one transaction, anonymising shared history.

    The same transaction records the Discord messages still to edit or delete (`forget_jobs`), so
    a stop right after it loses none of them.
    """
    tables = await member_data_tables(db)
    tombstone = new_tombstone()
    async with db.transaction() as conn:
        # Checked at COMMIT, so the order of deletes across related tables does not matter.
        await conn.execute("PRAGMA defer_foreign_keys = ON")
        planned = await _plan_discord_steps(conn, guild_id, user_id)
        job_id = None
        if planned:
            async with conn.execute(
                "INSERT INTO forget_jobs (guild_id, forgotten_id, language, created_at) VALUES (?, ?, ?, ?)",
                (guild_id, user_id, language, to_db_time(now)),
            ) as cur:
                job_id = cur.lastrowid
            await conn.executemany(
                "INSERT INTO forget_steps (job_id, position, kind, channel_id, message_id, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (job_id, position, kind, channel_id, message_id, json.dumps(detail))
                    for position, (kind, channel_id, message_id, detail) in enumerate(planned)
                ],
            )
        posts: list[BoardPost] = []
        reopened: list[int] = []
        cancelled: list[int] = []
        if "swap_requests" in tables:
            posts, reopened, cancelled = await _close_requests(conn, guild_id, user_id, now)
        # What the member wrote leaves the search index's pages too, not only its results.
        async with conn.execute(
            "SELECT doc_id FROM search_documents WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        ) as cur:
            await share_store.erase_from_index(conn, [r["doc_id"] for r in await cur.fetchall()])
        for table, column, clear in _ANONYMISE:
            if column in tables.get(table, ()):
                extra = f", {clear}" if clear else ""
                # Names come from the fixed tuple above; values are parameters.
                await conn.execute(
                    f"UPDATE {table} SET {column} = ?{extra} WHERE guild_id = ? AND {column} = ?",
                    (tombstone, guild_id, user_id),
                )
        for table, column in _UNLINK:
            if column in tables.get(table, ()):
                await conn.execute(
                    f"UPDATE {table} SET {column} = NULL WHERE guild_id = ? AND {column} = ?",
                    (guild_id, user_id),
                )
        deleted = 0
        for table, columns in tables.items():
            where = " OR ".join(f"{c} = ?" for c in columns)
            async with conn.execute(
                f"DELETE FROM {table} WHERE guild_id = ? AND ({where})",
                (guild_id, *([user_id] * len(columns))),
            ) as cur:
                deleted += max(cur.rowcount, 0)
    return Forgotten(tuple(posts), tuple(reopened), tuple(cancelled), deleted, job_id)


async def rows_about(db: Database, guild_id: int, user_id: int) -> dict[str, int]:
    """Count, table by table, the rows that still name a member in any user column."""
    counts = {}
    for table, columns in (await member_data_tables(db)).items():
        where = " OR ".join(f"{c} = ?" for c in columns)
        row = await db.fetchone(
            f"SELECT COUNT(*) AS n FROM {table} WHERE guild_id = ? AND ({where})",
            (guild_id, *([user_id] * len(columns))),
        )
        if row and row["n"]:
            counts[table] = int(row["n"])
    return counts
