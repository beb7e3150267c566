"""Benchmark `/share search`: FTS5 over 20,000 Arabic and English posts, per-query latency."""

from __future__ import annotations

import asyncio
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.share import index_text
from bot.storage import Database, to_db_time
from bot.storage import share as store

POSTS = 20_000
QUERIES = 300
GUILD = 1
FIELDS = ("programming", "design", "writing", "marketing", "video", "data", "business", "teaching", "other")
ARABIC = [
    "العميل",
    "تأخر",
    "في",
    "الدفع",
    "والفاتورة",
    "ما",
    "زالت",
    "معلقة",
    "منذ",
    "شهرين",
    "وتعلمت",
    "أن",
    "أطلب",
    "دفعة",
    "مقدمة",
    "قبل",
    "البدء",
    "بالعمل",
    "التسعير",
    "بالساعة",
    "أو",
    "بالمشروع",
    "العقد",
    "يحمي",
    "الطرفين",
    "الإرهاق",
    "والعزلة",
    "العمل",
    "الحر",
    "يحتاج",
    "إلى",
    "شبكة",
    "علاقات",
    "التصميم",
    "الشعار",
    "الهوية",
    "البصرية",
    "الترجمة",
    "المحتوى",
    "التسويق",
    "الإعلانات",
    "البرمجة",
    "الموقع",
    "التطبيق",
    "قاعدة",
    "البيانات",
]
ENGLISH = [
    "the",
    "client",
    "paid",
    "late",
    "and",
    "the",
    "invoice",
    "stayed",
    "open",
    "for",
    "two",
    "months",
    "so",
    "I",
    "learned",
    "to",
    "ask",
    "for",
    "a",
    "deposit",
    "pricing",
    "hourly",
    "or",
    "per",
    "project",
    "a",
    "contract",
    "protects",
    "both",
    "sides",
    "burnout",
    "and",
    "loneliness",
    "freelancing",
    "needs",
    "a",
    "network",
    "of",
    "peers",
    "logo",
    "branding",
    "translation",
    "content",
    "marketing",
    "ads",
    "code",
    "website",
    "app",
    "database",
    "scope",
    "creep",
]
QUERY_POOL = (
    "فاتوره",
    "الفاتورة المتأخرة",
    "دفعة مقدمة",
    "تسعير",
    "العقد",
    "العزلة",
    "تصميم الشعار",
    "تطبيق",
    "invoice",
    "deposit",
    "pricing project",
    "contract",
    "burnout",
    "scope creep",
    "logo",
    "late payment",
    '"quoted',
    "AND OR",
    "database*",
)


def _vocabulary(rng: random.Random, topic: list[str], letters: str) -> tuple[list[str], list[float]]:
    """Topic words among thousands of others, with Zipf frequencies, as in real posts."""
    filler = {"".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(6000)}
    words = list(filler)
    rng.shuffle(words)
    # Topic words sit at ranks 20-400: common, but not in every post.
    for word in topic:
        words.insert(rng.randint(20, 400), word)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, list(itertools.accumulate(weights))


def _text(rng: random.Random, vocabulary: tuple[list[str], list[float]], n: int) -> str:
    words, cumulative = vocabulary
    return " ".join(rng.choices(words, cum_weights=cumulative, k=n))


def _fill(path: Path, rng: random.Random) -> None:
    """Write the posts in one transaction, laid out exactly as `save_post` does (bulk, for speed)."""
    now = to_db_time(datetime(2026, 1, 1, tzinfo=UTC))
    arabic = _vocabulary(rng, ARABIC, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
    english = _vocabulary(rng, ENGLISH, "abcdefghijklmnopqrstuvwxyz")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (GUILD, now))
        for i in range(POSTS):
            words = arabic if i % 2 else english
            title, story, lesson = (
                _text(rng, words, 6)[:100],
                _text(rng, words, rng.randint(60, 180)),
                _text(rng, words, 25),
            )
            field = FIELDS[i % len(FIELDS)]
            post_id = conn.execute(
                "INSERT INTO shared_posts (guild_id, user_id, thread_id, title, story, lesson, field, tags, masked,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                (GUILD, 1000 + i % 500, 10_000 + i, title, story, lesson, field, f'["{field}"]', now),
            ).lastrowid
            body = f"{story}\n{lesson}"
            doc_id = conn.execute(
                "INSERT INTO search_documents (guild_id, user_id, kind, ref_id, thread_id, field, title, body,"
                " created_at) VALUES (?, ?, 'post', ?, ?, ?, ?, ?, ?)",
                (GUILD, 1000 + i % 500, post_id, 10_000 + i, field, title, body, now),
            ).lastrowid
            conn.execute(
                "INSERT INTO search_fts (rowid, title, body, scope) VALUES (?, ?, ?, ?)",
                (doc_id, index_text(title), index_text(body), store.search_scope(GUILD, field)),
            )
    conn.close()


async def _run() -> tuple[float, float, float, float]:
    rng = random.Random(6)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        db = Database(path)
        await db.open()  # creates the schema
        await db.close()
        started = time.perf_counter()
        _fill(path, rng)
        fill_s = time.perf_counter() - started
        await db.open()
        try:
            timings = []
            for i in range(QUERIES):
                query = QUERY_POOL[i % len(QUERY_POOL)]
                field = FIELDS[i % len(FIELDS)] if i % 4 == 0 else None
                started = time.perf_counter()
                await store.search(db, GUILD, query, field=field, limit=5, offset=5 * (i % 3))
                timings.append((time.perf_counter() - started) * 1000)
        finally:
            await db.close()
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return fill_s, statistics.median(timings), p99, max(timings)


def main() -> None:
    fill_s, p50, p99, worst = asyncio.run(_run())
    print(
        f"bench search posts={POSTS} queries={QUERIES} p50_ms={p50:.2f} p99_ms={p99:.2f} max_ms={worst:.2f}"
        f" index_s={fill_s:.1f}"
    )
