"""End to end: skill swaps against the fake Discord — board, matching, confirmations, lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import timedelta

import pytest

from bot.i18n import group_address, t
from bot.storage import profiles as profile_store
from bot.storage import swaps as store

PRIVATE_THREAD = 12


async def open_board(majlis):
    """Enable swaps in a new #swaps channel and return it."""
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    reply = await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})
    assert reply.ephemeral and f"<#{board.id}>" in reply.content
    return board


def cog(majlis):
    return majlis.bot.get_cog("Swaps")


async def offer(majlis, user, give, want, **options):
    return await majlis.run(user, "swap offer", offer=give, want=want, **options)


async def rows(majlis, table):
    return [tuple(r) for r in await majlis.bot.db.fetchall(f"SELECT * FROM {table} ORDER BY 1")]


def board_post(majlis, board, request_id):
    """Return the board message of a request (found by its "I can help" button)."""
    custom_id = f"majlis:swaps:help:{request_id}"
    found = [m for m in majlis.fake.messages(board) if custom_id in m.custom_ids()]
    assert len(found) == 1, [m.custom_ids() for m in majlis.fake.messages(board)]
    return found[0]


def proposal_message(majlis, thread):
    return next(
        m for m in majlis.fake.messages(thread) if any("majlis:swaps:match:" in c for c in m.custom_ids())
    )


async def press(majlis, message, custom_id, user):
    interaction = await majlis.fake.click(message, custom_id, user=user)
    await interaction.wait_done()
    return interaction


async def wait_note(majlis, thread, key, **params):
    """Wait for the bot's note in a proposal thread (the last step of handling a button)."""
    text = t("ar", key, **params)
    await majlis.fake.wait_for(lambda: any(m.content == text for m in majlis.fake.messages(thread)))


async def confirm_all(majlis, thread, match_id, users):
    """Press every member's Confirm and wait until the swap is announced as matched."""
    match = await store.get_match(majlis.bot.db, match_id)
    for member in match.members:
        await press(
            majlis,
            proposal_message(majlis, thread),
            f"majlis:swaps:match:{match_id}:{member.position}:confirm",
            users[member.user_id],
        )
    requests = ", ".join(f"#{m.request_id}" for m in match.members)
    address = group_address(len(match.members))  # two members: the dual; a cycle of three: the plural
    await wait_note(majlis, thread, "swaps.match.all_confirmed", requests=requests, address=address)


async def direct_pair(majlis, board):
    """Two members post complementary offers; return them, their requests and the proposal thread."""
    amal, badr = majlis.member("amal"), majlis.member("badr")
    await offer(majlis, amal, "Logo design", "WordPress")
    await offer(majlis, badr, "WordPress", "تصميم شعارات")
    await majlis.fake.wait_for(lambda: majlis.fake.threads(board))
    await cog(majlis).run_matching(majlis.guild.id)  # waits for the run the second offer started
    (thread,) = majlis.fake.threads(board)
    requests = await store.list_requests(majlis.bot.db, majlis.guild.id, statuses=("open", "matched"))
    by_owner = {r.user_id: r for r in requests}
    return amal, badr, by_owner[amal.id], by_owner[badr.id], thread


async def test_an_offer_is_stored_normalised_and_posted_with_an_i_can_help_button(majlis):
    board = await open_board(majlis)
    amal = majlis.member("amal")
    reply = await offer(majlis, amal, "تصميم شعارات", "WordPress", details="Two logos for a small bakery")
    assert reply.ephemeral
    (request,) = await store.list_requests(majlis.bot.db, majlis.guild.id)
    assert (request.offer, request.want, request.status) == ("logo design", "wordpress development", "open")
    assert request.details == "Two logos for a small bakery"
    assert f"#{request.id}" in reply.content or str(request.id) in reply.content

    post = board_post(majlis, board, request.id)
    embed = post.embeds[0]
    assert embed["title"] == t("ar", "swaps.board.title", id=request.id)
    assert f"<@{amal.id}>" in embed["description"] and "Two logos" in str(embed["fields"])
    assert post.component(f"majlis:swaps:help:{request.id}").get("disabled") is not True
    assert not post.mention_user_ids  # the board never pings
    profile = await profile_store.get_profile(majlis.bot.db, majlis.guild.id, amal.id)
    assert profile is not None and profile.discoverable


