"""Solve a round: who meets whom, in groups, under the hard rules, at any size (weights: `scoring`).

Hard rules: an ``avoid`` pair is never grouped; nobody is in two groups; everyone is grouped when the
constraints allow it; a pair that met within the repeat window is grouped only when no alternative
exists (exactly so for rounds of at most ``_EXHAUSTIVE_LIMIT`` members, by a last-resort search
above that). Priority members (left out or stood up last round) win every tie for a place.

Group sizes: with ``group_size`` k every group has k or k+1 members; only when a round is too small
to do that (e.g. 6 members in groups of 4) the groups are balanced and may hold k-1. Never 1. When
avoid/repeat rules leave no other way, a group of 2 (rather than leaving someone out); in big rounds a
member barred from every group of k+1 may make one group of k+2.

Scale: up to ``_EXACT_LIMIT`` members the pairing is an exact maximum-weight matching (rustworkx) on
a candidate graph holding each member's best partners (all pairs for small rounds). Above that the
members are sorted by field and time zone, cut into blocks, and each block is solved exactly;
leftovers are pooled and solved again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np

from bot.matching.pairing import _PRIORITY_BONUS, _Round
from bot.matching.scoring import (
    AGAIN_UNITS,
    UNITS_PER_POINT,
    Group,
    MatchInput,
    MatchResult,
    group_reasons,
)

_EXHAUSTIVE_LIMIT = 10  # small rounds with a repeat or someone left out get an exact search


class _Groups:
    """Groups under construction, with each member's group for vectorised gains."""

    def __init__(self, round_: _Round) -> None:
        self.round = round_
        self.group_of = np.full(round_.n, -1, dtype=np.int64)
        self.members: list[list[int]] = []
        self.capacity: list[int] = []

    def add(self, members: Sequence[int], capacity: int) -> int:
        gid = len(self.members)
        self.members.append(list(members))
        self.capacity.append(capacity)
        self.group_of[list(members)] = gid
        return gid

    def join(self, member: int, gid: int) -> None:
        self.members[gid].append(member)
        self.group_of[member] = gid

    def place(self, member: int, allow_repeat: bool, respect_capacity: bool) -> bool:
        """Put member in the group where it adds most weight; False if every group is barred."""
        if not self.members:
            return False
        grouped = np.nonzero(self.group_of >= 0)[0]
        row = self.round.profiles.units(np.array([member]), grouped)[0].astype(np.int64)
        for other in self.round.again_of.get(member, ()):
            row[grouped == other] += AGAIN_UNITS
        gains = np.bincount(self.group_of[grouped], weights=row, minlength=len(self.members)).astype(float)
        barred = set(self.round.avoid_of.get(member, ()))
        if not allow_repeat:
            barred |= self.round.recent_of.get(member, set())
        for other in barred:
            if self.group_of[other] >= 0:
                gains[self.group_of[other]] = -np.inf
        if respect_capacity:
            # A leftover may make a group one larger than asked, never more.
            sizes = np.array([len(g) for g in self.members])
            gains[sizes >= self.round.k + 1] = -np.inf
        best = int(np.argmax(gains))
        if gains[best] == -np.inf:
            return False
        self.join(member, best)
        return True


def plan_group_sizes(count: int, group_size: int) -> list[int]:
    """Return group sizes for count members: k or k+1 each, balanced smaller groups only for small rounds."""
    if count < 2:
        return []
    if count <= group_size + 1:
        return [count]
    groups, extra = divmod(count, group_size)
    if extra <= groups:
        return [group_size + 1] * extra + [group_size] * (groups - extra)
    groups += 1
    base, extra = divmod(count, groups)
    return [base + 1] * extra + [base] * (groups - extra)


