"""Profiles and skills: the data every other feature matches on."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from bot.profiles import ABOUT_MAX, SKILLS_MAX, Profile
from bot.skills import default_catalogue
from bot.storage import Database, to_db_time, utcnow

_UNSET = object()

# Findable by peers: taking part in intros, or a swap request going. Derived, never stored, so it
# cannot drift when a member leaves intros, a swap ends or expires, or a partner's match completes.
_DISCOVERABLE = (
    "(EXISTS (SELECT 1 FROM intro_members i WHERE i.guild_id = p.guild_id AND i.user_id = p.user_id"
    " AND i.opted_in = 1)"
    " OR EXISTS (SELECT 1 FROM swap_requests r WHERE r.guild_id = p.guild_id AND r.user_id = p.user_id"
    " AND r.status IN ('open', 'matched')))"
)


async def get_profile(db: Database, guild_id: int, user_id: int) -> Profile | None:
    """Return a member's profile with skills, or None."""
    row = await db.fetchone(
        f"SELECT field, timezone, languages, about, {_DISCOVERABLE} AS discoverable FROM profiles p "
        "WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    if row is None:
        return None
    skills = await db.fetchall(
        "SELECT s.skill_key, g.label FROM member_skills s LEFT JOIN guild_skills g"
        " ON g.guild_id = s.guild_id AND g.skill_key = s.skill_key"
        " WHERE s.guild_id = ? AND s.user_id = ? ORDER BY s.position",
        (guild_id, user_id),
    )
    return Profile(
        guild_id=guild_id,
        user_id=user_id,
        field=row["field"],
        timezone=row["timezone"],
        languages=tuple(json.loads(row["languages"])),
        about=row["about"],
        skills=tuple(r["skill_key"] for r in skills),
        discoverable=bool(row["discoverable"]),
        skill_labels={r["skill_key"]: r["label"] for r in skills if r["label"]},
    )


async def get_profiles(db: Database, guild_id: int, user_ids: Iterable[int]) -> dict[int, Profile]:
    """Return many profiles at once (for rounds), keyed by user id."""
    ids = list(user_ids)
    found: dict[int, Profile] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT user_id, field, timezone, languages, about, {_DISCOVERABLE} AS discoverable "
            "FROM profiles p "
            f"WHERE guild_id = ? AND user_id IN ({marks})",
            (guild_id, *chunk),
        )
        skills: dict[int, list[str]] = {}
        labels: dict[int, dict[str, str]] = {}
        for r in await db.fetchall(
            "SELECT s.user_id, s.skill_key, g.label FROM member_skills s LEFT JOIN guild_skills g"
            " ON g.guild_id = s.guild_id AND g.skill_key = s.skill_key"
            f" WHERE s.guild_id = ? AND s.user_id IN ({marks}) ORDER BY s.user_id, s.position",
            (guild_id, *chunk),
        ):
            skills.setdefault(r["user_id"], []).append(r["skill_key"])
            if r["label"]:
                labels.setdefault(r["user_id"], {})[r["skill_key"]] = r["label"]
        for r in rows:
            found[r["user_id"]] = Profile(
                guild_id=guild_id,
                user_id=r["user_id"],
                field=r["field"],
                timezone=r["timezone"],
                languages=tuple(json.loads(r["languages"])),
                about=r["about"],
                skills=tuple(skills.get(r["user_id"], ())),
                discoverable=bool(r["discoverable"]),
                skill_labels=labels.get(r["user_id"], {}),
            )
    return found


async def save_profile(
    db: Database,
    guild_id: int,
    user_id: int,
    *,
    field: str | object | None = _UNSET,
    timezone: str | object | None = _UNSET,
    languages: Sequence[str] | object = _UNSET,
    about: str | object | None = _UNSET,
    skills: Sequence[str] | object = _UNSET,
    now: datetime | None = None,
) -> Profile:
    """Create or update a profile in one transaction; only the given values change."""
    if isinstance(about, str) and len(about) > ABOUT_MAX:
        raise ValueError("about too long")
    stamp = to_db_time(now or utcnow())
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
            (guild_id, stamp),
        )
        await conn.execute(
            "INSERT INTO profiles (guild_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id) DO UPDATE SET updated_at = excluded.updated_at",
            (guild_id, user_id, stamp, stamp),
        )
        for column, value in (("field", field), ("timezone", timezone), ("about", about)):
            if value is not _UNSET:
                # Column names come from this fixed tuple, never from input.
                await conn.execute(
                    f"UPDATE profiles SET {column} = ? WHERE guild_id = ? AND user_id = ?",
                    (value, guild_id, user_id),
                )
        if languages is not _UNSET:
            await conn.execute(
                "UPDATE profiles SET languages = ? WHERE guild_id = ? AND user_id = ?",
                (json.dumps(list(languages)), guild_id, user_id),  # type: ignore[arg-type]
            )
        if skills is not _UNSET:
            keys: list[str] = list(dict.fromkeys(cast(Sequence[str], skills)))
            if len(keys) > SKILLS_MAX:
                raise ValueError("too many skills")
            await conn.execute(
                "DELETE FROM member_skills WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
            )
            await conn.executemany(
                "INSERT INTO member_skills (guild_id, user_id, skill_key, position) VALUES (?, ?, ?, ?)",
                [(guild_id, user_id, key, i) for i, key in enumerate(keys)],
            )
    profile = await get_profile(db, guild_id, user_id)
    assert profile is not None
    return profile


