"""End to end: a shared post whose second message fails is finished in the same thread, never posted twice."""

from __future__ import annotations

from bot.i18n import t
from bot.storage import share as share_store
from tests.e2e.test_share_e2e import draft_button, posts_in, setup_forum, submit


async def test_a_failed_second_message_is_resumed_in_the_same_thread(majlis):
    salma = majlis.member("salma")
    forum = await setup_forum(majlis)
    majlis.fake.inject_error("POST", "/channels/*/messages", status=503, count=1)
    reply = await submit(majlis, salma, story="a" + "#" * 1400)  # valid, needs two messages
    assert reply.content.startswith(t("ar", "share.post_failed"))
    (thread,) = posts_in(majlis, forum)
    assert len(majlis.fake.messages(thread)) == 1  # the forum post itself went up
    retried = await majlis.fake.click(reply.message, draft_button(reply.message, "mask"), user=salma)
    await retried.wait_done()
    posted = t("ar", "share.posted", link="").strip()
    await majlis.fake.wait_for(lambda: posted in reply.message.content)
    (same,) = posts_in(majlis, forum)
    assert same.id == thread.id
    messages = majlis.fake.messages(thread)
    assert len(messages) == 2 and f"<@{salma.id}>" in messages[-1].content
    post = await share_store.get_post_by_thread(majlis.bot.db, thread.id)
    assert post is not None and post.user_id == salma.id
