"""Welcome, `/help`, and keeping track of who is still in each guild."""

from __future__ import annotations

import logging
import sqlite3

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MajlisBot
from bot.cog import MajlisCog
from bot.i18n import t
from bot.storage import guilds as guild_store

log = logging.getLogger(__name__)


def help_embed(lang: str) -> discord.Embed:
    """Build the `/help` card in one language."""
    embed = discord.Embed(title=t(lang, "help.title"), description=t(lang, "help.body"), colour=0x2E8B57)
    for section in ("intros", "prompts", "share", "swaps", "privacy", "admin"):
        embed.add_field(
            name=t(lang, f"help.{section}.name"), value=t(lang, f"help.{section}.value"), inline=False
        )
    embed.set_footer(text=t(lang, "help.footer"))
    return embed


def welcome_text() -> str:
    """Build the bilingual welcome posted when Majlis joins a server."""
    return f"{t('ar', 'welcome')}\n\n{t('en', 'welcome')}"


class Core(MajlisCog):
    """Greets new servers, explains itself, and records members who leave."""

    @app_commands.command(name="help", description="What Majlis does and how to start")
    async def help(self, interaction: discord.Interaction) -> None:
        """Explain Majlis in the member's language."""
        lang = await self.lang(interaction)
        await interaction.response.send_message(embed=help_embed(lang), ephemeral=True)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Post a short bilingual welcome where the bot may, telling an admin how to set it up."""
        if await guild_store.mark_guild_present(self.bot.db, guild.id):
            await self.bot.scheduler.rebuild_guild(guild.id)  # back within 30 days: its schedules resume
        settings = await guild_store.ensure_guild(self.bot.db, guild.id)
        if settings.welcomed:
            return
        channel = guild.system_channel
        if channel is None or not channel.permissions_for(guild.me).send_messages:
            channel = next(
                (c for c in guild.text_channels if c.permissions_for(guild.me).send_messages), None
            )
        if channel is None:
            return
        # Claim first: two join events (or a restart mid-send) must not welcome twice.
        await guild_store.set_welcomed(self.bot.db, guild.id, True)
        try:
            await self.bot.delivery.send(channel, welcome_text())
        except discord.HTTPException as exc:
            log.warning("could not welcome guild %s: %s", guild.id, exc)
            await guild_store.set_welcomed(self.bot.db, guild.id, False)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Mark the guild removed and stop its schedules; its data is purged later unless the bot comes back."""
        self.bot.scheduler.cancel_guild(guild.id)
        await guild_store.mark_guild_removed(self.bot.db, guild.id, self.bot.clock.now())

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Catch up with guilds that removed or re-added the bot while it was offline."""
        try:
            await self.reconcile_guilds()
        except (sqlite3.ProgrammingError, RuntimeError, ValueError):  # aiosqlite: "Connection closed"
            if not self.bot.is_closed():
                raise
            # Stopped right after connecting: the database closed under it; the next start reconciles.
            log.info("guild reconciliation cut short by shutdown")

    async def reconcile_guilds(self) -> tuple[list[int], list[int]]:
        """Match stored guilds with the guilds the bot is in; return (marked removed, back again).

        `on_guild_remove` only fires while the bot is connected: a guild that removed it meanwhile
        would otherwise never be purged. Guilds another shard serves are left to that shard.
        """
        db, now = self.bot.db, self.bot.clock.now()
        present = {guild.id for guild in self.bot.guilds}  # unavailable guilds (an outage) included
        gone = [
            guild_id
            for guild_id in await guild_store.present_guild_ids(db)
            if guild_id not in present and self._served_here(guild_id)
        ]
        for guild_id in gone:
            self.bot.scheduler.cancel_guild(guild_id)
            await guild_store.mark_guild_removed(db, guild_id, now)
        back = [guild_id for guild_id in await guild_store.removed_guild_ids(db) if guild_id in present]
        for guild_id in back:
            await guild_store.mark_guild_present(db, guild_id)
            await self.bot.scheduler.rebuild_guild(guild_id)
        if gone or back:
            log.info("guilds removed while offline: %d; re-added: %d", len(gone), len(back))
        return gone, back

    def _served_here(self, guild_id: int) -> bool:
        shard_ids, count = self.bot.shard_ids, self.bot.shard_count or 1
        return shard_ids is None or (guild_id >> 22) % count in shard_ids

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member who leaves drops out of rounds; their history stays."""
        await guild_store.mark_member_left(
            self.bot.db, payload.guild_id, payload.user.id, self.bot.clock.now()
        )

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member who comes back can be matched again."""
        await guild_store.mark_member_present(self.bot.db, member.guild.id, member.id)


async def setup(bot: MajlisBot) -> None:
    """Load the core cog."""
    await bot.add_cog(Core(bot))
