"""How good an introduction is, and why: pair weights, the reasons shown to members, vectorised profiles.

Pure domain logic (no Discord). The weight of a pair is counted in integer *units* (8 units = 1 point)
so the exact solver and the vectorised block solver agree to the unit:

- same field (or, with ``mode="mixed"``, two different known fields): 32
- shared skills: 8 each, at most 3
- complementary skills (one offers what the other wants, both directions): 12 each, at most 2
- overlapping working hours (local 9–17): 3 per hour (1 per 20 minutes)
- a shared language: 16
- a mutual ``again`` request: 48
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.timezones import hhmm

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
_DAY = 1440
_FORBIDDEN = -1


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
