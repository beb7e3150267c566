"""Daily housekeeping: an online backup of the database and purging guilds that removed the bot."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

from bot.backup import BACKUP_HOUR, BackupError, backup_database, backup_missed
from bot.client import MajlisBot
from bot.cog import MajlisCog
from bot.hooks import DailyJob, Hooks
from bot.storage.maintenance import first_joined, purge_removed_guilds

log = logging.getLogger(__name__)


class Maintenance(MajlisCog):
    """Keeps the community's history safe and forgets guilds that left."""

    def __init__(self, bot: MajlisBot) -> None:
        super().__init__(bot)
        self.backup_dir: Path = bot.settings.backup_folder
        # The backup runs as the cog's own task: a scheduler shutdown (SIGTERM) cancels its jobs, and a
        # backup cut off mid-copy would be wasted work; closing the bot waits for it instead.
        self._backing_up: asyncio.Task[Path | None] | None = None

    def hooks(self) -> Hooks:
        """The daily backup and purge."""
        return Hooks(
            daily=[
                DailyJob("backup", self.start_backup, hour=BACKUP_HOUR),
                DailyJob("purge-guilds", self.purge, hour=4),
            ]
        )

    async def start(self) -> None:
        """A backup missed while the bot was down starts now."""
        if backup_missed(self.backup_dir, self.bot.clock.now(), await first_joined(self.bot.db)):
            await self.start_backup()

    async def stop(self) -> None:
        """Let a backup in progress finish before the database closes."""
        if self._backing_up is not None:
            await asyncio.wait([self._backing_up])

    async def start_backup(self) -> None:
        """Start a backup in the background unless one is running."""
        if self._backing_up is None or self._backing_up.done():
            self._backing_up = asyncio.create_task(self.backup())

    async def backup(self) -> Path | None:
        """Take today's backup and rotate old ones (7 daily, 4 weekly)."""
        try:
            path = await backup_database(self.bot.db, self.backup_dir, self.bot.clock.now())
        except (OSError, sqlite3.Error, BackupError):
            log.exception("daily backup to %s failed", self.backup_dir)
            return None
        log.info("backup written to %s", path)
        return path

    async def purge(self) -> list[int]:
        """Delete the data of guilds that removed the bot more than 30 days ago."""
        purged = await purge_removed_guilds(self.bot.db, self.bot.clock.now())
        if purged:
            log.info("purged data of %d removed guild(s)", len(purged))
        return purged


async def setup(bot: MajlisBot) -> None:
    """Load the maintenance cog."""
    await bot.add_cog(Maintenance(bot))
