"""Share drafts and what the privacy check reads about a member: private client lists, ignored words."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.share import DRAFT_LIFETIME, ShareDraft
from bot.storage import Database, from_db_time, to_db_time
from bot.text import normalize_text

POST_KIND = "post"
PROMPT_KIND = "prompt"  # a weekly prompt's answer thread (prompt_posts)


@dataclass(frozen=True)
class StoredDraft:
    """A draft kept until its author chooses what to do with the privacy check's findings."""

    draft_id: int
    guild_id: int
    user_id: int
    draft: ShareDraft
    expires_at: datetime
    dismissed: tuple[str, ...] = ()  # findings the author said are not client details, for this draft


@dataclass(frozen=True)
class SharedPost:
    """A posted experience thread."""

    post_id: int
    guild_id: int
    user_id: int
    thread_id: int
    title: str
    story: str
    lesson: str
    field: str | None
    tags: tuple[str, ...]
    masked: bool
    created_at: datetime


@dataclass(frozen=True)
class SearchHit:
    """One search result: what it is, where it lives, and its original text for the snippet."""

    kind: str
    ref_id: int
    user_id: int | None
    thread_id: int
    field: str | None
    title: str
    body: str
    rank: float


@dataclass(frozen=True)
class SearchPage:
    """A page of results and how many there are in all."""

    hits: list[SearchHit]
    total: int


async def _ensure_guild(conn: Any, guild_id: int, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, to_db_time(now)),
    )


# --- drafts -------------------------------------------------------------------------------------------


async def save_draft(
    db: Database, guild_id: int, user_id: int, draft: ShareDraft, now: datetime, draft_id: int | None = None
) -> int:
    """Keep a draft for a day (a new one, or replace the text of the author's existing one)."""
    expires = to_db_time(now + DRAFT_LIFETIME)
    async with db.transaction() as conn:
        if draft_id is not None:
            async with conn.execute(
                "UPDATE share_drafts SET title = ?, story = ?, lesson = ?, tags_text = ?, posting = 0,"
                " expires_at = ? WHERE draft_id = ? AND guild_id = ? AND user_id = ?",
                (
                    draft.title,
                    draft.story,
                    draft.lesson,
                    draft.tags_text,
                    expires,
                    draft_id,
                    guild_id,
                    user_id,
                ),
            ) as cur:
                if cur.rowcount:
                    return draft_id
        await _ensure_guild(conn, guild_id, now)
        async with conn.execute(
            "INSERT INTO share_drafts (guild_id, user_id, title, story, lesson, tags_text, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                user_id,
                draft.title,
                draft.story,
                draft.lesson,
                draft.tags_text,
                to_db_time(now),
                expires,
            ),
        ) as cur:
            return int(cur.lastrowid or 0)


