"""Backups of the SQLite database you can restore: daily and weekly copies, checked, atomic, private.

Each backup is copied with SQLite's backup API through a connection of its own (it sees committed data
only and never blocks the bot's writer), stripped of share drafts (members' unmasked words awaiting
their privacy choice: backups never hold them), checked with `PRAGMA integrity_check`, flushed to disk
and only then renamed to its real name. The weekly copy is made the same way from the daily one, and a
weekly file that fails the check is replaced. Every file is 0600 in a 0700 folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.files import fsync_dir, fsync_file, private_dir, private_file
from bot.storage import Database, latest_version

_DAILY = re.compile(r"^majlis-daily-(\d{4}-\d{2}-\d{2})\.db$")
_WEEKLY = re.compile(r"^majlis-weekly-(\d{4}-W\d{2})\.db$")
BACKUP_HOUR = 3  # UTC
# Never copied into a backup: drafts live at most a day, backups up to four weeks.
EXCLUDED_TABLES = ("share_drafts",)


class BackupError(RuntimeError):
    """A backup or restore was refused; the message says why and that nothing changed."""


def backup_names(moment: datetime) -> tuple[str, str]:
    """Return the daily and weekly file names for a backup taken at `moment` (UTC)."""
    year, week, _ = moment.isocalendar()
    return f"majlis-daily-{moment:%Y-%m-%d}.db", f"majlis-weekly-{year}-W{week:02d}.db"


def files_to_prune(names: Iterable[str], keep_daily: int = 7, keep_weekly: int = 4) -> list[str]:
    """Return the backup files beyond the newest `keep_daily` daily and `keep_weekly` weekly ones."""
    daily = sorted((n for n in names if _DAILY.match(n)), reverse=True)
    weekly = sorted((n for n in names if _WEEKLY.match(n)), reverse=True)
    return daily[keep_daily:] + weekly[keep_weekly:]


def latest_daily(directory: Path) -> str | None:
    """Return the date (YYYY-MM-DD) of the newest daily backup in `directory`, or None."""
    if not directory.is_dir():
        return None
    dates = [m.group(1) for p in directory.iterdir() if (m := _DAILY.match(p.name))]
    return max(dates, default=None)


def backup_missed(
    directory: Path, now: datetime, data_since: datetime | None, hour: int = BACKUP_HOUR
) -> bool:
    """Tell whether the latest daily backup time (`hour` UTC) passed without a backup (the bot was down).

    `data_since` is when the database first held anything (None: still empty): no backup was due before.
    """
    due = datetime.combine(now.astimezone(UTC).date(), time(hour), tzinfo=UTC)
    if due > now:
        due -= timedelta(days=1)
    if data_since is None or data_since > due:
        return False
    latest = latest_daily(directory)
    return latest is None or latest < f"{due:%Y-%m-%d}"


async def backup_database(
    db: Database, directory: Path, moment: datetime, keep_daily: int = 7, keep_weekly: int = 4
) -> Path:
    """Back up the bot's database file while it runs (safe during writes), then rotate."""
    return await asyncio.to_thread(backup_file, db.path, directory, moment, keep_daily, keep_weekly)


def backup_file(
    db_path: Path, directory: Path, moment: datetime, keep_daily: int = 7, keep_weekly: int = 4
) -> Path:
    """Copy `db_path` into today's daily backup (and this week's weekly one); return the daily file."""
    daily_name, weekly_name = backup_names(moment)
    private_dir(directory)
    partial = directory / f".{daily_name}.partial"
    try:
        _copy_database(db_path, partial)
        _drop_excluded(partial)
        _publish(partial, directory / daily_name)
        weekly = directory / weekly_name
        if not weekly.exists() or not integrity_ok(weekly):
            weekly_partial = directory / f".{weekly_name}.partial"
            private_file(weekly_partial)
            shutil.copyfile(directory / daily_name, weekly_partial)
            _publish(weekly_partial, weekly)
    finally:
        for leftover in directory.glob(".*.partial"):
            leftover.unlink(missing_ok=True)
    for name in files_to_prune((p.name for p in directory.iterdir()), keep_daily, keep_weekly):
        (directory / name).unlink(missing_ok=True)
    return directory / daily_name


def _copy_database(source: Path, target: Path) -> None:
    """Copy a live database with SQLite's backup API into `target` (created 0600)."""
    target.unlink(missing_ok=True)
    private_file(target)
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _drop_excluded(path: Path) -> None:
    """Make a copy one standalone file, delete the excluded tables' rows and VACUUM so no page keeps them."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        tables = [t for t in EXCLUDED_TABLES if t in present]
        for table in tables:
            # Names from the constant above, checked against sqlite_master: never input.
            conn.execute(f"DELETE FROM {table}")  # noqa: S608
        if tables:
            conn.execute("VACUUM")


def _publish(partial: Path, final: Path) -> None:
    """Check, flush and atomically rename a finished copy: a bad or half-written file never gets a real name."""
    if not integrity_ok(partial):
        raise BackupError(f"the copy for {final.name} failed integrity_check; the previous file is kept")
    fsync_file(partial)
    partial.replace(final)
    fsync_dir(final.parent)


def integrity_ok(path: Path) -> bool:
    """Tell whether a database file opens and passes `PRAGMA integrity_check`."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def schema_version(path: Path) -> int:
    """Return a database file's `PRAGMA user_version`."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def restore_database(db_path: Path, source: Path, now: datetime) -> Path | None:
    """Put `source` in place of the database (the bot must be stopped); return where the old one was kept.

    The source must pass `integrity_check` and be no newer than this code's schema. The database being
    replaced (with whatever its `-wal` held) is kept beside it as `<name>.replaced-<UTC time>`.
    """
    if not source.is_file():
        raise BackupError(f"{source} does not exist; nothing changed")
    if not integrity_ok(source):
        raise BackupError(f"{source} fails PRAGMA integrity_check; nothing changed")
    version = schema_version(source)
    if version > latest_version():
        raise BackupError(
            f"{source} has schema version {version}, newer than this Majlis ({latest_version()}); "
            "install the newer Majlis first; nothing changed"
        )
    private_dir(db_path.parent)
    kept = None
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.replaced-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}")
        _copy_database(db_path, kept)  # through SQLite, so what was only in the -wal is kept too
        fsync_file(kept)
    partial = db_path.with_name(f".{db_path.name}.restoring")
    try:
        _copy_database(source, partial)
        fsync_file(partial)
        for suffix in ("-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        partial.replace(db_path)
        fsync_dir(db_path.parent)
    finally:
        partial.unlink(missing_ok=True)
    return kept
