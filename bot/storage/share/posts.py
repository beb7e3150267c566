"""Shared experience posts, their search index, and notices for admins."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.share import ShareDraft, fts_query, index_text
from bot.storage import Database, from_db_time, to_db_time
from bot.storage.share.drafts import (
    POST_KIND,
    PROMPT_KIND,
    SearchHit,
    SearchPage,
    SharedPost,
    _ensure_guild,
    get_client_names,
    get_ignored_words,
)

# --- posts and the search index -----------------------------------------------------------------------


async def _index(
    conn: Any,
    *,
    guild_id: int,
    user_id: int | None,
    kind: str,
    ref_id: int,
    thread_id: int,
    field: str | None,
    title: str,
    body: str,
    now: datetime,
) -> int:
    await conn.execute("DELETE FROM search_documents WHERE kind = ? AND ref_id = ?", (kind, ref_id))
    async with conn.execute(
        "INSERT INTO search_documents (guild_id, user_id, kind, ref_id, thread_id, field, title, body, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, kind, ref_id, thread_id, field, title, body, to_db_time(now)),
    ) as cur:
        doc_id = int(cur.lastrowid or 0)
    await conn.execute(
        "INSERT INTO search_fts (rowid, title, body, scope) VALUES (?, ?, ?, ?)",
        (doc_id, index_text(title), index_text(body), search_scope(guild_id, field)),
    )
    return doc_id


async def erase_from_index(conn: Any, doc_ids: Sequence[int]) -> None:
    """Take documents out of the FTS index so their tokens leave the file, not just the results.

    An FTS5 delete only adds a tombstone: the tokens stay in the index's segments until they are
    merged. From SQLite 3.42 the index's `secure-delete` option removes them as it deletes; before,
    `optimize` merges every segment into one (about 0.3 s at 20,000 posts), and with `secure_delete`
    the old pages are zeroed. Call inside the transaction that deletes the documents.
    """
    if not doc_ids:
        return
    in_place = sqlite3.sqlite_version_info >= (3, 42, 0)
    if in_place:
        await conn.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', 1)")
    await conn.executemany("DELETE FROM search_fts WHERE rowid = ?", [(doc_id,) for doc_id in doc_ids])
    if not in_place:
        await conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")


def search_scope(guild_id: int, field: str | None) -> str:
    """Return the FTS `scope` tokens of a document: its guild and its field."""
    return f"g{guild_id}" + (f" f{field}" if field else "")


async def index_thread(
    db: Database,
    *,
    guild_id: int,
    kind: str,
    ref_id: int,
    thread_id: int,
    title: str,
    body: str,
    user_id: int | None = None,
    field: str | None = None,
    now: datetime,
) -> int:
    """Make a thread findable by `/share search` (e.g. kind="prompt" for a prompt's answer thread)."""
    if kind == POST_KIND:
        raise ValueError("shared posts are indexed by save_post")
    async with db.transaction() as conn:
        await _ensure_guild(conn, guild_id, now)
        return await _index(
            conn,
            guild_id=guild_id,
            user_id=user_id,
            kind=kind,
            ref_id=ref_id,
            thread_id=thread_id,
            field=field,
            title=title,
            body=body,
            now=now,
        )


async def save_post(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    thread_id: int,
    draft: ShareDraft,
    fields: Sequence[str],
    masked: bool,
    now: datetime,
    draft_id: int | None = None,
) -> int:
    """Store a posted thread and index it, and drop its draft, in one transaction."""
    async with db.transaction() as conn:
        await _ensure_guild(conn, guild_id, now)
        async with conn.execute(
            "INSERT INTO shared_posts (guild_id, user_id, thread_id, title, story, lesson, field, tags, masked,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                user_id,
                thread_id,
                draft.title,
                draft.story,
                draft.lesson,
                fields[0] if fields else None,
                json.dumps(list(fields)),
                int(masked),
                to_db_time(now),
            ),
        ) as cur:
            post_id = int(cur.lastrowid or 0)
        await _index(
            conn,
            guild_id=guild_id,
            user_id=user_id,
            kind=POST_KIND,
            ref_id=post_id,
            thread_id=thread_id,
            field=fields[0] if fields else None,
            title=draft.title,
            body=f"{draft.story}\n{draft.lesson}",
            now=now,
        )
        if draft_id is not None:
            await conn.execute("DELETE FROM share_drafts WHERE draft_id = ?", (draft_id,))
    return post_id