async def test_swaps_not_configured_is_a_clear_error_and_stores_nothing(majlis):
    amal = majlis.member("amal")
    reply = await offer(majlis, amal, "Logo design", "WordPress")
    assert reply.ephemeral and reply.content == t("ar", "swaps.not_configured")
    assert await rows(majlis, "swap_requests") == []


async def test_bad_offers_are_refused_and_nothing_changes(majlis):
    await open_board(majlis)
    amal = majlis.member("amal")
    for i, skill in enumerate(["seo", "python", "copywriting", "translation", "video editing"]):
        reply = await offer(majlis, amal, skill, "Logo design")
        assert reply.ephemeral and str(i + 1) in reply.content
    before = await rows(majlis, "swap_requests")
    assert len(before) == 5

    sixth = await offer(majlis, amal, "data analysis", "Logo design")
    assert sixth.ephemeral and sixth.content == t("ar", "swaps.limit", limit=5)

    badr = majlis.member("badr")
    await offer(majlis, badr, "seo", "python")
    before = await rows(majlis, "swap_requests")
    duplicate = await offer(majlis, badr, "SEO", "Python")
    assert duplicate.ephemeral and duplicate.content == t("ar", "swaps.duplicate")
    same = await offer(majlis, badr, "WordPress", "wordpress development")
    assert same.content == t("ar", "swaps.same_skill")
    long_details = await offer(majlis, badr, "seo", "copywriting", details="x" * 501)
    assert long_details.content == t("ar", "swaps.details_too_long", limit=500, length=501)
    assert await rows(majlis, "swap_requests") == before


async def test_complementary_offers_get_one_private_thread_and_confirming_makes_a_match(majlis):
    board = await open_board(majlis)
    amal, badr, mine, theirs, thread = await direct_pair(majlis, board)
    assert thread.type == PRIVATE_THREAD and thread.invitable is False
    assert set(thread.members) >= {amal.id, badr.id}
    message = proposal_message(majlis, thread)
    assert {amal.id, badr.id} <= set(message.mention_user_ids)
    description = message.embeds[0]["description"]
    assert f"<@{amal.id}>" in description and f"<@{badr.id}>" in description

    (match_id,) = {r["id"] for r in await majlis.bot.db.fetchall("SELECT id FROM swap_matches")}
    match = await store.get_match(majlis.bot.db, match_id)
    amal_position = match.positions_of(amal.id)[0]
    badr_position = match.positions_of(badr.id)[0]

    # Badr cannot press Amal's button.
    refused = await press(majlis, message, f"majlis:swaps:match:{match_id}:{amal_position}:confirm", badr)
    assert refused.ephemeral and refused.content == t("ar", "error.not_yours")
    assert (await store.get_match(majlis.bot.db, match_id)).members[amal_position].response is None

    await press(majlis, message, f"majlis:swaps:match:{match_id}:{amal_position}:confirm", amal)
    assert (await store.get_request(majlis.bot.db, mine.id)).status == "open"
    await press(majlis, message, f"majlis:swaps:match:{match_id}:{badr_position}:confirm", badr)
    await wait_note(
        majlis,
        thread,
        "swaps.match.all_confirmed",
        requests=", ".join(f"#{m.request_id}" for m in match.members),
        address="dual",
    )
    assert (await store.get_match(majlis.bot.db, match_id)).status == "matched"
    for request in (mine, theirs):
        assert (await store.get_request(majlis.bot.db, request.id)).status == "matched"
        post = board_post(majlis, board, request.id)
        assert post.component(f"majlis:swaps:help:{request.id}")["disabled"] is True
        assert t("ar", "swaps.status.matched") in str(post.embeds[0]["fields"])
    edited = proposal_message(majlis, thread)
    assert all(c.get("disabled") for c in (edited.component(i) for i in edited.custom_ids()))
    assert len(majlis.fake.threads(board)) == 1


