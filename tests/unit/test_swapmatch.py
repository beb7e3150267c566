import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.swapmatch import SwapMatch, SwapRequest, find_matches, match_score, timezone_overlap

GULF = 240
CAIRO = 120
TORONTO = -300


def req(id, member, offer, want, order=None, reputation=0, tz=None):
    return SwapRequest(
        id=id,
        member_id=member,
        offer=offer,
        want=want,
        created_at_order=id if order is None else order,
        reputation=reputation,
        utc_offset_minutes=tz,
    )


def pairs(matches):
    return [set(match.request_ids) for match in matches]


# --- direct swaps ------------------------------------------------------------------------------


def test_direct_swap_is_found():
    matches = find_matches([req(1, 10, "python", "logo design"), req(2, 20, "logo design", "python")])
    assert matches == [
        SwapMatch(request_ids=(1, 2), member_ids=(10, 20), kind="direct", score=matches[0].score)
    ]


def test_one_sided_interest_is_not_a_swap():
    assert find_matches([req(1, 10, "python", "seo"), req(2, 20, "seo", "copywriting")]) == []


def test_a_member_is_never_matched_with_themself():
    assert find_matches([req(1, 10, "python", "seo"), req(2, 10, "seo", "python")]) == []


def test_closer_time_zones_win():
    requests = [
        req(1, 10, "python", "seo", tz=GULF),
        req(2, 20, "seo", "python", tz=TORONTO),  # older, but eight hours away
        req(3, 30, "seo", "python", tz=GULF),
    ]
    assert pairs(find_matches(requests)) == [{1, 3}]


def test_better_reputation_wins_when_time_zones_tie():
    requests = [
        req(1, 10, "python", "seo", tz=CAIRO),
        req(2, 20, "seo", "python", tz=CAIRO),
        req(3, 30, "seo", "python", tz=CAIRO, reputation=8),
    ]
    assert pairs(find_matches(requests)) == [{1, 3}]


def test_older_request_wins_when_everything_else_ties():
    requests = [
        req(1, 10, "python", "seo", order=5),
        req(2, 20, "seo", "python", order=9),
        req(3, 30, "seo", "python", order=2),
    ]
    assert pairs(find_matches(requests)) == [{1, 3}]


# --- three-way cycles --------------------------------------------------------------------------


def test_three_way_cycle_is_found_in_offer_to_want_order():
    requests = [
        req(1, 10, "python", "seo"),  # A
        req(2, 20, "arabic translation", "python"),  # B: wants A's offer
        req(3, 30, "seo", "arabic translation"),  # C: wants B's offer, offers A's want
    ]
    [match] = find_matches(requests)
    assert match.kind == "cycle3"
    assert match.request_ids == (1, 2, 3)
    assert match.member_ids == (10, 20, 30)


def test_direct_swap_is_preferred_over_a_better_scored_cycle():
    requests = [
        req(1, 10, "python", "seo", tz=GULF),
        req(2, 20, "seo", "python", tz=TORONTO),  # direct partner, far away
        req(3, 30, "tr", "python", tz=GULF),  # cycle 1 -> 3 -> 4 -> 1, all in the Gulf
        req(4, 40, "seo", "tr", tz=GULF),
    ]
    matches = find_matches(requests)
    assert [(set(m.request_ids), m.kind) for m in matches] == [({1, 2}, "direct")]


def test_cycle_needs_three_distinct_members():
    requests = [req(1, 10, "a", "c"), req(2, 20, "b", "a"), req(3, 10, "c", "b")]
    assert find_matches(requests) == []


def test_popular_skill_pairs_are_matched_all_the_way_down_their_queues():
    # More requests per bucket than one pass looks at, so later passes must reach the rest.
    directs = [req(i, i, "python", "seo") for i in range(40)]
    directs += [req(100 + i, 100 + i, "seo", "python") for i in range(30)]
    matches = find_matches(directs)
    assert len(matches) == 30 and {m.kind for m in matches} == {"direct"}
    cycle = [req(i, i, "a", "c") for i in range(7)]
    cycle += [req(10 + i, 10 + i, "b", "a") for i in range(7)]
    cycle += [req(20 + i, 20 + i, "c", "b") for i in range(7)]
    matches = find_matches(cycle)
    assert len(matches) == 7 and {m.kind for m in matches} == {"cycle3"}