async def get_draft(db: Database, draft_id: int, now: datetime) -> StoredDraft | None:
    """Return a draft that has not expired; an expired one is deleted on the way."""
    row = await db.fetchone(
        "SELECT draft_id, guild_id, user_id, title, story, lesson, tags_text, expires_at, dismissed"
        " FROM share_drafts WHERE draft_id = ?",
        (draft_id,),
    )
    if row is None:
        return None
    expires = from_db_time(row["expires_at"])
    assert expires is not None
    if expires <= now:
        await delete_draft(db, draft_id)
        return None
    return StoredDraft(
        draft_id=row["draft_id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        draft=ShareDraft(row["title"], row["story"], row["lesson"], row["tags_text"]),
        expires_at=expires,
        dismissed=tuple(json.loads(row["dismissed"])),
    )


async def dismiss_in_draft(db: Database, draft_id: int, texts: Sequence[str]) -> None:
    """Remember, for this draft only, findings the author said are not client details."""
    row = await db.fetchone("SELECT dismissed FROM share_drafts WHERE draft_id = ?", (draft_id,))
    if row is None:
        return
    kept = list(dict.fromkeys([*json.loads(row["dismissed"]), *texts]))
    await db.execute(
        "UPDATE share_drafts SET dismissed = ? WHERE draft_id = ?",
        (json.dumps(kept, ensure_ascii=False), draft_id),
    )


# share_drafts.posting: 0 never tried, 1 being posted, 2 an earlier attempt stopped part way (its forum
# thread may exist), 3 being posted again after such an attempt (look for the thread before making one).


async def claim_draft(db: Database, draft_id: int) -> bool:
    """Mark a draft as being posted; False if another press already claimed it."""
    async with db.conn.execute(
        "UPDATE share_drafts SET posting = CASE posting WHEN 2 THEN 3 ELSE 1 END"
        " WHERE draft_id = ? AND posting IN (0, 2)",
        (draft_id,),
    ) as cur:
        return cur.rowcount > 0


async def release_draft(db: Database, draft_id: int) -> None:
    """Let a draft be chosen again after posting it failed (the next attempt looks for what this one made)."""
    await db.execute("UPDATE share_drafts SET posting = 2 WHERE draft_id = ?", (draft_id,))


async def draft_resumes(db: Database, draft_id: int) -> bool:
    """Tell whether the draft is being posted again after an attempt that may have made its thread."""
    row = await db.fetchone("SELECT posting FROM share_drafts WHERE draft_id = ?", (draft_id,))
    return row is not None and row["posting"] == 3


async def delete_draft(db: Database, draft_id: int) -> None:
    """Delete a draft (the author chose, or it expired)."""
    await db.execute("DELETE FROM share_drafts WHERE draft_id = ?", (draft_id,))


async def purge_expired_drafts(db: Database, now: datetime) -> int:
    """Delete every draft older than its day; return how many went."""
    async with db.conn.execute("DELETE FROM share_drafts WHERE expires_at <= ?", (to_db_time(now),)) as cur:
        return cur.rowcount


async def count_drafts(db: Database, guild_id: int, user_id: int) -> int:
    """Count a member's drafts."""
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM share_drafts WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return int(row["n"]) if row else 0


# --- private client lists ----------------------------------------------------------------------------


async def get_client_names(db: Database, guild_id: int, user_id: int) -> list[str]:
    """Return a member's private client names, in their order."""
    rows = await db.fetchall(
        "SELECT name FROM client_names WHERE guild_id = ? AND user_id = ? ORDER BY position",
        (guild_id, user_id),
    )
    return [r["name"] for r in rows]


async def set_client_names(
    db: Database, guild_id: int, user_id: int, names: Sequence[str], now: datetime
) -> None:
    """Replace a member's private client list."""
    async with db.transaction() as conn:
        await _ensure_guild(conn, guild_id, now)
        await conn.execute("DELETE FROM client_names WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
        await conn.executemany(
            "INSERT INTO client_names (guild_id, user_id, position, name) VALUES (?, ?, ?, ?)",
            [(guild_id, user_id, i, name) for i, name in enumerate(names)],
        )


# --- words the privacy check always ignores for a member -------------------------------------------


async def get_ignored_words(db: Database, guild_id: int, user_id: int) -> list[str]:
    """Return the words a member told the privacy check never to flag, in the order added."""
    rows = await db.fetchall(
        "SELECT word FROM ignored_words WHERE guild_id = ? AND user_id = ? ORDER BY position",
        (guild_id, user_id),
    )
    return [r["word"] for r in rows]


async def add_ignored_word(
    db: Database, guild_id: int, user_id: int, word: str, now: datetime, limit: int
) -> str:
    """Add a word to a member's "always ignore" list: added, present (already, in any spelling) or full."""
    async with db.transaction() as conn:
        await _ensure_guild(conn, guild_id, now)
        async with conn.execute(
            "SELECT word, position FROM ignored_words WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        ) as cur:
            rows = list(await cur.fetchall())
        if normalize_text(word) in {normalize_text(r["word"]) for r in rows}:
            return "present"
        if len(rows) >= limit:
            return "full"
        await conn.execute(
            "INSERT INTO ignored_words (guild_id, user_id, position, word) VALUES (?, ?, ?, ?)",
            (guild_id, user_id, max((r["position"] for r in rows), default=-1) + 1, word),
        )
    return "added"


async def add_client_name(
    db: Database, guild_id: int, user_id: int, name: str, now: datetime, limit: int
) -> str:
    """Append a name to a member's private client list: added, present (already, in any spelling) or full."""
    async with db.transaction() as conn:
        await _ensure_guild(conn, guild_id, now)
        async with conn.execute(
            "SELECT name, position FROM client_names WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        ) as cur:
            rows = list(await cur.fetchall())
        if normalize_text(name) in {normalize_text(r["name"]) for r in rows}:
            return "present"
        if len(rows) >= limit:
            return "full"
        await conn.execute(
            "INSERT INTO client_names (guild_id, user_id, position, name) VALUES (?, ?, ?, ?)",
            (guild_id, user_id, max((r["position"] for r in rows), default=-1) + 1, name),
        )
    return "added"