def _fill_block(
    round_: _Round, groups: _Groups, cores: list[tuple[int, int]], sizes: list[int], singles: list[int]
) -> list[int]:
    """Grow the cores of one block to their planned sizes, greedily by gain; return singles not placed."""
    core_ids = [groups.add(core, size) for core, size in zip(cores, sizes, strict=True)]
    if not singles or not core_ids:
        return singles
    everyone = np.array(sorted({m for core in cores for m in core} | set(singles)), dtype=np.int64)
    position = {int(m): p for p, m in enumerate(everyone)}
    units = round_.units_matrix(everyone).astype(np.int64)
    free = round_.units_matrix(everyone, allow_repeat=True) >= 0
    single_pos = np.array([position[s] for s in singles])
    for allow_repeat in (False, True):
        ok = free if allow_repeat else units >= 0
        weight = np.where(ok, units, 0)
        gain = np.zeros((len(singles), len(core_ids)))
        barred = np.zeros((len(singles), len(core_ids)), dtype=bool)
        for c, gid in enumerate(core_ids):
            cols = np.array([position[m] for m in groups.members[gid]], dtype=np.intp)
            gain[:, c] = weight[np.ix_(single_pos, cols)].sum(axis=1)
            barred[:, c] = ~ok[np.ix_(single_pos, cols)].all(axis=1)
        priority = round_.profiles.priority[np.array(singles)]
        open_rows = np.ones(len(singles), dtype=bool)
        while True:
            room = np.array([len(groups.members[g]) < groups.capacity[g] for g in core_ids])
            score = np.where(barred | ~room[None, :] | ~open_rows[:, None], -np.inf, gain)
            # Priority members choose first.
            score = score + np.where(priority, _PRIORITY_BONUS, 0)[:, None]
            if not np.isfinite(score).any():
                break
            row, column = (int(i) for i in np.unravel_index(int(np.argmax(score)), score.shape))
            groups.join(singles[row], core_ids[column])
            open_rows[row] = False
            gain[:, column] += weight[single_pos, single_pos[row]]
            barred[:, column] |= ~ok[single_pos, single_pos[row]]
        singles = [m for m, still in zip(singles, open_rows, strict=True) if still]
        single_pos = np.array([position[s] for s in singles], dtype=np.int64)
        if not singles:
            break
    return singles


def _exhaustive(round_: _Round) -> tuple[list[list[int]], list[int]] | None:
    """Search every grouping of a small round: fewest left out, fewest repeats, priority first, sizes, weight."""
    n, k = round_.n, round_.k
    sizes = list(range(2, k + 2))
    units = [[round_.units_between(i, j) if i != j else 0 for j in range(n)] for i in range(n)]
    best: list[tuple[tuple[int, ...], list[list[int]], list[int]]] = []

    def score(groups: list[list[int]], alone: list[int]) -> tuple[int, ...]:
        repeats = sum(any(round_.is_repeat(a, b) for a, b in itertools.combinations(g, 2)) for g in groups)
        deviation = sum(abs(len(g) - k) for g in groups)
        weight = sum(units[a][b] for g in groups for a, b in itertools.combinations(g, 2))
        priority_alone = sum(bool(round_.profiles.priority[a]) for a in alone)
        return (len(alone), repeats, priority_alone, deviation, -weight)

    def search(rest: list[int], groups: list[list[int]], alone: list[int]) -> None:
        if not rest:
            s = score(groups, alone)
            if not best or s < best[0][0]:
                best[:] = [(s, [list(g) for g in groups], list(alone))]
            return
        first, others = rest[0], rest[1:]
        for size in sizes:
            for partners in itertools.combinations(others, size - 1):
                group = [first, *partners]
                if any(b in round_.avoid_of.get(a, ()) for a, b in itertools.combinations(group, 2)):
                    continue
                search([x for x in others if x not in partners], [*groups, group], alone)
        search(others, groups, [*alone, first])

    search(list(range(n)), [], [])
    return (best[0][1], best[0][2]) if best else None


def match_members(inp: MatchInput) -> MatchResult:
    """Build this round's groups: maximum total weight under the hard rules, reproducible by seed."""
    round_ = _Round(inp)
    n, k = round_.n, round_.k
    if n == 0:
        return MatchResult((), (), {})
    if n == 1:
        only = round_.members[0].member_id
        return MatchResult((), (only,), {only: "alone"})
    groups = _Groups(round_)
    pairs, left, blocks = round_.pair_up(range(n))
    if k == 2:
        for a, b in pairs:
            groups.add((a, b), 3)
    else:
        left = _grow_groups(round_, groups, pairs, left, blocks)
    left = _place_leftovers(round_, groups, left)
    result_groups, unmatched = [g for g in groups.members if g], left
    oversized = any(len(g) > k + 1 for g in result_groups)
    if n <= _EXHAUSTIVE_LIMIT and (unmatched or oversized or _has_repeat(round_, result_groups)):
        found = _exhaustive(round_)
        if found is not None:
            result_groups, unmatched = found
    return _result(round_, result_groups, unmatched)