async def test_three_members_form_a_cycle(majlis):
    board = await open_board(majlis)
    amal, badr, chadi = majlis.member("amal"), majlis.member("badr"), majlis.member("chadi")
    await offer(majlis, amal, "Logo design", "WordPress")
    await offer(majlis, badr, "WordPress", "seo")
    assert majlis.fake.threads(board) == []
    await offer(majlis, chadi, "seo", "Logo design")
    await majlis.fake.wait_for(lambda: majlis.fake.threads(board))
    await cog(majlis).run_matching(majlis.guild.id)
    (thread,) = majlis.fake.threads(board)
    assert set(thread.members) >= {amal.id, badr.id, chadi.id}
    (row,) = await majlis.bot.db.fetchall("SELECT id, kind FROM swap_matches")
    assert row["kind"] == "cycle3"
    message = proposal_message(majlis, thread)
    assert len([c for c in message.custom_ids() if c.endswith(":confirm")]) == 3


async def test_a_decline_frees_the_requests_and_the_pair_is_not_proposed_again(majlis):
    board = await open_board(majlis)
    amal, badr, mine, _theirs, thread = await direct_pair(majlis, board)
    (match_id,) = [r["id"] for r in await majlis.bot.db.fetchall("SELECT id FROM swap_matches")]
    match = await store.get_match(majlis.bot.db, match_id)
    position = match.positions_of(badr.id)[0]
    await press(
        majlis, proposal_message(majlis, thread), f"majlis:swaps:match:{match_id}:{position}:decline", badr
    )
    await wait_note(majlis, thread, "swaps.match.declined", address="dual")
    assert (await store.get_match(majlis.bot.db, match_id)).status == "declined"
    assert (await store.get_request(majlis.bot.db, mine.id)).status == "open"

    # A third member who fits Amal is proposed to her; Amal and Badr are not proposed again.
    dana = majlis.member("dana")
    await offer(majlis, dana, "WordPress", "Logo design")
    await cog(majlis).run_matching(majlis.guild.id)
    threads = majlis.fake.threads(board)
    assert len(threads) == 2
    assert dana.id in threads[1].members and amal.id in threads[1].members


async def test_avoid_pairs_are_never_proposed(majlis):
    exists = await majlis.bot.db.fetchone("SELECT 1 FROM sqlite_master WHERE name = 'intro_avoids'")
    if exists is None:
        pytest.skip("the intros migration (intro_avoids) is not installed")
    board = await open_board(majlis)
    amal, badr = majlis.member("amal"), majlis.member("badr")
    await majlis.bot.db.execute(
        "INSERT INTO intro_avoids (guild_id, user_id, avoided_user_id, created_at) VALUES (?, ?, ?, ?)",
        (majlis.guild.id, badr.id, amal.id, "2026-01-01T00:00:00+00:00"),
    )
    await offer(majlis, amal, "Logo design", "WordPress")
    await offer(majlis, badr, "WordPress", "Logo design")
    assert await cog(majlis).run_matching(majlis.guild.id) == []
    assert majlis.fake.threads(board) == []
    assert await rows(majlis, "swap_matches") == []


async def test_i_can_help_opens_a_private_thread_between_the_two(majlis):
    board = await open_board(majlis)
    amal, helper = majlis.member("amal"), majlis.member("hadi")
    await offer(majlis, amal, "Logo design", "WordPress")
    (request,) = await store.list_requests(majlis.bot.db, majlis.guild.id)
    post = board_post(majlis, board, request.id)
    button = f"majlis:swaps:help:{request.id}"

    own = await press(majlis, post, button, amal)
    assert own.ephemeral and own.content == t("ar", "swaps.help.own")
    assert majlis.fake.threads(board) == []

    reply = await press(majlis, post, button, helper)
    assert reply.ephemeral
    (thread,) = majlis.fake.threads(board)
    assert thread.type == PRIVATE_THREAD and thread.invitable is False
    assert set(thread.members) >= {amal.id, helper.id}
    assert str(thread.id) in reply.content
    intro = majlis.fake.messages(thread)[0]
    assert {amal.id, helper.id} <= set(intro.mention_user_ids)

    again = await press(majlis, post, button, helper)
    assert again.content == t("ar", "swaps.help.existing", thread=f"<#{thread.id}>")
    assert len(majlis.fake.threads(board)) == 1