# --- avoid lists, earlier proposals, busy requests ---------------------------------------------


def test_avoid_pair_is_never_proposed_and_the_next_partner_is_used():
    requests = [req(1, 10, "python", "seo"), req(2, 20, "seo", "python"), req(3, 30, "seo", "python")]
    avoid = frozenset({frozenset({10, 20})})
    assert pairs(find_matches(requests, avoid_pairs=avoid)) == [{1, 3}]
    assert find_matches(requests[:2], avoid_pairs=avoid) == []


def test_avoid_pair_anywhere_in_a_cycle_blocks_it():
    requests = [req(1, 10, "a", "c"), req(2, 20, "b", "a"), req(3, 30, "c", "b")]
    for first, second in itertools.combinations([10, 20, 30], 2):
        assert find_matches(requests, avoid_pairs=frozenset({frozenset({first, second})})) == []


def test_a_deep_allowed_partner_is_still_found_behind_many_avoided_ones():
    requests = [req(0, 1000, "python", "seo")]
    requests += [req(i, i, "seo", "python", reputation=10) for i in range(1, 60)]
    requests.append(req(60, 60, "seo", "python"))  # last in the queue: no reputation, newest
    avoid = frozenset(frozenset({1000, i}) for i in range(1, 60))
    assert pairs(find_matches(requests, avoid_pairs=avoid)) == [{0, 60}]


def test_already_proposed_sets_are_skipped():
    requests = [req(1, 10, "python", "seo"), req(2, 20, "seo", "python"), req(3, 30, "seo", "python")]
    assert pairs(find_matches(requests, already_proposed=frozenset({frozenset({1, 2})}))) == [{1, 3}]
    cycle = [req(1, 10, "a", "c"), req(2, 20, "b", "a"), req(3, 30, "c", "b")]
    assert find_matches(cycle, already_proposed=frozenset({frozenset({1, 2, 3})})) == []


def test_busy_requests_and_members_are_left_out():
    requests = [req(1, 10, "python", "seo"), req(2, 20, "seo", "python"), req(3, 30, "seo", "python")]
    assert pairs(find_matches(requests, busy_request_ids=frozenset({2}))) == [{1, 3}]
    assert pairs(find_matches(requests, busy_member_ids=frozenset({20}))) == [{1, 3}]
    assert find_matches(requests, busy_request_ids=frozenset({1})) == []


def test_a_member_with_two_requests_is_in_one_proposal_only():
    requests = [
        req(1, 10, "python", "seo"),
        req(2, 10, "figma", "excel"),
        req(3, 20, "seo", "python"),
        req(4, 30, "excel", "figma"),
    ]
    matches = find_matches(requests)
    assert len(matches) == 1
    assert pairs(matches) == [{1, 3}]  # the older request goes first


def test_duplicate_request_ids_are_rejected():
    with pytest.raises(ValueError, match="unique"):
        find_matches([req(1, 10, "a", "b"), req(1, 20, "b", "a")])


# --- scoring -----------------------------------------------------------------------------------


def test_timezone_overlap():
    assert timezone_overlap(GULF, GULF) == 1.0
    assert timezone_overlap(CAIRO, GULF) == 0.75
    assert timezone_overlap(GULF, TORONTO) == 0.0
    assert timezone_overlap(None, GULF) == 0.5
    # UTC+14 and UTC-10 share the same clock time, a day apart.
    assert timezone_overlap(14 * 60, -10 * 60) == 1.0


