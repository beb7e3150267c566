"""Welcome, `/help`, and keeping track of who is still in each guild."""

from __future__ import annotations

import logging

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
        """Mark the guild removed; its data is purged later unless the bot comes back."""
        await guild_store.mark_guild_removed(self.bot.db, guild.id, self.bot.clock.now())

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
