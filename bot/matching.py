"""Build a round of peer introductions: who meets whom, and why.

Pure domain logic (no Discord). The weight of a pair is counted in integer *units* (8 units = 1 point)
so the exact solver and the vectorised block solver agree to the unit:

- same field (or, with ``mode="mixed"``, two different known fields): 32
- shared skills: 8 each, at most 3
- complementary skills (one offers what the other wants, both directions): 12 each, at most 2
- overlapping working hours (local 9–17): 3 per hour (1 per 20 minutes)
- a shared language: 16
- a mutual ``again`` request: 48

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
import multiprocessing
import os
import random
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import rustworkx as rx

UNITS_PER_POINT = 8
FIELD_UNITS = 32
SKILL_UNITS = 8
SKILL_CAP = 3
COMPLEMENT_UNITS = 12
COMPLEMENT_CAP = 2
MINUTES_PER_HOUR_UNIT = 20
LANGUAGE_UNITS = 16
AGAIN_UNITS = 48

MODES = ("same_field", "mixed")
# Solver-only bonus per priority member in a pair: large enough that the solver never leaves a
# priority member out to gain weight elsewhere, invisible in the reported weights.
_PRIORITY_BONUS = 10_000
_EXACT_LIMIT = 3000  # one exact solve on the whole round up to here
_BLOCK_SIZE = 400  # exact solve per block above it
_ALL_EDGES_LIMIT = 300  # below this a block's candidate graph holds every allowed pair
# Candidate edges per member: best partners plus a few random ones from the seed. A round solved in
# one piece affords more (measured: 48+8 keeps ≥ 0.999 of the full-graph optimum at 1,000–2,000).
_BEST_PER_MEMBER = 24
_RANDOM_PER_MEMBER = 4
_BEST_PER_MEMBER_ONE_BLOCK = 48
_RANDOM_PER_MEMBER_ONE_BLOCK = 8
_EXHAUSTIVE_LIMIT = 10  # small rounds with a repeat or someone left out get an exact search
_DAY = 1440
_FORBIDDEN = -1
_JITTER = 1 << 16
_PARALLEL_MIN_BLOCKS = 16  # below this, worker start-up costs more than it saves
_MAX_WORKERS = 4


@dataclass(frozen=True)
class Candidate:
    """One member eligible for this round."""

    member_id: int
    field: str | None
    skills: frozenset[str] = frozenset()
    wants: frozenset[str] = frozenset()
    utc_offset_minutes: int | None = None
    languages: frozenset[str] = frozenset()
    priority: bool = False


@dataclass(frozen=True)
class MatchInput:
    """Everything a round needs; the same input and seed give the same round."""

    candidates: Sequence[Candidate]
    group_size: int = 2
    mode: str = "same_field"
    recent_pairs: Mapping[frozenset[int], int] = field(default_factory=dict)
    avoid_pairs: frozenset[frozenset[int]] = frozenset()
    again_pairs: frozenset[frozenset[int]] = frozenset()
    repeat_window: int = 12
    seed: int = 0


@dataclass(frozen=True)
class Reason:
    """Why a group was put together, for the intro message."""

    # same_field | mixed_fields | shared_skills | complementary_skills | overlapping_hours
    # | shared_language | again
    kind: str
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """One introduction: its members (sorted), why, the summed pair weight, and whether it repeats."""

    members: tuple[int, ...]
    reasons: tuple[Reason, ...]
    weight: float
    repeat: bool


@dataclass(frozen=True)
class MatchResult:
    """A round: the groups, who was left out and why ("alone" or "avoid")."""

    groups: tuple[Group, ...]
    unmatched: tuple[int, ...]
    unmatched_reason: dict[int, str]


# --- pair weights -------------------------------------------------------------------------------


def _overlap_minutes(offset_a: int, offset_b: int, start_hour: int, end_hour: int) -> int:
    length = max(0, min(_DAY, (end_hour - start_hour) * 60))
    shift = (offset_a - offset_b) % _DAY
    # Two equal arcs on the day's circle overlap on both sides of the shift.
    return max(0, length - shift) + max(0, length - (_DAY - shift))


def working_hours_overlap(
    offset_a: int | None, offset_b: int | None, start_hour: int = 9, end_hour: int = 17
) -> int:
    """Return the whole hours two members' local working days (start–end) overlap; 0 if unknown."""
    if offset_a is None or offset_b is None:
        return 0
    return _overlap_minutes(offset_a, offset_b, start_hour, end_hour) // 60


