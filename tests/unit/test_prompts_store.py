"""The prompts store: suggestions, exactly-once posts, the rotation fed from history, digest counts."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.prompts import next_prompt
from bot.storage import guilds as guild_store
from bot.storage import prompts as store
from bot.storage import to_db_time
from bot.storage.prompts import suggestion_ref

GUILD = 1
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db(db):
    """The shared fresh database, with this file's guild in it."""
    await guild_store.ensure_guild(db, GUILD)
    return db


async def suggest(db, user_id, text, *, origin="member", when=NOW):
    return await store.add_suggestion(db, GUILD, user_id, text, text.casefold(), "en", when, origin=origin)


async def test_a_member_suggestion_waits_and_an_admin_prompt_is_approved_at_once(db):
    member_id = await suggest(db, 7, "How do you say no?")
    admin_id = await suggest(db, 9, "What tool saved you most time?", origin="admin")
    assert [s.id for s in await store.pending_suggestions(db, GUILD)] == [member_id]
    approved = await store.approved_in_order(db, GUILD)
    assert [(s.id, s.credited) for s in approved] == [(admin_id, False)]
    assert await store.count_pending_by(db, GUILD, 7) == 1
    assert await store.count_pending_by(db, GUILD, 9) == 0


async def test_the_same_pending_text_cannot_be_stored_twice(db):
    assert await suggest(db, 7, "How do you say no?") is not None
    assert await suggest(db, 8, "How do you say no?") is None
    assert len(await store.pending_suggestions(db, GUILD)) == 1
    duplicate = await store.find_waiting_duplicate(db, GUILD, "how do you say no?")
    assert duplicate is not None and duplicate.author_user_id == 7


async def test_an_approved_text_counts_as_waiting_until_it_is_posted(db):
    sid = await suggest(db, 7, "How do you say no?")
    assert await store.decide_suggestion(db, GUILD, sid, approve=True, by_user_id=1, now=NOW)
    assert await store.find_waiting_duplicate(db, GUILD, "how do you say no?") is not None
    await store.claim_post(
        db, GUILD, NOW, NOW, prompt_ref=suggestion_ref(sid), text="x", language="en", suggestion_id=sid
    )
    assert await store.find_waiting_duplicate(db, GUILD, "how do you say no?") is None
    assert await store.count_approved_waiting(db, GUILD) == 0


async def test_a_suggestion_is_decided_once(db):
    sid = await suggest(db, 7, "How do you say no?")
    assert await store.decide_suggestion(db, GUILD, sid, approve=False, by_user_id=1, now=NOW)
    assert not await store.decide_suggestion(db, GUILD, sid, approve=True, by_user_id=1, now=NOW)
    suggestion = await store.get_suggestion(db, GUILD, sid)
    assert suggestion is not None and suggestion.status == "rejected"
    assert await store.approved_in_order(db, GUILD) == []


async def test_an_occurrence_is_claimed_exactly_once(db):
    first = await store.claim_post(
        db, GUILD, NOW, NOW, prompt_ref="tools-01", text="Which tool?", language="en"
    )
    again = await store.claim_post(db, GUILD, NOW, NOW, prompt_ref="tools-02", text="Other?", language="en")
    assert first is not None and first.status == "posting" and again is None
    assert await store.used_prompt_refs(db, GUILD) == ["tools-01"]
    # Runs asked for by hand have no occurrence and never collide.
    assert await store.claim_post(db, GUILD, None, NOW, prompt_ref="tools-02", text="b", language="en")
    assert await store.claim_post(db, GUILD, None, NOW, prompt_ref="tools-03", text="c", language="en")
    assert len(await store.used_prompt_refs(db, GUILD)) == 3


async def test_a_post_is_unfinished_until_its_thread_is_recorded(db):
    post = await store.claim_post(
        db, GUILD, NOW, NOW, prompt_ref="tools-01", text="Which tool?", language="en"
    )
    assert post is not None
    await store.start_attempt(db, post.id, 50, NOW)
    await store.record_message(db, post.id, 50, 500, NOW)
    [unfinished] = await store.unfinished_posts(db, GUILD)
    assert unfinished.message_id == 500 and unfinished.thread_id is None and not unfinished.complete
    await store.record_thread(db, post.id, 500)
    assert await store.unfinished_posts(db, GUILD) == []
    done = await store.get_post(db, post.id)
    assert done is not None and done.complete and done.attempts == 1
    assert await store.count_posts(db, GUILD) == 1


