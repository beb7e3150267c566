"""End to end: weekly prompts, suggestions and their queue, failures and retries, the digest."""

from __future__ import annotations

import sqlite3
from datetime import UTC, timedelta

import pytest

from bot.i18n import format_when, t
from bot.sandbox.models import Message
from bot.storage import guilds as guild_store
from bot.storage import prompts as store
from bot.storage import to_db_time


@pytest.fixture
def prompts_channel(majlis):
    # No wait: the gateway delivers CHANNEL_CREATE before any later interaction, like every event below.
    return majlis.fake.create_text_channel(majlis.guild, "prompts")


async def configure(majlis, channel, **options):
    reply = await majlis.run(majlis.admin, "majlis prompts", options={"channel": channel, **options})
    assert reply.ephemeral
    return reply


def posts(majlis, channel):
    """The prompt posts the bot made in a channel (embeds titled as the prompt of the week)."""
    titles = {t("ar", "prompts.post_title"), t("en", "prompts.post_title")}
    return [m for m in majlis.fake.messages(channel) if m.embeds and m.embeds[0].get("title") in titles]


def say(majlis, thread, user, text="An answer"):
    """A member writes in a channel or thread (as the Discord client would)."""
    fake = majlis.fake
    message = Message(
        id=fake.snowflakes.next(),
        channel_id=thread.id,
        author_id=user.id,
        guild_id=majlis.guild.id,
        content=text,
        created_at=fake.clock.iso(),
    )
    fake.store_message(message)
    fake.message_event(message)
    return message


async def stored_suggestions(majlis):
    return await majlis.bot.db.fetchall(
        "SELECT * FROM prompt_suggestions WHERE guild_id = ?", (majlis.guild.id,)
    )


async def test_configure_and_run_twice_posts_two_different_prompts_each_with_its_thread(
    majlis, prompts_channel
):
    reply = await configure(majlis, prompts_channel, weekday=5, hour=9, timezone="Asia/Riyadh")
    assert "بتوقيت الرياض" in reply.content
    settings = await guild_store.get_guild(majlis.bot.db, majlis.guild.id)
    assert settings is not None and settings.timezone == "Asia/Riyadh"
    prompts = await guild_store.get_feature(majlis.bot.db, majlis.guild.id, "prompts")
    digest = await guild_store.get_feature(majlis.bot.db, majlis.guild.id, "digest")
    assert (prompts.weekday, prompts.hour, prompts.channel_id) == (5, 9, prompts_channel.id)
    assert (digest.weekday, digest.hour, digest.channel_id) == (4, 9, prompts_channel.id)
    assert majlis.bot.scheduler.next_run(majlis.guild.id, "digest") > majlis.bot.scheduler.next_run(
        majlis.guild.id, "prompts"
    )

    first = await majlis.run(majlis.admin, "majlis run", feature="prompt")
    second = await majlis.run(majlis.admin, "majlis run", feature="prompt")
    assert first.ephemeral and second.ephemeral
    made = posts(majlis, prompts_channel)
    assert len(made) == 2
    assert made[0].embeds[0]["description"] != made[1].embeds[0]["description"]
    threads = majlis.fake.threads(prompts_channel)
    assert sorted(th.id for th in threads) == sorted(m.id for m in made)  # each post has its answers thread
    assert all(th.name.startswith("💬") for th in threads)
    assert str(made[1].id) in second.content
    # Shown in the guild's language, and nobody is pinged.
    assert made[0].embeds[0]["title"] == t("ar", "prompts.post_title")
    assert all(not m.mention_user_ids and not m.mention_everyone for m in made)


async def test_the_timezone_autocompletes_and_a_bad_one_changes_nothing(majlis, prompts_channel):
    choices = await majlis.fake.autocomplete(
        majlis.guild, majlis.admin, "majlis prompts", "timezone", "Riya", options={"channel": prompts_channel}
    )
    assert any(c["value"] == "Asia/Riyadh" for c in choices)
    reply = await configure(majlis, prompts_channel, timezone="Mars/Olympus")
    assert reply.content == t("ar", "prompts.bad_timezone", value="Mars/Olympus")
    assert await guild_store.get_feature(majlis.bot.db, majlis.guild.id, "prompts") is None