def test_score_grows_with_overlap_and_reputation():
    near = [req(1, 1, "a", "b", tz=GULF), req(2, 2, "b", "a", tz=GULF)]
    far = [req(1, 1, "a", "b", tz=GULF), req(2, 2, "b", "a", tz=TORONTO)]
    known = [req(1, 1, "a", "b", tz=GULF, reputation=5), req(2, 2, "b", "a", tz=GULF, reputation=5)]
    assert match_score(far) < match_score(near) < match_score(known)


def test_matching_is_deterministic_whatever_the_input_order():
    rng = random.Random(4)
    skills = ["python", "seo", "figma", "excel", "video", "arabic translation"]
    requests = [
        req(i, rng.randrange(25), *rng.sample(skills, 2), tz=rng.choice([GULF, CAIRO, TORONTO, None]))
        for i in range(80)
    ]
    expected = find_matches(requests)
    assert expected  # the scenario must actually produce swaps
    for _ in range(5):
        shuffled = requests[:]
        rng.shuffle(shuffled)
        assert find_matches(shuffled) == expected


# --- properties --------------------------------------------------------------------------------

SKILLS = ["a", "b", "c", "d"]


@st.composite
def scenarios(draw):
    count = draw(st.integers(min_value=0, max_value=18))
    requests = [
        req(
            i,
            draw(st.integers(min_value=0, max_value=7)),
            draw(st.sampled_from(SKILLS)),
            draw(st.sampled_from(SKILLS)),
            order=draw(st.integers(min_value=0, max_value=5)),
            reputation=draw(st.integers(min_value=0, max_value=6)),
            tz=draw(st.sampled_from([GULF, CAIRO, TORONTO, None])),
        )
        for i in range(count)
    ]
    member_pairs = st.frozensets(st.integers(min_value=0, max_value=7), min_size=2, max_size=2)
    avoid = draw(st.frozensets(member_pairs, max_size=6))
    ids = st.integers(min_value=0, max_value=max(count - 1, 2))
    proposed = draw(st.frozensets(st.frozensets(ids, min_size=2, max_size=3), max_size=6))
    busy = draw(st.frozensets(ids, max_size=3))
    return requests, avoid, proposed, busy


def allowed(group, avoid, proposed):
    members = [r.member_id for r in group]
    return (
        len(set(members)) == len(members)
        and len({r.id for r in group}) == len(group)
        and frozenset(r.id for r in group) not in proposed
        and not any(frozenset(p) in avoid for p in itertools.combinations(members, 2))
    )


def is_cycle(group):
    return all(group[i].offer == group[(i + 1) % len(group)].want for i in range(len(group)))


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_every_proposal_is_a_real_allowed_cycle_and_nobody_is_proposed_twice(scenario):
    requests, avoid, proposed, busy = scenario
    by_id = {r.id: r for r in requests}
    matches = find_matches(requests, avoid_pairs=avoid, already_proposed=proposed, busy_request_ids=busy)
    seen_requests, seen_members = set(), set()
    for match in matches:
        group = [by_id[i] for i in match.request_ids]
        assert is_cycle(group)
        assert match.kind == {2: "direct", 3: "cycle3"}[len(group)]
        assert match.member_ids == tuple(r.member_id for r in group)
        assert allowed(group, avoid, proposed)
        assert not busy & set(match.request_ids)
        assert not seen_requests & set(match.request_ids)
        assert not seen_members & set(match.member_ids)
        seen_requests.update(match.request_ids)
        seen_members.update(match.member_ids)
    # Nothing allowed is left on the table: no swap remains among the requests still free.
    free = [r for r in requests if r.id not in busy and r.member_id not in seen_members]
    for size in (2, 3):
        for group in itertools.permutations(free, size):
            assert not (is_cycle(group) and allowed(group, avoid, proposed)), group


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_proposals_do_not_depend_on_input_order(scenario, rnd):
    requests, avoid, proposed, busy = scenario
    shuffled = requests[:]
    rnd.shuffle(shuffled)
    assert find_matches(shuffled, avoid, proposed, busy) == find_matches(requests, avoid, proposed, busy)
