"""Online backups of the SQLite database, with daily and weekly rotation."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.storage import Database

_DAILY = re.compile(r"^majlis-daily-(\d{4}-\d{2}-\d{2})\.db$")
_WEEKLY = re.compile(r"^majlis-weekly-(\d{4}-W\d{2})\.db$")


def backup_names(moment: datetime) -> tuple[str, str]:
    """Return the daily and weekly file names for a backup taken at `moment` (UTC)."""
    year, week, _ = moment.isocalendar()
    return f"majlis-daily-{moment:%Y-%m-%d}.db", f"majlis-weekly-{year}-W{week:02d}.db"


def files_to_prune(names: Iterable[str], keep_daily: int = 7, keep_weekly: int = 4) -> list[str]:
    """Return the backup files beyond the newest `keep_daily` daily and `keep_weekly` weekly ones."""
    daily = sorted((n for n in names if _DAILY.match(n)), reverse=True)
    weekly = sorted((n for n in names if _WEEKLY.match(n)), reverse=True)
    return daily[keep_daily:] + weekly[keep_weekly:]


async def backup_database(
    db: Database, directory: Path, moment: datetime, keep_daily: int = 7, keep_weekly: int = 4
) -> Path:
    """Copy the live database with SQLite's backup API (safe during writes), then rotate."""
    daily_name, weekly_name = backup_names(moment)
    partial = directory / f".{daily_name}.partial"
    await asyncio.to_thread(_prepare, directory, partial)
    async with aiosqlite.connect(partial) as target:
        await db.conn.backup(target)
    return await asyncio.to_thread(
        _publish, directory, partial, daily_name, weekly_name, keep_daily, keep_weekly
    )


def _prepare(directory: Path, partial: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    partial.unlink(missing_ok=True)


def _publish(
    directory: Path, partial: Path, daily_name: str, weekly_name: str, keep_daily: int, keep_weekly: int
) -> Path:
    daily = directory / daily_name
    partial.replace(daily)  # atomic: a half-written backup never carries a real name
    weekly = directory / weekly_name
    if not weekly.exists():
        shutil.copyfile(daily, weekly)
    for name in files_to_prune((p.name for p in directory.iterdir()), keep_daily, keep_weekly):
        (directory / name).unlink(missing_ok=True)
    return daily


def integrity_ok(path: Path) -> bool:
    """Tell whether a database file opens and passes `PRAGMA integrity_check`."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