async def test_an_approved_suggestion_survives_a_restart_and_is_posted_next_with_credit(
    majlis, prompts_channel
):
    member = majlis.member("huda")
    await configure(majlis, prompts_channel)
    text = "How do you handle a client who keeps asking for free revisions?"
    reply = await majlis.run(member, "prompt suggest", text=text)
    assert reply.ephemeral and reply.content == t("ar", "prompts.suggested")
    [row] = await stored_suggestions(majlis)

    queue = await majlis.run(majlis.admin, "majlis prompts-queue")
    assert queue.ephemeral and text in str(queue.embeds)
    await majlis.restart()

    click = await majlis.fake.click(queue.message, f"majlis:prompt:approve:{row['id']}", user=majlis.admin)
    await click.wait_done()
    assert t("ar", "prompts.approved", number=row["id"]) in click.content
    assert (await store.get_suggestion(majlis.bot.db, majlis.guild.id, row["id"])).status == "approved"

    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    [post] = posts(majlis, prompts_channel)
    assert text in post.embeds[0]["description"]
    assert f"<@{member.id}>" in str(post.embeds[0]["fields"])
    assert not post.mention_user_ids  # credited, not pinged


async def test_a_member_who_gets_the_button_cannot_approve(majlis, prompts_channel):
    author, intruder = majlis.member("sami"), majlis.member("intruder")
    await configure(majlis, prompts_channel)
    await majlis.run(author, "prompt suggest", text="What does your ideal work week look like?")
    [row] = await stored_suggestions(majlis)
    queue = await majlis.run(majlis.admin, "majlis prompts-queue")
    click = await majlis.fake.click(queue.message, f"majlis:prompt:approve:{row['id']}", user=intruder)
    await click.wait_done()
    assert click.ephemeral and click.content == t("ar", "error.missing_permission")
    assert (await store.get_suggestion(majlis.bot.db, majlis.guild.id, row["id"])).status == "pending"


async def test_the_queue_pages_and_rejecting_removes_a_suggestion(majlis, prompts_channel):
    await configure(majlis, prompts_channel)
    members = [majlis.member(f"m{i}") for i in range(6)]
    for i, member in enumerate(members):
        await majlis.run(member, "prompt suggest", text=f"Question number {i} about freelancing life?")
    queue = await majlis.run(majlis.admin, "majlis prompts-queue")
    ids = {c["custom_id"] for row in queue.components for c in row["components"]}
    assert (
        "majlis:prompt:queue:1" in ids and len([i for i in ids if ":approve:" in i]) == store.QUEUE_PAGE_SIZE
    )
    page = await majlis.fake.click(queue.message, "majlis:prompt:queue:1", user=majlis.admin)
    await page.wait_done()
    assert "Question number 5" in str(page.message.embeds)
    rows = await stored_suggestions(majlis)
    reject = await majlis.fake.click(page.message, f"majlis:prompt:reject:{rows[5]['id']}", user=majlis.admin)
    await reject.wait_done()
    assert len(await store.pending_suggestions(majlis.bot.db, majlis.guild.id)) == 5


@pytest.mark.parametrize(
    ("text", "key"),
    [("Too short", "prompts.too_short"), ("x" * 301, "prompts.too_long")],
)
async def test_a_badly_sized_suggestion_is_refused_and_nothing_is_stored(majlis, prompts_channel, text, key):
    await configure(majlis, prompts_channel)
    member = majlis.member("reem")
    reply = await majlis.run(member, "prompt suggest", text=text)
    assert reply.ephemeral and reply.content == t("ar", key, minimum=10, maximum=300, length=len(text))
    assert await stored_suggestions(majlis) == []


