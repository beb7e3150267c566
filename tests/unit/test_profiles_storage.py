"""Profile storage on a fresh SQLite file: partial updates, discovery, departed members."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.skills import default_catalogue
from bot.storage import guilds as guild_store
from bot.storage import intros as intro_store
from bot.storage import profiles as profile_store

GUILD = 10


async def test_only_the_given_values_change(db):
    await profile_store.save_profile(
        db,
        GUILD,
        1,
        field="design",
        timezone="Asia/Riyadh",
        languages=["ar"],
        about="hi",
        skills=["logo design", "branding"],
    )
    updated = await profile_store.save_profile(db, GUILD, 1, timezone="Africa/Cairo")
    assert updated.timezone == "Africa/Cairo"
    assert (updated.field, updated.languages, updated.about, updated.skills) == (
        "design",
        ("ar",),
        "hi",
        ("logo design", "branding"),
    )
    cleared = await profile_store.save_profile(db, GUILD, 1, about=None, skills=[])
    assert cleared.about is None and cleared.skills == () and cleared.field == "design"


async def test_an_overlong_about_or_too_many_skills_change_nothing(db):
    await profile_store.save_profile(db, GUILD, 1, about="short", skills=["seo"])
    with pytest.raises(ValueError):
        await profile_store.save_profile(db, GUILD, 1, about="x" * 301)
    with pytest.raises(ValueError):
        await profile_store.save_profile(db, GUILD, 1, field="design", skills=[f"s{i}" for i in range(16)])
    profile = await profile_store.get_profile(db, GUILD, 1)
    assert (profile.about, profile.skills, profile.field) == ("short", ("seo",), None)


async def test_find_lists_discoverable_members_who_have_not_left(db):
    for user in (1, 2, 3, 4):
        await profile_store.save_profile(
            db, GUILD, user, field="design" if user != 4 else "writing", skills=["logo design"]
        )
    for user in (1, 2, 4):
        await intro_store.join(db, GUILD, user, datetime(2026, 1, 1, tzinfo=UTC))  # intros make them findable
    await guild_store.mark_member_left(db, GUILD, 2, datetime(2026, 1, 1, tzinfo=UTC))

    by_skill = await profile_store.find_members(db, GUILD, skill_key="logo design", field=None)
    assert sorted(by_skill) == [1, 4]
    both = await profile_store.find_members(db, GUILD, skill_key="logo design", field="design")
    assert both == [1]
    await guild_store.mark_member_present(db, GUILD, 2)
    assert sorted(await profile_store.find_members(db, GUILD, skill_key=None, field="design")) == [1, 2]
    assert await profile_store.find_members(db, GUILD + 1, skill_key="logo design", field=None) == []


async def test_guild_skills_come_most_common_first(db):
    await profile_store.save_profile(db, GUILD, 1, skills=["seo", "python"])
    await profile_store.save_profile(db, GUILD, 2, skills=["python"])
    await profile_store.save_profile(db, GUILD + 1, 3, skills=["excel"])
    assert (await profile_store.guild_skills(db, GUILD)).keys == ("python", "seo")


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _typed_skills(round_number: int, count: int = 15) -> str:
    return "، ".join(f"مهارة خاصة رقم {round_number} {i}" for i in range(count))


async def _recount(db, guild_id):
    """What guild_skills must hold: every profile skill and every known member's request skills."""
    rows = await db.fetchall(
        "SELECT skill_key, COUNT(*) AS n FROM (SELECT guild_id, skill_key FROM member_skills"
        " UNION ALL SELECT guild_id, offer_key FROM swap_requests WHERE user_id > 0"
        " UNION ALL SELECT guild_id, want_key FROM swap_requests WHERE user_id > 0)"
        " WHERE guild_id = ? GROUP BY skill_key",
        (guild_id,),
    )
    return {r["skill_key"]: r["n"] for r in rows}


async def _uses(db, guild_id):
    rows = await db.fetchall("SELECT skill_key, uses FROM guild_skills WHERE guild_id = ?", (guild_id,))
    return {r["skill_key"]: r["uses"] for r in rows}


async def _labels(db, guild_id=None):
    rows = await db.fetchall(
        "SELECT skill_key, label FROM guild_skills WHERE label IS NOT NULL AND (? IS NULL OR guild_id = ?)",
        (guild_id, guild_id),
    )
    return {r["skill_key"]: r["label"] for r in rows}


async def _set_typed(db, guild_id, user_id, text):
    """What `/profile set skills:` stores: the keys, then the labels of the unshipped ones."""
    keys = default_catalogue().parse_list(text)
    await profile_store.save_profile(db, guild_id, user_id, skills=keys, now=NOW)
    await profile_store.remember_typed_skills(db, guild_id, text)


async def test_labels_are_kept_only_for_skills_in_use(db):
    for round_number in range(10):  # ten times fifteen unshipped skills, each replacing the last
        await _set_typed(db, GUILD, 1, _typed_skills(round_number))
    labels = await _labels(db)
    assert len(labels) == 15
    assert sorted(labels.values()) == sorted(_typed_skills(9).split("، "))
    profile = await profile_store.get_profile(db, GUILD, 1)
    assert [profile.skill_labels[k] for k in profile.skills] == _typed_skills(9).split("، ")