def _grow_groups(
    round_: _Round, groups: _Groups, pairs: list[tuple[int, int]], left: list[int], blocks: list[np.ndarray]
) -> list[int]:
    """Turn pairs into groups of 3–4 block by block: the strongest pairs become cores, the rest join them."""
    block_of = np.zeros(round_.n, dtype=np.int64)
    for b, block in enumerate(blocks):
        block_of[block] = b
    pairs_in: dict[int, list[tuple[int, int]]] = {}
    for pair in pairs:
        pairs_in.setdefault(int(block_of[pair[0]]), []).append(pair)
    left_in: dict[int, list[int]] = {}
    for member in left:
        left_in.setdefault(int(block_of[member]), []).append(member)
    unplaced: list[int] = []
    for b in range(len(blocks)):
        block_pairs = pairs_in.get(b, [])
        count = 2 * len(block_pairs) + len(left_in.get(b, []))
        sizes = plan_group_sizes(count, round_.k)[: len(block_pairs)]
        ranked = sorted(
            block_pairs,
            key=lambda p: (
                -(int(round_.profiles.priority[p[0]]) + int(round_.profiles.priority[p[1]])),
                -round_.units_between(*p),
                round_.rank[p[0]],
            ),
        )
        cores, rest = ranked[: len(sizes)], ranked[len(sizes) :]
        singles = sorted([m for p in rest for m in p] + left_in.get(b, []), key=lambda m: round_.rank[m])
        unplaced += _fill_block(round_, groups, cores, sizes, singles)
    return sorted(unplaced)


def _place_leftovers(round_: _Round, groups: _Groups, left: list[int]) -> list[int]:
    """Place members the pairing left out: groups without repeats, else a repeat pair, else anywhere allowed."""
    by_priority = sorted(left, key=lambda m: (not round_.profiles.priority[m], round_.rank[m]))
    left = [m for m in by_priority if not groups.place(m, allow_repeat=False, respect_capacity=True)]
    if len(left) > 1:
        pairs, left = round_.match_block(np.array(sorted(left), dtype=np.int64), allow_repeat=True)
        for pair in pairs:
            groups.add(pair, round_.k + 1)
        left = sorted(left, key=lambda m: (not round_.profiles.priority[m], round_.rank[m]))
    left = [m for m in left if not groups.place(m, allow_repeat=True, respect_capacity=True)]
    left = [m for m in left if not groups.place(m, allow_repeat=False, respect_capacity=False)]
    return [m for m in left if not groups.place(m, allow_repeat=True, respect_capacity=False)]


def _has_repeat(round_: _Round, groups: Iterable[Sequence[int]]) -> bool:
    return any(round_.is_repeat(a, b) for g in groups for a, b in itertools.combinations(g, 2))


def _result(round_: _Round, groups: list[list[int]], unmatched: list[int]) -> MatchResult:
    out = []
    for group in groups:
        members = sorted(group)
        units = sum(round_.units_between(a, b) for a, b in itertools.combinations(members, 2))
        again = any(b in round_.again_of.get(a, ()) for a, b in itertools.combinations(members, 2))
        profiles = [round_.members[i] for i in members]
        out.append(
            Group(
                members=tuple(p.member_id for p in profiles),
                reasons=group_reasons(profiles, round_.mode, again),
                weight=units / UNITS_PER_POINT,
                repeat=_has_repeat(round_, [members]),
            )
        )
    out.sort(key=lambda g: g.members)
    left = tuple(sorted(round_.members[i].member_id for i in unmatched))
    reason = "alone" if round_.n == 1 else "avoid"
    return MatchResult(tuple(out), left, dict.fromkeys(left, reason))
