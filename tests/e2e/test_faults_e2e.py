"""End to end: faults the bot must survive — dropped gateway, Discord errors and slowness, a locked or
full database, a deleted channel, a lost permission. Each test says what a member sees."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import aiohttp

from bot.i18n import t
from bot.storage import guilds as guild_store
from bot.storage import intros as intros_store
from bot.storage import profiles as profile_store
from bot.storage import share as share_store

CLIENTS = "majlis:privacy:clients"


async def setup_intros(majlis, count):
    """Put `count` members in intros and enable it in a new channel."""
    channel = majlis.fake.create_text_channel(majlis.guild, "intros")
    users = []
    for i in range(count):
        user = majlis.member(f"peer{i:02d}")
        await profile_store.save_profile(
            majlis.bot.db,
            majlis.guild.id,
            user.id,
            field="design",
            timezone="Asia/Riyadh",
            languages=["ar"],
            about=f"Peer {i}",
        )
        await intros_store.join(majlis.bot.db, majlis.guild.id, user.id, majlis.clock.now())
        users.append(user)
    await majlis.run(majlis.admin, "majlis intros", options={"channel": channel, "timezone": "Asia/Riyadh"})
    majlis.bot.get_cog("Intros").runner.retry_backoff = 0.01
    return channel, users


async def delivered(majlis):
    """Wait for every intro delivery the bot has started (retries included) to finish."""
    runner = majlis.bot.get_cog("Intros").runner
    while any(not task.done() for task in runner.deliveries.values()):
        await asyncio.gather(*runner.deliveries.values(), return_exceptions=True)


async def round_states(majlis):
    latest = await intros_store.latest_round(majlis.bot.db, majlis.guild.id)
    return [g.state for g in await intros_store.round_groups(majlis.bot.db, latest.round_id)]


async def until_settled(majlis):
    """Let retries scheduled with backoff run until no group is still on its way."""
    for _ in range(100):
        await delivered(majlis)
        if all(state in ("posted", "failed") for state in await round_states(majlis)):
            return
        await majlis.bot.scheduler.fire_due()
        await majlis.fake.wait_for(lambda: True)
    raise AssertionError(f"delivery never settled: {await round_states(majlis)}")


def groups_in_threads(majlis, channel):
    bot_id = majlis.fake.bot_user.id
    return [frozenset(m for m in thread.members if m != bot_id) for thread in majlis.fake.threads(channel)]


def assert_one_thread_per_group(majlis, channel, users):
    groups = groups_in_threads(majlis, channel)
    seen = [uid for group in groups for uid in group]
    assert sorted(seen) == sorted(u.id for u in users), "each member is in exactly one thread"
    for thread in majlis.fake.threads(channel):
        intros = [
            m for m in majlis.fake.messages(thread) if m.author_id == majlis.fake.bot_user.id and m.content
        ]
        assert len(intros) == 1, f"thread {thread.id} has {len(intros)} intro messages"


def status_field(reply, feature_key):
    """Return the value of one feature's field in the /majlis status embed."""
    name = t("ar", feature_key)
    return next(f["value"] for f in reply.embeds[0]["fields"] if f["name"] == name)


async def profiles_of(majlis, users):
    found = await profile_store.get_profiles(majlis.bot.db, majlis.guild.id, [u.id for u in users])
    return {uid: p.about for uid, p in found.items()}


async def test_a_gateway_drop_mid_round_resumes_and_every_pair_gets_one_thread(majlis):
    """Members see one private intro thread each, as if nothing happened; the bot keeps hearing events."""
    channel, users = await setup_intros(majlis, 8)
    before = await profiles_of(majlis, users)
    majlis.fake.delay_responses("POST", f"/channels/{channel.id}/threads", 0.3, count=1)
    await majlis.fake.invoke(
        majlis.guild, majlis.admin, "majlis run", channel=majlis.channel, feature="intros"
    )
    await majlis.fake.wait_for(lambda: majlis.bot.get_cog("Intros").runner.deliveries)
    await majlis.fake.disconnect_gateway()
    await until_settled(majlis)
    assert len(majlis.fake.threads(channel)) == 4
    assert_one_thread_per_group(majlis, channel, users)
    # The session resumed: a member who joins now is seen, and commands are answered.
    late = majlis.member("late")
    await majlis.fake.wait_for(lambda: majlis.bot.get_guild(majlis.guild.id).get_member(late.id) is not None)
    reply = await majlis.run(late, "help")
    assert reply.ephemeral and reply.embeds
    assert await profiles_of(majlis, users) == before


async def test_discord_500s_and_timeouts_during_delivery_are_retried_without_duplicates(majlis):
    """Members see one intro thread each with one intro message, though Discord failed and hung at first."""
    channel, users = await setup_intros(majlis, 6)
    faults = [
        majlis.fake.inject_error("POST", f"/channels/{channel.id}/threads", status=500, count=2),
        majlis.fake.inject_error("POST", "/channels/*/messages", status=502, count=1),
        # A response slower than the bot's HTTP timeout: Discord did the work, the bot saw a timeout.
        majlis.fake.delay_responses("POST", f"/channels/{channel.id}/threads", 1.0, count=1),
    ]
    session = majlis.bot.http._HTTPClient__session  # test-only: a short client timeout
    session._timeout = aiohttp.ClientTimeout(total=0.4)
    try:
        await majlis.run(majlis.admin, "majlis run", feature="intros")
        await until_settled(majlis)
    finally:
        session._timeout = aiohttp.ClientTimeout(total=300)
    assert set(await round_states(majlis)) == {"posted"}
    assert [f.count for f in faults] == [0, 0, 0]  # every fault really happened
    assert len(majlis.fake.threads(channel)) == 3
    assert_one_thread_per_group(majlis, channel, users)


