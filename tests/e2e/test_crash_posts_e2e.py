"""Exactly-once at the real boundary: swap proposals, prompts and the digest stopped mid-request.

As in `test_crash_intros_e2e.py`: one request is held inside the fake Discord, the real task is
cancelled and the bot stopped, Discord acts on the request (only the reply is lost) or not (the request
is lost), a new bot starts on the same database, and there is exactly one of everything.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.i18n import t
from bot.sandbox.models import Message
from bot.storage import prompts as prompt_store
from bot.storage import swaps as swap_store

DISCORD = pytest.mark.parametrize("discord_acts", [True, False], ids=["reply_lost", "request_lost"])


# --- swap proposals ---------------------------------------------------------------------------


def swaps(majlis):
    return majlis.bot.get_cog("Swaps")


async def two_matching_requests(majlis):
    """A swap board with two complementary requests stored but not yet matched."""
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    assert (await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})).ephemeral
    amal, badr = majlis.member("amal"), majlis.member("badr")
    for user, offer, want in (
        (amal, "logo design", "wordpress development"),
        (badr, "wordpress development", "logo design"),
    ):
        await swap_store.open_request(
            majlis.bot.db,
            majlis.guild.id,
            user.id,
            offer=offer,
            want=want,
            details=None,
            now=majlis.clock.now(),
        )
    return board, {amal.id, badr.id}


def proposals_in(majlis, thread):
    return [
        m for m in majlis.fake.messages(thread) if any("majlis:swaps:match:" in c for c in m.custom_ids())
    ]


@DISCORD
@pytest.mark.parametrize(
    "method,path",
    [("POST", "/channels/{board}/threads"), ("POST", "/channels/*/messages")],
    ids=["thread", "proposal"],
)
async def test_a_proposal_stopped_mid_request_is_delivered_once_at_the_next_start(
    majlis, discord_acts, method, path
):
    board, members = await two_matching_requests(majlis)
    await majlis.stop_mid_request(
        method,
        path.format(board=board.id),
        discord_acts=discord_acts,
        work=lambda: swaps(majlis).run_matching(majlis.guild.id),
    )
    await majlis.start()
    # Resumed at start-up, not at the next matching run.
    await asyncio.gather(*swaps(majlis).board.tasks, return_exceptions=True)
    (thread,) = majlis.fake.threads(board)
    (proposal,) = proposals_in(majlis, thread)
    assert members <= set(thread.members)
    (row,) = await majlis.bot.db.fetchall("SELECT thread_id, message_id FROM swap_matches")
    assert (row["thread_id"], row["message_id"]) == (thread.id, proposal.id)
    before = len(majlis.fake.requests)
    await swaps(majlis).run_matching(majlis.guild.id)
    assert not [r for r in majlis.fake.requests[before:] if r.method == "POST"]


# --- the weekly prompt and the digest ---------------------------------------------------------


def prompts(majlis):
    return majlis.bot.get_cog("Prompts")


async def prompts_on(majlis):
    channel = majlis.fake.create_text_channel(majlis.guild, "prompts")
    assert (await majlis.run(majlis.admin, "majlis prompts", options={"channel": channel})).ephemeral
    return channel


def titled(majlis, channel, key):
    titles = {t("ar", key), t("en", key)}
    return [m for m in majlis.fake.messages(channel) if m.embeds and m.embeds[0].get("title") in titles]


@DISCORD
@pytest.mark.parametrize(
    "method,path",
    [("POST", "/channels/{c}/messages"), ("POST", "/channels/{c}/messages/*/threads")],
    ids=["post", "thread"],
)
async def test_a_prompt_stopped_mid_request_is_posted_once_with_one_thread(
    majlis, discord_acts, method, path
):
    channel = await prompts_on(majlis)
    occurrence = majlis.clock.now().replace(microsecond=0)
    await majlis.stop_mid_request(
        method,
        path.format(c=channel.id),
        discord_acts=discord_acts,
        work=lambda: prompts(majlis).scheduled_prompt(majlis.guild.id, occurrence),
    )
    await majlis.start()
    outcome = await prompts(majlis).post_prompt(majlis.guild.id, occurrence)  # the occurrence runs again
    (post,) = titled(majlis, channel, "prompts.post_title")
    (thread,) = majlis.fake.threads(channel)
    assert (outcome.post.message_id, outcome.post.thread_id, outcome.post.complete) == (
        post.id,
        thread.id,
        True,
    )
    assert len(await prompt_store.used_prompt_refs(majlis.bot.db, majlis.guild.id)) == 1


@DISCORD
async def test_a_digest_stopped_mid_request_is_posted_once(majlis, discord_acts):
    channel = await prompts_on(majlis)
    bot = majlis.bot
    majlis.clock.advance(
        bot.scheduler.next_run(majlis.guild.id, "prompts") - bot.clock.now() + timedelta(minutes=1)
    )
    await bot.scheduler.fire_due()
    [thread] = majlis.fake.threads(channel)
    answer = Message(
        id=majlis.fake.snowflakes.next(),
        channel_id=thread.id,
        author_id=majlis.member("hala").id,
        guild_id=majlis.guild.id,
        content="Send the invoice the day the work is done",
        created_at=majlis.fake.clock.iso(),
    )
    majlis.fake.store_message(answer)
    majlis.fake.message_event(answer)
    majlis.fake.add_reaction(answer, majlis.admin, "👍")
    due = bot.scheduler.next_run(majlis.guild.id, "digest")
    await majlis.stop_mid_request(
        "POST",
        f"/channels/{channel.id}/messages",
        discord_acts=discord_acts,
        work=lambda: prompts(majlis).scheduled_digest(majlis.guild.id, due),
    )
    await majlis.start()
    await prompts(majlis).scheduled_digest(majlis.guild.id, due)  # the occurrence runs again
    (digest,) = titled(majlis, channel, "prompts.digest_title")
    assert f"/{answer.id})" in str(digest.embeds[0])
    stored = await prompt_store.last_digest(majlis.bot.db, majlis.guild.id)
    assert (stored.status, stored.message_id) == ("posted", digest.id)


async def test_a_prompt_stopped_mid_request_is_found_past_a_busy_channel_s_last_hundred_messages(majlis):
    """The look-back after a stop starts at the recorded attempt: 150 member messages cannot hide the post."""
    channel = await prompts_on(majlis)
    occurrence = majlis.clock.now().replace(microsecond=0)
    await majlis.stop_mid_request(
        "POST",
        f"/channels/{channel.id}/messages",
        discord_acts=True,
        work=lambda: prompts(majlis).scheduled_prompt(majlis.guild.id, occurrence),
    )
    hala = majlis.member("hala")
    for i in range(150):  # members chat while the bot is down
        majlis.fake.store_message(
            Message(
                id=majlis.fake.snowflakes.next(),
                channel_id=channel.id,
                author_id=hala.id,
                guild_id=majlis.guild.id,
                content=f"message {i}",
                created_at=majlis.fake.clock.iso(),
            )
        )
    await majlis.start()
    await prompts(majlis).post_prompt(majlis.guild.id, occurrence)
    assert len(titled(majlis, channel, "prompts.post_title")) == 1
