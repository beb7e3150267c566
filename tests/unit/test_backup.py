"""Backups: taken during writes, checked, atomic, private, without drafts; restore; the CLI around them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import backup, cli
from bot.backup import (
    BackupError,
    backup_database,
    backup_missed,
    backup_names,
    files_to_prune,
    integrity_ok,
    restore_database,
)
from bot.files import mode_of
from bot.runlock import DatabaseInUse, RunLock, in_use
from bot.share import ShareDraft
from bot.storage import Database, latest_version
from bot.storage import guilds as guild_store
from bot.storage import share as share_store
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
    await guild_store.ensure_guild(db, 2)  # a late event about the guild does not clear the mark
    assert await purge_removed_guilds(db, now + timedelta(days=60)) == [2]
    await guild_store.configure_feature(db, 3, "swaps", channel_id=5)
    await guild_store.mark_guild_removed(db, 3, now)
    await guild_store.mark_guild_present(db, 3)  # re-added: the removal mark is cleared
    assert await purge_removed_guilds(db, now + timedelta(days=60)) == []
    await db.close()


# --- backups you can restore ------------------------------------------------------------------


@pytest.fixture
def permissive_umask():
    old = os.umask(0)
    yield
    os.umask(old)


async def _stored(tmp_path, name="live.db"):
    db = Database(tmp_path / "state" / name)
    await db.open()
    await guild_store.set_member_language(db, 7, 70, "en")
    return db


async def test_database_wal_shm_and_backups_are_0600_in_0700_folders_whatever_the_umask(
    tmp_path, permissive_umask
):
    db = await _stored(tmp_path)
    for suffix in ("", "-wal", "-shm"):
        path = db.path.with_name(db.path.name + suffix)
        assert path.exists() and mode_of(path) == 0o600, suffix
    assert mode_of(db.path.parent) == 0o700
    daily = await backup_database(db, tmp_path / "deep" / "backups", datetime(2026, 3, 2, tzinfo=UTC))
    weekly = daily.with_name(backup_names(datetime(2026, 3, 2, tzinfo=UTC))[1])
    assert mode_of(daily) == mode_of(weekly) == 0o600
    assert mode_of(tmp_path / "deep") == mode_of(tmp_path / "deep" / "backups") == 0o700
    lock = RunLock(db.path)
    lock.acquire()
    assert mode_of(lock.path) == 0o600
    lock.release()
    await db.close()


async def test_an_existing_world_readable_database_is_made_private_on_open(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o755)
    path = folder / "old.db"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    db = Database(path)
    await db.open()
    assert mode_of(path) == 0o600
    assert mode_of(folder) == 0o755  # a folder that was already there keeps its mode
    await db.close()


async def test_a_truncated_weekly_backup_is_replaced_by_a_good_one(tmp_path):
    db = await _stored(tmp_path)
    moment = datetime(2026, 3, 3, tzinfo=UTC)
    folder = tmp_path / "b"
    daily = await backup_database(db, folder, moment)
    weekly = folder / backup_names(moment)[1]
    weekly.write_bytes(weekly.read_bytes()[:1000])  # cut short, like a crash mid-copy before this fix
    assert not integrity_ok(weekly)
    await backup_database(db, folder, moment + timedelta(days=1))  # same ISO week
    assert integrity_ok(weekly) and integrity_ok(daily)
    assert not list(folder.glob(".*"))
    await db.close()


async def test_a_copy_failing_integrity_check_never_takes_a_real_name(tmp_path, monkeypatch):
    db = await _stored(tmp_path)
    folder = tmp_path / "b"
    moment = datetime(2026, 3, 3, tzinfo=UTC)
    good = await backup_database(db, folder, moment)
    before = good.read_bytes()
    monkeypatch.setattr(backup, "integrity_ok", lambda path: False)
    with pytest.raises(BackupError):
        await backup_database(db, folder, moment)
    assert good.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(backup_names(moment))
    await db.close()


async def test_backups_hold_no_share_drafts(tmp_path):
    db = await _stored(tmp_path)
    now = datetime(2026, 3, 3, 2, tzinfo=UTC)
    await guild_store.ensure_guild(db, 7)
    await share_store.save_draft(
        db, 7, 70, ShareDraft("Secret", "Client Nakheel paid late", "ask early"), now
    )
    path = await backup_database(db, tmp_path / "b", now)
    assert b"Nakheel" not in path.read_bytes()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM share_drafts").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM members").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one standalone file
    assert await db.fetchone("SELECT draft_id FROM share_drafts") is not None  # the live draft stays
    await db.close()


def test_a_backup_missed_while_down_is_due_only_when_there_was_data_at_03_00(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    now = datetime(2026, 3, 10, 9, tzinfo=UTC)
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    assert backup_missed(folder, now, long_ago)  # no backup at all
    assert not backup_missed(folder, now, None)  # an empty database needs none
    assert not backup_missed(folder, now, datetime(2026, 3, 10, 4, tzinfo=UTC))  # data came after 03:00
    (folder / "majlis-daily-2026-03-09.db").touch()
    assert backup_missed(folder, now, long_ago)  # today's 03:00 passed while down
    (folder / "majlis-daily-2026-03-10.db").touch()
    assert not backup_missed(folder, now, long_ago)
    assert not backup_missed(folder, datetime(2026, 3, 11, 2, tzinfo=UTC), long_ago)  # 03:00 not yet


async def test_restore_checks_the_file_keeps_the_replaced_database_and_refuses_while_running(tmp_path):
    db = await _stored(tmp_path)
    good = await backup_database(db, tmp_path / "b", datetime(2026, 3, 3, tzinfo=UTC))
    await guild_store.set_member_language(db, 7, 71, "ar")  # written after the backup, maybe only in -wal
    lock = RunLock(db.path)
    lock.acquire()  # what the running bot holds
    assert in_use(db.path)
    with pytest.raises(DatabaseInUse), RunLock(db.path):
        pass
    lock.release()
    await db.close()

    broken = tmp_path / "broken.db"
    broken.write_bytes(good.read_bytes()[:2048])
    with pytest.raises(BackupError, match="integrity_check"):
        restore_database(db.path, broken, datetime(2026, 3, 4, tzinfo=UTC))
    kept = restore_database(db.path, good, datetime(2026, 3, 4, 12, tzinfo=UTC))
    assert kept is not None and kept.name == "live.db.replaced-20260304T120000Z" and mode_of(kept) == 0o600
    with contextlib.closing(sqlite3.connect(kept)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM members").fetchone()[0] == 2  # nothing of the old one lost
    restored = Database(db.path)
    await restored.open()
    assert await guild_store.member_language(restored, 7, 70) == "en"
    assert await guild_store.member_language(restored, 7, 71) is None
    await restored.close()
    assert mode_of(db.path) == 0o600


def test_the_restore_command_from_the_readme(tmp_path, monkeypatch, capsys):
    """README: `majlis backup`, then (bot stopped) `majlis restore data/backups/majlis-daily-….db`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("MAJLIS_BACKUP_DIR", raising=False)
    monkeypatch.setenv("MAJLIS_DB", "data/majlis.db")
    assert cli.main(["migrate"]) == 0
    assert (
        capsys.readouterr().out.strip()
        == f"schema version {latest_version()} ({latest_version()} migration(s) applied)"
    )
    assert cli.main(["migrate"]) == 0
    assert "(up to date)" in capsys.readouterr().out
    assert cli.main(["backup"]) == 0
    made = Path(capsys.readouterr().out.strip())
    assert made.parent == Path("data/backups") and integrity_ok(made)
    assert cli.main(["restore", str(made)]) == 0
    out = capsys.readouterr().out
    assert "restored" in out and "majlis.db.replaced-" in out
    assert cli.main(["restore", "nowhere.db"]) == 1
    assert "nothing changed" in capsys.readouterr().err


def test_check_offline_reports_readiness_and_the_exit_code_says_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MAJLIS_BACKUP_DIR", raising=False)
    monkeypatch.setenv("MAJLIS_DB", "data/majlis.db")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert cli.main(["check", "--offline"]) == 1  # no token: not ready
    out = capsys.readouterr().out
    assert "FAIL  settings: DISCORD_TOKEN is not set" in out and out.endswith("NOT ready (1 problem(s))\n")
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    assert cli.main(["check", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "will be created" in out and out.endswith("ready\n")
    Path("data").mkdir(mode=0o700)
    with contextlib.closing(sqlite3.connect("data/majlis.db")) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    assert cli.main(["check", "--offline"]) == 1
    assert "newer than this Majlis" in capsys.readouterr().out