async def test_a_fourth_pending_suggestion_and_a_duplicate_are_refused(majlis, prompts_channel):
    await configure(majlis, prompts_channel)
    member, other = majlis.member("khalid"), majlis.member("nour")
    for i in range(3):
        reply = await majlis.run(member, "prompt suggest", text=f"My pending question number {i}?")
        assert reply.content == t("ar", "prompts.suggested")
    fourth = await majlis.run(member, "prompt suggest", text="My pending question number 4?")
    assert fourth.ephemeral and fourth.content == t("ar", "prompts.too_many_pending", maximum=3)
    duplicate = await majlis.run(other, "prompt suggest", text="MY pending   question number 0")
    assert duplicate.ephemeral and duplicate.content == t("ar", "prompts.duplicate")
    assert len(await stored_suggestions(majlis)) == 3


async def test_a_missing_permission_is_reported_and_the_next_run_posts_it(majlis, prompts_channel):
    await configure(majlis, prompts_channel)
    majlis.fake.deny_bot(majlis.guild, "send_messages", prompts_channel)
    failed = await majlis.run(majlis.admin, "majlis run", feature="prompt")
    assert failed.ephemeral and t("ar", "permission.send_messages") in failed.content
    assert posts(majlis, prompts_channel) == []
    status = await majlis.run(majlis.admin, "majlis status")
    [field] = [f["value"] for f in status.embeds[0]["fields"] if f["name"] == t("ar", "feature.prompts")]
    # discord.py also counts embed_links as missing without send_messages, so match only the first.
    assert "⚠️" in field and t("ar", "permission.send_messages") in field and "send_messages" not in field
    [failed_post] = await store.unfinished_posts(majlis.bot.db, majlis.guild.id)

    majlis.fake.allow_bot(majlis.guild, "send_messages", prompts_channel)
    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    [post] = posts(majlis, prompts_channel)
    assert failed_post.text in post.embeds[0]["description"]  # the same prompt, not skipped
    assert await store.unfinished_posts(majlis.bot.db, majlis.guild.id) == []
    assert await store.used_prompt_refs(majlis.bot.db, majlis.guild.id) == [failed_post.prompt_ref]


async def test_a_deleted_channel_is_reported_and_a_new_channel_gets_the_prompt(majlis, prompts_channel):
    await configure(majlis, prompts_channel)
    majlis.fake.delete_channel(prompts_channel)
    failed = await majlis.run(majlis.admin, "majlis run", feature="prompt")
    assert t("ar", "prompts.failure.channel_missing") in failed.content
    status = await majlis.run(majlis.admin, "majlis status")
    assert t("ar", "prompts.failure.channel_missing") in str(status.embeds)
    [failed_post] = await store.unfinished_posts(majlis.bot.db, majlis.guild.id)

    fresh = majlis.fake.create_text_channel(majlis.guild, "prompts-2")
    await configure(majlis, fresh)
    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    [post] = posts(majlis, fresh)
    assert failed_post.text in post.embeds[0]["description"]
    assert len(majlis.fake.threads(fresh)) == 1


async def test_a_post_whose_thread_was_not_made_only_gets_its_thread(majlis, prompts_channel):
    await configure(majlis, prompts_channel)
    majlis.fake.inject_error("POST", f"/channels/{prompts_channel.id}/messages/*/threads", status=403)
    failed = await majlis.run(majlis.admin, "majlis run", feature="prompt")
    assert t("ar", "prompts.failure.thread_forbidden") in failed.content
    [post] = posts(majlis, prompts_channel)
    assert majlis.fake.threads(prompts_channel) == []

    await majlis.restart()
    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    made = posts(majlis, prompts_channel)
    assert len(made) == 2 and made[0].id == post.id  # the first was not posted again
    assert sorted(th.id for th in majlis.fake.threads(prompts_channel)) == sorted(m.id for m in made)