def meeting_window_utc(
    offsets: Iterable[int | None], start_hour: int = 9, end_hour: int = 17
) -> tuple[int, int] | None:
    """Return the longest UTC window (start, end minute; end may pass 1440) inside everyone's working day."""
    known = [o for o in offsets if o is not None]
    length = (end_hour - start_hour) * 60
    if len(known) < 2 or length <= 0:
        return None
    if length >= _DAY:
        return (0, _DAY)
    # Work relative to the first member's day start; the others' days are arcs that may wrap.
    origin = (start_hour * 60 - known[0]) % _DAY
    pieces = [(0, length)]
    for offset in known[1:]:
        shift = (start_hour * 60 - offset - origin) % _DAY
        arcs = ((shift, shift + length), (shift - _DAY, shift - _DAY + length))
        pieces = [(max(a, c), min(b, d)) for a, b in pieces for c, d in arcs if max(a, c) < min(b, d)]
        if not pieces:
            return None
    first, last = max(pieces, key=lambda p: (p[1] - p[0], -p[0]))
    start = (first + origin) % _DAY
    return (start, start + last - first)


def _pair_units(a: Candidate, b: Candidate, mode: str) -> int:
    units = 0
    if a.field is not None and b.field is not None and (a.field == b.field) == (mode != "mixed"):
        units += FIELD_UNITS
    units += SKILL_UNITS * min(SKILL_CAP, len(a.skills & b.skills))
    units += COMPLEMENT_UNITS * min(COMPLEMENT_CAP, len(a.skills & b.wants) + len(b.skills & a.wants))
    if a.utc_offset_minutes is not None and b.utc_offset_minutes is not None:
        units += _overlap_minutes(a.utc_offset_minutes, b.utc_offset_minutes, 9, 17) // MINUTES_PER_HOUR_UNIT
    if a.languages & b.languages:
        units += LANGUAGE_UNITS
    return units


def pair_weight(a: Candidate, b: Candidate, mode: str = "same_field", again: bool = False) -> float:
    """Return how good an introduction of a and b is, in points (higher is better)."""
    return (_pair_units(a, b, mode) + (AGAIN_UNITS if again else 0)) / UNITS_PER_POINT


def hhmm(minute: int) -> str:
    """Write minutes since midnight (any day) as "HH:MM"."""
    minute %= _DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"


def group_reasons(
    members: Sequence[Candidate], mode: str = "same_field", again: bool = False
) -> tuple[Reason, ...]:
    """Return what the members of a group share, strongest first, for the intro message."""
    reasons: list[Reason] = []
    if again:
        reasons.append(Reason("again"))
    fields = {m.field for m in members}
    if mode != "mixed" and len(fields) == 1 and None not in fields:
        reasons.append(Reason("same_field", (members[0].field or "",)))
    elif mode == "mixed" and None not in fields and len(fields) > 1:
        reasons.append(Reason("mixed_fields", tuple(sorted(f or "" for f in fields))))
    shared = {s for a, b in itertools.combinations(members, 2) for s in a.skills & b.skills}
    if shared:
        reasons.append(Reason("shared_skills", tuple(sorted(shared))))
    complementary = {s for a, b in itertools.permutations(members, 2) for s in a.skills & b.wants}
    if complementary:
        reasons.append(Reason("complementary_skills", tuple(sorted(complementary))))
    window = meeting_window_utc(m.utc_offset_minutes for m in members)
    if window is not None:
        reasons.append(Reason("overlapping_hours", (hhmm(window[0]), hhmm(window[1]))))
    languages = frozenset.intersection(*(m.languages for m in members)) if members else frozenset()
    if languages:
        reasons.append(Reason("shared_language", tuple(sorted(languages))))
    return tuple(reasons)


def pair_reasons(
    a: Candidate, b: Candidate, mode: str = "same_field", again: bool = False
) -> tuple[Reason, ...]:
    """Return what a and b share, strongest first, for the intro message."""
    return group_reasons((a, b), mode, again)


# --- vectorised profiles --------------------------------------------------------------------------


