"""`/intros status` latency with a 100,000-member database.

Times the command's data path directly (`member_status_lines`: every query and the text the member
sees), not the Discord round trip; the store holds 100k opted-in members and 8 past rounds of pairs.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.storage import Database, to_db_time
from cogs.intros._status import member_status_lines

MEMBERS = 100_000
ROUNDS = 8
SAMPLES = 2_000
GUILD = 1


async def _populate(db: Database, now: datetime) -> None:
    rng = random.Random(3)
    stamp = to_db_time(now)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (GUILD, stamp))
        await conn.executemany(
            "INSERT INTO intro_members (guild_id, user_id, opted_in, joined_at, priority) VALUES (?, ?, 1, ?, 0)",
            [(GUILD, uid, stamp) for uid in range(1, MEMBERS + 1)],
        )
        group_id = 0
        for number in range(ROUNDS):
            when = now - timedelta(weeks=ROUNDS - number)
            cur = await conn.execute(
                "INSERT INTO intro_rounds (guild_id, scheduled_for, created_at, seed, group_size, match_mode,"
                " delivery, channel_id, language, checkin_at, checkin_done, delivered_at)"
                " VALUES (?, ?, ?, 0, 2, 'same_field', 'thread', 10, 'ar', ?, 1, ?)",
                (GUILD, to_db_time(when), to_db_time(when), to_db_time(when), to_db_time(when)),
            )
            round_id = cur.lastrowid
            members = list(range(1, MEMBERS + 1))
            rng.shuffle(members)
            groups, rows = [], []
            for position in range(0, MEMBERS - 1, 2):
                group_id += 1
                groups.append((group_id, round_id, GUILD, position // 2, 10_000_000 + group_id))
                for uid in members[position : position + 2]:
                    rows.append((group_id, GUILD, uid, rng.choice(("met", None, "not_yet"))))
            await conn.executemany(
                "INSERT INTO intro_groups (group_id, round_id, guild_id, position, state, thread_id)"
                " VALUES (?, ?, ?, ?, 'posted', ?)",
                groups,
            )
            await conn.executemany(
                "INSERT INTO intro_group_members (group_id, guild_id, user_id, answer) VALUES (?, ?, ?, ?)",
                rows,
            )


async def _measure(path: Path) -> list[float]:
    db = Database(path)
    await db.open()
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    await _populate(db, now)
    tz = ZoneInfo("Asia/Riyadh")
    rng = random.Random(5)
    timings = []
    try:
        for _ in range(SAMPLES):
            uid = rng.randint(1, MEMBERS)
            started = time.perf_counter()
            lines = await member_status_lines(
                db, GUILD, uid, lang="ar", now=now, next_round=now + timedelta(days=3), tz=tz
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert lines
    finally:
        await db.close()
    return timings


def main() -> None:
    """Print `bench command members=100000 p99_ms=…`."""
    with tempfile.TemporaryDirectory() as tmp:
        timings = asyncio.run(_measure(Path(tmp) / "bench.db"))
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(
        f"bench command members={MEMBERS} p99_ms={p99:.2f} p50_ms={statistics.median(timings):.2f} "
        f"rounds={ROUNDS} samples={SAMPLES} path=data_path"
    )


if __name__ == "__main__":
    main()