async def test_the_scheduled_prompt_is_posted_exactly_once_even_across_a_restart(majlis, prompts_channel):
    await configure(majlis, prompts_channel)
    bot = majlis.bot
    due = bot.scheduler.next_run(majlis.guild.id, "prompts")
    majlis.clock.advance(due - bot.clock.now() + timedelta(minutes=1))
    await bot.scheduler.fire_due()
    await majlis.fake.wait_for(lambda: len(majlis.fake.threads(prompts_channel)) == 1)
    await majlis.restart()
    await majlis.bot.scheduler.fire_due()
    assert len(posts(majlis, prompts_channel)) == 1
    assert majlis.bot.scheduler.next_run(majlis.guild.id, "prompts") == due + timedelta(days=7)
    # As if the bot had stopped before recording the run: the occurrence runs again and sends nothing.
    await majlis.bot.get_cog("Prompts").scheduled_prompt(majlis.guild.id, due)
    assert len(posts(majlis, prompts_channel)) == 1 and len(majlis.fake.threads(prompts_channel)) == 1


async def test_a_locked_database_after_the_post_keeps_the_schedule_and_status_shows_the_retry(
    majlis, prompts_channel, monkeypatch, error_log
):
    error_log.allowed += ["scheduled prompts failed", "could not record the failure"]
    await configure(majlis, prompts_channel)
    bot = majlis.bot
    due = bot.scheduler.next_run(majlis.guild.id, "prompts")

    async def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    # The prompt goes out, then neither the run nor its failure can be written down.
    monkeypatch.setattr(guild_store, "record_feature_run", locked)
    monkeypatch.setattr(guild_store, "record_feature_error", locked)
    majlis.clock.advance(due - bot.clock.now() + timedelta(minutes=1))
    await bot.scheduler.fire_due()
    assert len(posts(majlis, prompts_channel)) == 1
    assert bot.scheduler.next_run(majlis.guild.id, "prompts") == due + timedelta(days=7)
    status = await majlis.run(majlis.admin, "majlis status")
    [field] = [f["value"] for f in status.embeds[0]["fields"] if f["name"] == t("ar", "feature.prompts")]
    failure = bot.scheduler.failure(majlis.guild.id, "prompts")
    assert t("ar", "status.last_error", error="OperationalError: database is locked") in field
    assert t("ar", "status.retrying", when=format_when(failure.retry_at, "ar", UTC)) in field

    monkeypatch.undo()  # the lock is gone: the retry records the run and posts nothing twice
    majlis.clock.advance(failure.retry_at - bot.clock.now())
    await bot.scheduler.fire_due()
    assert len(posts(majlis, prompts_channel)) == 1
    config = await guild_store.get_feature(bot.db, majlis.guild.id, "prompts")
    assert config.last_run_at == due and config.last_error is None
    status = await majlis.run(majlis.admin, "majlis status")
    assert "⚠️" not in str(status.embeds)


async def test_a_schedule_missed_while_down_posts_once_after_the_restart(majlis, prompts_channel):
    await configure(majlis, prompts_channel)
    due = majlis.bot.scheduler.next_run(majlis.guild.id, "prompts")
    await majlis.stop()
    majlis.clock.advance(due - majlis.clock.now() + timedelta(hours=2))
    await majlis.start()
    await majlis.bot.scheduler.fire_due()  # races the job the start-up scheduled; only one of them runs it
    await majlis.fake.wait_for(lambda: len(majlis.fake.threads(prompts_channel)) == 1)
    async with majlis.bot.get_cog("Prompts")._lock(majlis.guild.id):
        pass  # the run that made the thread has recorded it
    status = await majlis.run(majlis.admin, "majlis status")
    assert t("ar", "prompts.status_counts", posted=1, pending=0, approved=0) in str(status.embeds)
    await majlis.restart()
    await majlis.bot.scheduler.fire_due()
    assert len(posts(majlis, prompts_channel)) == 1
    [post] = await majlis.bot.db.fetchall("SELECT scheduled_for FROM prompt_posts")
    assert post["scheduled_for"] is not None