def _bitsets(sets: Sequence[frozenset[str]]) -> np.ndarray:
    """Encode each set as a row of 64-bit words over the sorted vocabulary of all sets."""
    vocabulary = {key: i for i, key in enumerate(sorted(set().union(*sets)))} if sets else {}
    words = max(1, (len(vocabulary) + 63) // 64)
    ints = [sum(1 << vocabulary[key] for key in keys) for keys in sets]
    mask = (1 << 64) - 1
    out = np.zeros((len(sets), words), dtype=np.uint64)
    for w in range(words):
        out[:, w] = np.array([(v >> (64 * w)) & mask for v in ints], dtype=np.uint64)
    return out


class _Profiles:
    """Column arrays of the candidates' profiles, to compute unit weights for many pairs at once."""

    def __init__(self, candidates: Sequence[Candidate], mode: str) -> None:
        self.mixed = mode == "mixed"
        fields = sorted({c.field for c in candidates if c.field is not None})
        field_ids = {f: i for i, f in enumerate(fields)}
        self.field = np.array(
            [field_ids.get(c.field, -1) if c.field else -1 for c in candidates], dtype=np.int32
        )
        skills_and_wants = _bitsets([c.skills for c in candidates] + [c.wants for c in candidates])
        self.skills = skills_and_wants[: len(candidates)]
        self.wants = skills_and_wants[len(candidates) :]
        self.languages = _bitsets([c.languages for c in candidates])
        self.known = np.array([c.utc_offset_minutes is not None for c in candidates], dtype=bool)
        self.offset = np.array([c.utc_offset_minutes or 0 for c in candidates], dtype=np.int32)
        self.priority = np.array([c.priority for c in candidates], dtype=bool)

    def units(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Return the (rows × cols) matrix of pair units, without again bonuses or forbidden pairs."""
        fr, fc = self.field[rows][:, None], self.field[cols][None, :]
        if self.mixed:
            units = ((fr != fc) & (fr >= 0) & (fc >= 0)).astype(np.int32) * FIELD_UNITS
        else:
            units = ((fr == fc) & (fr >= 0)).astype(np.int32) * FIELD_UNITS
        shared = np.zeros(units.shape, dtype=np.int32)
        complement = np.zeros(units.shape, dtype=np.int32)
        sr, sc = self.skills[rows], self.skills[cols]
        wr, wc = self.wants[rows], self.wants[cols]
        for w in range(self.skills.shape[1]):
            # Skip words nobody here uses: most rounds fit one word, big vocabularies stay cheap.
            if not (sr[:, w].any() or sc[:, w].any()):
                continue
            shared += np.bitwise_count(sr[:, w][:, None] & sc[:, w][None, :])
            complement += np.bitwise_count(sr[:, w][:, None] & wc[:, w][None, :])
            complement += np.bitwise_count(wr[:, w][:, None] & sc[:, w][None, :])
        units += np.minimum(shared, SKILL_CAP) * SKILL_UNITS
        units += np.minimum(complement, COMPLEMENT_CAP) * COMPLEMENT_UNITS
        shift = (self.offset[rows][:, None] - self.offset[cols][None, :]) % _DAY
        overlap = np.maximum(0, 480 - shift) + np.maximum(0, 480 - (_DAY - shift))
        known = self.known[rows][:, None] & self.known[cols][None, :]
        units += np.where(known, overlap // MINUTES_PER_HOUR_UNIT, 0).astype(np.int32)
        lr, lc = self.languages[rows], self.languages[cols]
        common = np.zeros(units.shape, dtype=bool)
        for w in range(lr.shape[1]):
            common |= (lr[:, w][:, None] & lc[:, w][None, :]) != 0
        units += common.astype(np.int32) * LANGUAGE_UNITS
        return units


# --- the round ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockEdges:
    """One block's candidate graph: node count and parallel arrays of edge ends and integer weights."""

    nodes: int
    u: np.ndarray
    v: np.ndarray
    weights: np.ndarray


def solve_block(edges: BlockEdges) -> list[tuple[int, int]]:
    """Return the exact maximum-weight (maximum-cardinality) matching of one block's graph."""
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(edges.nodes))
    graph.add_edges_from(list(zip(edges.u.tolist(), edges.v.tolist(), edges.weights.tolist(), strict=True)))
    return sorted(rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int))


def solve_blocks(blocks: list[BlockEdges]) -> list[list[tuple[int, int]]]:
    """Solve blocks in order; with many blocks, in worker processes (rustworkx holds the GIL)."""
    workers = min(os.cpu_count() or 1, _MAX_WORKERS)
    if workers < 2 or len(blocks) < _PARALLEL_MIN_BLOCKS:
        return [solve_block(b) for b in blocks]
    # spawn, not fork: the bot's process has threads (the database, the event loop) a fork would copy.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(solve_block, blocks, chunksize=max(1, len(blocks) // (workers * 4))))