async def test_done_with_thanks_raises_the_partner_reputation_and_edits_the_board(majlis):
    board = await open_board(majlis)
    amal, badr, mine, theirs, thread = await direct_pair(majlis, board)
    (match_id,) = [r["id"] for r in await majlis.bot.db.fetchall("SELECT id FROM swap_matches")]
    await confirm_all(majlis, thread, match_id, {amal.id: amal, badr.id: badr})

    counter = cog(majlis).profile_counts
    assert await counter(majlis.guild.id, badr.id) == {"swaps_done": 0, "reputation": 0}
    others = await majlis.run(badr, "swap done", id=mine.id, thanks="x")
    assert others.content == t("ar", "swaps.not_owner", id=mine.id)

    reply = await majlis.run(amal, "swap done", id=mine.id, thanks="شكرًا، الموقع رائع!")
    assert reply.ephemeral and f"<@{badr.id}>" in reply.content
    assert await counter(majlis.guild.id, badr.id) == {"swaps_done": 1, "reputation": 1}
    assert await counter(majlis.guild.id, amal.id) == {"swaps_done": 1, "reputation": 0}
    for request in (mine, theirs):
        assert (await store.get_request(majlis.bot.db, request.id)).status == "done"
        post = board_post(majlis, board, request.id)
        assert t("ar", "swaps.status.done") in str(post.embeds[0]["fields"])
        assert post.component(f"majlis:swaps:help:{request.id}")["disabled"] is True
    await majlis.fake.wait_for(lambda: any("الموقع رائع" in m.content for m in majlis.fake.messages(thread)))

    card = await majlis.run(amal, "profile show", member=badr)
    assert t("ar", "profile.count.swaps_done", count=1) in str(card.embeds[0])
    assert t("ar", "profile.count.reputation", count=1) in str(card.embeds[0])


async def test_expiry_reminds_three_days_before_and_then_edits_the_board(majlis):
    board = await open_board(majlis)
    amal = majlis.member("amal")
    await offer(majlis, amal, "Logo design", "WordPress")
    (request,) = await store.list_requests(majlis.bot.db, majlis.guild.id)

    majlis.clock.advance(timedelta(days=26))
    assert await cog(majlis).run_expiry_sweep() == (0, 0)
    assert majlis.fake.dm_messages(amal) == []

    majlis.clock.advance(timedelta(days=1, hours=1))
    assert await cog(majlis).run_expiry_sweep() == (1, 0)
    (reminder,) = majlis.fake.dm_messages(amal)
    assert f"majlis:swaps:renew:{request.id}" in reminder.custom_ids()
    assert await cog(majlis).run_expiry_sweep() == (0, 0)  # reminded once

    majlis.clock.advance(timedelta(days=3))
    assert await cog(majlis).run_expiry_sweep() == (0, 1)
    assert (await store.get_request(majlis.bot.db, request.id)).status == "expired"
    post = board_post(majlis, board, request.id)
    assert t("ar", "swaps.status.expired") in str(post.embeds[0]["fields"])
    assert post.component(f"majlis:swaps:help:{request.id}")["disabled"] is True

    late = await press(majlis, reminder, f"majlis:swaps:renew:{request.id}", amal)
    assert (
        t("ar", "swaps.renew.too_late", id=request.id, status=t("ar", "swaps.status.expired")) in late.content
    )


