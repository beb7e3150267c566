"""Skill-swap matching: direct swaps and three-way cycles between open swap requests.

A request says "I offer skill X, I want skill Y" with canonical skill keys. Requests are grouped in
buckets by (offer, want). A direct swap joins bucket (x, y) with bucket (y, x); a three-way cycle
A -> B -> C -> A (A's offer is B's want, B's offer is C's want, C's offer is A's want) joins buckets
(x, z), (y, x), (z, y). Such bucket rings are found on the skill level first, so the work grows with
the number of skills in use rather than with the square or cube of the number of requests.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

MatchKind = Literal["direct", "cycle3"]
Bucket = tuple[str, str]  # (offer, want)
Ring = tuple[Bucket, ...]

# Requests taken from each bucket per pass; later passes reach further down the queue.
# Direct swaps get a wider look so time zones can be matched well within popular skill pairs.
DIRECT_BREADTH = 24
CYCLE_BREADTH = 3
# When every combination within the breadth is forbidden (avoid lists, already proposed), the
# breadth doubles until this many combinations, which bounds the time one ring can take.
MAX_COMBINATIONS = 4096
# Hours of an assumed working day, for how much two members' days overlap.
WORKDAY_HOURS = 8
# Reputation r counts as r / (r + REPUTATION_HALF): 0 -> 0, REPUTATION_HALF -> 0.5, saturating at 1.
REPUTATION_HALF = 5
# Time-zone overlap outweighs reputation: both are in [0, 1] before weighting.
TIMEZONE_WEIGHT = 2.0
REPUTATION_WEIGHT = 1.0
UNKNOWN_TIMEZONE_OVERLAP = 0.5


@dataclass(frozen=True)
class SwapRequest:
    """An open swap request: a member offers one skill and wants another (canonical skill keys)."""

    id: int
    member_id: int
    offer: str
    want: str
    created_at_order: int
    reputation: int = 0
    utc_offset_minutes: int | None = None


@dataclass(frozen=True)
class SwapMatch:
    """A proposed swap; each request's offer is the next request's want, the last wrapping to the first."""

    request_ids: tuple[int, ...]
    member_ids: tuple[int, ...]
    kind: MatchKind
    score: float


def find_matches(
    requests: Sequence[SwapRequest],
    avoid_pairs: frozenset[frozenset[int]] = frozenset(),
    already_proposed: frozenset[frozenset[int]] = frozenset(),
    busy_request_ids: frozenset[int] = frozenset(),
    busy_member_ids: frozenset[int] = frozenset(),
) -> list[SwapMatch]:
    """Propose swaps among open requests: direct swaps first, then three-way cycles.

    Among the possible proposals the best-scored come first (overlapping time zones, then
    reputation), ties going to older requests. No request and no member appears in two proposals;
    no proposal contains an avoid pair of members, repeats a set of request ids in
    `already_proposed`, or uses a busy request or a busy member (one already in a pending proposal).
    """
    ids = [request.id for request in requests]
    if len(set(ids)) != len(ids):
        raise ValueError("request ids must be unique")
    state = _MatchingState(avoid_pairs=avoid_pairs, already_proposed=already_proposed)
    state.used_members.update(busy_member_ids)
    for request in sorted(requests, key=_queue_position):
        if request.id in busy_request_ids or request.member_id in busy_member_ids:
            continue
        state.buckets[(request.offer, request.want)].append(request)

    matches = _match_rings(state, _direct_rings(state.buckets), DIRECT_BREADTH, "direct")
    state.compact()
    matches += _match_rings(state, _cycle_rings(state.buckets), CYCLE_BREADTH, "cycle3")
    return matches


def timezone_overlap(first: int | None, second: int | None) -> float:
    """Return how much two members' working days overlap, from 0 (none) to 1 (same offset)."""
    if first is None or second is None:
        return UNKNOWN_TIMEZONE_OVERLAP
    gap = abs(first - second) % (24 * 60)
    # Offsets more than 12 hours apart are closer the other way round the clock.
    hours = min(gap, 24 * 60 - gap) / 60
    return max(0.0, WORKDAY_HOURS - hours) / WORKDAY_HOURS


def match_score(requests: Sequence[SwapRequest]) -> float:
    """Score a proposed swap from its members' time-zone overlap (every pair) and reputation."""
    pairs = list(itertools.combinations(requests, 2))
    overlap = sum(timezone_overlap(a.utc_offset_minutes, b.utc_offset_minutes) for a, b in pairs) / len(pairs)
    standing = [max(r.reputation, 0) / (max(r.reputation, 0) + REPUTATION_HALF) for r in requests]
    reputation = sum(standing) / len(standing)
    return TIMEZONE_WEIGHT * overlap + REPUTATION_WEIGHT * reputation


