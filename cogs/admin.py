"""`/majlis language|status|disable|run|stats`: the parts of the admin group every feature shares."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from datetime import datetime, timedelta
from typing import Literal

import discord
from discord import app_commands

from bot import intros
from bot.charts import stats_chart
from bot.client import MajlisBot
from bot.cog import GuildInteraction, MajlisCog, admin_command, send
from bot.errors import MajlisError
from bot.i18n import format_when, local_when, t, weekday_name
from bot.schedule import schedule_for
from bot.storage import Database
from bot.storage import guilds as guild_store
from bot.storage import intros as intro_store
from bot.storage import prompts as prompt_store
from bot.storage import swaps as swap_store
from bot.timezones import zone_label, zoneinfo_for

FEATURES = ("intros", "prompts", "digest", "swaps", "share")
STATS_DEFAULT_WEEKS = 8


async def status_embed(bot: MajlisBot, guild_id: int, lang: str) -> discord.Embed:
    """Build the `/majlis status` card: settings, each feature, next runs, counts."""
    settings = await guild_store.ensure_guild(bot.db, guild_id)
    tz = zoneinfo_for(settings.timezone)
    now = bot.clock.now()
    embed = discord.Embed(title=t(lang, "status.title"), colour=0x2E8B57)
    embed.add_field(
        name=t(lang, "status.settings"),
        value=t(
            lang,
            "status.settings_value",
            language=t(lang, f"language.{settings.language}"),
            timezone=zone_label(settings.timezone, lang),
        ),
        inline=False,
    )
    configs = {c.feature: c for c in await guild_store.list_features(bot.db, guild_id)}
    for name in FEATURES:
        config = configs.get(name)
        lines: list[str] = []
        if config is None:
            lines.append(t(lang, "status.not_configured"))
        else:
            state = "status.enabled" if config.enabled else "status.disabled"
            lines.append(t(lang, state))
            if config.channel_id:
                lines.append(t(lang, "status.channel", channel=f"<#{config.channel_id}>"))
            schedule = schedule_for(config, settings.timezone)
            if schedule is not None:
                lines.append(
                    t(
                        lang,
                        "status.schedule",
                        weekday=weekday_name(schedule.weekday, lang),
                        hour=f"{schedule.hour:02d}:00",
                        every=config.every_weeks,
                    )
                )
                upcoming = bot.scheduler.next_run(guild_id, name)
                if upcoming is not None:
                    lines.append(
                        t(
                            lang,
                            "status.next_run",
                            **local_when(upcoming, lang, tz, now=now),
                        )
                    )
            # A failure the database could not record (it was locked) is still shown, from memory.
            failure = bot.scheduler.failure(guild_id, name)
            error = failure.error if failure is not None else config.last_error
            if error:
                lines.append(t(lang, "status.last_error", error=error[:200]))
            if failure is not None and failure.retry_at is not None:
                lines.append(t(lang, "status.retrying", when=format_when(failure.retry_at, lang, tz)))
        feature = bot.features.get(name)
        if feature is not None and feature.status is not None and config is not None:
            lines.extend(await feature.status(guild_id, lang))
        embed.add_field(name=t(lang, f"feature.{name}"), value="\n".join(lines)[:1024], inline=False)
    return embed


async def guild_stats(db: Database, guild_id: int, now: datetime, weeks: int) -> intros.IntroStats:
    """Add up the guild's rounds over the last `weeks` weeks."""
    since = now - timedelta(weeks=weeks)
    rounds = await intro_store.round_summaries(db, guild_id, since)
    stats = intros.summarize(rounds, await intro_store.never_matched(db, guild_id))
    return dataclasses.replace(
        stats,
        prompts_answered=await prompt_store.count_prompts_answered(db, guild_id, since),
        swaps_done=await swap_store.count_swaps_done(db, guild_id, since),
    )


def stats_lines(stats: intros.IntroStats, lang: str) -> list[str]:
    """Say the stats in words, for the message beside the chart."""
    return [
        t(lang, "intros.stats.rounds", count=len(stats.rounds)),
        t(lang, "intros.stats.intros_made", count=stats.intros_made),
        t(lang, "intros.stats.met_rate", rate=intros.percent(stats.met_rate)),
        t(lang, "intros.stats.repeat_rate", rate=intros.percent(stats.repeat_rate)),
        t(lang, "intros.stats.never_matched", count=stats.never_matched),
        t(lang, "intros.stats.prompts_answered", count=stats.prompts_answered),
        t(lang, "intros.stats.swaps_done", count=stats.swaps_done),
    ]