async def test_renewing_from_the_reminder_keeps_the_request_open(majlis):
    board = await open_board(majlis)
    amal = majlis.member("amal")
    await offer(majlis, amal, "Logo design", "WordPress")
    (request,) = await store.list_requests(majlis.bot.db, majlis.guild.id)
    majlis.clock.advance(timedelta(days=28))
    await cog(majlis).run_expiry_sweep()
    (reminder,) = majlis.fake.dm_messages(amal)
    await majlis.restart()  # the Renew button outlives the process
    post = board_post(majlis, board, request.id)
    before = str(post.embeds[0]["fields"])
    await press(majlis, reminder, f"majlis:swaps:renew:{request.id}", amal)
    await majlis.fake.wait_for(
        lambda: str(board_post(majlis, board, request.id).embeds[0]["fields"]) != before
    )
    renewed = await store.get_request(majlis.bot.db, request.id)
    assert renewed.expires_at - majlis.clock.now() > timedelta(days=29)
    majlis.clock.advance(timedelta(days=3))
    assert await cog(majlis).run_expiry_sweep() == (0, 0)
    assert (await store.get_request(majlis.bot.db, request.id)).status == "open"


async def test_confirm_buttons_work_after_a_restart(majlis):
    board = await open_board(majlis)
    amal, badr, mine, _theirs, thread = await direct_pair(majlis, board)
    await majlis.restart()
    (match_id,) = [r["id"] for r in await majlis.bot.db.fetchall("SELECT id FROM swap_matches")]
    await confirm_all(majlis, thread, match_id, {amal.id: amal, badr.id: badr})
    assert (await store.get_request(majlis.bot.db, mine.id)).status == "matched"


async def test_close_withdraws_only_your_own_request_and_edits_the_board(majlis):
    board = await open_board(majlis)
    amal, badr = majlis.member("amal"), majlis.member("badr")
    await offer(majlis, amal, "Logo design", "WordPress")
    (request,) = await store.list_requests(majlis.bot.db, majlis.guild.id)

    missing = await majlis.run(amal, "swap close", id=request.id + 1000)
    assert missing.ephemeral and missing.content == t("ar", "swaps.not_found", id=request.id + 1000)
    not_mine = await majlis.run(badr, "swap close", id=request.id)
    assert not_mine.content == t("ar", "swaps.not_owner", id=request.id)
    assert (await store.get_request(majlis.bot.db, request.id)).status == "open"

    closed = await majlis.run(amal, "swap close", id=request.id)
    assert closed.content == t("ar", "swaps.closed", id=request.id)
    assert (await store.get_request(majlis.bot.db, request.id)).status == "closed"
    # Nothing going on any more: no longer listed by /profile find.
    assert not (await profile_store.get_profile(majlis.bot.db, majlis.guild.id, amal.id)).discoverable
    post = board_post(majlis, board, request.id)
    assert t("ar", "swaps.status.closed") in str(post.embeds[0]["fields"])
    assert post.component(f"majlis:swaps:help:{request.id}")["disabled"] is True
    twice = await majlis.run(amal, "swap close", id=request.id)
    assert twice.content == t("ar", "swaps.not_active", id=request.id, status=t("ar", "swaps.status.closed"))


async def test_list_and_mine_are_paginated(majlis):
    await open_board(majlis)
    skills = ["seo", "python", "copywriting", "translation", "video editing"]
    for name in ("amal", "badr"):
        user = majlis.member(name)
        for skill in skills[:4]:
            await offer(majlis, user, skill, "Logo design")
    reader = majlis.member("reader")
    listing = await majlis.run(reader, "swap list")
    assert listing.ephemeral
    first = listing.embeds[0]["description"]
    assert listing.embeds[0]["footer"]["text"] == t("ar", "swaps.list.footer", page=1, pages=2, total=8)
    previous, following = listing.message.custom_ids()
    assert listing.message.component(previous)["disabled"] is True
    page_two = await press(majlis, listing.message, following, reader)
    assert page_two.embeds[0]["footer"]["text"] == t("ar", "swaps.list.footer", page=2, pages=2, total=8)
    assert page_two.embeds[0]["description"] != first

    filtered = await majlis.run(reader, "swap list", skill="python")
    assert filtered.embeds[0]["footer"]["text"] == t("ar", "swaps.list.footer", page=1, pages=1, total=2)
    mine = await majlis.run(majlis.users["amal"], "swap mine")
    assert mine.embeds[0]["footer"]["text"] == t("ar", "swaps.list.footer", page=1, pages=1, total=4)


