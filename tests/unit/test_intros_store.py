"""Intros storage on a fresh SQLite file: one transaction per round, the unique occurrence, answers, counts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.matching import Reason
from bot.storage import intros as store

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
GUILD = 7


def plan(groups, unmatched=None, when=NOW, again=frozenset()):
    return store.RoundPlan(
        guild_id=GUILD,
        scheduled_for=when,
        created_at=when,
        seed=1,
        group_size=2,
        match_mode="same_field",
        delivery="thread",
        channel_id=5,
        language="ar",
        checkin_at=when + timedelta(days=3),
        groups=tuple(
            store.PlannedGroup(g, (Reason("same_field", ("design",)),), 4.0, False, "ib-01") for g in groups
        ),
        unmatched=unmatched or {},
        again_fulfilled=again,
    )


async def test_a_round_is_stored_whole_and_once_per_occurrence(db):
    for uid in (1, 2, 3, 4, 5):
        await store.join(db, GUILD, uid, NOW)
    round_id = await store.create_round(db, plan([(1, 2), (3, 4)], {5: "alone"}))
    groups = await store.round_groups(db, round_id)
    assert [g.members for g in groups] == [(1, 2), (3, 4)]
    assert groups[0].reasons == (Reason("same_field", ("design",)),)
    assert (await store.get_member(db, GUILD, 5)).priority
    with pytest.raises(sqlite3.IntegrityError):
        await store.create_round(db, plan([(1, 3)]))
    # The failed second round left nothing behind.
    assert len(await store.recent_round_groups(db, GUILD, 12)) == 1


async def test_fulfilled_again_requests_are_cleared(db):
    await store.add_again(db, GUILD, 1, 2, NOW)
    assert await store.add_again(db, GUILD, 2, 1, NOW)
    await store.create_round(db, plan([(1, 2)], again=frozenset({frozenset((1, 2))})))
    assert await store.again_requests(db, GUILD) == []


async def test_answers_count_peers_met_and_only_members_may_answer(db):
    round_id = await store.create_round(db, plan([(1, 2), (3, 4)]))
    first, second = await store.round_groups(db, round_id)
    for group in (first, second):
        await store.set_group_state(db, group.group_id, "posted", thread_id=100 + group.group_id)
    assert await store.record_answer(db, first.group_id, 1, "met", NOW)
    assert not await store.record_answer(db, first.group_id, 3, "met", NOW)
    assert await store.peers_met(db, GUILD, 2) == 1
    assert await store.peers_met(db, GUILD, 3) == 0
    assert await store.record_answer(db, first.group_id, 1, "couldnt", NOW)  # an answer can change
    assert await store.peers_met(db, GUILD, 2) == 0
    summaries = await store.round_summaries(db, GUILD, NOW - timedelta(weeks=1))
    assert summaries[0].groups == 2 and summaries[0].answered_groups == 1 and summaries[0].met_groups == 0
    counts = await store.delivery_counts(db, round_id)
    assert (counts.posted, counts.failed, counts.pending) == (2, 0, 0)


async def test_state_steps_keep_ids_once_set(db):
    round_id = await store.create_round(db, plan([(1, 2)]))
    group = (await store.round_groups(db, round_id))[0]
    await store.set_group_state(db, group.group_id, "thread_created", thread_id=55)
    await store.set_group_state(db, group.group_id, "members_added")
    stored = await store.get_group(db, group.group_id)
    assert (stored.state, stored.thread_id) == ("members_added", 55)
