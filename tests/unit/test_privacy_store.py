"""`/privacy export` and `/privacy forget` in the store: every member-data table, one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.share import ShareDraft
from bot.storage import Database
from bot.storage import intros as intros_store
from bot.storage import privacy as privacy_store
from bot.storage import share as share_store
from bot.storage import swaps as swaps_store

G = 500
ALICE, BADR, CYRINE = 1001, 1002, 1003
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
T = "2026-03-01T09:00:00+00:00"
LATER = "2026-04-01T09:00:00+00:00"


async def populate(db: Database) -> None:
    """Put Alice (and the partners her history involves) in every member-data table."""
    rows = [
        ("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (G, T)),
        ("INSERT INTO members (guild_id, user_id, language) VALUES (?, ?, 'en')", (G, ALICE)),
        (
            "INSERT INTO profiles (guild_id, user_id, field, about, created_at, updated_at) VALUES (?, ?, 'design', "
            "'Logos and brands', ?, ?)",
            (G, ALICE, T, T),
        ),
        (
            "INSERT INTO member_skills (guild_id, user_id, skill_key, position) VALUES (?, ?, 'logo-design', 0)",
            (G, ALICE),
        ),
        *[
            ("INSERT INTO intro_members (guild_id, user_id, joined_at) VALUES (?, ?, ?)", (G, u, T))
            for u in (ALICE, BADR, CYRINE)
        ],
        (
            "INSERT INTO intro_avoids (guild_id, user_id, avoided_user_id, created_at) VALUES (?, ?, ?, ?)",
            (G, ALICE, CYRINE, T),
        ),
        # Badr privately avoids Alice: erased with her, never shown to her.
        (
            "INSERT INTO intro_avoids (guild_id, user_id, avoided_user_id, created_at) VALUES (?, ?, ?, ?)",
            (G, BADR, ALICE, T),
        ),
        (
            "INSERT INTO intro_again (guild_id, user_id, again_user_id, created_at) VALUES (?, ?, ?, ?)",
            (G, ALICE, BADR, T),
        ),
        (
            "INSERT INTO intro_rounds (round_id, guild_id, scheduled_for, created_at, seed, group_size, match_mode,"
            " delivery, language, checkin_at) VALUES (1, ?, ?, ?, 7, 2, 'mixed', 'thread', 'ar', ?)",
            (G, T, T, LATER),
        ),
        (
            "INSERT INTO intro_groups (group_id, round_id, guild_id, position, state, thread_id) "
            "VALUES (10, 1, ?, 0, 'posted', 7000)",
            (G,),
        ),
        (
            "INSERT INTO intro_group_members (group_id, guild_id, user_id, answer) VALUES (10, ?, ?, 'met')",
            (G, ALICE),
        ),
        (
            "INSERT INTO intro_group_members (group_id, guild_id, user_id, answer) VALUES (10, ?, ?, NULL)",
            (G, BADR),
        ),
        (
            "INSERT INTO intro_unmatched (round_id, guild_id, user_id, reason) VALUES (1, ?, ?, 'odd_one_out')",
            (G, ALICE),
        ),
        (
            "INSERT INTO prompt_suggestions (id, guild_id, author_user_id, text, text_key, status, created_at) "
            "VALUES (20, ?, ?, 'How do you price?', 'how do you price', 'approved', ?)",
            (G, ALICE, T),
        ),
        (
            "INSERT INTO prompt_posts (guild_id, scheduled_for, prompt_ref, suggestion_id, credited_user_id, text,"
            " status, created_at) VALUES (?, ?, 's:20', 20, ?, 'How do you price?', 'posted', ?)",
            (G, T, ALICE, T),
        ),
        (
            "INSERT INTO client_names (guild_id, user_id, position, name) VALUES (?, ?, 0, 'Acme Foods')",
            (G, ALICE),
        ),
        (
            "INSERT INTO ignored_words (guild_id, user_id, position, word) VALUES (?, ?, 0, '@dataclass')",
            (G, ALICE),
        ),
        (
            "INSERT INTO share_drafts (guild_id, user_id, title, story, lesson, created_at, expires_at) "
            "VALUES (?, ?, 'Draft', 'Story', 'Lesson', ?, ?)",
            (G, ALICE, T, LATER),
        ),
        (
            "INSERT INTO swap_requests (id, guild_id, user_id, offer_key, want_key, status, created_at, expires_at,"
            " board_channel_id, board_message_id, match_id) VALUES (30, ?, ?, 'logo-design', 'copywriting', 'matched',"
            " ?, ?, 900, 901, 40)",
            (G, ALICE, T, LATER),
        ),
        (
            "INSERT INTO swap_requests (id, guild_id, user_id, offer_key, want_key, status, created_at, expires_at,"
            " board_channel_id, board_message_id, match_id) VALUES (31, ?, ?, 'copywriting', 'logo-design', 'matched',"
            " ?, ?, 900, 902, 40)",
            (G, BADR, T, LATER),
        ),
        # A request of Cyrine's that Alice helped with and was thanked for.
        (
            "INSERT INTO swap_requests (id, guild_id, user_id, offer_key, want_key, status, created_at, expires_at,"
            " helper_user_id) VALUES (32, ?, ?, 'seo', 'branding', 'done', ?, ?, ?)",
            (G, CYRINE, T, LATER, ALICE),
        ),
        (
            "INSERT INTO swap_helps (request_id, guild_id, helper_user_id, created_at) VALUES (32, ?, ?, ?)",
            (G, ALICE, T),
        ),
        (
            "INSERT INTO swap_matches (id, guild_id, kind, request_set, status, created_at) "
            "VALUES (40, ?, 'direct', '30,31', 'matched', ?)",
            (G, T),
        ),
        (
            "INSERT INTO swap_match_members (match_id, guild_id, position, request_id, user_id)"
            " VALUES (40, ?, 0, 30, ?)",
            (G, ALICE),
        ),
        (
            "INSERT INTO swap_match_members (match_id, guild_id, position, request_id, user_id)"
            " VALUES (40, ?, 1, 31, ?)",
            (G, BADR),
        ),
        (
            "INSERT INTO swap_thanks (guild_id, request_id, from_user_id, to_user_id, note, created_at) "
            "VALUES (?, 32, ?, ?, 'Great help', ?)",
            (G, CYRINE, ALICE, T),
        ),
        (
            "INSERT INTO swap_thanks (guild_id, request_id, from_user_id, to_user_id, note, created_at) "
            "VALUES (?, 32, ?, ?, 'Thanks back', ?)",
            (G, ALICE, CYRINE, T),
        ),
    ]
    async with db.transaction() as conn:
        for sql, params in rows:
            await conn.execute(sql, params)
    draft = ShareDraft(title="Late invoice", story="A client paid late", lesson="Ask for a deposit")
    await share_store.save_post(
        db, guild_id=G, user_id=ALICE, thread_id=8000, draft=draft, fields=["design"], masked=False, now=NOW
    )


async def test_every_member_data_table_is_found_in_the_schema_and_exported(db):
    await populate(db)
    tables = await privacy_store.member_data_tables(db)
    # Derived from the schema: a table a migration adds shows up here without anyone listing it.
    assert {"profiles", "intro_group_members", "prompt_suggestions", "client_names", "swap_thanks"} <= set(
        tables
    )
    assert "guild_features" not in tables and "search_fts" not in tables
    export = await privacy_store.export_member(db, G, ALICE, NOW, lambda uid: {BADR: "Badr"}.get(uid))
    assert export["schema_version"] == privacy_store.EXPORT_SCHEMA_VERSION
    assert set(export["tables"]) == set(tables)
    empty = [table for table in tables if not export["tables"][table]]
    # The fixture puts Alice in every member-data table: a new table must be added to it (and so checked).
    assert empty == [], f"no exported rows for {empty}: add rows to populate() and check the export"
    json.dumps(export, ensure_ascii=False)


async def test_the_export_is_readable_and_hides_what_others_privately_said_about_her(db):
    await populate(db)
    export = await privacy_store.export_member(db, G, ALICE, NOW, lambda uid: {BADR: "Badr"}.get(uid))
    assert export["profile"]["about"] == "Logos and brands" and list(export["profile"]["skills"]) == [
        "logo-design"
    ]
    [round_] = export["intros"]["history"]
    assert round_["answer"] == "met" and round_["partners"] == [{"user_id": BADR, "name": "Badr"}]
    assert export["intros"]["avoid"] == [{"user_id": CYRINE, "name": None}]
    assert export["intros"]["meet_again"] == [{"user_id": BADR, "name": "Badr"}]
    assert export["share"]["client_names"] == ["Acme Foods"]
    assert export["share"]["ignored_words"] == ["@dataclass"]
    assert [p["title"] for p in export["share"]["shared_posts"]] == ["Late invoice"]
    # Badr's avoid row names Alice, but it is his private choice.
    assert all(row["user_id"] == ALICE for row in export["tables"]["intro_avoids"])
    assert {r["id"] for r in export["tables"]["swap_requests"]} == {30, 32}


async def test_forget_leaves_nothing_that_names_her_and_keeps_partners_history(db):
    await populate(db)
    badr_met = await intros_store.peers_met(db, G, BADR)
    cyrine_rep = await swaps_store.reputations(db, G, [CYRINE])
    assert badr_met == 1 and cyrine_rep == {CYRINE: 1}

    forgotten = await privacy_store.forget_member(db, G, ALICE, NOW)

    assert await privacy_store.rows_about(db, G, ALICE) == {}
    assert await intros_store.peers_met(db, G, BADR) == badr_met
    assert await swaps_store.reputations(db, G, [CYRINE]) == cyrine_rep
    tombstones = await db.fetchall(
        "SELECT user_id FROM intro_group_members WHERE group_id = 10 AND user_id != ?", (BADR,)
    )
    assert len(tombstones) == 1 and tombstones[0]["user_id"] < 0
    # What she wrote is gone even where the row stays for others.
    thanks = await db.fetchall("SELECT note FROM swap_thanks WHERE to_user_id = ?", (CYRINE,))
    assert [r["note"] for r in thanks] == [None]
    mine = await db.fetchone("SELECT status, details FROM swap_requests WHERE id = 30")
    assert mine["status"] == "closed" and mine["details"] is None
    # The matched swap fell through: Badr's request is back on the board, the proposal cancelled.
    badr_request = await swaps_store.get_request(db, 31)
    assert badr_request is not None and badr_request.status == "open" and badr_request.user_id == BADR
    assert forgotten.reopened_request_ids == (31,) and forgotten.cancelled_match_ids == (40,)
    assert forgotten.withdrawn_posts == (privacy_store.BoardPost(30, 900, 901),)
    # Out of search, rounds and profiles; the guild's prompt post stays, uncredited.
    assert (await share_store.search(db, G, "deposit")).hits == []
    assert [m.user_id for m in await intros_store.list_members(db, G)] == [BADR, CYRINE]
    post = await db.fetchone("SELECT credited_user_id, suggestion_id, text FROM prompt_posts")
    assert tuple(post) == (None, None, "How do you price?")
    # Others keep their own rows.
    assert await db.fetchone("SELECT 1 FROM intro_avoids WHERE user_id = ?", (BADR,)) is None  # it named her
    assert await privacy_store.rows_about(db, G, BADR) != {}


async def test_forget_is_one_transaction_a_failure_changes_nothing(db, monkeypatch):
    await populate(db)
    before = await privacy_store.rows_about(db, G, ALICE)

    async def broken(*_args):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(privacy_store, "_close_requests", broken)
    with pytest.raises(RuntimeError):
        await privacy_store.forget_member(db, G, ALICE, NOW)
    assert await privacy_store.rows_about(db, G, ALICE) == before


async def test_forget_touches_only_that_guild(db):
    await populate(db)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (G + 1, T))
        await conn.execute(
            "INSERT INTO client_names (guild_id, user_id, position, name) VALUES (?, ?, 0, 'X')",
            (G + 1, ALICE),
        )
    await privacy_store.forget_member(db, G, ALICE, NOW)
    assert await privacy_store.rows_about(db, G + 1, ALICE) == {"client_names": 1}


def test_user_columns_follow_the_naming_rule():
    assert privacy_store.is_user_column("user_id") and privacy_store.is_user_column("helper_user_id")
    assert privacy_store.is_user_column("member_id") and not privacy_store.is_user_column("guild_id")
    assert not privacy_store.is_user_column("user_ids_json")


async def test_forgotten_words_are_gone_from_the_database_file_after_a_checkpoint(tmp_path):
    """Deleted text is overwritten (secure_delete) and the index forgets the post's tokens itself."""
    path = tmp_path / "disk.db"
    db = Database(path)
    await db.open()
    word, other = "Quokkaplexity", "Wombatfluence"
    try:
        for number, (user, text) in enumerate([(ALICE, word), (BADR, other)]):
            await share_store.save_post(
                db,
                guild_id=G,
                user_id=user,
                thread_id=7000 + number,
                draft=ShareDraft(f"About {text}", f"The {text} story.", f"Learn {text}."),
                fields=["design"],
                masked=False,
                now=NOW,
            )
        for _ in range(30):  # many small index segments, as weeks of posts leave
            await share_store.save_post(
                db,
                guild_id=G,
                user_id=CYRINE,
                thread_id=8000 + _,
                draft=ShareDraft("Filler", "Some other story.", "Another lesson."),
                fields=["design"],
                masked=False,
                now=NOW,
            )
        assert (await db.fetchone("PRAGMA secure_delete"))[0] == 1
        await privacy_store.forget_member(db, G, ALICE, NOW)
        assert (await share_store.search(db, G, other)).hits  # the others' posts are still found
        await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await db.close()
    raw = path.read_bytes()
    assert other.lower().encode() in raw  # the check can see words that are there
    assert word.encode() not in raw and word.lower().encode() not in raw
