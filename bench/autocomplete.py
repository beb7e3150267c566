"""Autocomplete latency: skill and time-zone suggestions, which run on every keystroke."""

from __future__ import annotations

import asyncio
import gc
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.profile_card import skill_list_choices
from bot.skills import SkillCatalogue
from bot.storage import Database
from bot.storage import profiles as profile_store
from bot.timezones import TimezoneDirectory

GUILD_EXTRA = 5000
QUERIES = 4000
_LATIN = "abcdefghijklmnopqrstuvwxyz"
_ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _p99_ms(samples: list[float]) -> float:
    samples.sort()
    return samples[int(len(samples) * 0.99)] * 1000


def _prefixes(rng: random.Random, names: list[str]) -> list[str]:
    """Half real prefixes of known names (as members type them), half random letters."""
    out = []
    for _ in range(QUERIES):
        if rng.random() < 0.5:
            name = rng.choice(names)
            out.append(name[: rng.randint(0, min(len(name), 12))])
        else:
            alphabet = rng.choice([_LATIN, _ARABIC])
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))))
    return out


def main() -> None:
    rng = random.Random(7)
    catalogue = SkillCatalogue.load()
    # A guild's own skills: free text that is not in the shipped list, in both scripts.
    guild = [
        " ".join(
            "".join(rng.choice(rng.choice([_LATIN, _ARABIC])) for _ in range(rng.randint(3, 9)))
            for _ in range(rng.randint(1, 3))
        )
        for _ in range(GUILD_EXTRA)
    ]
    names = [n for s in catalogue for n in (s.en, s.ar, *s.synonyms)] + guild
    # The first keystroke after the guild's skill list changes pays for indexing it once.
    start = time.perf_counter()
    catalogue.suggest("a", "ar", guild)
    cold_ms = (time.perf_counter() - start) * 1000
    queries = _prefixes(rng, names)
    gc.collect()  # start from a clean heap: setup garbage is not a keystroke's cost
    samples = []
    for prefix in queries:
        start = time.perf_counter()
        catalogue.suggest(prefix, "ar", guild)
        samples.append(time.perf_counter() - start)
    print(
        f"bench autocomplete skills={len(catalogue) + len(guild)} p99_ms={_p99_ms(samples):.2f}"
        f" first_keystroke_ms={cold_ms:.1f}"
    )

    directory = TimezoneDirectory.load()
    now = datetime.now(UTC)
    names = [n for c in directory.cities for n in (c.en, c.ar)] + sorted(directory.zones)
    names += [f"UTC+{h}" for h in range(15)]
    queries = _prefixes(rng, names)
    gc.collect()
    samples = []
    for prefix in queries:
        start = time.perf_counter()
        directory.suggest(prefix, "ar", now=now)
        samples.append(time.perf_counter() - start)
    print(f"bench autocomplete timezones zones={len(directory.zones)} p99_ms={_p99_ms(samples):.2f}")
    guild_main()


MEMBERS = 100_000
SKILLS_EACH = 15
GUILD = 1
KEYSTROKES = 2_000


async def _populate_guild(db: Database, rng: random.Random, skills: list[str]) -> None:
    stamp = "2026-03-01T09:00:00+00:00"
    # A few skills are common, most are rare (as in a real guild): a Zipf-like draw.
    weights = [1 / (rank + 1) for rank in range(len(skills))]
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (GUILD, stamp))
        await conn.executemany(
            "INSERT INTO profiles (guild_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(GUILD, uid, stamp, stamp) for uid in range(1, MEMBERS + 1)],
        )
        for start in range(1, MEMBERS + 1, 10_000):
            rows: list[tuple[int, int, str, int]] = []
            for uid in range(start, min(start + 10_000, MEMBERS + 1)):
                chosen = dict.fromkeys(rng.choices(skills, weights, k=SKILLS_EACH * 2))
                rows.extend((GUILD, uid, key, i) for i, key in enumerate(list(chosen)[:SKILLS_EACH]))
            # The triggers keep guild_skills as each row lands, as `/profile set` does.
            await conn.executemany(
                "INSERT INTO member_skills (guild_id, user_id, skill_key, position) VALUES (?, ?, ?, ?)", rows
            )


async def _measure_guild(
    path: Path, catalogue: SkillCatalogue, prefixes: list[str]
) -> tuple[list[float], float]:
    rng = random.Random(11)
    own = [
        " ".join(
            "".join(rng.choice(_ARABIC) for _ in range(rng.randint(3, 8))) for _ in range(rng.randint(1, 3))
        )
        for _ in range(3000)
    ]
    skills = list(dict.fromkeys([s.key for s in catalogue] + own))
    rng.shuffle(skills)
    db = Database(path)
    await db.open()
    try:
        await _populate_guild(db, rng, skills)
        # What the autocomplete did before: count every member's skills on each keystroke.
        start = time.perf_counter()
        await db.fetchall(
            "SELECT skill_key, COUNT(*) AS n FROM member_skills WHERE guild_id = ? "
            "GROUP BY skill_key ORDER BY n DESC, skill_key LIMIT 2000",
            (GUILD,),
        )
        scan_ms = (time.perf_counter() - start) * 1000
        gc.collect()
        samples = []
        for prefix in prefixes:
            start = time.perf_counter()
            # The `/profile set skills:` handler's data path: the guild's list, then the choices.
            known = await profile_store.guild_skills(db, GUILD)
            skill_list_choices(prefix, "ar", known.keys, catalogue, labels=known.labels)
            samples.append(time.perf_counter() - start)
    finally:
        await db.close()
    return samples, scan_ms


def guild_main() -> None:
    """Print `bench autocomplete guild_skills members=100000 p99_ms=…` (database read + choices)."""
    rng = random.Random(9)
    catalogue = SkillCatalogue.load()
    names = [n for s in catalogue for n in (s.en, s.ar)]
    prefixes = _prefixes(rng, names)[:KEYSTROKES]
    with tempfile.TemporaryDirectory() as tmp:
        samples, scan_ms = asyncio.run(_measure_guild(Path(tmp) / "bench.db", catalogue, prefixes))
    print(
        f"bench autocomplete guild_skills members={MEMBERS} p99_ms={_p99_ms(samples):.2f}"
        f" skills_each={SKILLS_EACH} keystrokes={len(samples)} full_scan_ms={scan_ms:.0f}"
    )
