"""Swap matching: cases that kill mutants the behaviour tests in test_swapmatch.py let live (`make mutate`)."""

import pytest

from bot.swapmatch import (
    DIRECT_BREADTH,
    MAX_COMBINATIONS,
    REPUTATION_HALF,
    find_matches,
    match_score,
    timezone_overlap,
)
from tests.unit.test_swapmatch import req


def test_duplicate_request_ids_are_refused_with_a_plain_message():
    with pytest.raises(ValueError) as refused:
        find_matches([req(1, 10, "a", "b"), req(1, 20, "b", "a")])
    assert str(refused.value) == "request ids must be unique"


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        # 25 hours apart (UTC+14, UTC-11) is 1 hour apart on the clock.
        (14 * 60, -11 * 60, 7 / 8),
        # 19 hours apart is 5 hours apart the other way round the clock.
        (14 * 60, -5 * 60, 3 / 8),
        (-5 * 60, 14 * 60, 3 / 8),
        # 16 hours apart: 8 the other way, no shared working hour.
        (10 * 60, -6 * 60, 0.0),
        (3 * 60, 3 * 60 + 30, 7.5 / 8),
    ],
)
def test_time_zone_overlap_goes_the_short_way_round_the_clock(first, second, overlap):
    assert timezone_overlap(first, second) == pytest.approx(overlap)


def test_score_averages_the_overlap_of_every_pair_and_each_members_standing():
    trio = [
        req(1, 1, "a", "b", tz=0, reputation=REPUTATION_HALF),
        req(2, 2, "b", "c", tz=60, reputation=0),
        req(3, 3, "c", "a", tz=None, reputation=2 * REPUTATION_HALF),
    ]
    overlap = (7 / 8 + 0.5 + 0.5) / 3
    standing = (0.5 + 0.0 + 2 / 3) / 3
    assert match_score(trio) == pytest.approx(2 * overlap + standing)
    # A negative reputation counts as none.
    pair = [req(1, 1, "a", "b", tz=0, reputation=-3), req(2, 2, "b", "a", tz=0, reputation=0)]
    assert match_score(pair) == pytest.approx(2.0)


def test_each_match_carries_its_score():
    requests = [
        req(1, 1, "a", "b", tz=0, reputation=REPUTATION_HALF),
        req(2, 2, "b", "a", tz=60),
        req(3, 3, "x", "y", tz=0),
        req(4, 4, "y", "z", tz=0),
        req(5, 5, "z", "x", tz=0),
    ]
    matches = find_matches(requests)
    assert [m.kind for m in matches] == ["direct", "cycle3"]
    assert matches[0].score == pytest.approx(match_score(requests[:2]))
    assert matches[1].score == pytest.approx(match_score(requests[2:]))
    assert all(m.score > 0 for m in matches)


def test_the_best_reputation_is_looked_at_first_even_when_it_is_the_newest():
    # More requests wait in the bucket than one pass looks at; the newest has the best reputation and
    # is the better partner, so it must be at the head of the queue, not past the breadth.
    waiting = [req(i, i, "python", "seo", tz=0) for i in range(1, DIRECT_BREADTH + 6)]
    best = req(100, 100, "python", "seo", tz=0, reputation=3 * REPUTATION_HALF)
    partner = req(200, 200, "seo", "python", tz=0)
    [match] = find_matches([*waiting, best, partner])
    assert set(match.request_ids) == {100, 200}


def _two_queues(length, allowed_at):
    """Two opposite buckets of `length` requests where only the pair at `allowed_at` may meet."""
    offers = [req(i, i, "python", "seo") for i in range(length)]
    wants = [req(1000 + i, 1000 + i, "seo", "python") for i in range(length)]
    avoid = frozenset(
        frozenset({a.member_id, b.member_id})
        for a in offers
        for b in wants
        if not (a.id == allowed_at and b.id == 1000 + allowed_at)
    )
    return [*offers, *wants], avoid


def test_a_pair_deep_in_two_long_queues_is_found_by_doubling_the_look_ahead():
    # Positions 40: out of the first pass (24), inside the second (48 x 48 = 2,304 combinations).
    requests, avoid = _two_queues(100, allowed_at=40)
    assert [set(m.request_ids) for m in find_matches(requests, avoid_pairs=avoid)] == [{40, 1040}]


def test_the_look_ahead_may_reach_exactly_max_combinations():
    # Two queues of 64: the third pass looks at 64 x 64 = MAX_COMBINATIONS, which is allowed.
    assert MAX_COMBINATIONS == 64 * 64
    requests, avoid = _two_queues(64, allowed_at=60)
    assert [set(m.request_ids) for m in find_matches(requests, avoid_pairs=avoid)] == [{60, 1060}]
