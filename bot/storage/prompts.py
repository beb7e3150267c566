"""Weekly prompts: member suggestions, each post (exactly once per occurrence) and digests."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage import Database, from_db_time, to_db_time

MAX_PENDING_PER_MEMBER = 3
QUEUE_PAGE_SIZE = 4


def suggestion_ref(suggestion_id: int) -> str:
    """Name a guild's own prompt in the rotation history (bank prompts use their bank id)."""
    return f"suggestion:{suggestion_id}"


@dataclass(frozen=True)
class Suggestion:
    """A prompt written in the guild: a member's suggestion or one an admin added."""

    id: int
    guild_id: int
    author_user_id: int
    text: str
    language: str | None
    origin: str  # "member" or "admin"
    status: str  # "pending", "approved" or "rejected"
    created_at: datetime

    @property
    def credited(self) -> bool:
        """Tell whether the post names the author (member suggestions only)."""
        return self.origin == "member"


@dataclass(frozen=True)
class PromptPost:
    """One weekly prompt post; `status` moves posting -> posted, or to failed and back on retry."""

    id: int
    guild_id: int
    scheduled_for: datetime | None
    prompt_ref: str
    suggestion_id: int | None
    credited_user_id: int | None
    text: str
    language: str | None
    channel_id: int | None
    message_id: int | None
    thread_id: int | None
    status: str
    error: str | None
    attempts: int
    answer_count: int | None
    created_at: datetime
    posted_at: datetime | None
    attempted_at: datetime | None = None  # set just before each send, so a restart looks back from it

    @property
    def complete(self) -> bool:
        """Tell whether the prompt and its answers thread are both out."""
        return self.status == "posted" and self.thread_id is not None


@dataclass(frozen=True)
class Digest:
    """One weekly digest post."""

    id: int
    guild_id: int
    scheduled_for: datetime | None
    prompt_post_id: int | None
    message_id: int | None
    status: str
    error: str | None
    posted_at: datetime | None
    channel_id: int | None = None
    attempted_at: datetime | None = None  # set just before the send, so a restart looks for it first


def _suggestion(row: Any) -> Suggestion:
    return Suggestion(
        id=row["id"],
        guild_id=row["guild_id"],
        author_user_id=row["author_user_id"],
        text=row["text"],
        language=row["language"],
        origin=row["origin"],
        status=row["status"],
        created_at=from_db_time(row["created_at"]),  # type: ignore[arg-type]
    )


def _post(row: Any) -> PromptPost:
    return PromptPost(
        id=row["id"],
        guild_id=row["guild_id"],
        scheduled_for=from_db_time(row["scheduled_for"]),
        prompt_ref=row["prompt_ref"],
        suggestion_id=row["suggestion_id"],
        credited_user_id=row["credited_user_id"],
        text=row["text"],
        language=row["language"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        status=row["status"],
        error=row["error"],
        attempts=row["attempts"],
        answer_count=row["answer_count"],
        created_at=from_db_time(row["created_at"]),  # type: ignore[arg-type]
        posted_at=from_db_time(row["posted_at"]),
        attempted_at=from_db_time(row["attempted_at"]),
    )


def _digest(row: Any) -> Digest:
    return Digest(
        id=row["id"],
        guild_id=row["guild_id"],
        scheduled_for=from_db_time(row["scheduled_for"]),
        prompt_post_id=row["prompt_post_id"],
        message_id=row["message_id"],
        status=row["status"],
        error=row["error"],
        posted_at=from_db_time(row["posted_at"]),
        channel_id=row["channel_id"],
        attempted_at=from_db_time(row["attempted_at"]),
    )


_SUGGESTION_COLUMNS = "id, guild_id, author_user_id, text, language, origin, status, created_at"
_POST_COLUMNS = (
    "id, guild_id, scheduled_for, prompt_ref, suggestion_id, credited_user_id, text, language, channel_id,"
    " message_id, thread_id, status, error, attempts, answer_count, created_at, posted_at, attempted_at"
)
_DIGEST_COLUMNS = (
    "id, guild_id, scheduled_for, prompt_post_id, message_id, status, error, "
    "posted_at, channel_id, attempted_at"
)


# -- suggestions ------------------------------------------------------------------------------------


async def count_pending_by(db: Database, guild_id: int, user_id: int) -> int:
    """Return how many of a member's suggestions are waiting for review."""
    row = await db.fetchone(
        "SELECT count(*) AS n FROM prompt_suggestions"
        " WHERE guild_id = ? AND author_user_id = ? AND status = 'pending'",
        (guild_id, user_id),
    )
    return int(row["n"]) if row else 0


async def find_waiting_duplicate(db: Database, guild_id: int, text_key: str) -> Suggestion | None:
    """Return a pending, or approved and not yet posted, prompt with the same normalised text."""
    row = await db.fetchone(
        f"SELECT {_SUGGESTION_COLUMNS} FROM prompt_suggestions s"
        " WHERE guild_id = ? AND text_key = ? AND (status = 'pending' OR (status = 'approved'"
        "  AND NOT EXISTS (SELECT 1 FROM prompt_posts p WHERE p.suggestion_id = s.id)))"
        " ORDER BY id LIMIT 1",
        (guild_id, text_key),
    )
    return _suggestion(row) if row else None


async def add_suggestion(
    db: Database,
    guild_id: int,
    author_user_id: int,
    text: str,
    text_key: str,
    language: str | None,
    now: datetime,
    *,
    origin: str = "member",
) -> int | None:
    """Store a prompt; a member's waits for review, an admin's is approved at once.

    Return its id, or None when the same text is already waiting (a race past the caller's check).
    """
    approved = origin == "admin"
    try:
        return await db.execute(
            "INSERT INTO prompt_suggestions (guild_id, author_user_id, text, text_key, language, origin, status,"
            " created_at, decided_at, decided_by_user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                author_user_id,
                text,
                text_key,
                language,
                origin,
                "approved" if approved else "pending",
                to_db_time(now),
                to_db_time(now) if approved else None,
                author_user_id if approved else None,
            ),
        )
    except sqlite3.IntegrityError:
        return None