async def test_a_failed_post_is_carried_to_the_next_occurrence_keeping_its_prompt(db):
    post = await store.claim_post(
        db, GUILD, NOW, NOW, prompt_ref="tools-01", text="Which tool?", language="en"
    )
    assert post is not None
    await store.record_post_failure(db, post.id, "forbidden")
    [failed] = await store.unfinished_posts(db, GUILD)
    assert failed.status == "failed" and failed.error == "forbidden"
    later = NOW + timedelta(days=7)
    carried = await store.carry_post(db, post.id, later)
    assert carried is not None and carried.prompt_ref == "tools-01" and carried.scheduled_for == later
    assert await store.post_for_occurrence(db, GUILD, NOW) is None
    assert await store.used_prompt_refs(db, GUILD) == ["tools-01"]


async def test_rotation_from_the_store_puts_approved_suggestions_first_and_never_repeats_the_bank(db):
    bank = [f"tools-{n:02d}" for n in range(1, 6)]
    first = await suggest(db, 7, "First member prompt", when=NOW)
    second = await suggest(db, 8, "Second member prompt", when=NOW)
    # Approval order, not suggestion order, decides which goes first.
    await store.decide_suggestion(db, GUILD, second, approve=True, by_user_id=1, now=NOW)
    await store.decide_suggestion(
        db, GUILD, first, approve=True, by_user_id=1, now=NOW + timedelta(minutes=1)
    )
    posted = []
    for week in range(len(bank) + 2):
        approved = [suggestion_ref(s.id) for s in await store.approved_in_order(db, GUILD)]
        choice = next_prompt(bank, await store.used_prompt_refs(db, GUILD), approved, seed=GUILD)
        when = NOW + timedelta(weeks=week)
        assert await store.claim_post(
            db, GUILD, when, when, prompt_ref=choice.prompt_id, text="t", language="en"
        )
        posted.append(choice.prompt_id)
    assert posted[:2] == [suggestion_ref(second), suggestion_ref(first)]
    assert sorted(posted[2:]) == bank


async def test_answers_are_counted_for_prompts_posted_since(db):
    old = await store.claim_post(db, GUILD, NOW, NOW, prompt_ref="a", text="a", language="en")
    new = await store.claim_post(
        db, GUILD, NOW + timedelta(weeks=1), NOW, prompt_ref="b", text="b", language="en"
    )
    assert old is not None and new is not None
    await store.record_message(db, old.id, 5, 51, NOW)
    await store.record_message(db, new.id, 5, 52, NOW + timedelta(weeks=1))
    await store.record_answer_count(db, old.id, 4)
    await store.record_answer_count(db, new.id, 3)
    assert await store.count_prompts_answered(db, GUILD, NOW) == 7
    assert await store.count_prompts_answered(db, GUILD, NOW + timedelta(days=1)) == 3
    assert await store.count_prompts_answered(db, 999, NOW) == 0


async def test_a_digested_post_is_not_digested_again(db):
    post = await store.claim_post(db, GUILD, NOW, NOW, prompt_ref="a", text="a", language="en")
    assert post is not None
    await store.record_message(db, post.id, 5, 51, NOW)
    await store.record_thread(db, post.id, 51)
    assert await store.latest_undigested_post(db, GUILD, NOW - timedelta(hours=1)) is None
    found = await store.latest_undigested_post(db, GUILD, NOW + timedelta(days=6))
    assert found is not None and found.id == post.id
    digest = await store.claim_digest(db, GUILD, NOW + timedelta(days=6), NOW)
    assert digest is not None
    # A failed digest leaves the post to the next one; a posted one covers it.
    await store.finish_digest(db, digest.id, status="failed", error="forbidden")
    assert await store.latest_undigested_post(db, GUILD, NOW + timedelta(days=6)) is not None
    await store.finish_digest(db, digest.id, status="posted", prompt_post_id=post.id, message_id=9, now=NOW)
    assert await store.latest_undigested_post(db, GUILD, NOW + timedelta(days=6)) is None
    same = await store.claim_digest(db, GUILD, NOW + timedelta(days=6), NOW)
    assert same is not None and same.id == digest.id and same.status == "posted"


async def test_shared_threads_are_read_from_the_week_only(db):
    for thread_id, title, when in (
        (11, "Inside", NOW - timedelta(days=2)),
        (12, "Too old", NOW - timedelta(days=9)),
    ):
        await db.execute(
            "INSERT INTO shared_posts (guild_id, user_id, thread_id, title, story, lesson, created_at)"
            " VALUES (?, 7, ?, ?, 's', 'l', ?)",
            (GUILD, thread_id, title, to_db_time(when)),
        )
    assert await store.shared_threads_between(db, GUILD, NOW - timedelta(days=7), NOW) == [(11, "Inside")]
