"""End to end: `/privacy forget` reaches the bot's own Discord messages, exactly once, across a crash.

A member with a done and an open swap on the board, an experience thread in the forum, an intro
thread, a credited prompt and a digest featuring her answer and thread forgets herself: every one of
those messages is withdrawn, deleted or edited — once — and the confirmation counts each kind.
"""

from __future__ import annotations

import pytest

from bot.i18n import t
from bot.sandbox.models import Message
from bot.storage import swaps as swap_store

CONFIRM = "majlis:privacy:forget:confirm"
TITLE, STORY, LESSON = "majlis:share:title", "majlis:share:story", "majlis:share:lesson"


def say(majlis, thread, user, text):
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


async def her_everywhere(majlis):
    """Give salma a message of the bot's in every place forget must reach; return where they are."""
    fake, guild = majlis.fake, majlis.guild
    salma, omar = majlis.member("salma"), majlis.member("omar")
    # The swap board: one request done, one still open.
    board = fake.create_text_channel(guild, "swaps")
    await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})
    await majlis.run(
        salma, "swap offer", offer="logo design", want="copywriting", details="Two logos a month"
    )
    await majlis.run(salma, "swap offer", offer="branding", want="seo", details="Brand books")
    done_id, open_id = (
        r.id for r in await swap_store.list_requests(majlis.bot.db, guild.id, user_id=salma.id)
    )
    if done_id > open_id:
        done_id, open_id = open_id, done_id
    await majlis.run(salma, "swap done", id=done_id, partner=omar, thanks="Thank you Omar")
    requests = {
        r.id: r
        for r in await swap_store.list_requests(
            majlis.bot.db, guild.id, statuses=("open", "done"), user_id=salma.id
        )
    }
    # An experience thread in the forum.
    forum = fake.create_forum_channel(guild, "experiences")
    await fake.wait_for(lambda: majlis.bot.get_channel(forum.id) is not None)
    await majlis.run(majlis.admin, "majlis share", forum=forum)
    opened = await fake.invoke(guild, salma, "share post", channel=majlis.channel)
    await opened.response()
    posted = await fake.submit_modal(
        opened, {TITLE: "Quokka pricing", STORY: "A client paid late.", LESSON: "Ask for a deposit."}
    )
    await posted.wait_done()
    (forum_thread,) = fake.threads(forum)
    # An intro thread with omar.
    intros = fake.create_text_channel(guild, "intros")
    await majlis.run(majlis.admin, "majlis intros", options={"channel": intros})
    for user in (salma, omar):
        await majlis.run(user, "profile set", field="design", about="I draw logos")
        await majlis.run(user, "intros join")
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    runner = majlis.bot.get_cog("Intros").runner
    await fake.wait_for(lambda: not runner.deliveries)
    (intro_thread,) = fake.threads(intros)
    intro = next(m for m in fake.messages(intro_thread) if m.author_id == fake.bot_user.id and m.embeds)
    # Her suggestion posted with credit, her answer and thread in the digest.
    prompts = fake.create_text_channel(guild, "prompts")
    await majlis.run(majlis.admin, "majlis prompts", options={"channel": prompts})
    await majlis.run(salma, "prompt suggest", text="How do you price a rush job?")
    (suggestion,) = await majlis.bot.db.fetchall("SELECT id FROM prompt_suggestions")
    queue = await majlis.run(majlis.admin, "majlis prompts-queue")
    approved = await fake.click(queue.message, f"majlis:prompt:approve:{suggestion['id']}", user=majlis.admin)
    await approved.wait_done()
    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    (prompt_thread,) = fake.threads(prompts)
    prompt_post = next(m for m in fake.messages(prompts) if m.id == prompt_thread.id or m.embeds)
    answer = say(majlis, prompt_thread, salma, "Double it")
    fake.add_reaction(answer, omar, "🔥")
    await majlis.run(majlis.admin, "majlis run", feature="digest")
    (digest_row,) = await majlis.bot.db.fetchall(
        "SELECT message_id FROM prompt_digests WHERE status = 'posted'"
    )
    digest = fake.message(prompts.id, digest_row["message_id"])
    assert f"<@{salma.id}>" in str(digest.embeds) and str(forum_thread.id) in str(digest.embeds)
    assert f"<@{salma.id}>" in str(prompt_post.embeds)
    return (
        salma,
        omar,
        {
            "board": [fake.message(board.id, requests[i].board_message_id) for i in (done_id, open_id)],
            "forum": forum_thread,
            "intro": intro,
            "prompt": prompt_post,
            "digest": digest,
        },
    )


