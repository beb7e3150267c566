"""Storage for experience sharing: drafts expire, posts are indexed, forget removes everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.share import ShareDraft
from bot.storage import share as store

NOW = datetime(2026, 3, 1, 10, tzinfo=UTC)
GUILD = 1


async def _post(db, user_id, thread_id, title, story, lesson="lesson", fields=("design",)):
    return await store.save_post(
        db,
        guild_id=GUILD,
        user_id=user_id,
        thread_id=thread_id,
        draft=ShareDraft(title, story, lesson),
        fields=list(fields),
        masked=False,
        now=NOW,
    )


async def test_a_draft_is_kept_for_a_day_then_gone(db):
    draft_id = await store.save_draft(db, GUILD, 7, ShareDraft("t", "s", "l", "design"), NOW)
    stored = await store.get_draft(db, draft_id, NOW + timedelta(hours=23))
    assert stored is not None and stored.draft == ShareDraft("t", "s", "l", "design") and stored.user_id == 7
    assert await store.get_draft(db, draft_id, NOW + timedelta(days=1, seconds=1)) is None
    assert await store.count_drafts(db, GUILD, 7) == 0  # deleted on access


async def test_editing_replaces_the_same_draft_and_only_the_author_can(db):
    draft_id = await store.save_draft(db, GUILD, 7, ShareDraft("t", "s", "l"), NOW)
    again = await store.save_draft(db, GUILD, 7, ShareDraft("t2", "s2", "l2"), NOW, draft_id)
    assert again == draft_id
    stored = await store.get_draft(db, draft_id, NOW)
    assert stored is not None and stored.draft.title == "t2"
    other = await store.save_draft(db, GUILD, 8, ShareDraft("x", "y", "z"), NOW, draft_id)
    assert other != draft_id
    stored = await store.get_draft(db, draft_id, NOW)
    assert stored is not None and stored.draft.title == "t2" and stored.user_id == 7


async def test_the_daily_purge_removes_only_expired_drafts(db):
    old = await store.save_draft(db, GUILD, 7, ShareDraft("old", "s", "l"), NOW - timedelta(days=2))
    fresh = await store.save_draft(db, GUILD, 7, ShareDraft("new", "s", "l"), NOW)
    assert await store.purge_expired_drafts(db, NOW) == 1
    assert await store.get_draft(db, old, NOW) is None
    assert await store.get_draft(db, fresh, NOW) is not None


async def test_a_draft_is_claimed_once(db):
    draft_id = await store.save_draft(db, GUILD, 7, ShareDraft("t", "s", "l"), NOW)
    assert await store.claim_draft(db, draft_id)
    assert not await store.claim_draft(db, draft_id)
    await store.release_draft(db, draft_id)
    assert await store.claim_draft(db, draft_id)


async def test_the_client_list_is_replaced_in_order(db):
    await store.set_client_names(db, GUILD, 7, ["Acme", "مؤسسة الأمل"], NOW)
    assert await store.get_client_names(db, GUILD, 7) == ["Acme", "مؤسسة الأمل"]
    await store.set_client_names(db, GUILD, 7, ["Globex"], NOW)
    assert await store.get_client_names(db, GUILD, 7) == ["Globex"]
    assert await store.get_client_names(db, GUILD, 8) == []


async def test_always_ignore_and_add_a_client_append_once_in_any_spelling_within_a_limit(db):
    assert await store.add_ignored_word(db, GUILD, 7, "@dataclass", NOW, limit=2) == "added"
    assert await store.add_ignored_word(db, GUILD, 7, "@DataClass", NOW, limit=2) == "present"
    assert await store.add_ignored_word(db, GUILD, 7, "مني", NOW, limit=2) == "added"
    assert await store.add_ignored_word(db, GUILD, 7, "third", NOW, limit=2) == "full"
    assert await store.get_ignored_words(db, GUILD, 7) == ["@dataclass", "مني"]
    assert await store.get_ignored_words(db, GUILD, 8) == []
    await store.set_client_names(db, GUILD, 7, ["مؤسسة الأمل"], NOW)
    assert await store.add_client_name(db, GUILD, 7, "مؤسسه الامل", NOW, limit=5) == "present"
    assert await store.add_client_name(db, GUILD, 7, "brightleaf", NOW, limit=5) == "added"
    assert await store.add_client_name(db, GUILD, 7, "other", NOW, limit=2) == "full"
    assert await store.get_client_names(db, GUILD, 7) == ["مؤسسة الأمل", "brightleaf"]
    await store.forget_member(db, GUILD, 7)
    assert await store.get_ignored_words(db, GUILD, 7) == []


async def test_dismissed_findings_belong_to_their_draft(db):
    first = await store.save_draft(db, GUILD, 7, ShareDraft("t", "s", "l"), NOW)
    second = await store.save_draft(db, GUILD, 7, ShareDraft("t", "s", "l"), NOW)
    await store.dismiss_in_draft(db, first, ["@dataclass"])
    await store.dismiss_in_draft(db, first, ["@dataclass", "main.py"])
    got = await store.get_draft(db, first, NOW)
    assert got is not None and got.dismissed == ("@dataclass", "main.py")
    other = await store.get_draft(db, second, NOW)
    assert other is not None and other.dismissed == ()


async def test_saving_a_post_indexes_it_and_drops_its_draft(db):
    draft_id = await store.save_draft(db, GUILD, 7, ShareDraft("t", "s", "l"), NOW)
    await store.save_post(
        db,
        guild_id=GUILD,
        user_id=7,
        thread_id=500,
        draft=ShareDraft("تسعير الشعارات", "قصة", "درس"),
        fields=["design"],
        masked=True,
        now=NOW,
        draft_id=draft_id,
    )
    assert await store.get_draft(db, draft_id, NOW) is None
    post = await store.get_post_by_thread(db, 500)
    assert post is not None and post.masked and post.field == "design" and post.tags == ("design",)
    page = await store.search(db, GUILD, "الشعارات")
    assert page.total == 1 and page.hits[0].thread_id == 500 and page.hits[0].user_id == 7


async def test_search_ranks_title_matches_first_and_pages(db):
    for i in range(7):
        await _post(db, 10 + i, 100 + i, f"story {i}", "we talked about contracts once")
    await _post(db, 20, 200, "Contracts that protect you", "a story")
    first = await store.search(db, GUILD, "contracts", limit=5)
    assert first.total == 8 and len(first.hits) == 5
    assert first.hits[0].thread_id == 200  # the title weighs more
    second = await store.search(db, GUILD, "contracts", limit=5, offset=5)
    assert len(second.hits) == 3
    assert not {h.thread_id for h in first.hits} & {h.thread_id for h in second.hits}


async def test_search_prefers_every_term_then_falls_back_to_any(db):
    await _post(db, 1, 1, "late payment", "the client paid late")
    await _post(db, 2, 2, "deposit", "always take a deposit")
    both = await store.search(db, GUILD, "late payment")
    assert [h.thread_id for h in both.hits] == [1]
    either = await store.search(db, GUILD, "deposit payment")
    assert {h.thread_id for h in either.hits} == {1, 2}


async def test_search_filters_by_field_and_guild(db):
    await _post(db, 1, 1, "pricing logos", "x", fields=["design"])
    await _post(db, 2, 2, "pricing code", "x", fields=["programming"])
    await store.save_post(
        db,
        guild_id=99,
        user_id=3,
        thread_id=3,
        draft=ShareDraft("pricing", "x", "y"),
        fields=[],
        masked=False,
        now=NOW,
    )
    assert {h.thread_id for h in (await store.search(db, GUILD, "pricing")).hits} == {1, 2}
    assert [h.thread_id for h in (await store.search(db, GUILD, "pricing", field="programming")).hits] == [2]


async def test_search_survives_fts_syntax_in_the_query(db):
    await _post(db, 1, 1, "pricing", "NOT a problem AND fine")
    for query in ('"', 'pricing"', "pricing*", "NOT", "AND OR", "(pricing", "title:pricing"):
        await store.search(db, GUILD, query)
    assert (await store.search(db, GUILD, "NOT")).total == 1


async def test_forget_removes_posts_drafts_clients_and_search_entries(db):
    await _post(db, 7, 1, "pricing mine", "x")
    await _post(db, 8, 2, "pricing theirs", "x")
    await store.save_draft(db, GUILD, 7, ShareDraft("t", "s", "l"), NOW)
    await store.set_client_names(db, GUILD, 7, ["Acme"], NOW)
    exported = await store.export_member(db, GUILD, 7)
    assert [p["title"] for p in exported["shared_posts"]] == ["pricing mine"]
    assert exported["client_names"] == ["Acme"] and len(exported["share_drafts"]) == 1
    await store.forget_member(db, GUILD, 7)
    assert [h.thread_id for h in (await store.search(db, GUILD, "pricing")).hits] == [2]
    assert await store.member_posts(db, GUILD, 7) == []
    assert await store.get_client_names(db, GUILD, 7) == []
    assert await store.count_drafts(db, GUILD, 7) == 0
    row = await db.fetchone("SELECT COUNT(*) AS n FROM search_fts")
    assert row["n"] == 1


async def test_deleting_member_rows_directly_also_clears_search(db):
    # /privacy forget may delete from every table with a user_id; the triggers keep FTS in step.
    await _post(db, 7, 1, "pricing mine", "x")
    await db.execute("DELETE FROM shared_posts WHERE guild_id = ? AND user_id = ?", (GUILD, 7))
    assert (await store.search(db, GUILD, "pricing")).total == 0
    row = await db.fetchone("SELECT COUNT(*) AS n FROM search_fts")
    assert row["n"] == 0


async def test_a_deleted_thread_leaves_search(db):
    await _post(db, 7, 1, "pricing", "x")
    await store.forget_thread(db, 1)
    assert (await store.search(db, GUILD, "pricing")).total == 0


async def test_posted_prompt_threads_are_indexed_and_dropped_when_gone(db):
    now = "2026-03-01T10:00:00+00:00"
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (GUILD, now))
    await db.execute(
        "INSERT INTO prompt_posts (id, guild_id, prompt_ref, text, thread_id, status, created_at)"
        " VALUES (1, ?, 'bank:1', 'كيف تسعّر مشروعك الأول؟', 900, 'posted', ?),"
        " (2, ?, 'bank:2', 'Not posted yet', NULL, 'posting', ?)",
        (GUILD, now, GUILD, now),
    )
    assert await store.sync_prompt_threads(db, GUILD, NOW) == 1
    assert await store.sync_prompt_threads(db, GUILD, NOW) == 0
    page = await store.search(db, GUILD, "تسعر")
    assert [(h.kind, h.thread_id) for h in page.hits] == [("prompt", 900)]
    await db.execute("DELETE FROM prompt_posts WHERE id = 1")
    await store.sync_prompt_threads(db, GUILD, NOW)
    assert (await store.search(db, GUILD, "تسعر")).total == 0


async def test_notices_for_admins(db):
    assert await store.get_notice(db, GUILD) is None
    await store.set_notice(db, GUILD, "share.notice.no_tag_permission", NOW)
    assert await store.get_notice(db, GUILD) == "share.notice.no_tag_permission"
    await store.clear_notice(db, GUILD)
    assert await store.get_notice(db, GUILD) is None