class Admin(MajlisCog):
    """Server-wide settings and switches for admins."""

    @admin_command(name="language", description="Set the server's default language for Majlis")
    @app_commands.describe(language="ar = Arabic (العربية), en = English")
    async def language(self, interaction: GuildInteraction, language: Literal["ar", "en"]) -> None:
        """Set the guild's default language."""
        await guild_store.set_guild_language(self.bot.db, interaction.guild_id, language)
        lang = await self.lang(interaction)
        await send(interaction, t(lang, "admin.language_set", language=t(lang, f"language.{language}")))

    @admin_command(name="status", description="Show Majlis's configuration, next runs and counts")
    async def status(self, interaction: GuildInteraction) -> None:
        """Show what is configured so far."""
        # The card reads every feature's rows: acknowledge first so a slow database misses no deadline.
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await self.lang(interaction)
        await send(interaction, embed=await status_embed(self.bot, interaction.guild_id, lang))

    @admin_command(name="disable", description="Turn a Majlis feature off (its data is kept)")
    @app_commands.describe(feature="The feature to turn off")
    async def disable(
        self,
        interaction: GuildInteraction,
        feature: Literal["intros", "prompts", "digest", "swaps", "share"],
    ) -> None:
        """Turn a feature's schedule and commands off, keeping its data."""
        lang = await self.lang(interaction)
        config = await guild_store.get_feature(self.bot.db, interaction.guild_id, feature)
        if config is None:
            raise MajlisError("admin.not_configured", feature=t(lang, f"feature.{feature}"))
        if not config.enabled:
            raise MajlisError("admin.already_disabled", feature=t(lang, f"feature.{feature}"))
        await guild_store.set_feature_enabled(self.bot.db, interaction.guild_id, feature, False)
        self.bot.scheduler.cancel(interaction.guild_id, feature)
        registered = self.bot.features.get(feature)
        if registered is not None and registered.on_disable is not None:
            await registered.on_disable(interaction.guild_id)
        await send(interaction, t(lang, "admin.disabled", feature=t(lang, f"feature.{feature}")))

    @admin_command(name="run", description="Run a feature now (dry_run shows what would happen)")
    @app_commands.describe(feature="What to run now", dry_run="Only show who would be paired; send nothing")
    async def run(
        self,
        interaction: GuildInteraction,
        feature: Literal["intros", "prompt", "digest"],
        dry_run: bool = False,
    ) -> None:
        """Run a feature now through the same path as its schedule."""
        target = self.bot.run_targets.get(feature)
        if target is None:
            raise MajlisError("admin.feature_unavailable")
        await target(interaction, dry_run)

    @admin_command(name="stats", description="Participation: intros made, met rate, repeats — with a chart")
    @app_commands.describe(weeks="How many weeks back (default 8)")
    async def stats(
        self, interaction: GuildInteraction, weeks: app_commands.Range[int, 1, 52] = STATS_DEFAULT_WEEKS
    ) -> None:
        """Show intros made, met rate, repeat rate and members never matched, as text and a chart."""
        if weeks not in range(1, 53):
            raise MajlisError("intros.stats.bad_weeks")
        lang = await self.lang(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        stats = await guild_stats(self.bot.db, interaction.guild_id, self.bot.clock.now(), weeks)
        # Drawing takes tens of milliseconds: keep the event loop (and heartbeats) free.
        png = await asyncio.to_thread(stats_chart, stats, lang, weeks)
        embed = discord.Embed(
            title=t(lang, "intros.stats.title", weeks=weeks),
            description="\n".join(stats_lines(stats, lang)),
            colour=intros.INTRO_COLOUR,
        )
        embed.set_image(url="attachment://intros-stats.png")
        await send(
            interaction, embed=embed, file=discord.File(fp=io.BytesIO(png), filename="intros-stats.png")
        )


async def setup(bot: MajlisBot) -> None:
    """Load the admin cog."""
    await bot.add_cog(Admin(bot))