def applied(majlis, method, path, lost=frozenset()):
    """Count the requests Discord acted on: a request lost on its way (held, then refused) never reached it."""
    sent = [r for r in majlis.fake.requests if r.method == method and r.path == path]
    return len(sent) - ((method, path) in lost)


def edits_of(majlis, message, lost=frozenset()):
    return applied(majlis, "PATCH", f"/channels/{message.channel_id}/messages/{message.id}", lost)


def deletes_of(majlis, thread, lost=frozenset()):
    return applied(majlis, "DELETE", f"/channels/{thread.id}", lost)


def assert_she_is_gone(majlis, salma, places, lost=frozenset()):
    """Every message is without her, each changed by exactly one request Discord acted on."""
    fake = majlis.fake
    withdrawn = t("ar", "privacy.board_withdrawn")
    for post in places["board"]:
        current = fake.message(post.channel_id, post.id)
        assert current.embeds[0]["description"] == withdrawn and current.components == []
        assert edits_of(majlis, post, lost) == 1
    assert places["forum"].deleted and deletes_of(majlis, places["forum"], lost) == 1
    for kind in ("intro", "prompt", "digest"):
        message = places[kind]
        current = fake.message(message.channel_id, message.id)
        text = f"{current.content} {current.embeds}"
        assert f"<@{salma.id}>" not in text and "Salma" not in text and "Quokka" not in text, kind
        assert edits_of(majlis, message, lost) == 1, kind
    intro = fake.message(places["intro"].channel_id, places["intro"].id)
    assert t("ar", "swaps.former_member") in intro.content and "Omar" in str(intro.embeds)


async def test_forget_withdraws_deletes_and_edits_every_message_that_names_her(majlis):
    salma, _omar, places = await her_everywhere(majlis)
    assert {kind: edits_of(majlis, places[kind]) for kind in ("intro", "prompt", "digest")} == dict.fromkeys(
        ("intro", "prompt", "digest"), 0
    )
    ask = await majlis.run(salma, "privacy forget")
    assert "يمكنك حذفها بنفسك" not in ask.content  # members cannot delete the bot's threads
    done = await majlis.fake.click(ask.message, CONFIRM, user=salma)
    await done.wait_done()
    await majlis.fake.wait_for(lambda: ask.message.content.startswith(t("ar", "privacy.forgotten")))
    summary = ask.message.content.splitlines()
    assert summary[1:] == [
        t("ar", "privacy.forgot.board", count=2),
        t("ar", "privacy.forgot.forum", count=1),
        t("ar", "privacy.forgot.edited", count=3),
    ]
    assert_she_is_gone(majlis, salma, places)
    assert await majlis.bot.db.fetchall("SELECT * FROM forget_jobs") == []  # her id went with the job


async def test_a_thread_the_bot_may_not_delete_is_reported_not_claimed(majlis):
    salma, _omar, places = await her_everywhere(majlis)
    majlis.fake.deny_bot(majlis.guild, "manage_threads")
    ask = await majlis.run(salma, "privacy forget")
    done = await majlis.fake.click(ask.message, CONFIRM, user=salma)
    await done.wait_done()
    await majlis.fake.wait_for(lambda: ask.message.content.startswith(t("ar", "privacy.forgotten")))
    lines = ask.message.content.splitlines()
    assert t("ar", "privacy.forgot.refused", count=1) in lines
    assert t("ar", "privacy.forgot.forum", count=1) not in lines  # not claimed
    assert not places["forum"].deleted


@pytest.mark.parametrize("discord_acts", [True, False], ids=["reply_lost", "request_lost"])
@pytest.mark.parametrize("held", ["board", "forum", "intro"])
async def test_a_crash_mid_forget_finishes_after_the_restart_with_each_message_handled_once(
    majlis, held, discord_acts
):
    salma, _omar, places = await her_everywhere(majlis)
    if held == "forum":
        method, path = "DELETE", f"/channels/{places['forum'].id}"
    else:
        target = places[held][1] if held == "board" else places[held]
        method, path = "PATCH", f"/channels/{target.channel_id}/messages/{target.id}"
    await majlis.stop_mid_request(
        method,
        path,
        discord_acts=discord_acts,
        work=lambda: majlis.bot.get_cog("Privacy").forget_member(majlis.guild.id, salma.id),
    )
    await majlis.start()
    privacy = majlis.bot.get_cog("Privacy")
    await majlis.fake.wait_for(lambda: not privacy.forgetting.tasks)
    assert await majlis.bot.db.fetchall("SELECT * FROM forget_jobs") == []
    assert_she_is_gone(majlis, salma, places, lost=frozenset() if discord_acts else {(method, path)})
