"""Daily housekeeping: an online backup of the database and purging guilds that removed the bot."""

from __future__ import annotations

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

    def hooks(self) -> Hooks:
        """The daily backup and purge."""
        return Hooks(
            daily=[
                DailyJob("backup", self.backup, hour=BACKUP_HOUR),
                DailyJob("purge-guilds", self.purge, hour=4),
            ]
        )

    async def start(self) -> None:
        """A backup missed while the bot was down runs now."""
        now = self.bot.clock.now()
        if backup_missed(self.backup_dir, now, await first_joined(self.bot.db)):
            self.bot.scheduler.add_once("backup:missed", now, self.backup)

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
