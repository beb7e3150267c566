"""Benchmark skill-swap matching on 10,000 open requests with Zipf-like skill popularity."""

from __future__ import annotations

import random
import time

from bot.swapmatch import SwapRequest, find_matches

OPEN_REQUESTS = 10_000
SKILLS = 150
MEMBERS = 4_000
# UTC offsets in minutes, weighted towards the Arab region with some diaspora and unknowns.
OFFSETS = [180, 180, 180, 240, 240, 120, 120, 60, 0, 330, -300, -240, 480, None, None]


def make_requests(seed: int = 7) -> tuple[list[SwapRequest], frozenset[frozenset[int]]]:
    """Build open requests and a few avoid pairs; skill k is picked with weight 1/k (Zipf, s=1)."""
    rng = random.Random(seed)
    skills = [f"skill-{k:03d}" for k in range(1, SKILLS + 1)]
    weights = [1 / k for k in range(1, SKILLS + 1)]
    # Offers and wants are popular in different orders: many teach code, many want design.
    wanted = skills[:]
    rng.shuffle(wanted)
    member_offsets = {m: rng.choice(OFFSETS) for m in range(MEMBERS)}
    member_reputation = {m: min(int(rng.expovariate(0.3)), 40) for m in range(MEMBERS)}
    requests = []
    for request_id in range(OPEN_REQUESTS):
        member = rng.randrange(MEMBERS)
        offer = rng.choices(skills, weights)[0]
        want = offer
        while want == offer:
            want = rng.choices(wanted, weights)[0]
        requests.append(
            SwapRequest(
                id=request_id,
                member_id=member,
                offer=offer,
                want=want,
                created_at_order=request_id,
                reputation=member_reputation[member],
                utc_offset_minutes=member_offsets[member],
            )
        )
    avoid = frozenset(frozenset(rng.sample(range(MEMBERS), 2)) for _ in range(500))
    return requests, avoid


def main() -> None:
    requests, avoid = make_requests()
    start = time.perf_counter()
    matches = find_matches(requests, avoid_pairs=avoid)
    seconds = time.perf_counter() - start
    direct = sum(1 for match in matches if match.kind == "direct")
    print(
        f"bench swaps open={len(requests)} seconds={seconds:.3f} matches={len(matches)} "
        f"direct={direct} cycle3={len(matches) - direct}"
    )


if __name__ == "__main__":
    main()