async def test_a_briefly_locked_database_makes_a_write_wait_not_fail(majlis):
    """The member's /profile set is answered normally, just a moment later; nothing is lost."""
    salma = majlis.member("salma")
    await majlis.run(salma, "profile set", skills="logo design", about="First words")
    locker = sqlite3.connect(majlis.db_path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")
    released = threading.Event()

    def release():
        locker.execute("COMMIT")
        locker.close()
        released.set()

    timer = threading.Timer(0.5, release)
    timer.start()
    try:
        reply = await majlis.run(salma, "profile set", about="Second words")
    finally:
        timer.join()
    assert released.is_set()
    assert reply.ephemeral and t("ar", "error.storage") not in reply.content
    profile = await profile_store.get_profile(majlis.bot.db, majlis.guild.id, salma.id)
    assert profile.about == "Second words" and profile.skills == ("logo design",)


async def test_a_full_disk_refuses_the_write_clearly_and_reads_keep_working(majlis, error_log):
    """The member is told the save failed and nothing changed; /help and /profile show still answer."""
    error_log.allowed.append("storage refused a write")
    salma = majlis.member("salma")
    await majlis.run(salma, "profile set", about="Still here")
    db = majlis.bot.db
    await share_store.set_client_names(db, majlis.guild.id, salma.id, ["Acme Foods"], majlis.clock.now())
    pages = (await db.fetchone("PRAGMA page_count"))[0]
    await db.execute(f"PRAGMA max_page_count = {int(pages)}")
    # Use up the free space, so the next write that needs a page finds the disk full.
    filler = 10**12
    try:
        while True:
            await db.execute(
                "INSERT INTO members (guild_id, user_id) VALUES (?, ?)", (majlis.guild.id, filler)
            )
            filler += 1
    except sqlite3.OperationalError as full:
        assert "full" in str(full)

    opened = await majlis.fake.invoke(majlis.guild, salma, "privacy clients", channel=majlis.channel)
    await opened.response()
    names = "\n".join(f"Client number {i:03d} with a long name" for i in range(100))
    submitted = await majlis.fake.submit_modal(opened, {CLIENTS: names[:4000]})
    await submitted.wait_done()
    assert submitted.ephemeral and submitted.content == t("ar", "error.storage")
    assert [r for r in error_log.records] == []

    help_reply = await majlis.run(salma, "help")
    assert help_reply.embeds and help_reply.embeds[0]["title"] == t("ar", "help.title")
    card = await majlis.run(salma, "profile show")
    assert "Still here" in str(card.embeds)
    assert await share_store.get_client_names(db, majlis.guild.id, salma.id) == ["Acme Foods"]


async def test_a_deleted_intros_channel_fails_the_round_visibly_and_loses_nothing(majlis):
    """The admin's /majlis status shows the intros error; members' profiles and sign-ups are intact."""
    channel, users = await setup_intros(majlis, 4)
    before = await profiles_of(majlis, users)
    majlis.fake.delete_channel(channel)
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(channel.id) is None)
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    await delivered(majlis)
    assert set(await round_states(majlis)) == {"failed"}
    status = await majlis.run(majlis.admin, "majlis status")
    intros_field = status_field(status, "feature.intros")
    assert t("ar", "intros.failure.channel_missing") in intros_field  # in the admin's words, not the log's
    assert await profiles_of(majlis, users) == before
    assert (
        len([m for m in await intros_store.list_members(majlis.bot.db, majlis.guild.id) if m.opted_in]) == 4
    )


async def test_a_deleted_prompt_channel_fails_visibly_and_loses_nothing(majlis):
    """The admin sees the prompt could not be posted; the queued suggestion is still there."""
    channel = majlis.fake.create_text_channel(majlis.guild, "prompts")
    await majlis.run(majlis.admin, "majlis prompts", options={"channel": channel})
    majlis.fake.delete_channel(channel)
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(channel.id) is None)
    reply = await majlis.run(majlis.admin, "majlis run", feature="prompt")
    missing = t("ar", "prompts.failure.channel_missing")
    assert reply.ephemeral and missing in reply.content
    status = await majlis.run(majlis.admin, "majlis status")
    assert missing in status_field(status, "feature.prompts")
    config = await guild_store.get_feature(majlis.bot.db, majlis.guild.id, "prompts")
    assert config is not None and config.enabled and config.channel_id == channel.id


async def test_losing_the_thread_permission_mid_setup_is_reported_and_loses_nothing(majlis):
    """Admins see the missing permission in /majlis status; members stay signed up for the next round."""
    channel, users = await setup_intros(majlis, 4)
    before = await profiles_of(majlis, users)
    majlis.fake.deny_bot(majlis.guild, "CREATE_PRIVATE_THREADS", channel=channel)
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    await until_settled(majlis)
    assert set(await round_states(majlis)) == {"failed"}
    assert majlis.fake.threads(channel) == []
    status = await majlis.run(majlis.admin, "majlis status")
    assert t("ar", "intros.failure.http", code=403) in status_field(status, "feature.intros")
    assert await profiles_of(majlis, users) == before
    assert (
        len([m for m in await intros_store.list_members(majlis.bot.db, majlis.guild.id) if m.opted_in]) == 4
    )