async def get_suggestion(db: Database, guild_id: int, suggestion_id: int) -> Suggestion | None:
    """Return one of a guild's suggestions."""
    row = await db.fetchone(
        f"SELECT {_SUGGESTION_COLUMNS} FROM prompt_suggestions WHERE guild_id = ? AND id = ?",
        (guild_id, suggestion_id),
    )
    return _suggestion(row) if row else None


async def pending_suggestions(db: Database, guild_id: int) -> list[Suggestion]:
    """Return the suggestions waiting for review, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_SUGGESTION_COLUMNS} FROM prompt_suggestions"
        " WHERE guild_id = ? AND status = 'pending' ORDER BY id",
        (guild_id,),
    )
    return [_suggestion(r) for r in rows]


async def decide_suggestion(
    db: Database, guild_id: int, suggestion_id: int, *, approve: bool, by_user_id: int, now: datetime
) -> bool:
    """Approve or reject a pending suggestion; return False if it was not pending any more."""
    async with db.conn.execute(
        "UPDATE prompt_suggestions SET status = ?, decided_at = ?, decided_by_user_id = ?"
        " WHERE guild_id = ? AND id = ? AND status = 'pending'",
        ("approved" if approve else "rejected", to_db_time(now), by_user_id, guild_id, suggestion_id),
    ) as cur:
        return cur.rowcount > 0


async def approved_in_order(db: Database, guild_id: int) -> list[Suggestion]:
    """Return the guild's approved prompts in approval order (the rotation's front of the queue)."""
    rows = await db.fetchall(
        f"SELECT {_SUGGESTION_COLUMNS} FROM prompt_suggestions"
        " WHERE guild_id = ? AND status = 'approved' ORDER BY decided_at, id",
        (guild_id,),
    )
    return [_suggestion(r) for r in rows]


async def count_approved_waiting(db: Database, guild_id: int) -> int:
    """Return how many approved prompts have not been posted yet."""
    row = await db.fetchone(
        "SELECT count(*) AS n FROM prompt_suggestions s WHERE guild_id = ? AND status = 'approved'"
        " AND NOT EXISTS (SELECT 1 FROM prompt_posts p WHERE p.suggestion_id = s.id)",
        (guild_id,),
    )
    return int(row["n"]) if row else 0


# -- posts ------------------------------------------------------------------------------------------


async def used_prompt_refs(db: Database, guild_id: int) -> list[str]:
    """Return every prompt chosen so far in the guild, oldest first (the rotation's history)."""
    rows = await db.fetchall(
        "SELECT prompt_ref FROM prompt_posts WHERE guild_id = ? ORDER BY id", (guild_id,)
    )
    return [r["prompt_ref"] for r in rows]


async def get_post(db: Database, post_id: int) -> PromptPost | None:
    """Return one prompt post."""
    row = await db.fetchone(f"SELECT {_POST_COLUMNS} FROM prompt_posts WHERE id = ?", (post_id,))
    return _post(row) if row else None


async def post_for_occurrence(db: Database, guild_id: int, scheduled_for: datetime) -> PromptPost | None:
    """Return the post made (or being made) for a scheduled occurrence."""
    row = await db.fetchone(
        f"SELECT {_POST_COLUMNS} FROM prompt_posts WHERE guild_id = ? AND scheduled_for = ?",
        (guild_id, to_db_time(scheduled_for)),
    )
    return _post(row) if row else None


async def unfinished_posts(db: Database, guild_id: int) -> list[PromptPost]:
    """Return posts not fully out (failed, interrupted, or missing their thread), oldest first."""
    rows = await db.fetchall(
        f"SELECT {_POST_COLUMNS} FROM prompt_posts"
        " WHERE guild_id = ? AND (status != 'posted' OR thread_id IS NULL) ORDER BY id",
        (guild_id,),
    )
    return [_post(r) for r in rows]


async def claim_post(
    db: Database,
    guild_id: int,
    scheduled_for: datetime | None,
    now: datetime,
    *,
    prompt_ref: str,
    text: str,
    language: str | None,
    suggestion_id: int | None = None,
    credited_user_id: int | None = None,
) -> PromptPost | None:
    """Record a new post as "posting" before anything is sent; None if the occurrence already has one."""
    try:
        post_id = await db.execute(
            "INSERT INTO prompt_posts (guild_id, scheduled_for, prompt_ref, suggestion_id, credited_user_id,"
            " text, language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                to_db_time(scheduled_for),
                prompt_ref,
                suggestion_id,
                credited_user_id,
                text,
                language,
                to_db_time(now),
            ),
        )
    except sqlite3.IntegrityError:
        return None
    return await get_post(db, post_id)