async def test_the_digest_links_the_most_reacted_answer(majlis, prompts_channel):
    alice, bilal, carim = majlis.member("alice"), majlis.member("bilal"), majlis.member("carim")
    await configure(majlis, prompts_channel)
    nothing = await majlis.run(majlis.admin, "majlis run", feature="digest")
    assert nothing.content == t("ar", "prompts.digest_nothing")

    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    [thread] = majlis.fake.threads(prompts_channel)
    quiet = say(majlis, thread, alice, "A fine answer")
    loved = say(majlis, thread, bilal, "The best answer")
    for user, emoji in ((alice, "🔥"), (carim, "🔥"), (carim, "👍")):
        majlis.fake.add_reaction(loved, user, emoji)
    majlis.fake.add_reaction(quiet, bilal, "👍")

    majlis.clock.advance(timedelta(days=6))
    before = len(majlis.fake.messages(prompts_channel))
    reply = await majlis.run(majlis.admin, "majlis run", feature="digest")
    assert reply.ephemeral
    digest = majlis.fake.messages(prompts_channel)[before]
    text = str(digest.embeds[0])
    assert digest.embeds[0]["title"] == t("ar", "prompts.digest_title")
    assert f"/{thread.id}/{loved.id}" in text and f"/{thread.id}/{quiet.id}" in text
    assert text.index(str(loved.id)) < text.index(str(quiet.id))  # the most reacted first
    assert f"channels/{majlis.guild.id}/{thread.id})" in text
    assert not digest.mention_user_ids
    since = majlis.clock.now() - timedelta(days=30)
    assert await store.count_prompts_answered(majlis.bot.db, majlis.guild.id, since) == 2
    again = await majlis.run(majlis.admin, "majlis run", feature="digest")
    assert again.content == t("ar", "prompts.digest_nothing")  # the week was already summed up


async def test_the_digest_does_not_feature_a_member_who_left(majlis, prompts_channel):
    """A most-reacted answer by a member who has since left the guild is not linked in the digest."""
    alice, bilal = majlis.member("alice"), majlis.member("bilal")
    await configure(majlis, prompts_channel)
    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    [thread] = majlis.fake.threads(prompts_channel)
    stays = say(majlis, thread, alice, "A fine answer")
    leaves = say(majlis, thread, bilal, "The best answer")
    majlis.fake.add_reaction(leaves, alice, "🔥")
    majlis.fake.add_reaction(leaves, majlis.admin, "🔥")
    majlis.fake.add_reaction(stays, bilal, "👍")
    majlis.fake.remove_member(majlis.guild, bilal)
    await majlis.fake.wait_for(lambda: has_left(majlis, bilal.id))

    majlis.clock.advance(timedelta(days=6))
    before = len(majlis.fake.messages(prompts_channel))
    await majlis.run(majlis.admin, "majlis run", feature="digest")

    text = str(majlis.fake.messages(prompts_channel)[before].embeds[0])
    assert f"/{thread.id}/{stays.id}" in text
    assert str(leaves.id) not in text and f"<@{bilal.id}>" not in text


def has_left(majlis, user_id) -> bool:
    """Read the member's departure mark from a second connection (WAL: readers never wait)."""
    conn = sqlite3.connect(majlis.db_path)
    try:
        row = conn.execute(
            "SELECT left_at FROM members WHERE guild_id = ? AND user_id = ?", (majlis.guild.id, user_id)
        ).fetchone()
    finally:
        conn.close()
    return row is not None and row[0] is not None


async def test_prompt_add_goes_before_the_bank_and_is_shown_as_written(majlis, prompts_channel):
    await guild_store.set_guild_language(majlis.bot.db, majlis.guild.id, "en")
    await configure(majlis, prompts_channel)
    text = "ما أصعب قرار اتخذته في عملك الحر هذا العام؟"
    reply = await majlis.run(majlis.admin, "majlis prompt-add", text=text)
    assert reply.ephemeral and reply.content == t("en", "prompts.added", waiting=1)
    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    [post] = posts(majlis, prompts_channel)
    assert text in post.embeds[0]["description"] and post.embeds[0]["title"] == t("en", "prompts.post_title")
    assert "<@" not in str(post.embeds[0]["fields"])  # an admin's prompt is not credited


