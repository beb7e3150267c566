"""Exactly-once at the real boundary: intros stopped while a request is in flight, then restarted.

Each test holds one request inside the fake Discord, cancels the real delivery task and stops the bot,
lets Discord act on the request (only the reply is lost) or not (the request is lost), starts a new
bot on the same database and checks everyone got exactly one of everything. Moving any "record the
step" after its Discord call makes the reply-lost cases post a second thread or message.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.i18n import t
from bot.storage import intros as store
from bot.storage import profiles as profile_store

FIELDS = ("design", "programming")
DISCORD = pytest.mark.parametrize("discord_acts", [True, False], ids=["reply_lost", "request_lost"])


def cog(majlis):
    return majlis.bot.get_cog("Intros")


async def planned_round(majlis, count, *, delivery="thread"):
    """Turn intros on, let `count` members join, and create a round without delivering it yet."""
    channel = majlis.fake.create_text_channel(majlis.guild, "intros")
    options = {"channel": channel, "delivery": delivery, "group_size": 2, "timezone": "Asia/Riyadh"}
    assert (await majlis.run(majlis.admin, "majlis intros", options=options)).ephemeral
    users = []
    for i in range(count):
        user = majlis.member(f"peer{i}")
        await profile_store.save_profile(majlis.bot.db, majlis.guild.id, user.id, field=FIELDS[i % 2])
        await store.join(majlis.bot.db, majlis.guild.id, user.id, majlis.clock.now())
        users.append(user)
    outcome = await cog(majlis).runner.start(majlis.guild.id, majlis.clock.now().replace(microsecond=0))
    assert outcome.groups == count // 2
    return channel, users, outcome.round_id


async def delivered(majlis):
    runner = cog(majlis).runner
    while any(not task.done() for task in runner.deliveries.values()):
        await asyncio.gather(*runner.deliveries.values(), return_exceptions=True)


async def restarted_and_resumed(majlis):
    """Start a new bot on the same database and wait for the delivery it resumes by itself."""
    await majlis.start()
    await majlis.fake.wait_for(lambda: cog(majlis).runner.deliveries)
    await delivered(majlis)


def intros_in(majlis, channel):
    return [
        m
        for m in majlis.fake.messages(channel)
        if m.embeds and m.embeds[0]["title"] == t("ar", "intros.title")
    ]


def checkins_in(majlis, channel):
    """The check-in questions (the intro carries a "met" button too, but no "not yet")."""
    return [m for m in majlis.fake.messages(channel) if any(c.endswith(":not_yet") for c in m.custom_ids())]


async def assert_one_thread_and_one_intro_per_group(majlis, channel, round_id):
    groups = await store.round_groups(majlis.bot.db, round_id)
    threads = majlis.fake.threads(channel)
    assert len(threads) == len(groups)
    bot_id = majlis.fake.bot_user.id
    assert {frozenset(m for m in th.members if m != bot_id) for th in threads} == {
        frozenset(g.members) for g in groups
    }
    for thread in threads:
        assert len(intros_in(majlis, thread)) == 1, thread.name
    assert {(g.state, g.thread_id) for g in groups} == {("posted", th.id) for th in threads}
    assert (await store.get_round(majlis.bot.db, round_id)).delivered_at is not None


@DISCORD
@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/channels/{intros}/threads"),  # creating -> thread_created
        ("PUT", "/channels/*/thread-members/*"),  # thread_created -> members_added
        ("POST", "/channels/*/messages"),  # posting -> posted
    ],
    ids=["thread", "member", "intro"],
)
async def test_a_stop_mid_request_still_gives_each_group_one_thread_and_one_intro(
    majlis, discord_acts, method, path
):
    channel, _, round_id = await planned_round(majlis, 4)
    await majlis.stop_mid_request(
        method,
        path.format(intros=channel.id),
        discord_acts=discord_acts,
        work=lambda: cog(majlis).runner.deliver_in_background(round_id),
    )
    await restarted_and_resumed(majlis)
    await assert_one_thread_and_one_intro_per_group(majlis, channel, round_id)


@DISCORD
async def test_a_stop_mid_dm_round_gives_each_member_one_intro(majlis, discord_acts):
    _, users, round_id = await planned_round(majlis, 4, delivery="dm")
    first = (await store.round_groups(majlis.bot.db, round_id))[0]
    second_member = next(u for u in users if u.id == first.members[1])
    # The first member of the group has their intro; the bot stops while sending the second one's.
    await majlis.stop_mid_request(
        "POST",
        f"/channels/{majlis.fake.dm_channel(second_member).id}/messages",
        discord_acts=discord_acts,
        work=lambda: cog(majlis).runner.deliver_in_background(round_id),
    )
    await restarted_and_resumed(majlis)
    for user in users:
        assert len([m for m in majlis.fake.dm_messages(user) if m.embeds]) == 1, user.username
    for group in await store.round_groups(majlis.bot.db, round_id):
        assert group.state == "posted" and set(group.dm_states.values()) == {"sent"}


@DISCORD
async def test_a_stop_mid_check_in_asks_each_thread_once(majlis, discord_acts):
    channel, _, round_id = await planned_round(majlis, 4)
    await cog(majlis).runner.deliver(round_id)
    runner = cog(majlis).runner
    await majlis.stop_mid_request(
        "POST", "/channels/*/messages", discord_acts=discord_acts, work=lambda: runner.post_checkin(round_id)
    )
    await majlis.start()
    await cog(majlis).runner.post_checkin(round_id)  # the job, rebuilt from the store, runs when due
    for thread in majlis.fake.threads(channel):
        assert len(checkins_in(majlis, thread)) == 1, thread.name
    groups = await store.round_groups(majlis.bot.db, round_id)
    assert {g.checkin_state for g in groups} == {"posted"}
    assert (await store.get_round(majlis.bot.db, round_id)).checkin_done


@DISCORD
async def test_a_stop_mid_dm_check_in_asks_each_member_once(majlis, discord_acts):
    _, users, round_id = await planned_round(majlis, 4, delivery="dm")
    await cog(majlis).runner.deliver(round_id)
    first = (await store.round_groups(majlis.bot.db, round_id))[0]
    second_member = next(u for u in users if u.id == first.members[1])
    runner = cog(majlis).runner
    # The first member of the group has been asked; the bot stops while asking the second.
    await majlis.stop_mid_request(
        "POST",
        f"/channels/{majlis.fake.dm_channel(second_member).id}/messages",
        discord_acts=discord_acts,
        work=lambda: runner.post_checkin(round_id),
    )
    await majlis.start()
    await cog(majlis).runner.post_checkin(round_id)
    for user in users:
        assert len(checkins_in(majlis, majlis.fake.dm_channel(user))) == 1, user.username
    for group in await store.round_groups(majlis.bot.db, round_id):
        assert group.checkin_state == "posted" and set(group.checkin_dm_states.values()) == {"sent"}