async def carry_post(db: Database, post_id: int, scheduled_for: datetime | None) -> PromptPost | None:
    """Move a failed post to a later occurrence, so that run retries it instead of choosing anew."""
    try:
        await db.execute(
            "UPDATE prompt_posts SET scheduled_for = ? WHERE id = ?", (to_db_time(scheduled_for), post_id)
        )
    except sqlite3.IntegrityError:
        return None
    return await get_post(db, post_id)


async def start_attempt(db: Database, post_id: int, channel_id: int, now: datetime) -> None:
    """Mark a post as being sent to a channel (before the HTTP call)."""
    await db.execute(
        "UPDATE prompt_posts SET status = 'posting', channel_id = ?, attempts = attempts + 1, attempted_at = ?"
        " WHERE id = ?",
        (channel_id, to_db_time(now), post_id),
    )


async def record_message(db: Database, post_id: int, channel_id: int, message_id: int, now: datetime) -> None:
    """Record the posted message (right after the HTTP call), before the thread is opened."""
    await db.execute(
        "UPDATE prompt_posts SET channel_id = ?, message_id = ?, error = NULL, posted_at = ? WHERE id = ?",
        (channel_id, message_id, to_db_time(now), post_id),
    )


async def record_thread(db: Database, post_id: int, thread_id: int) -> None:
    """Record the answers thread: the post is complete."""
    await db.execute(
        "UPDATE prompt_posts SET thread_id = ?, status = 'posted', error = NULL WHERE id = ?",
        (thread_id, post_id),
    )


async def record_post_failure(db: Database, post_id: int, error: str) -> None:
    """Record why a post (or its thread) could not be made; the next run retries it."""
    await db.execute(
        "UPDATE prompt_posts SET status = 'failed', error = ? WHERE id = ?", (error[:300], post_id)
    )


async def forget_message(db: Database, post_id: int) -> None:
    """Drop a message id whose message is gone (its channel was deleted), so it is posted again."""
    await db.execute(
        "UPDATE prompt_posts SET message_id = NULL, posted_at = NULL, channel_id = NULL WHERE id = ?",
        (post_id,),
    )


async def count_posts(db: Database, guild_id: int) -> int:
    """Return how many prompts the guild has had posted."""
    row = await db.fetchone(
        "SELECT count(*) AS n FROM prompt_posts WHERE guild_id = ? AND message_id IS NOT NULL", (guild_id,)
    )
    return int(row["n"]) if row else 0


async def latest_undigested_post(db: Database, guild_id: int, before: datetime) -> PromptPost | None:
    """Return the newest complete post made at or before `before` that no digest has covered."""
    row = await db.fetchone(
        f"SELECT {_POST_COLUMNS} FROM prompt_posts p"
        " WHERE guild_id = ? AND status = 'posted' AND thread_id IS NOT NULL AND posted_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM prompt_digests d WHERE d.prompt_post_id = p.id"
        "  AND d.status IN ('posted', 'empty'))"
        " ORDER BY posted_at DESC, id DESC LIMIT 1",
        (guild_id, to_db_time(before)),
    )
    return _post(row) if row else None


