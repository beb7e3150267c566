"""End to end: an avoid list is honoured everywhere, and nothing tells anyone who asked what."""

from __future__ import annotations

from bot.i18n import t
from bot.storage import intros as intro_store
from bot.storage import swaps as swap_store
from tests.e2e.test_intros_e2e import run_round, setup_intros

AGAIN = {t(lang, "intros.reason.again") for lang in ("ar", "en")}


async def open_board(majlis):
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(board.id) is not None)
    await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})
    return board


async def press_help(majlis, board, request, user):
    custom_id = f"majlis:swaps:help:{request.id}"
    post = next(m for m in majlis.fake.messages(board) if custom_id in m.custom_ids())
    pressed = await majlis.fake.click(post, custom_id, user=user)
    await pressed.wait_done()
    return pressed


async def test_i_can_help_refuses_an_avoided_pair_either_way_without_saying_why(majlis):
    board = await open_board(majlis)
    amal, badr, hadi, nour = (majlis.member(n) for n in ("amal", "badr", "hadi", "nour"))
    assert (await majlis.run(amal, "intros avoid", member=hadi)).ephemeral  # amal avoids hadi
    assert (await majlis.run(hadi, "intros avoid", member=badr)).ephemeral  # hadi avoids badr
    await majlis.run(amal, "swap offer", offer="logo design", want="seo")
    await majlis.run(badr, "swap offer", offer="copywriting", want="translation")
    requests = {r.user_id: r for r in await swap_store.list_requests(majlis.bot.db, majlis.guild.id)}

    for author in (amal, badr):
        refused = await press_help(majlis, board, requests[author.id], hadi)
        assert refused.ephemeral
        assert refused.content == t("ar", "swaps.help.unavailable", id=requests[author.id].id)
    assert majlis.fake.threads(board) == []
    assert await swap_store.helpers_of(majlis.bot.db, requests[amal.id].id) == []
    for text in (t("ar", "swaps.help.unavailable", id=1), t("en", "swaps.help.unavailable", id=1)):
        assert "avoid" not in text and "تجنب" not in text

    helped = await press_help(majlis, board, requests[amal.id], nour)  # anyone else still can
    (thread,) = majlis.fake.threads(board)
    assert str(thread.id) in helped.content and set(thread.members) >= {amal.id, nour.id}


async def test_intros_again_answers_the_same_whoever_asked_first(majlis):
    await setup_intros(majlis, 0)
    amal, badr, carim = (majlis.member(n) for n in ("amal", "badr", "carim"))
    first = await majlis.run(badr, "intros again", member=amal)
    nobody_asked = await majlis.run(amal, "intros again", member=carim)
    both_asked = await majlis.run(amal, "intros again", member=badr)
    assert first.content == t("ar", "intros.again_saved", member=f"<@{amal.id}>")
    assert nobody_asked.content == t("ar", "intros.again_saved", member=f"<@{carim.id}>")
    assert both_asked.content == t("ar", "intros.again_saved", member=f"<@{badr.id}>")
    # Still remembered as mutual for matching.
    requests = set(await intro_store.again_requests(majlis.bot.db, majlis.guild.id))
    assert {(amal.id, badr.id), (badr.id, amal.id)} <= requests


async def test_the_dry_run_does_not_show_who_asked_to_meet_again(majlis):
    _, (amal, badr) = await setup_intros(majlis, 2)
    await majlis.run(amal, "intros again", member=badr)
    await majlis.run(badr, "intros again", member=amal)
    reply = await majlis.run(majlis.admin, "majlis run", feature="intros", dry_run=True)
    shown = str(reply.embeds[0])
    assert f"<@{amal.id}>" in shown and f"<@{badr.id}>" in shown  # the group is shown...
    assert not any(text in shown for text in AGAIN)  # ...but not why they asked for it


async def test_a_third_member_is_not_told_that_two_asked_to_meet_again(majlis):
    channel, (amal, badr, carim) = await setup_intros(majlis, 3, group_size=3)
    await majlis.run(amal, "intros again", member=badr)
    await majlis.run(badr, "intros again", member=amal)
    await run_round(majlis)
    (thread,) = majlis.fake.threads(channel)
    assert {amal.id, badr.id, carim.id} <= set(thread.members)
    (intro,) = [m for m in majlis.fake.messages(thread) if m.embeds]
    assert not any(text in str(intro.embeds) for text in AGAIN)