async def test_the_scheduled_digest_runs_the_day_before_the_next_prompt_once(majlis, prompts_channel):
    member = majlis.member("dana")
    await configure(majlis, prompts_channel)
    bot = majlis.bot
    prompt_due = bot.scheduler.next_run(majlis.guild.id, "prompts")
    majlis.clock.advance(prompt_due - bot.clock.now() + timedelta(minutes=1))
    await bot.scheduler.fire_due()
    [thread] = majlis.fake.threads(prompts_channel)
    answer = say(majlis, thread, member, "Invoice early, invoice often")
    majlis.fake.add_reaction(answer, majlis.admin, "👍")

    digest_due = bot.scheduler.next_run(majlis.guild.id, "digest")
    assert digest_due == prompt_due + timedelta(days=6)
    majlis.clock.advance(digest_due - bot.clock.now() + timedelta(minutes=1))
    before = len(majlis.fake.messages(prompts_channel))
    assert await bot.scheduler.fire_due() >= 1
    await majlis.restart()
    await majlis.bot.scheduler.fire_due()
    digests = majlis.fake.messages(prompts_channel)[before:]
    assert len(digests) == 1 and f"/{thread.id}/{answer.id}" in str(digests[0].embeds)


async def test_suggestions_are_refused_while_prompts_are_off_and_accepted_once_set_up_again(
    majlis, prompts_channel
):
    """Before set-up and after /majlis disable, /prompt suggest says prompts are off and stores nothing."""
    member = majlis.member("rania")
    text = "What is one thing a client taught you this year?"
    before = await majlis.run(member, "prompt suggest", text=text)
    assert before.ephemeral and before.content == t("ar", "prompts.suggest_off")
    await configure(majlis, prompts_channel)
    off = await majlis.run(majlis.admin, "majlis disable", feature="prompts")
    assert off.ephemeral
    await guild_store.set_member_language(majlis.bot.db, majlis.guild.id, member.id, "en")

    after = await majlis.run(member, "prompt suggest", text=text)

    assert after.ephemeral and after.content == t("en", "prompts.suggest_off")
    assert await stored_suggestions(majlis) == []
    await configure(majlis, prompts_channel)
    back = await majlis.run(member, "prompt suggest", text=text)
    assert back.content == t("en", "prompts.suggested")
    assert len(await stored_suggestions(majlis)) == 1


def digests(majlis, channel):
    """The digest posts the bot made in a channel."""
    titles = {t("ar", "prompts.digest_title"), t("en", "prompts.digest_title")}
    return [m for m in majlis.fake.messages(channel) if m.embeds and m.embeds[0].get("title") in titles]


async def a_week_with_one_reacted_answer(majlis, channel, *, past_digest=True):
    """Post the scheduled prompt, answer it with one reaction, and move the clock (past the digest time)."""
    member = majlis.member("hala")
    await configure(majlis, channel)
    bot = majlis.bot
    majlis.clock.advance(
        bot.scheduler.next_run(majlis.guild.id, "prompts") - bot.clock.now() + timedelta(minutes=1)
    )
    await bot.scheduler.fire_due()
    [thread] = majlis.fake.threads(channel)
    answer = say(majlis, thread, member, "Send the invoice the day the work is done")
    majlis.fake.add_reaction(answer, majlis.admin, "👍")
    due = bot.scheduler.next_run(majlis.guild.id, "digest")
    majlis.clock.advance(due - bot.clock.now() + timedelta(minutes=1) if past_digest else timedelta(days=3))
    return due, answer