LABELS_PER_GUILD = 1000  # typed labels a guild keeps; past it, new unshipped skills show their key
GUILD_SKILLS_SHOWN = 2000  # skills a guild's autocomplete ranks, most used first
GUILD_SKILLS_CACHED = 64  # guilds whose lists stay in memory (the most recently asked)


async def remember_typed_skills(db: Database, guild_id: int, text: str) -> None:
    """Keep how members typed unshipped skills in use in this guild, so cards show "كتابة الإعلانات".

    Call after storing the skills: only a skill the guild uses gets a label (the first one typed wins),
    and a guild keeps at most `LABELS_PER_GUILD` of them.
    """
    labels = default_catalogue().unshipped_labels(text)
    if not labels:
        return
    async with db.transaction() as conn:
        for key, label in labels.items():
            await conn.execute(
                "UPDATE guild_skills SET label = ? WHERE guild_id = ? AND skill_key = ? AND label IS NULL"
                " AND (SELECT COUNT(*) FROM guild_skills WHERE guild_id = ? AND label IS NOT NULL) < ?",
                (label, guild_id, key, guild_id, LABELS_PER_GUILD),
            )


async def skill_labels(db: Database, guild_id: int, keys: Iterable[str]) -> dict[str, str]:
    """Return the typed labels this guild keeps for some skill keys."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = await db.fetchall(
            f"SELECT skill_key, label FROM guild_skills WHERE guild_id = ? AND label IS NOT NULL"
            f" AND skill_key IN ({','.join('?' * len(chunk))})",
            (guild_id, *chunk),
        )
        found.update((r["skill_key"], r["label"]) for r in rows)
    return found


@dataclass(frozen=True)
class GuildSkills:
    """The skills a guild uses, most used first, with the typed labels of unshipped ones."""

    keys: tuple[str, ...]
    labels: dict[str, str]


async def guild_skills(db: Database, guild_id: int) -> GuildSkills:
    """Return the skills a guild uses (profiles and swap requests), most used first.

    Autocomplete asks on every keystroke: the list is kept in memory per guild and read again only
    when the guild's version (moved by the triggers on every change) differs: one primary-key read.
    """
    row = await db.fetchone("SELECT version FROM guild_skill_versions WHERE guild_id = ?", (guild_id,))
    version = row["version"] if row else 0
    cache: OrderedDict[int, tuple[int, GuildSkills]] = db.memo.setdefault("guild_skills", OrderedDict())
    cached = cache.get(guild_id)
    if cached is not None and cached[0] == version:
        cache.move_to_end(guild_id)
        return cached[1]
    rows = await db.fetchall(
        "SELECT skill_key, label FROM guild_skills WHERE guild_id = ? ORDER BY uses DESC, skill_key LIMIT ?",
        (guild_id, GUILD_SKILLS_SHOWN),
    )
    skills = GuildSkills(
        tuple(r["skill_key"] for r in rows), {r["skill_key"]: r["label"] for r in rows if r["label"]}
    )
    cache[guild_id] = (version, skills)
    if len(cache) > GUILD_SKILLS_CACHED:
        cache.popitem(last=False)
    return skills


async def find_members(
    db: Database, guild_id: int, *, skill_key: str | None, field: str | None, limit: int = 200
) -> list[int]:
    """Return discoverable, still-present members with that skill and/or field."""
    clauses = [
        "p.guild_id = ?",
        _DISCOVERABLE,
        "NOT EXISTS (SELECT 1 FROM members m WHERE m.guild_id = p.guild_id AND m.user_id = p.user_id"
        " AND m.left_at IS NOT NULL)",
    ]
    params: list[object] = [guild_id]
    source = "profiles p"
    if skill_key:
        # Start from the skill index: "who has skill X here" reads only that skill's rows.
        # CROSS JOIN makes SQLite keep this order (it cannot know skills are the selective side).
        source = "member_skills s CROSS JOIN profiles p ON p.guild_id = s.guild_id AND p.user_id = s.user_id"
        clauses.insert(0, "s.guild_id = ? AND s.skill_key = ?")
        params = [guild_id, skill_key, guild_id]
    if field:
        clauses.append("p.field = ?")
        params.append(field)
    # The clauses and source are fixed strings chosen above; values are all parameters.
    rows = await db.fetchall(
        f"SELECT p.user_id FROM {source} WHERE {' AND '.join(clauses)} ORDER BY p.updated_at DESC LIMIT ?",
        (*params, limit),
    )
    return [r["user_id"] for r in rows]


async def delete_profile(db: Database, guild_id: int, user_id: int) -> None:
    """Delete a member's profile and skills."""
    await db.execute("DELETE FROM profiles WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
