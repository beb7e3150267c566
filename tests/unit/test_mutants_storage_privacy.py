"""Forget and export in the store: cases that kill mutants test_privacy_store.py lets live (`make mutate`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bot.storage import privacy as privacy_store
from bot.storage import to_db_time

# The fixture of the behaviour tests: Alice in every member-data table, Badr and Cyrine beside her.
_spec = importlib.util.spec_from_file_location(
    "privacy_store_cases", Path(__file__).with_name("test_privacy_store.py")
)
assert _spec is not None and _spec.loader is not None
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)
G, ALICE, BADR, CYRINE, NOW = cases.G, cases.ALICE, cases.BADR, cases.CYRINE, cases.NOW


async def test_the_export_says_when_where_and_whom_it_is_about(db):
    await cases.populate(db)
    export = await privacy_store.export_member(db, G, ALICE, NOW, lambda uid: {ALICE: "Alice"}.get(uid))
    assert export["exported_at"] == to_db_time(NOW) == "2026-03-02T09:00:00+00:00"
    assert export["guild_id"] == G
    assert export["member"] == {"user_id": ALICE, "name": "Alice"}


async def test_a_member_without_a_profile_or_intro_choices_exports_empty_sections(db):
    await cases.populate(db)
    export = await privacy_store.export_member(db, G, 4242, NOW)
    assert export["profile"] is None
    assert export["intros"]["avoid"] == [] and export["intros"]["meet_again"] == []
    assert export["intros"]["history"] == []


async def test_a_forgotten_partner_shows_in_others_exports_as_nobody(db):
    await cases.populate(db)
    await privacy_store.forget_member(db, G, ALICE, NOW)
    export = await privacy_store.export_member(db, G, BADR, NOW, lambda uid: f"name {uid}")
    partners = [p for entry in export["intros"]["history"] for p in entry["partners"]]
    assert partners == [{"user_id": None, "name": None}]


async def test_forget_closes_her_requests_and_cancels_her_proposals_at_that_moment(db):
    await cases.populate(db)
    await privacy_store.forget_member(db, G, ALICE, NOW)
    mine = await db.fetchone("SELECT status, finished_at FROM swap_requests WHERE id = 30")
    assert (mine["status"], mine["finished_at"]) == ("closed", to_db_time(NOW))
    proposal = await db.fetchone("SELECT status, decided_at FROM swap_matches WHERE id = 40")
    assert (proposal["status"], proposal["decided_at"]) == ("cancelled", to_db_time(NOW))


def test_tombstones_are_negative_ids_below_zero_whatever_the_draw(monkeypatch):
    draws = iter([0, 2**62 - 1])
    bounds = []

    def randbelow(n):
        bounds.append(n)
        return next(draws)

    monkeypatch.setattr(privacy_store.secrets, "randbelow", randbelow)
    assert privacy_store.new_tombstone() == -1
    assert privacy_store.new_tombstone() == -(2**62)
    assert bounds == [2**62, 2**62]


async def test_forget_closes_every_one_of_her_open_requests_and_lists_the_posts_to_withdraw(db):
    await cases.populate(db)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO swap_requests (id, guild_id, user_id, offer_key, want_key, status, created_at,"
            " expires_at, board_channel_id, board_message_id) VALUES (33, ?, ?, 'seo', 'video', 'open', ?, ?,"
            " 900, 903)",
            (G, ALICE, cases.T, cases.LATER),
        )
        await conn.execute(
            "INSERT INTO swap_requests (id, guild_id, user_id, offer_key, want_key, status, created_at,"
            " expires_at) VALUES (34, ?, ?, 'copy', 'video', 'open', ?, ?)",
            (G, ALICE, cases.T, cases.LATER),
        )
        await conn.execute(  # its post was never recorded: a channel but no message
            "INSERT INTO swap_requests (id, guild_id, user_id, offer_key, want_key, status, created_at,"
            " expires_at, board_channel_id) VALUES (35, ?, ?, 'video', 'copy', 'open', ?, ?, 900)",
            (G, ALICE, cases.T, cases.LATER),
        )
    forgotten = await privacy_store.forget_member(db, G, ALICE, NOW)
    rows = await db.fetchall("SELECT id, status FROM swap_requests WHERE id IN (30, 33, 34, 35) ORDER BY id")
    assert [tuple(r) for r in rows] == [(30, "closed"), (33, "closed"), (34, "closed"), (35, "closed")]
    # A request without a recorded board message has no post to withdraw.
    assert forgotten.withdrawn_posts == (
        privacy_store.BoardPost(30, 900, 901),
        privacy_store.BoardPost(33, 900, 903),
    )


async def test_forget_counts_exactly_the_rows_it_deleted(db):
    await cases.populate(db)
    tables = await privacy_store.member_data_tables(db)

    async def total():
        counts = [await db.fetchone(f"SELECT COUNT(*) AS n FROM {table}") for table in tables]
        return sum(row["n"] for row in counts)

    before = await total()
    forgotten = await privacy_store.forget_member(db, G, ALICE, NOW)
    assert forgotten.rows_deleted == before - await total() > 0
