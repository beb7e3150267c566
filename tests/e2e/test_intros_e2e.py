"""End to end: intro rounds against the fake Discord — creation, exactly-once delivery, check-ins, commands."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import t
from bot.pacer import Limit, Pacer
from bot.sandbox import InvalidInteraction
from bot.storage import Database
from bot.storage import guilds as guild_store
from bot.storage import intros as store
from bot.storage import profiles as profile_store

FIELDS = ("design", "programming", "writing")
PRIVATE_THREAD = 12


def cog(majlis):
    return majlis.bot.get_cog("Intros")


async def delivered(majlis):
    """Wait for every delivery the bot has started."""
    runner = cog(majlis).runner
    while any(not task.done() for task in runner.deliveries.values()):
        await asyncio.gather(*runner.deliveries.values(), return_exceptions=True)


async def setup_intros(majlis, count, *, delivery="thread", group_size=2, via_command=False, weekday=None):
    """Turn intros on in a new channel, and add `count` members in three fields who joined them."""
    channel = majlis.fake.create_text_channel(majlis.guild, "intros")
    options = {"channel": channel, "delivery": delivery, "group_size": group_size, "timezone": "Asia/Riyadh"}
    if weekday is not None:
        options["weekday"] = weekday
    reply = await majlis.run(majlis.admin, "majlis intros", options=options)
    assert reply.ephemeral and channel.id in {int(x) for x in _mentioned_channels(reply.content)}
    users = []
    db, gid = majlis.bot.db, majlis.guild.id
    for i in range(count):
        user = majlis.member(f"peer{i:02d}")
        await profile_store.save_profile(
            db, gid, user.id, field=FIELDS[i % 3], timezone="Asia/Riyadh", languages=["ar"]
        )
        if via_command:
            reply = await majlis.run(user, "intros join")
            assert reply.ephemeral
        else:
            await store.join(db, gid, user.id, majlis.clock.now())
        users.append(user)
    return channel, users


def _mentioned_channels(text):
    return [part.split(">")[0] for part in text.split("<#")[1:]]


async def run_round(majlis):
    reply = await majlis.run(majlis.admin, "majlis run", feature="intros")
    await delivered(majlis)
    return reply


def thread_groups(majlis, channel):
    bot_id = majlis.fake.bot_user.id
    return [frozenset(m for m in thread.members if m != bot_id) for thread in majlis.fake.threads(channel)]


def assert_each_thread_has_one_intro(majlis, channel):
    for thread in majlis.fake.threads(channel):
        assert thread.type == PRIVATE_THREAD and thread.invitable is False
        messages = majlis.fake.messages(thread)
        intros = [m for m in messages if m.embeds and m.embeds[0]["title"] == t("ar", "intros.title")]
        assert len(intros) == 1, f"{thread.name}: {len(intros)} intros"
        members = {m for m in thread.members if m != majlis.fake.bot_user.id}
        for uid in members:
            assert f"<@{uid}>" in intros[0].content
        # Pings go to this group only: never everyone, roles, or anybody else.
        allowed = intros[0].allowed_mentions
        assert allowed is not None and not allowed.get("roles")
        assert "everyone" not in allowed.get("parse", [])
        assert {int(u) for u in allowed.get("users", [])} == members


async def test_twenty_members_get_ten_private_threads_each_with_one_intro(majlis):
    channel, users = await setup_intros(majlis, 20, via_command=True)
    reply = await run_round(majlis)
    assert reply.ephemeral
    groups = thread_groups(majlis, channel)
    assert len(groups) == 10
    assert all(len(g) == 2 for g in groups)
    assert set().union(*groups) == {u.id for u in users}
    assert_each_thread_has_one_intro(majlis, channel)
    # Same field first: with 20 members in three fields at most one pair per odd field mixes.
    fields = {}
    for user, field in zip(users, itertools.cycle(FIELDS), strict=False):
        fields[user.id] = field
    mixed = [g for g in groups if len({fields[u] for u in g}) > 1]
    assert len(mixed) <= 1
    status = await majlis.run(majlis.admin, "majlis status")
    text = str(status.embeds[0]["fields"])
    assert (
        t("ar", "intros.fstatus.last_round", when="", groups=10, posted=10, failed=0, pending=0).split("(")[0]
        in text
    )


async def test_twenty_one_members_make_one_trio(majlis):
    channel, _ = await setup_intros(majlis, 21)
    await run_round(majlis)
    sizes = sorted(len(g) for g in thread_groups(majlis, channel))
    assert sizes == [2] * 9 + [3]
    assert_each_thread_has_one_intro(majlis, channel)


async def test_dry_run_shows_groups_and_creates_nothing(majlis):
    channel, _ = await setup_intros(majlis, 6)
    before = len(majlis.fake.requests)
    reply = await majlis.run(majlis.admin, "majlis run", feature="intros", dry_run=True)
    assert reply.ephemeral
    embed = reply.embeds[0]
    assert embed["title"] == t("ar", "intros.dry_run.title")
    assert len(embed["fields"]) == 3
    assert majlis.fake.threads(channel) == []
    assert await store.latest_round(majlis.bot.db, majlis.guild.id) is None
    sent = [r for r in majlis.fake.requests[before:] if r.method == "POST" and "/threads" in r.path]
    assert sent == []


async def test_the_next_round_repeats_no_pair(majlis):
    channel, _ = await setup_intros(majlis, 8)
    await run_round(majlis)
    first = set(thread_groups(majlis, channel))
    majlis.clock.advance(timedelta(minutes=1))
    await run_round(majlis)
    second = set(thread_groups(majlis, channel)) - first
    assert len(second) == 4
    assert not first & second


async def test_an_avoid_pair_is_never_grouped_over_many_rounds(majlis):
    channel, users = await setup_intros(majlis, 4)
    a, b = users[0], users[3]
    reply = await majlis.run(a, "intros avoid", member=b)
    assert reply.ephemeral and reply.content == t("ar", "intros.avoided", member=f"<@{b.id}>")
    assert majlis.fake.dm_messages(b) == []  # never told
    for _ in range(5):
        majlis.clock.advance(timedelta(minutes=1))
        await run_round(majlis)
    groups = thread_groups(majlis, channel)
    assert len(groups) == 10
    assert all(not {a.id, b.id} <= g for g in groups)


async def test_paused_and_departed_members_are_not_grouped(majlis):
    channel, users = await setup_intros(majlis, 6)
    paused, departed = users[0], users[1]
    reply = await majlis.run(paused, "intros pause", weeks=2)
    assert reply.ephemeral
    majlis.fake.remove_member(majlis.guild, departed)
    await majlis.fake.wait_for(lambda: majlis.bot.get_guild(majlis.guild.id).get_member(departed.id) is None)
    await run_round(majlis)
    grouped = set().union(*thread_groups(majlis, channel))
    assert paused.id not in grouped and departed.id not in grouped
    assert len(grouped) == 4
    # The pause ends by itself.
    majlis.clock.advance(timedelta(weeks=2, minutes=1))
    await run_round(majlis)
    assert paused.id in set().union(*thread_groups(majlis, channel))


async def test_a_single_member_is_told_why_and_goes_first(majlis):
    _, users = await setup_intros(majlis, 1)
    await run_round(majlis)
    only = users[0]
    reason = t("ar", "intros.unmatched.alone")
    assert any(reason in m.content for m in majlis.fake.dm_messages(only))
    status = await majlis.run(only, "intros status")
    assert reason in status.embeds[0]["description"]
    assert (await store.get_member(majlis.bot.db, majlis.guild.id, only.id)).priority


async def test_a_restart_mid_delivery_delivers_every_group_exactly_once(majlis):
    channel, _ = await setup_intros(majlis, 20)
    # A thread limit of 3 per hour holds the round after three threads; the bot is stopped right there,
    # with groups waiting in the "creating" state.
    majlis.bot.delivery.pacer = Pacer({"global": Limit(50, 1.0), "thread_create": Limit(3, 3600.0)})
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    await majlis.fake.wait_for(lambda: len(majlis.fake.threads(channel)) == 3)
    latest = await store.latest_round(majlis.bot.db, majlis.guild.id)
    await majlis.stop()
    states = {g.state for g in await _groups_after_stop(majlis, latest.round_id)}
    assert "creating" in states  # stopped between recording "creating" and Discord creating the thread
    await majlis.start()
    await majlis.fake.wait_for(lambda: cog(majlis) is not None and cog(majlis).runner.deliveries)
    await delivered(majlis)
    assert len(majlis.fake.threads(channel)) == 10
    assert_each_thread_has_one_intro(majlis, channel)
    latest = await store.latest_round(majlis.bot.db, majlis.guild.id)
    assert latest.delivered_at is not None


async def _groups_after_stop(majlis, round_id):
    db = Database(majlis.db_path)
    await db.open()
    try:
        return await store.round_groups(db, round_id)
    finally:
        await db.close()


async def test_resume_after_a_crash_between_discord_and_the_store_creates_no_duplicate(majlis):
    channel, _ = await setup_intros(majlis, 6)
    await run_round(majlis)
    db = majlis.bot.db
    latest = await store.latest_round(db, majlis.guild.id)
    groups = await store.round_groups(db, latest.round_id)
    # As if the bot died right after Discord created the thread / posted the message, before recording it.
    await db.execute(
        "UPDATE intro_groups SET state = 'creating', thread_id = NULL, message_id = NULL WHERE group_id = ?",
        (groups[0].group_id,),
    )
    await db.execute(
        "UPDATE intro_groups SET state = 'posting', message_id = NULL WHERE group_id = ?",
        (groups[1].group_id,),
    )
    await db.execute("UPDATE intro_rounds SET delivered_at = NULL WHERE round_id = ?", (latest.round_id,))
    await majlis.restart()
    await majlis.fake.wait_for(lambda: cog(majlis).runner.deliveries)
    await delivered(majlis)
    assert len(majlis.fake.threads(channel)) == 3
    assert_each_thread_has_one_intro(majlis, channel)
    after = await store.round_groups(majlis.bot.db, latest.round_id)
    assert [g.thread_id for g in after] == [g.thread_id for g in groups]
    assert all(g.state == "posted" for g in after)


async def test_the_same_occurrence_never_makes_two_rounds(majlis):
    channel, _ = await setup_intros(majlis, 4)
    majlis.clock.advance(timedelta(days=8))
    assert await majlis.bot.scheduler.fire_due() >= 1  # the round (and any maintenance job due by then)
    await delivered(majlis)
    assert len(majlis.fake.threads(channel)) == 2
    latest = await store.latest_round(majlis.bot.db, majlis.guild.id)
    # Firing the same occurrence again (e.g. after a crash before the run was recorded) resumes, not repeats.
    await cog(majlis).scheduled_round(majlis.guild.id, latest.scheduled_for)
    await delivered(majlis)
    assert len(majlis.fake.threads(channel)) == 2
    assert len(await store.recent_round_groups(majlis.bot.db, majlis.guild.id, 12)) == 1


async def test_check_in_buttons_work_after_a_restart(majlis):
    # The weekly round falls six days ahead, so only the check-in (half a week after this run) is due.
    in_six_days = (majlis.clock.now().astimezone(ZoneInfo("Asia/Riyadh")) + timedelta(days=6)).weekday()
    channel, users = await setup_intros(majlis, 2, weekday=in_six_days)
    await run_round(majlis)
    latest = await store.latest_round(majlis.bot.db, majlis.guild.id)
    majlis.clock.advance(timedelta(days=4))
    await majlis.restart()  # the check-in job is rebuilt from the store and is due now
    thread = majlis.fake.threads(channel)[0]
    question = t("ar", "intros.checkin.question", members="", address="dual").strip()
    assert question.endswith("هل التقيتما؟")  # two members: the dual
    await majlis.fake.wait_for(lambda: any(question in m.content for m in majlis.fake.messages(thread)))
    checkin = next(m for m in majlis.fake.messages(thread) if question in m.content)
    await majlis.restart()
    group = (await store.round_groups(majlis.bot.db, latest.round_id))[0]
    a, b = users
    clicked = await majlis.fake.click(checkin, f"majlis:intros:checkin:{group.group_id}:couldnt", user=a)
    await clicked.wait_done()
    assert clicked.ephemeral
    clicked = await majlis.fake.click(checkin, f"majlis:intros:checkin:{group.group_id}:met", user=a)
    await clicked.wait_done()
    assert clicked.content == t("ar", "intros.checkin.recorded", answer=t("ar", "intros.answer.met"))
    stranger = majlis.member("stranger")
    refused = await majlis.fake.click(checkin, f"majlis:intros:checkin:{group.group_id}:met", user=stranger)
    await refused.wait_done()
    assert refused.ephemeral and refused.content == t("ar", "intros.not_in_group")
    answers = (await store.get_group(majlis.bot.db, group.group_id)).answers
    assert answers == {a.id: "met", b.id: None}
    assert stranger.id not in answers
    status = await majlis.run(b, "intros status")
    assert "عرّفك مجلس حتى الآن على زميل واحد. وتمّ اللقاء." in status.embeds[0]["description"]
    assert len([m for m in majlis.fake.messages(thread) if question in m.content]) == 1


async def test_rate_limits_are_paced_and_429s_absorbed(majlis):
    majlis.fake.rate_limiter.time_scale = 0.002
    majlis.fake.enable_rate_limits(True)
    channel, _ = await setup_intros(majlis, 24)
    # Our pacer knows the fake's thread limit (10 per "5 minutes", time-scaled): no 429 from pacing.
    majlis.bot.delivery.pacer = Pacer(
        {
            "global": Limit(50, 1.0),
            "thread_create": Limit(10, 300.0),
            "channel_message": Limit(5, 5.0),
            "dm_open": Limit(10, 10.0),
        },
        time_scale=0.002,
        margin=0.05,
    )
    served_before = majlis.fake.served_429
    await run_round(majlis)
    assert len(majlis.fake.threads(channel)) == 12
    assert majlis.fake.served_429 == served_before
    # A 429 Discord sends anyway (another bucket, a shared limit) is absorbed without a duplicate.
    majlis.fake.inject_error("POST", "/channels/*/threads", status=429, count=2, retry_after=0.01)
    majlis.clock.advance(timedelta(minutes=1))
    await run_round(majlis)
    assert len(majlis.fake.threads(channel)) == 24
    assert_each_thread_has_one_intro(majlis, channel)


async def test_a_server_error_is_retried_without_duplicates(majlis):
    channel, _ = await setup_intros(majlis, 4)
    cog(majlis).runner.retry_backoff = 0.01
    majlis.fake.inject_error("POST", f"/channels/{channel.id}/threads", status=503, count=1)
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    latest = await store.latest_round(majlis.bot.db, majlis.guild.id)

    async def all_posted():
        groups = await store.round_groups(majlis.bot.db, latest.round_id)
        return all(g.state == "posted" for g in groups)

    for _ in range(200):
        await delivered(majlis)
        if await all_posted():
            break
        await majlis.fake.wait_for(
            lambda: any(not t.done() for t in cog(majlis).runner.deliveries.values()), timeout=5
        )
    assert await all_posted()
    assert len(majlis.fake.threads(channel)) == 2
    assert_each_thread_has_one_intro(majlis, channel)


async def test_dm_delivery_names_the_others_and_records_closed_dms(majlis):
    _, users = await setup_intros(majlis, 4, delivery="dm")
    closed = majlis.member("closed", dms_open=False)
    await store.join(majlis.bot.db, majlis.guild.id, closed.id, majlis.clock.now())
    await profile_store.save_profile(majlis.bot.db, majlis.guild.id, closed.id, field="design")
    await run_round(majlis)
    everyone = [*users, closed]
    for user in users:
        intros = [m for m in majlis.fake.dm_messages(user) if m.embeds]
        assert len(intros) == 1
        assert f"<@{user.id}>" not in intros[0].content
    status = await majlis.run(majlis.admin, "majlis status")
    assert t("ar", "intros.fstatus.closed_dms", count=1) in str(status.embeds[0]["fields"])
    assert len(everyone) == 5


async def test_a_member_without_manage_server_cannot_configure_intros(majlis):
    member = majlis.member("curious")
    channel = majlis.fake.create_text_channel(majlis.guild, "intros")
    reply = await majlis.run(member, "majlis intros", options={"channel": channel})
    assert reply.ephemeral and reply.content == t("ar", "error.missing_permission")
    assert await guild_store.get_feature(majlis.bot.db, majlis.guild.id, "intros") is None


async def test_bad_inputs_are_refused_and_change_nothing(majlis):
    channel, users = await setup_intros(majlis, 2)
    me = users[0]
    reply = await majlis.run(me, "intros avoid", member=me)
    assert reply.ephemeral and reply.content == t("ar", "intros.avoid_self")
    assert await store.avoid_requests(majlis.bot.db, majlis.guild.id) == []
    # A Discord client cannot send 0 weeks (min 1); the handler refuses it too.
    with pytest.raises(InvalidInteraction):
        await majlis.fake.invoke(majlis.guild, me, "intros pause", channel=majlis.channel, weeks=0)
    assert (await store.get_member(majlis.bot.db, majlis.guild.id, me.id)).paused_until is None
    reply = await majlis.run(
        majlis.admin, "majlis intros", options={"channel": channel, "timezone": "Mars/Olympus"}
    )
    assert reply.ephemeral and reply.content == t("ar", "intros.bad_timezone", value="Mars/Olympus")
    settings = await guild_store.get_guild(majlis.bot.db, majlis.guild.id)
    assert settings.timezone == "Asia/Riyadh"


async def test_bot_without_thread_permission_is_refused_before_saving(majlis):
    channel = majlis.fake.create_text_channel(majlis.guild, "closed")
    majlis.fake.deny_bot(majlis.guild, "CREATE_PRIVATE_THREADS", channel=channel)

    def denied():
        cached = majlis.bot.get_channel(channel.id)
        return cached is not None and not cached.permissions_for(cached.guild.me).create_private_threads

    await majlis.fake.wait_for(denied)
    reply = await majlis.run(majlis.admin, "majlis intros", options={"channel": channel})
    # Named as people know it, in the admin's language, not by its API name.
    assert reply.ephemeral and t("ar", "permission.create_private_threads") in reply.content
    assert "create_private_threads" not in reply.content
    assert await guild_store.get_feature(majlis.bot.db, majlis.guild.id, "intros") is None


async def test_join_leave_again_and_status(majlis):
    _, users = await setup_intros(majlis, 2)
    a, b = users
    reply = await majlis.run(a, "intros again", member=b)
    assert reply.content == t("ar", "intros.again_saved", member=f"<@{b.id}>")
    reply = await majlis.run(b, "intros again", member=a)
    assert reply.content == t("ar", "intros.again_saved", member=f"<@{a.id}>")  # never "they asked too"
    reply = await majlis.run(a, "intros status")
    description = reply.embeds[0]["description"]
    # The next round's time is written by the bot, in Arabic: no Discord stamp that renders in English.
    assert t("ar", "intros.status.joined") in description and "<t:" not in description
    assert "(بعد " in description
    reply = await majlis.run(a, "intros leave")
    assert reply.content == t("ar", "intros.left")
    reply = await majlis.run(a, "intros status")
    assert t("ar", "intros.status.not_joined") in reply.embeds[0]["description"]


async def test_stats_show_numbers_and_a_chart(majlis):
    await setup_intros(majlis, 4)
    await run_round(majlis)
    now = majlis.bot.clock.now().isoformat(timespec="seconds")
    await majlis.bot.db.execute(
        "INSERT INTO prompt_posts (guild_id, scheduled_for, prompt_ref, text, status, answer_count, created_at,"
        " posted_at) VALUES (?, ?, 'bank:pricing-01', 'q', 'posted', 3, ?, ?)",
        (majlis.guild.id, now, now, now),
    )
    reply = await majlis.run(majlis.admin, "majlis stats")
    assert reply.ephemeral
    embed = reply.embeds[0]
    assert t("ar", "intros.stats.intros_made", count=2) in embed["description"]
    assert t("ar", "intros.stats.prompts_answered", count=3) in embed["description"]
    assert t("ar", "intros.stats.swaps_done", count=0) in embed["description"]
    assert reply.attachments and reply.attachments[0].data.startswith(b"\x89PNG")


async def test_member_commands_refuse_while_intros_are_off_and_work_again_after_setup(majlis):
    db, gid = majlis.bot.db, majlis.guild.id
    early = majlis.member("early")
    # Not set up yet: joining is refused politely, in the member's language, and nothing is stored.
    reply = await majlis.run(early, "intros join")
    assert reply.ephemeral and reply.content == t("ar", "intros.off")
    assert await store.get_member(db, gid, early.id) is None
    channel, users = await setup_intros(majlis, 2, via_command=True)
    a, b = users
    reply = await majlis.run(majlis.admin, "majlis disable", feature="intros")
    assert reply.ephemeral
    await majlis.run(early, "profile set", language="en")
    reply = await majlis.run(early, "intros join")
    assert reply.ephemeral and reply.content == t("en", "intros.off")
    for command, options in (
        ("intros pause", {"weeks": 2}),
        ("intros again", {"member": b}),
        ("intros status", {}),
    ):
        reply = await majlis.run(a, command, **options)
        assert reply.ephemeral and reply.content == t("ar", "intros.off"), command
    assert (await store.get_member(db, gid, a.id)).paused_until is None
    assert await store.again_requests(db, gid) == []
    # Opting out always works, and the data is kept.
    reply = await majlis.run(b, "intros leave")
    assert reply.content == t("ar", "intros.left")
    assert (await store.get_member(db, gid, a.id)).opted_in
    # The set-up command turns intros back on, commands included.
    await majlis.run(majlis.admin, "majlis intros", options={"channel": channel})
    reply = await majlis.run(early, "intros join")
    assert reply.content in (t("en", "intros.joined"), t("en", "intros.joined_no_profile"))
    reply = await majlis.run(a, "intros pause", weeks=2)
    assert reply.ephemeral and (await store.get_member(db, gid, a.id)).paused_until is not None


async def test_a_large_dry_run_with_long_reasons_fits_one_embed(majlis):
    channel, users = await setup_intros(majlis, 60, group_size=4)
    db, gid = majlis.bot.db, majlis.guild.id
    skills = [f"long shared skill number {n:02d} for design and code work"[:50] for n in range(15)]
    for user in users:
        await profile_store.save_profile(
            db, gid, user.id, field="design", skills=skills, languages=["ar", "en"]
        )
    reply = await majlis.run(majlis.admin, "majlis run", feature="intros", dry_run=True)
    embed = reply.embeds[0]
    fields = embed["fields"]
    total = len(embed["title"]) + sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= 6000
    # Not every group fits: the rest are counted, not dropped silently.
    assert fields[-1]["value"] == t("ar", "intros.dry_run.more", count=15 - (len(fields) - 1))
    assert majlis.fake.threads(channel) == []


async def test_a_dry_run_names_the_member_left_out(majlis):
    _, users = await setup_intros(majlis, 1)
    await store.join(majlis.bot.db, majlis.guild.id, users[0].id, majlis.clock.now())
    reply = await majlis.run(majlis.admin, "majlis run", feature="intros", dry_run=True)
    values = " ".join(f["value"] for f in reply.embeds[0].get("fields", []))
    assert f"<@{users[0].id}>" in values


async def test_stats_answer_in_the_admin_s_own_language(majlis):
    await setup_intros(majlis, 2)
    await majlis.run(majlis.admin, "profile set", language="en")
    reply = await majlis.run(majlis.admin, "majlis stats", weeks=4)
    assert reply.embeds[0]["title"] == t("en", "intros.stats.title", weeks=4)


async def test_matching_runs_off_the_event_loop(majlis, monkeypatch):
    # Matching a big guild takes seconds: on the loop it would stall heartbeats and every interaction.
    import threading

    import cogs.intros._planning as planning

    threads = []
    real = planning.match_members

    def spy(inp):
        threads.append(threading.current_thread())
        return real(inp)

    monkeypatch.setattr(planning, "match_members", spy)
    await setup_intros(majlis, 4)
    await majlis.run(majlis.admin, "majlis run", feature="intros", dry_run=True)
    await run_round(majlis)
    assert len(threads) == 2
    assert all(thread is not threading.main_thread() for thread in threads)


async def test_two_concurrent_runs_make_one_round_and_one_set_of_threads(majlis):
    channel, _ = await setup_intros(majlis, 6)
    runner = cog(majlis).runner
    planning, release = asyncio.Event(), asyncio.Event()
    plan = runner.plan

    async def held_plan(*args, **kwargs):
        planning.set()
        await release.wait()  # the first run is still matching when the second press arrives
        return await plan(*args, **kwargs)

    runner.plan = held_plan
    invoke = majlis.fake.invoke
    first = await invoke(majlis.guild, majlis.admin, "majlis run", channel=majlis.channel, feature="intros")
    await majlis.fake.wait_for(planning.is_set)
    majlis.clock.advance(timedelta(seconds=5))  # a later second: its own occurrence, were it planned
    second = await invoke(majlis.guild, majlis.admin, "majlis run", channel=majlis.channel, feature="intros")
    await second.response()
    release.set()
    await first.wait_done()
    await second.wait_done()
    await delivered(majlis)

    rounds = await majlis.bot.db.fetchall(
        "SELECT round_id FROM intro_rounds WHERE guild_id = ?", (majlis.guild.id,)
    )
    assert len(rounds) == 1
    round_id = rounds[0]["round_id"]
    assert first.content == t(
        "ar",
        "intros.run.started",
        round=round_id,
        groups=3,
        members=t("ar", "intros.count.members", count=6),
        unmatched=t("ar", "intros.count.left_out", count=0),
    )
    assert "3 مجموعات تضم 6 أعضاء" in first.content
    assert second.ephemeral and second.content == t("ar", "intros.run.just_started", round=round_id)
    assert len(majlis.fake.threads(channel)) == 3
    assert_each_thread_has_one_intro(majlis, channel)


async def test_a_run_while_a_round_is_still_going_out_resumes_it_instead_of_starting_another(majlis):
    channel, _ = await setup_intros(majlis, 20)
    # A thread limit of 3 per hour holds the round after three threads, so its delivery is still going.
    majlis.bot.delivery.pacer = Pacer({"global": Limit(50, 1.0), "thread_create": Limit(3, 3600.0)})
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    await majlis.fake.wait_for(lambda: len(majlis.fake.threads(channel)) == 3)
    latest = await store.latest_round(majlis.bot.db, majlis.guild.id)
    majlis.clock.advance(timedelta(minutes=1))

    again = await majlis.run(majlis.admin, "majlis run", feature="intros")

    assert again.ephemeral and again.content == t("ar", "intros.run.in_progress", round=latest.round_id)
    assert (await store.latest_round(majlis.bot.db, majlis.guild.id)).round_id == latest.round_id