async def test_skill_autocomplete_matches_arabic_and_english_names(majlis):
    await open_board(majlis)
    amal = majlis.member("amal")
    arabic = await majlis.fake.autocomplete(
        majlis.guild, amal, "swap offer", "offer", "تصميم الشعارات", channel=majlis.channel, want="x"
    )
    english = await majlis.fake.autocomplete(
        majlis.guild, amal, "swap offer", "offer", "logo", channel=majlis.channel, want="x"
    )
    assert "logo design" in [c["value"] for c in arabic]
    assert "logo design" in [c["value"] for c in english]


async def test_the_board_needs_a_channel_where_the_bot_can_open_private_threads(majlis):
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    majlis.fake.deny_bot(majlis.guild, "create_private_threads", board)
    reply = await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})
    assert reply.ephemeral and reply.content == t(
        "ar", "error.bot_missing_permission", permissions=t("ar", "permission.create_private_threads")
    )
    assert await rows(majlis, "guild_features") == []


async def test_status_counts_the_board_requests(majlis):
    await open_board(majlis)
    await offer(majlis, majlis.member("amal"), "Logo design", "WordPress")
    status = await majlis.run(majlis.admin, "majlis status")
    assert t("ar", "swaps.status_line", open=1, matched=0, done=0) in str(status.embeds[0]["fields"])


async def test_a_proposal_cancelled_by_forget_names_the_forgotten_member_neutrally(majlis):
    """After /privacy forget, the cancelled proposal says "a former member", never a broken <@-N> mention."""
    board = await open_board(majlis)
    amal, badr, _mine, _theirs, thread = await direct_pair(majlis, board)
    ask = await majlis.run(amal, "privacy forget")
    await press(majlis, ask.message, "majlis:privacy:forget:confirm", amal)
    await wait_note(majlis, thread, "swaps.match.cancelled", address="dual")
    await majlis.fake.wait_for(lambda: (ask.message.content or "").startswith(t("ar", "privacy.forgotten")))

    message = proposal_message(majlis, thread)
    shown = message.embeds[0]["description"] + str(message.embeds[0]["fields"])
    assert "<@-" not in shown and f"<@{amal.id}>" not in shown
    assert t("ar", "swaps.former_member") in shown and f"<@{badr.id}>" in shown
    labels = [message.component(c).get("label", "") for c in message.custom_ids()]
    assert all("-" not in label.split("·")[-1] for label in labels), labels
    assert any(t("ar", "swaps.former_member") in label for label in labels)


async def test_disabled_swaps_refuse_politely_keep_the_data_and_come_back_when_set_up_again(majlis):
    """After /majlis disable feature:swaps, offering, listing and "I can help" say the board is off."""
    board = await open_board(majlis)
    amal, hadi = majlis.member("amal"), majlis.member("hadi")
    await offer(majlis, amal, "Logo design", "WordPress")
    (request,) = await store.list_requests(majlis.bot.db, majlis.guild.id)
    post = board_post(majlis, board, request.id)
    off = await majlis.run(majlis.admin, "majlis disable", feature="swaps")
    assert off.ephemeral

    refused = [
        await offer(majlis, hadi, "WordPress", "SEO"),
        await majlis.run(hadi, "swap list"),
        await press(majlis, post, f"majlis:swaps:help:{request.id}", hadi),
    ]
    for reply in refused:
        assert reply.ephemeral and reply.content == t("ar", "swaps.not_configured")
    assert majlis.fake.threads(board) == []
    assert [r.id for r in await store.list_requests(majlis.bot.db, majlis.guild.id)] == [request.id]
    mine = await majlis.run(amal, "swap mine")  # a member still sees their own requests
    assert f"#{request.id}" in mine.embeds[0]["description"]

    await open_board(majlis)
    listing = await majlis.run(hadi, "swap list")
    assert f"#{request.id}" in listing.embeds[0]["description"]


