"""Backups taken while the bot writes open cleanly; rotation keeps 7 daily and 4 weekly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.backup import backup_database, backup_names, files_to_prune, integrity_ok
from bot.storage import Database
from bot.storage import guilds as guild_store
from bot.storage.maintenance import purge_removed_guilds, tables_with_column


async def test_a_backup_taken_during_writes_passes_integrity_check(tmp_path):
    db = Database(tmp_path / "live.db")
    await db.open()
    stop = asyncio.Event()

    async def writer():
        n = 0
        while not stop.is_set():
            await guild_store.set_member_language(db, 1, n, "en" if n % 2 else "ar")
            n += 1
            await asyncio.sleep(0)
        return n

    task = asyncio.create_task(writer())
    paths = []
    for day in range(3):
        paths.append(await backup_database(db, tmp_path / "backups", datetime(2026, 1, 1 + day, tzinfo=UTC)))
    stop.set()
    written = await task
    assert written > 0
    for path in paths:
        assert integrity_ok(path)
    assert not list((tmp_path / "backups").glob(".*partial"))
    await db.close()


def test_rotation_keeps_seven_daily_and_four_weekly():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    names = set()
    for day in range(40):
        daily, weekly = backup_names(start + timedelta(days=day))
        names |= {daily, weekly}
    pruned = set(files_to_prune(names))
    kept = names - pruned
    assert len([n for n in kept if "daily" in n]) == 7
    assert len([n for n in kept if "weekly" in n]) == 4
    assert backup_names(start + timedelta(days=39))[0] in kept


async def test_rotation_on_disk(tmp_path):
    db = Database(tmp_path / "live.db")
    await db.open()
    for day in range(10):
        await backup_database(db, tmp_path / "b", datetime(2026, 2, 1, tzinfo=UTC) + timedelta(days=day))
    assert len(list((tmp_path / "b").glob("majlis-daily-*.db"))) == 7
    await db.close()


async def test_a_guild_removed_over_30_days_ago_is_purged_and_a_recent_one_kept(tmp_path):
    db = Database(tmp_path / "p.db")
    await db.open()
    now = datetime(2026, 6, 1, tzinfo=UTC)
    for gid in (1, 2, 3):
        await guild_store.configure_feature(db, gid, "swaps", channel_id=5)
        await guild_store.set_member_language(db, gid, 9, "en")
    await guild_store.mark_guild_removed(db, 1, now - timedelta(days=31))
    await guild_store.mark_guild_removed(db, 2, now - timedelta(days=5))
    assert await purge_removed_guilds(db, now) == [1]
    assert await guild_store.get_guild(db, 1) is None
    assert await guild_store.get_feature(db, 1, "swaps") is None
    assert await guild_store.member_language(db, 1, 9) is None
    assert await guild_store.get_guild(db, 2) is not None
    assert "members" in await tables_with_column(db, "guild_id")
    await guild_store.ensure_guild(db, 2)  # re-added: the removal mark is cleared
    assert await purge_removed_guilds(db, now + timedelta(days=60)) == []
    await db.close()