async def stop_after_send(majlis, digest_id):
    """Put a digest back as the bot left it when it stopped between the send and recording the message."""
    await majlis.bot.db.execute(
        "UPDATE prompt_digests SET status = 'posting', message_id = NULL, posted_at = NULL WHERE id = ?",
        (digest_id,),
    )


async def test_a_scheduled_digest_sent_just_before_a_stop_is_not_posted_again(majlis, prompts_channel):
    due, _ = await a_week_with_one_reacted_answer(majlis, prompts_channel)
    await majlis.bot.scheduler.fire_due()
    [sent] = digests(majlis, prompts_channel)
    [row] = await majlis.bot.db.fetchall("SELECT id, attempted_at FROM prompt_digests")
    assert row["attempted_at"] is not None
    assert sent.embeds[0]["footer"]["text"] == t("ar", "prompts.digest_footer", number=row["id"])
    await stop_after_send(majlis, row["id"])

    await majlis.restart()
    # As if the bot had stopped before recording the run: the occurrence runs again.
    await majlis.bot.get_cog("Prompts").scheduled_digest(majlis.guild.id, due)

    assert [m.id for m in digests(majlis, prompts_channel)] == [sent.id]
    digest = await store.last_digest(majlis.bot.db, majlis.guild.id)
    assert digest.status == "posted" and digest.message_id == sent.id and digest.prompt_post_id is not None
    again = await majlis.run(majlis.admin, "majlis run", feature="digest")
    assert again.content == t("ar", "prompts.digest_nothing")  # the week counts as summed up


async def test_a_digest_stopped_before_its_send_reached_discord_is_sent_once(majlis, prompts_channel):
    due, answer = await a_week_with_one_reacted_answer(majlis, prompts_channel)
    # The bot recorded the attempt and stopped before Discord got the message.
    await majlis.bot.db.execute(
        "INSERT INTO prompt_digests (guild_id, scheduled_for, channel_id, created_at, attempted_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (majlis.guild.id, to_db_time(due), prompts_channel.id, to_db_time(due), to_db_time(due)),
    )
    await majlis.restart()
    await majlis.bot.get_cog("Prompts").scheduled_digest(majlis.guild.id, due)
    await majlis.bot.get_cog("Prompts").scheduled_digest(majlis.guild.id, due)

    [sent] = digests(majlis, prompts_channel)
    assert f"/{answer.id})" in str(sent.embeds[0])
    digest = await store.last_digest(majlis.bot.db, majlis.guild.id)
    assert digest.status == "posted" and digest.message_id == sent.id


@pytest.mark.parametrize("then", ["run", "schedule"])
async def test_a_digest_run_by_hand_and_cut_off_by_a_restart_is_not_posted_again(
    majlis, prompts_channel, then
):
    due, _ = await a_week_with_one_reacted_answer(majlis, prompts_channel, past_digest=False)
    first = await majlis.run(majlis.admin, "majlis run", feature="digest")
    [sent] = digests(majlis, prompts_channel)
    url = f"https://discord.com/channels/{majlis.guild.id}/{prompts_channel.id}/{sent.id}"
    assert first.content == t("ar", "prompts.digest_posted", url=url)
    [row] = await majlis.bot.db.fetchall("SELECT id FROM prompt_digests")
    await stop_after_send(majlis, row["id"])

    await majlis.restart()
    if then == "run":
        again = await majlis.run(majlis.admin, "majlis run", feature="digest")
        assert again.content == t("ar", "prompts.digest_posted", url=url)  # the same post, found again
    else:
        majlis.clock.advance(due - majlis.clock.now() + timedelta(minutes=1))
        assert await majlis.bot.scheduler.fire_due() >= 1

    assert [m.id for m in digests(majlis, prompts_channel)] == [sent.id]
    first_digest = await majlis.bot.db.fetchone(
        "SELECT status, message_id FROM prompt_digests WHERE id = ?", (row["id"],)
    )
    assert (first_digest["status"], first_digest["message_id"]) == ("posted", sent.id)