def _post(row: Any) -> SharedPost:
    created = from_db_time(row["created_at"])
    assert created is not None
    return SharedPost(
        post_id=row["post_id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        thread_id=row["thread_id"],
        title=row["title"],
        story=row["story"],
        lesson=row["lesson"],
        field=row["field"],
        tags=tuple(json.loads(row["tags"])),
        masked=bool(row["masked"]),
        created_at=created,
    )


_POST_COLUMNS = "post_id, guild_id, user_id, thread_id, title, story, lesson, field, tags, masked, created_at"


async def get_post_by_thread(db: Database, thread_id: int) -> SharedPost | None:
    """Return the post behind a thread."""
    row = await db.fetchone(
        f"SELECT {_POST_COLUMNS} FROM shared_posts WHERE thread_id = ?",
        (thread_id,),
    )
    return _post(row) if row else None


async def member_posts(db: Database, guild_id: int, user_id: int) -> list[SharedPost]:
    """Return a member's posts, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_POST_COLUMNS} FROM shared_posts WHERE guild_id = ? AND user_id = ? ORDER BY post_id",
        (guild_id, user_id),
    )
    return [_post(r) for r in rows]


async def count_posts(db: Database, guild_id: int) -> int:
    """Count a guild's shared posts."""
    row = await db.fetchone("SELECT COUNT(*) AS n FROM shared_posts WHERE guild_id = ?", (guild_id,))
    return int(row["n"]) if row else 0


async def forget_thread(db: Database, thread_id: int) -> None:
    """Drop a deleted thread from posts and search."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM shared_posts WHERE thread_id = ?", (thread_id,))
        await conn.execute("DELETE FROM search_documents WHERE thread_id = ?", (thread_id,))


async def forget_member(db: Database, guild_id: int, user_id: int) -> None:
    """Delete a member's posts, drafts, client list, ignored words and search entries (`/privacy forget`)."""
    async with db.transaction() as conn:
        for table in ("shared_posts", "share_drafts", "client_names", "ignored_words", "search_documents"):
            # Table names come from this fixed tuple, never from input.
            await conn.execute(
                f"DELETE FROM {table} WHERE guild_id = ? AND user_id = ?",
                (guild_id, user_id),
            )


async def export_member(db: Database, guild_id: int, user_id: int) -> dict[str, Any]:
    """Return everything this feature stores about a member (`/privacy export`)."""
    drafts = await db.fetchall(
        "SELECT title, story, lesson, tags_text, created_at, expires_at FROM share_drafts"
        " WHERE guild_id = ? AND user_id = ? ORDER BY draft_id",
        (guild_id, user_id),
    )
    return {
        "shared_posts": [
            {
                "thread_id": p.thread_id,
                "title": p.title,
                "story": p.story,
                "lesson": p.lesson,
                "field": p.field,
                "tags": list(p.tags),
                "masked": p.masked,
                "created_at": to_db_time(p.created_at),
            }
            for p in await member_posts(db, guild_id, user_id)
        ],
        "share_drafts": [dict(r) for r in drafts],
        "client_names": await get_client_names(db, guild_id, user_id),
        "ignored_words": await get_ignored_words(db, guild_id, user_id),
    }


async def sync_prompt_threads(db: Database, guild_id: int, now: datetime) -> int:
    """Index posted weekly prompts' answer threads not yet indexed, and drop those that are gone."""
    rows = await db.fetchall(
        "SELECT p.id, p.thread_id, p.text, p.credited_user_id FROM prompt_posts p"
        " LEFT JOIN search_documents d ON d.kind = ? AND d.ref_id = p.id"
        " WHERE p.guild_id = ? AND p.status = 'posted' AND p.thread_id IS NOT NULL AND d.doc_id IS NULL",
        (PROMPT_KIND, guild_id),
    )
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM search_documents WHERE kind = ? AND guild_id = ?"
            " AND ref_id NOT IN (SELECT id FROM prompt_posts WHERE guild_id = ? AND thread_id IS NOT NULL)",
            (PROMPT_KIND, guild_id, guild_id),
        )
        for row in rows:
            await _index(
                conn,
                guild_id=guild_id,
                user_id=row["credited_user_id"],
                kind=PROMPT_KIND,
                ref_id=row["id"],
                thread_id=row["thread_id"],
                field=None,
                title=row["text"][:100],
                body=row["text"],
                now=now,
            )
    return len(rows)