async def test_labels_belong_to_their_guild_and_the_first_typed_wins(db):
    await _set_typed(db, GUILD, 1, "كتابة الإعلانات")
    await _set_typed(db, GUILD, 2, "كتابه الاعلانات")  # the same skill, typed differently
    await _set_typed(db, GUILD + 1, 3, "كتابه الاعلانات")
    key = default_catalogue().canonical("كتابة الإعلانات")
    assert await _labels(db, GUILD) == {key: "كتابة الإعلانات"}
    assert await _labels(db, GUILD + 1) == {key: "كتابه الاعلانات"}
    await profile_store.save_profile(db, GUILD, 1, skills=[], now=NOW)
    assert await _labels(db, GUILD) == {key: "كتابة الإعلانات"}  # member 2 still uses it
    await profile_store.delete_profile(db, GUILD, 2)
    assert await _labels(db, GUILD) == {}  # nobody does: the label goes with the skill
    assert await _uses(db, GUILD) == {}


async def test_a_guild_keeps_at_most_so_many_labels(db, monkeypatch):
    monkeypatch.setattr(profile_store, "LABELS_PER_GUILD", 4)
    await _set_typed(db, GUILD, 1, _typed_skills(0, count=10))
    assert len(await _labels(db, GUILD)) == 4
    assert len(await _uses(db, GUILD)) == 10  # every skill is still offered in autocomplete


async def test_forget_and_guild_purge_take_the_labels_and_skills_with_them(db):
    from bot.storage import swaps as swap_store
    from bot.storage.maintenance import purge_removed_guilds
    from bot.storage.privacy import forget_member

    await _set_typed(db, GUILD, 1, "تنسيق حفلات الأعراس، logo design")
    await swap_store.open_request(
        db,
        GUILD,
        1,
        offer=default_catalogue().canonical("صناعة الصابون"),
        want="logo design",
        details=None,
        now=NOW,
    )
    await profile_store.remember_typed_skills(db, GUILD, "صناعة الصابون")
    await _set_typed(db, GUILD, 2, "logo design")
    assert len(await _labels(db, GUILD)) == 2
    assert await _uses(db, GUILD) == await _recount(db, GUILD)

    await forget_member(db, GUILD, 1, NOW)
    assert await _labels(db, GUILD) == {}
    assert await _uses(db, GUILD) == {"logo design": 1} == await _recount(db, GUILD)

    await _set_typed(db, GUILD + 1, 3, "تنسيق حفلات الأعراس")
    await guild_store.mark_guild_removed(db, GUILD + 1, datetime(2025, 1, 1, tzinfo=UTC))
    assert await purge_removed_guilds(db, NOW) == [GUILD + 1]
    assert await db.fetchall("SELECT * FROM guild_skills WHERE guild_id = ?", (GUILD + 1,)) == []


async def test_the_guild_skill_counts_follow_every_write(db):
    from bot.storage import swaps as swap_store

    rng = random.Random(4)
    pool = ["seo", "python", "logo design", "صناعة الصابون", "excel", "تنسيق حفلات"]
    open_ids = []
    for step in range(200):
        user = rng.randint(1, 8)
        action = rng.random()
        if action < 0.5:
            await profile_store.save_profile(
                db, GUILD, user, skills=rng.sample(pool, rng.randint(0, 4)), now=NOW
            )
        elif action < 0.7:
            await profile_store.delete_profile(db, GUILD, user)
        elif action < 0.9:
            offer, want = rng.sample(pool, 2)
            try:
                request = await swap_store.open_request(
                    db, GUILD, user, offer=offer, want=want, details=None, now=NOW
                )
            except swap_store.SwapRefused:
                continue
            open_ids.append(request.id)
        elif open_ids:
            await db.execute(
                "DELETE FROM swap_requests WHERE id = ?", (open_ids.pop(rng.randrange(len(open_ids))),)
            )
        assert await _uses(db, GUILD) == await _recount(db, GUILD), f"after step {step}"


async def test_the_migration_moves_labels_to_the_guilds_that_use_them(tmp_path):
    import sqlite3

    from bot.storage import Database, _split_sql, migrations

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a database as the previous release left it
        for number, migration in migrations():
            if number >= 11:
                break
            for statement in _split_sql(migration.read_text(encoding="utf-8")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")
        conn.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (1, '2026-01-01T00:00:00+00:00')")
        conn.execute(
            "INSERT INTO profiles (guild_id, user_id, created_at, updated_at) VALUES (1, 5, 'x', 'x')"
        )
        conn.execute("INSERT INTO member_skills VALUES (1, 5, 'تنسيق حفلات', 0)")
        conn.executemany(
            "INSERT INTO skill_labels VALUES (?, ?, 'x')",
            [("تنسيق حفلات", "تنسيق حفلات"), ("نسيه الجميع", "نسيه الجميع")],
        )
    db = Database(path)
    await db.open()
    try:
        assert await _labels(db) == {"تنسيق حفلات": "تنسيق حفلات"}  # the unused label is gone
        assert await _uses(db, 1) == {"تنسيق حفلات": 1}
        assert await db.fetchone("SELECT 1 FROM sqlite_master WHERE name = 'skill_labels'") is None
    finally:
        await db.close()


async def test_the_guild_skill_list_is_read_again_only_after_a_change(db):
    await profile_store.save_profile(db, GUILD, 1, skills=["seo", "python"])
    first = await profile_store.guild_skills(db, GUILD)
    assert await profile_store.guild_skills(db, GUILD) is first  # kept in memory: no re-read
    await profile_store.save_profile(db, GUILD + 1, 2, skills=["excel"])
    assert await profile_store.guild_skills(db, GUILD) is first  # another guild's change
    await profile_store.save_profile(db, GUILD, 2, skills=["python", "excel"])
    assert (await profile_store.guild_skills(db, GUILD)).keys == ("python", "excel", "seo")
    await profile_store.delete_profile(db, GUILD, 1)  # through the foreign key's cascade
    assert (await profile_store.guild_skills(db, GUILD)).keys == ("excel", "python")