@dataclass
class _MatchingState:
    avoid_pairs: frozenset[frozenset[int]]
    already_proposed: frozenset[frozenset[int]]
    buckets: defaultdict[Bucket, list[SwapRequest]] = field(default_factory=lambda: defaultdict(list))
    used_requests: set[int] = field(default_factory=set)
    used_members: set[int] = field(default_factory=set)

    def is_free(self, request: SwapRequest) -> bool:
        return request.id not in self.used_requests and request.member_id not in self.used_members

    def compact(self) -> None:
        """Drop taken requests (and requests of taken members) from every bucket."""
        for key, queue in list(self.buckets.items()):
            free = [request for request in queue if self.is_free(request)]
            if free:
                self.buckets[key] = free
            else:
                del self.buckets[key]

    def allows(self, combination: Sequence[SwapRequest]) -> bool:
        members = [request.member_id for request in combination]
        if len(set(members)) != len(members):
            return False
        request_ids = frozenset(request.id for request in combination)
        if len(request_ids) != len(combination) or request_ids in self.already_proposed:
            return False
        return not any(frozenset(pair) in self.avoid_pairs for pair in itertools.combinations(members, 2))


def _queue_position(request: SwapRequest) -> tuple[int, int, int]:
    """Order a bucket's queue: better reputation, then older, first."""
    return (-request.reputation, request.created_at_order, request.id)


def _direct_rings(buckets: dict[Bucket, list[SwapRequest]]) -> list[Ring]:
    rings = [((offer, want), (want, offer)) for offer, want in buckets if (want, offer) in buckets]
    # Each pair of buckets is found from both ends; keep one.
    return sorted({_canonical(ring) for ring in rings})


def _cycle_rings(buckets: dict[Bucket, list[SwapRequest]]) -> list[Ring]:
    buckets_by_want: defaultdict[str, list[Bucket]] = defaultdict(list)
    for key in buckets:
        buckets_by_want[key[1]].append(key)
    rings: set[Ring] = set()
    for first in buckets:
        x, z = first  # A offers x and wants z
        for second in buckets_by_want[x]:  # B wants x and offers y
            third = (z, second[0])  # C offers z and wants y
            if third in buckets:
                rings.add(_canonical((first, second, third)))
    return sorted(rings)


def _canonical(ring: Ring) -> Ring:
    return min(ring[i:] + ring[:i] for i in range(len(ring)))


def _match_rings(state: _MatchingState, rings: list[Ring], breadth: int, kind: MatchKind) -> list[SwapMatch]:
    """Greedily accept the best proposals ring by ring, pass after pass, until none is left."""
    matches: list[SwapMatch] = []
    active = rings
    while active:
        state.compact()
        candidates: list[tuple[tuple[float, tuple[int, ...], tuple[int, ...]], tuple[SwapRequest, ...]]] = []
        productive: list[Ring] = []
        for ring in active:
            found = _ring_candidates(state, ring, breadth)
            if found:
                # A ring with no allowed combination now never gains one: buckets only shrink.
                productive.append(ring)
                candidates.extend(found)
        candidates.sort(key=lambda candidate: candidate[0])
        for (negative_score, _, _), combination in candidates:
            if not all(state.is_free(request) for request in combination):
                continue
            for request in combination:
                state.used_requests.add(request.id)
                state.used_members.add(request.member_id)
            matches.append(_as_match(combination, kind, -negative_score))
        active = productive
    return matches


def _ring_candidates(
    state: _MatchingState, ring: Ring, breadth: int
) -> list[tuple[tuple[float, tuple[int, ...], tuple[int, ...]], tuple[SwapRequest, ...]]]:
    queues = [state.buckets.get(key, []) for key in ring]
    if not all(queues):
        return []
    depth = breadth
    while True:
        heads = [queue[:depth] for queue in queues]
        found = []
        for combination in itertools.product(*heads):
            if state.allows(combination):
                score = round(match_score(combination), 9)
                # Ties on score go to the longest-waiting requests; ids make the order total.
                ages = tuple(sorted(request.created_at_order for request in combination))
                request_ids = tuple(sorted(request.id for request in combination))
                found.append(((-score, ages, request_ids), combination))
        if found or all(len(queue) <= depth for queue in queues):
            return found
        depth *= 2
        if math.prod(min(len(queue), depth) for queue in queues) > MAX_COMBINATIONS:
            return []


def _as_match(combination: tuple[SwapRequest, ...], kind: MatchKind, score: float) -> SwapMatch:
    # Start the cycle at its oldest request so a match reads the same however it was found.
    start = min(range(len(combination)), key=lambda i: (combination[i].created_at_order, combination[i].id))
    ordered = combination[start:] + combination[:start]
    return SwapMatch(
        request_ids=tuple(request.id for request in ordered),
        member_ids=tuple(request.member_id for request in ordered),
        kind=kind,
        score=score,
    )
