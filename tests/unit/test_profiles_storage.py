"""Profile storage on a fresh SQLite file: partial updates, discovery, departed members."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

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
    assert await profile_store.guild_skill_keys(db, GUILD) == ["python", "seo"]
