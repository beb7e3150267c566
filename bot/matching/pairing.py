"""Pair the members of a round: candidate graphs and exact maximum-weight matchings, in blocks at scale."""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import rustworkx as rx

from bot.matching.scoring import (
    _FORBIDDEN,
    AGAIN_UNITS,
    MODES,
    MatchInput,
    _pair_units,
    _Profiles,
)

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
_JITTER = 1 << 16
_PARALLEL_MIN_BLOCKS = 16  # below this, worker start-up costs more than it saves
_MAX_WORKERS = 4


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
