"""End to end: an "I can help" thread is made exactly once, and a failure part way never locks the helper out."""

from __future__ import annotations

import pytest

from bot.i18n import t
from bot.storage import swaps as store
from tests.e2e.test_swaps_e2e import board_post, offer, open_board, press


async def help_setup(majlis):
    board = await open_board(majlis)
    amal, helper = majlis.member("amal"), majlis.member("hadi")
    await offer(majlis, amal, "Logo design", "WordPress")
    (request,) = await store.list_requests(majlis.bot.db, majlis.guild.id)
    return board, amal, helper, request


def assert_one_complete_thread(majlis, board, amal, helper):
    (thread,) = majlis.fake.threads(board)
    assert {amal.id, helper.id} <= set(thread.members)
    (intro,) = [m for m in majlis.fake.messages(thread) if m.author_id == majlis.fake.bot_user.id]
    assert {amal.id, helper.id} <= set(intro.mention_user_ids)
    return thread


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/channels/*/threads"),
        ("PUT", "/channels/*/thread-members/*"),
        ("POST", "/channels/*/messages"),
    ],
)
async def test_a_server_error_part_way_is_answered_and_the_next_press_finishes_the_same_thread(
    majlis, method, path
):
    board, amal, helper, request = await help_setup(majlis)
    post = board_post(majlis, board, request.id)
    button = f"majlis:swaps:help:{request.id}"
    majlis.fake.inject_error(method, path, status=503, count=1)
    first = await press(majlis, post, button, helper)
    assert first.ephemeral and first.content == t("ar", "swaps.help.failed")
    second = await press(majlis, post, button, helper)
    thread = assert_one_complete_thread(majlis, board, amal, helper)
    assert second.content == t("ar", "swaps.help.opened", thread=f"<#{thread.id}>")
    third = await press(majlis, post, button, helper)
    assert third.content == t("ar", "swaps.help.existing", thread=f"<#{thread.id}>")
    assert_one_complete_thread(majlis, board, amal, helper)


@pytest.mark.parametrize("discord_acts", [True, False], ids=["reply_lost", "request_lost"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/channels/*/threads"),
        ("PUT", "/channels/*/thread-members/*"),
        ("POST", "/channels/*/messages"),
    ],
)
async def test_a_stop_mid_request_opens_no_second_thread_and_sends_no_second_intro(
    majlis, method, path, discord_acts
):
    board, amal, helper, request = await help_setup(majlis)
    post = board_post(majlis, board, request.id)
    button = f"majlis:swaps:help:{request.id}"

    async def press_handled():
        # What the button runs once its checks pass (a crash cancels it, as stopping the bot would).
        step = await store.record_help(majlis.bot.db, request, helper.id, majlis.clock.now())
        channel = majlis.bot.get_channel(board.id)
        await majlis.bot.get_cog("Swaps")._help_steps(request, channel, helper.id, step)

    await majlis.stop_mid_request(method, path, discord_acts=discord_acts, work=press_handled)
    await majlis.start()
    again = await press(majlis, post, button, helper)
    thread = assert_one_complete_thread(majlis, board, amal, helper)
    # The intro reached Discord before the stop: the press finds it and only points to the thread.
    done = discord_acts and path == "/channels/*/messages"
    key = "swaps.help.existing" if done else "swaps.help.opened"
    assert again.content == t("ar", key, thread=f"<#{thread.id}>")
