"""End to end: a member who runs `/privacy forget` mid-round never breaks the rest of their group."""

from __future__ import annotations

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
    question = t("ar", "intros.checkin.dm_question", members="").strip()
    return [m for m in majlis.fake.dm_messages(user) if question in m.content]


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