def _quote(token: str) -> str:
    return token.replace('"', '""')


async def search(
    db: Database, guild_id: int, query: str, *, field: str | None = None, limit: int = 5, offset: int = 0
) -> SearchPage:
    """Rank a guild's indexed threads by bm25 for a member's query (every term, else any term)."""
    ranked: list[Any] = []
    scope = f'{{scope}} : "g{int(guild_id)}"' + (f' AND {{scope}} : "f{_quote(field)}"' if field else "")
    for any_term in (False, True):
        terms = fts_query(query, any_term=any_term)
        if terms is None:
            return SearchPage([], 0)
        # Guild and field are matched inside FTS, so only ids and ranks are sorted; the text comes after.
        ranked = await db.fetchall(
            "WITH hits AS MATERIALIZED (SELECT rowid AS doc_id, bm25(search_fts, 3.0, 1.0, 0.0) AS rank"
            " FROM search_fts WHERE search_fts MATCH ?)"
            " SELECT doc_id, rank, COUNT(*) OVER () AS total FROM hits ORDER BY rank, doc_id DESC LIMIT ? OFFSET ?",
            (f"{scope} AND {{title body}} : ({terms})", limit, offset),
        )
        if ranked or offset:
            break
    if not ranked:
        return SearchPage([], 0)
    marks = ",".join("?" * len(ranked))
    rows = await db.fetchall(
        "SELECT doc_id, kind, ref_id, user_id, thread_id, field, title, body FROM search_documents"
        f" WHERE doc_id IN ({marks})",
        tuple(r["doc_id"] for r in ranked),
    )
    by_id = {r["doc_id"]: r for r in rows}
    hits = [
        SearchHit(
            d["kind"], d["ref_id"], d["user_id"], d["thread_id"], d["field"], d["title"], d["body"], r["rank"]
        )
        for r in ranked
        if (d := by_id.get(r["doc_id"])) is not None
    ]
    return SearchPage(hits, int(ranked[0]["total"]))


# --- notices for admins --------------------------------------------------------------------------------


async def set_notice(db: Database, guild_id: int, notice: str, now: datetime) -> None:
    """Remember a problem to show admins in `/majlis status` (a catalogue key)."""
    await db.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, to_db_time(now)),
    )
    await db.execute(
        "INSERT INTO share_notices (guild_id, notice, noted_at) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET notice = excluded.notice, noted_at = excluded.noted_at",
        (guild_id, notice, to_db_time(now)),
    )


async def get_notice(db: Database, guild_id: int) -> str | None:
    """Return the problem admins should see, if any."""
    row = await db.fetchone("SELECT notice FROM share_notices WHERE guild_id = ?", (guild_id,))
    return row["notice"] if row else None


async def clear_notice(db: Database, guild_id: int) -> None:
    """Forget the problem (it was fixed)."""
    await db.execute("DELETE FROM share_notices WHERE guild_id = ?", (guild_id,))