async def record_answer_count(db: Database, post_id: int, count: int) -> None:
    """Remember how many answers a prompt's thread had when the digest counted them."""
    await db.execute("UPDATE prompt_posts SET answer_count = ? WHERE id = ?", (count, post_id))


async def count_prompts_answered(db: Database, guild_id: int, since: datetime) -> int:
    """Return the answers counted (at digest time) in threads of prompts posted since `since`."""
    row = await db.fetchone(
        "SELECT coalesce(sum(answer_count), 0) AS n FROM prompt_posts WHERE guild_id = ? AND posted_at >= ?",
        (guild_id, to_db_time(since)),
    )
    return int(row["n"]) if row else 0


# -- digests ----------------------------------------------------------------------------------------


async def claim_digest(
    db: Database, guild_id: int, scheduled_for: datetime | None, now: datetime
) -> Digest | None:
    """Record a digest as being made; return the existing one if the occurrence already has one.

    A run asked for by hand resumes the guild's unfinished one (left by a restart) instead of starting anew.
    """
    if scheduled_for is None:
        row = await db.fetchone(
            f"SELECT {_DIGEST_COLUMNS} FROM prompt_digests"
            " WHERE guild_id = ? AND scheduled_for IS NULL AND status = 'posting' ORDER BY id DESC LIMIT 1",
            (guild_id,),
        )
        if row is not None:
            return _digest(row)
    try:
        digest_id = await db.execute(
            "INSERT INTO prompt_digests (guild_id, scheduled_for, created_at) VALUES (?, ?, ?)",
            (guild_id, to_db_time(scheduled_for), to_db_time(now)),
        )
    except sqlite3.IntegrityError:
        row = await db.fetchone(
            f"SELECT {_DIGEST_COLUMNS} FROM prompt_digests WHERE guild_id = ? AND scheduled_for = ?",
            (guild_id, to_db_time(scheduled_for)),
        )
        return _digest(row) if row else None
    row = await db.fetchone(f"SELECT {_DIGEST_COLUMNS} FROM prompt_digests WHERE id = ?", (digest_id,))
    return _digest(row) if row else None


async def start_digest_attempt(
    db: Database, digest_id: int, prompt_post_id: int | None, channel_id: int, now: datetime
) -> None:
    """Record that a digest of a prompt is about to be sent to a channel (before the HTTP call)."""
    await db.execute(
        "UPDATE prompt_digests SET prompt_post_id = ?, channel_id = ?, attempted_at = ? WHERE id = ?",
        (prompt_post_id, channel_id, to_db_time(now), digest_id),
    )


async def interrupted_digests(db: Database, guild_id: int, exclude_id: int) -> list[Digest]:
    """Return the guild's other digests whose send was started but never recorded (cut off by a restart)."""
    rows = await db.fetchall(
        f"SELECT {_DIGEST_COLUMNS} FROM prompt_digests"
        " WHERE guild_id = ? AND id != ? AND status = 'posting' AND attempted_at IS NOT NULL ORDER BY id",
        (guild_id, exclude_id),
    )
    return [_digest(row) for row in rows]


async def finish_digest(
    db: Database,
    digest_id: int,
    *,
    status: str,
    prompt_post_id: int | None = None,
    channel_id: int | None = None,
    message_id: int | None = None,
    error: str | None = None,
    now: datetime | None = None,
) -> None:
    """Record how a digest ended: posted, empty (nothing to digest) or failed."""
    await db.execute(
        "UPDATE prompt_digests SET status = ?, prompt_post_id = coalesce(?, prompt_post_id),"
        " channel_id = coalesce(?, channel_id),"
        " message_id = ?, error = ?,"
        " posted_at = ? WHERE id = ?",
        (status, prompt_post_id, channel_id, message_id, error and error[:300], to_db_time(now), digest_id),
    )


async def last_digest(db: Database, guild_id: int) -> Digest | None:
    """Return the guild's most recent digest attempt."""
    row = await db.fetchone(
        f"SELECT {_DIGEST_COLUMNS} FROM prompt_digests WHERE guild_id = ? ORDER BY id DESC LIMIT 1",
        (guild_id,),
    )
    return _digest(row) if row else None


async def shared_threads_between(
    db: Database, guild_id: int, start: datetime, end: datetime, limit: int = 5
) -> list[tuple[int, str]]:
    """Return (thread_id, title) of experience threads shared in a window."""
    rows = await db.fetchall(
        "SELECT thread_id, title FROM shared_posts WHERE guild_id = ? AND created_at > ? AND created_at <= ?"
        " AND thread_id IS NOT NULL ORDER BY created_at LIMIT ?",
        (guild_id, to_db_time(start), to_db_time(end), limit),
    )
    return [(int(r["thread_id"]), str(r["title"])) for r in rows]