async def test_swap_list_drops_members_who_left_the_guild(majlis):
    """A member who left is no longer offered on /swap list; their request row stays until they are forgotten."""
    board = await open_board(majlis)
    amal, badr, reader = majlis.member("amal"), majlis.member("badr"), majlis.member("reader")
    await offer(majlis, amal, "Logo design", "WordPress")
    await offer(majlis, badr, "SEO", "Copywriting")
    majlis.fake.remove_member(majlis.guild, badr)
    await majlis.fake.wait_for(lambda: has_left(majlis, badr.id))

    listing = await majlis.run(reader, "swap list")
    (left_request,) = await store.list_requests(majlis.bot.db, majlis.guild.id, user_id=badr.id)
    helped = await press(
        majlis, board_post(majlis, board, left_request.id), f"majlis:swaps:help:{left_request.id}", reader
    )

    assert helped.ephemeral and helped.content == t("ar", "swaps.help.member_left", id=left_request.id)
    assert majlis.fake.threads(board) == []
    shown = listing.embeds[0]["description"]
    assert f"<@{amal.id}>" in shown and f"<@{badr.id}>" not in shown
    assert listing.embeds[0]["footer"]["text"] == t("ar", "swaps.list.footer", page=1, pages=1, total=1)
    assert len(await store.list_requests(majlis.bot.db, majlis.guild.id)) == 2


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


async def test_a_double_click_on_i_can_help_opens_one_thread(majlis):
    board = await open_board(majlis)
    amal, helper = majlis.member("amal"), majlis.member("hadi")
    await offer(majlis, amal, "Logo design", "WordPress")
    (request,) = await store.list_requests(majlis.bot.db, majlis.guild.id)
    post = board_post(majlis, board, request.id)
    button = f"majlis:swaps:help:{request.id}"
    # The first press is still creating its thread when the second arrives.
    majlis.fake.delay_responses("POST", f"/channels/{board.id}/threads", 0.3)
    first = await majlis.fake.click(post, button, user=helper)
    second = await majlis.fake.click(post, button, user=helper)
    await first.wait_done()
    await second.wait_done()
    (thread,) = majlis.fake.threads(board)
    replies = {first.content, second.content}
    assert t("ar", "swaps.help.existing", thread=f"<#{thread.id}>") in replies


async def test_two_sweeps_at_once_remind_only_once(majlis):
    # The daily job and the sweep's own job can run together; the owner still gets one reminder.
    import asyncio

    await open_board(majlis)
    amal = majlis.member("amal")
    await offer(majlis, amal, "Logo design", "WordPress")
    majlis.clock.advance(timedelta(days=27, hours=1))
    results = await asyncio.gather(cog(majlis).run_expiry_sweep(), cog(majlis).run_expiry_sweep())
    assert sorted(results) == [(0, 0), (1, 0)]
    assert len(majlis.fake.dm_messages(amal)) == 1


async def unposted_pair(majlis, board):
    """Two complementary requests, the second stored without a board post, so matching is the next request."""
    amal, badr = majlis.member("amal"), majlis.member("badr")
    await offer(majlis, amal, "Logo design", "WordPress")
    await store.open_request(
        majlis.bot.db,
        majlis.guild.id,
        badr.id,
        offer="wordpress development",
        want="logo design",
        details=None,
        now=majlis.clock.now(),
    )
    assert majlis.fake.threads(board) == []
    return amal, badr


def proposals_in(majlis, thread):
    return [
        m for m in majlis.fake.messages(thread) if any("majlis:swaps:match:" in c for c in m.custom_ids())
    ]


async def assert_one_thread_with_one_proposal(majlis, board):
    (thread,) = majlis.fake.threads(board)
    (message,) = proposals_in(majlis, thread)
    (row,) = await majlis.bot.db.fetchall("SELECT thread_id, message_id FROM swap_matches")
    assert (row["thread_id"], row["message_id"]) == (thread.id, message.id)
    return thread


