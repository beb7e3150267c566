"""Autocomplete latency: skill and time-zone suggestions, which run on every keystroke."""

from __future__ import annotations

import gc
import random
import time
from datetime import UTC, datetime

from bot.skills import SkillCatalogue
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