class _Round:
    """State of one matching run over members indexed 0..n-1 in member-id order."""

    def __init__(self, inp: MatchInput) -> None:
        if inp.mode not in MODES:
            raise ValueError(f"unknown match mode {inp.mode!r}")
        if inp.group_size not in (2, 3, 4):
            raise ValueError("group_size must be 2, 3 or 4")
        self.members = sorted(inp.candidates, key=lambda c: c.member_id)
        ids = [c.member_id for c in self.members]
        if len(set(ids)) != len(ids):
            raise ValueError("a member appears twice in the round")
        self.n = len(ids)
        self.k = inp.group_size
        self.mode = inp.mode
        self.rng = random.Random(inp.seed)
        self.index = {member_id: i for i, member_id in enumerate(ids)}
        self.avoid_of = self._pairs_of(inp.avoid_pairs)
        self.again_of = self._pairs_of(inp.again_pairs)
        recent = (
            p for p, ago in inp.recent_pairs.items() if ago <= inp.repeat_window and p not in inp.again_pairs
        )
        self.recent_of = self._pairs_of(recent)
        self.profiles = _Profiles(self.members, inp.mode)
        # A stable random rank per member: the seed's say in every tie.
        ranks = list(range(self.n))
        self.rng.shuffle(ranks)
        self.rank = ranks

    def _pairs_of(self, pairs: Iterable[frozenset[int]]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for pair in pairs:
            if len(pair) != 2:
                continue
            a, b = pair
            if a in self.index and b in self.index:
                ia, ib = self.index[a], self.index[b]
                out.setdefault(ia, set()).add(ib)
                out.setdefault(ib, set()).add(ia)
        return out

    # weights

    def units_matrix(self, block: np.ndarray, allow_repeat: bool = False) -> np.ndarray:
        """Return block × block units with again bonuses, and _FORBIDDEN on the diagonal and banned pairs."""
        units = self.profiles.units(block, block)
        position = {int(member): p for p, member in enumerate(block)}
        np.fill_diagonal(units, _FORBIDDEN)
        for p, member in enumerate(block):
            member = int(member)
            for other in self.again_of.get(member, ()):
                q = position.get(other)
                if q is not None:
                    units[p, q] += AGAIN_UNITS
            banned = self.avoid_of.get(member, set())
            if not allow_repeat:
                banned = banned | self.recent_of.get(member, set())
            for other in banned:
                q = position.get(other)
                if q is not None:
                    units[p, q] = _FORBIDDEN
        return units

    def units_between(self, i: int, j: int) -> int:
        """Return the units of one pair, with the again bonus."""
        extra = AGAIN_UNITS if j in self.again_of.get(i, ()) else 0
        return _pair_units(self.members[i], self.members[j], self.mode) + extra

    def is_repeat(self, i: int, j: int) -> bool:
        """Tell whether i and j met within the repeat window (and did not both ask to meet again)."""
        return j in self.recent_of.get(i, ())

    # pairing

    def match_block(
        self, block: np.ndarray, allow_repeat: bool = False
    ) -> tuple[list[tuple[int, int]], list[int]]:
        """Solve one block exactly on its candidate graph; return pairs and the members left over."""
        if len(block) < 2:
            return [], [int(x) for x in block]
        order, edges = self.block_graph(block, allow_repeat)
        return self.block_result(block, order, solve_block(edges))

    def block_graph(self, block: np.ndarray, allow_repeat: bool = False) -> tuple[list[int], BlockEdges]:
        """Build a block's candidate graph (all randomness drawn here, in a fixed order)."""
        m = len(block)
        units = self.units_matrix(block, allow_repeat)
        allowed = units >= 0
        if m <= _ALL_EDGES_LIMIT:
            rows, cols = np.nonzero(np.triu(allowed, 1))
        else:
            one_block = m == self.n
            best = min(_BEST_PER_MEMBER_ONE_BLOCK if one_block else _BEST_PER_MEMBER, m - 1)
            randoms = _RANDOM_PER_MEMBER_ONE_BLOCK if one_block else _RANDOM_PER_MEMBER
            scored = np.where(allowed, units, -(10**6))
            top = np.argpartition(-scored, best - 1, axis=1)[:, :best]
            extra = np.random.default_rng(self.rng.getrandbits(64)).integers(0, m, (m, randoms))
            picks = np.concatenate([top, extra], axis=1)
            r = np.repeat(np.arange(m), picks.shape[1])
            c = picks.ravel()
            keep = allowed[r, c]
            lo, hi = np.minimum(r[keep], c[keep]), np.maximum(r[keep], c[keep])
            codes = np.unique(lo.astype(np.int64) * m + hi)
            rows, cols = codes // m, codes % m
        priority = self.profiles.priority[block].astype(np.int64)
        weights = units[rows, cols].astype(np.int64) + _PRIORITY_BONUS * (priority[rows] + priority[cols])
        # rustworkx breaks ties by hash order, which changes between runs: a seeded jitter, too small
        # to outweigh one unit over a whole matching, makes the optimum unique and the round replayable.
        scale = (m + 1) * _JITTER
        jitter = np.random.default_rng(self.rng.getrandbits(64)).integers(0, _JITTER, len(weights))
        weights = weights * scale + jitter
        # The seed orders the nodes, so equal-weight optima differ between seeds but not between runs.
        order = sorted(range(m), key=lambda p: self.rank[int(block[p])])
        node_of = np.empty(m, dtype=np.int64)
        node_of[order] = np.arange(m)
        return order, BlockEdges(m, node_of[rows], node_of[cols], weights)

    @staticmethod
    def block_result(
        block: np.ndarray, order: list[int], matching: list[tuple[int, int]]
    ) -> tuple[list[tuple[int, int]], list[int]]:
        """Turn a block's solved matching back into member pairs and leftovers."""
        pairs = []
        matched: set[int] = set()
        for u, v in matching:
            a, b = int(block[order[u]]), int(block[order[v]])
            pairs.append((min(a, b), max(a, b)))
            matched.update((a, b))
        left = [int(x) for x in block if int(x) not in matched]
        # The matching comes back as a set in no stable order; later steps break ties by position.
        return sorted(pairs), left

    def match_blocks(self, blocks: list[np.ndarray]) -> tuple[list[tuple[int, int]], list[int]]:
        """Solve many blocks, on every core when there are enough of them to pay for the start-up."""
        graphs = [self.block_graph(b) if len(b) >= 2 else ([], None) for b in blocks]
        edges = [g for _, g in graphs if g is not None]
        solved = iter(solve_blocks(edges))
        pairs: list[tuple[int, int]] = []
        left: list[int] = []
        for block, (order, graph) in zip(blocks, graphs, strict=True):
            if graph is None:
                left += [int(x) for x in block]
                continue
            block_pairs, block_left = self.block_result(block, order, next(solved))
            pairs += block_pairs
            left += block_left
        return pairs, left

    def blocks(self, members: Sequence[int]) -> list[np.ndarray]:
        """Cut members into blocks of similar profiles, keeping again partners together."""
        if len(members) <= _EXACT_LIMIT:
            return [np.array(sorted(members), dtype=np.int64)]
        root = {i: i for i in members}

        def find(x: int) -> int:
            while root[x] != x:
                root[x] = root[root[x]]
                x = root[x]
            return x

        for i in members:
            for j in self.again_of.get(i, ()):
                if j in root:
                    root[find(i)] = find(j)
        p = self.profiles

        def key(i: int) -> tuple[int, ...]:
            offset = int(p.offset[i]) if p.known[i] else 10**6
            if p.mixed:
                return (offset, self.rank[i])
            return (int(p.field[i]) if p.field[i] >= 0 else 10**6, offset, self.rank[i])

        ordered = sorted(members, key=lambda i: (key(find(i)), find(i), key(i)))
        blocks: list[list[int]] = [[]]
        for pos, i in enumerate(ordered):
            current = blocks[-1]
            if len(current) >= _BLOCK_SIZE and find(i) != find(ordered[pos - 1]):
                blocks.append(current := [])
            current.append(i)
        if len(blocks) > 1 and len(blocks[-1]) < _BLOCK_SIZE // 2:
            blocks[-2].extend(blocks.pop())
        return [np.array(b, dtype=np.int64) for b in blocks]

    def pair_up(self, members: Sequence[int]) -> tuple[list[tuple[int, int]], list[int], list[np.ndarray]]:
        """Pair members without repeats; return the pairs, the leftovers and the blocks used."""
        pairs: list[tuple[int, int]] = []
        left: list[int] = []
        blocks = self.blocks(members)
        pairs, left = self.match_blocks(blocks)
        if len(blocks) > 1 and len(left) > 1:
            # Leftovers of different blocks may still pair well with each other.
            more, left = self.match_blocks(self.blocks(left))
            pairs += more
        return pairs, sorted(left), blocks


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