async def test_a_crash_while_posting_the_proposal_resumes_without_a_second_thread_or_message(majlis):
    board = await open_board(majlis)
    amal, badr = await unposted_pair(majlis, board)
    # Discord takes its time with the proposal; the bot stops while the request is in flight.
    majlis.fake.delay_responses("POST", "/channels/*/messages", seconds=0.3)
    running = asyncio.create_task(cog(majlis).run_matching(majlis.guild.id))
    await majlis.fake.wait_for(
        lambda: (
            majlis.fake.threads(board)
            and any(
                r.method == "POST" and r.path == f"/channels/{majlis.fake.threads(board)[0].id}/messages"
                for r in majlis.fake.requests
            )
        )
    )
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    await majlis.stop()
    # Discord posted it anyway: the bot never learnt the message id.
    (thread,) = majlis.fake.threads(board)
    await majlis.fake.wait_for(lambda: proposals_in(majlis, thread))
    await majlis.start()
    assert (await majlis.bot.db.fetchone("SELECT message_id FROM swap_matches"))["message_id"] is None
    await cog(majlis).run_matching(majlis.guild.id)
    await cog(majlis).run_matching(majlis.guild.id)
    thread = await assert_one_thread_with_one_proposal(majlis, board)
    assert set(thread.members) >= {amal.id, badr.id}


async def test_a_proposal_refused_after_its_thread_opened_is_retried_in_the_same_thread(majlis):
    board = await open_board(majlis)
    await unposted_pair(majlis, board)
    majlis.fake.inject_error("POST", "/channels/*/messages", status=400, count=1)
    (match_id,) = await cog(majlis).run_matching(majlis.guild.id)
    (thread,) = majlis.fake.threads(board)
    assert proposals_in(majlis, thread) == []
    assert (await store.get_match(majlis.bot.db, match_id)).thread_id == thread.id
    await majlis.restart()
    assert await cog(majlis).run_matching(majlis.guild.id) == [match_id]  # the undelivered one, resumed
    assert await assert_one_thread_with_one_proposal(majlis, board) == thread


@pytest.mark.parametrize("lost", ["thread", "message"])
async def test_resume_after_a_crash_between_discord_and_the_store_creates_no_duplicate(majlis, lost):
    board = await open_board(majlis)
    await direct_pair(majlis, board)
    db = majlis.bot.db
    # As if the bot died right after Discord created the thread / posted the proposal, before recording it.
    if lost == "thread":
        await db.execute("UPDATE swap_matches SET thread_id = NULL, message_id = NULL")
    else:
        await db.execute("UPDATE swap_matches SET message_id = NULL")
    await majlis.restart()
    await cog(majlis).run_matching(majlis.guild.id)
    await assert_one_thread_with_one_proposal(majlis, board)
    before = len(majlis.fake.requests)
    await cog(majlis).run_matching(majlis.guild.id)
    assert not [r for r in majlis.fake.requests[before:] if r.method == "POST"]


async def test_matching_runs_off_the_event_loop(majlis, monkeypatch):
    # A big board takes a noticeable time to match: on the loop it would stall heartbeats and every button.
    import threading

    from bot import swapmatch

    threads = []
    real = swapmatch.find_matches

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(swapmatch, "find_matches", spy)
    board = await open_board(majlis)
    await direct_pair(majlis, board)
    assert threads and all(thread is not threading.main_thread() for thread in threads)


async def test_a_proposal_whose_thread_was_deleted_before_posting_gets_a_new_thread(majlis):
    board = await open_board(majlis)
    await unposted_pair(majlis, board)
    majlis.fake.inject_error("POST", "/channels/*/messages", status=400, count=1)
    await cog(majlis).run_matching(majlis.guild.id)
    (first,) = majlis.fake.threads(board)
    majlis.fake.delete_channel(first)
    await majlis.restart()
    await cog(majlis).run_matching(majlis.guild.id)
    thread = await assert_one_thread_with_one_proposal(majlis, board)
    assert thread.id != first.id
