"""End to end: a member who forgets mid-round, or one transient error, never costs the rest of a group."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.i18n import t
from bot.storage import intros as store
from tests.e2e.test_intros_e2e import cog, delivered, setup_intros

CONFIRM = "majlis:privacy:forget:confirm"


async def forget(majlis, user):
    ask = await majlis.run(user, "privacy forget")
    done = await majlis.fake.click(ask.message, CONFIRM, user=user)
    await done.wait_done()
    await majlis.fake.wait_for(lambda: ask.message.content == t("ar", "privacy.forgotten"))


async def started_round(majlis):
    """A round created but not delivered yet (a paced round, or one waiting for a retry)."""
    runner = cog(majlis).runner
    outcome = await runner.start(majlis.guild.id, majlis.clock.now())
    assert outcome.created
    return outcome.round_id


def intros_of(majlis, user):
    return [m for m in majlis.fake.dm_messages(user) if m.embeds]


def checkins_of(majlis, user):
    """The check-in DMs a member got (only the check-in carries "not yet")."""
    return [m for m in majlis.fake.dm_messages(user) if ":not_yet" in json.dumps(m.components)]


async def test_forget_before_dm_delivery_still_delivers_to_the_partner(majlis):
    _, (a, b) = await setup_intros(majlis, 2, delivery="dm")
    round_id = await started_round(majlis)
    await forget(majlis, a)
    await cog(majlis).runner.deliver(round_id)
    [group] = await store.round_groups(majlis.bot.db, round_id)
    assert group.state == "posted"
    [intro] = intros_of(majlis, b)
    assert "<@-" not in intro.content
    assert intros_of(majlis, a) == []


async def test_forget_after_dm_delivery_still_asks_the_partner_at_check_in(majlis):
    _, (a, b) = await setup_intros(majlis, 2, delivery="dm")
    round_id = await started_round(majlis)
    await cog(majlis).runner.deliver(round_id)
    await forget(majlis, a)
    await cog(majlis).runner.post_checkin(round_id)
    [group] = await store.round_groups(majlis.bot.db, round_id)
    assert group.checkin_state == "posted"
    [checkin] = checkins_of(majlis, b)
    assert "<@-" not in checkin.content
    assert checkins_of(majlis, a) == []


async def test_forget_in_thread_mode_never_shows_or_adds_a_tombstone(majlis):
    channel, (a, b) = await setup_intros(majlis, 2)
    round_id = await started_round(majlis)
    await forget(majlis, a)
    await cog(majlis).runner.deliver(round_id)
    [thread] = majlis.fake.threads(channel)
    assert all(m > 0 for m in thread.members) and b.id in thread.members
    await cog(majlis).runner.post_checkin(round_id)
    [group] = await store.round_groups(majlis.bot.db, round_id)
    assert group.state == "posted" and group.checkin_state == "posted"
    texts = [m.content for m in majlis.fake.messages(thread)]
    assert len(texts) == 2 and all("<@-" not in text for text in texts)
    assert all(f"<@{b.id}>" in text for text in texts)


async def test_one_member_s_dm_failure_does_not_skip_the_others(majlis):
    _, users = await setup_intros(majlis, 3, delivery="dm", group_size=3)
    round_id = await started_round(majlis)
    # The first DM the bot opens fails once (Discord 503): the other two still get theirs at once.
    majlis.fake.inject_error("POST", "/users/@me/channels", status=503, count=1)
    await cog(majlis).runner.deliver(round_id)
    got = [len(intros_of(majlis, u)) for u in users]
    assert sorted(got) == [0, 1, 1]
    # The retry reaches the one left, and nobody gets a second intro.
    await cog(majlis).runner.deliver(round_id)
    await delivered(majlis)
    assert [len(intros_of(majlis, u)) for u in users] == [1, 1, 1]


# --- a transient error at check-in time is retried, never the end of the check-in ------------------


async def retried_checkin(majlis):
    """Fire the check-in's retry the way the scheduler would, on the bot's clock."""
    majlis.clock.advance(timedelta(minutes=10))
    assert await majlis.bot.scheduler.fire_due() >= 1
    await majlis.fake.wait_for(lambda: not cog(majlis).runner.tasks, timeout=10)


async def test_a_server_error_at_check_in_is_retried_in_the_thread(majlis):
    channel, _ = await setup_intros(majlis, 2)
    round_id = await started_round(majlis)
    await cog(majlis).runner.deliver(round_id)
    [thread] = majlis.fake.threads(channel)
    majlis.fake.inject_error("POST", f"/channels/{thread.id}/messages", status=503, count=1)
    await cog(majlis).runner.post_checkin(round_id)
    [group] = await store.round_groups(majlis.bot.db, round_id)
    assert group.checkin_state != "failed"
    assert not (await store.get_round(majlis.bot.db, round_id)).checkin_done
    await retried_checkin(majlis)
    [group] = await store.round_groups(majlis.bot.db, round_id)
    assert group.checkin_state == "posted"
    assert (await store.get_round(majlis.bot.db, round_id)).checkin_done
    assert len([m for m in majlis.fake.messages(thread) if ":not_yet" in json.dumps(m.components)]) == 1


async def test_a_server_error_on_one_check_in_dm_asks_the_others_and_retries_that_one(majlis):
    _, users = await setup_intros(majlis, 3, delivery="dm", group_size=3)
    round_id = await started_round(majlis)
    await cog(majlis).runner.deliver(round_id)
    majlis.fake.inject_error("POST", "/channels/*/messages", status=503, count=1)
    await cog(majlis).runner.post_checkin(round_id)
    assert sorted(len(checkins_of(majlis, u)) for u in users) == [0, 1, 1]
    await retried_checkin(majlis)
    assert [len(checkins_of(majlis, u)) for u in users] == [1, 1, 1]
    [group] = await store.round_groups(majlis.bot.db, round_id)
    assert group.checkin_state == "posted"


async def test_a_finished_delivery_is_not_kept(majlis):
    await setup_intros(majlis, 4)
    round_id = await started_round(majlis)
    await cog(majlis).runner.deliver(round_id)
    assert cog(majlis).runner.deliveries == {}
