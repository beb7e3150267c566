"""Peer introductions: `/intros …` for members, `/majlis intros|stats` for admins, rounds on schedule."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Literal

import discord
from discord import app_commands

from bot import intros as logic
from bot.client import MajlisBot
from bot.cog import GuildInteraction, MajlisCog, admin_command, guild_command, require_bot_permissions, send
from bot.cooldowns import check_cooldown, cooldown
from bot.errors import MajlisError
from bot.hooks import Feature, Hooks
from bot.i18n import local_when, t, weekday_name
from bot.locks import KeyedLocks
from bot.matching import MatchResult
from bot.schedule import WeeklySchedule
from bot.storage import guilds as guild_store
from bot.storage import intros as store
from bot.storage import profiles as profile_store
from bot.storage.intros import IntroGroup
from bot.text import isolate
from bot.timezones import zone_label, zoneinfo_for
from cogs._schedule import WEEKDAY_CHOICES, resolve_timezone, save_weekly_schedule
from cogs.intros._delivery import RoundOutcome, RoundRunner
from cogs.intros._planning import FEATURE
from cogs.intros._status import admin_status_lines, member_status_lines
from cogs.intros._views import DYNAMIC_ITEMS

log = logging.getLogger(__name__)

DRY_RUN_GROUPS_SHOWN = 20


class Intros(MajlisCog):
    """Weekly peer introductions: join, pause, avoid, meet again; rounds delivered exactly once."""

    intros = app_commands.Group(
        name="intros", description="Weekly introductions to peers in your field", guild_only=True
    )

    def __init__(self, bot: MajlisBot) -> None:
        super().__init__(bot)
        self.runner = RoundRunner(bot)
        self._round_locks: KeyedLocks[int] = KeyedLocks()

    def hooks(self) -> Hooks:
        """The weekly round, check-in buttons, `/majlis status|run` and the peers-met count."""
        return Hooks(
            weekly={FEATURE: self.scheduled_round},
            one_off_prefixes=("intros-retry:", "intros-checkin:"),
            dynamic_items=DYNAMIC_ITEMS,
            features=[Feature(FEATURE, status=self.status_for_admins)],
            run_targets={"intros": self.run_now},
            profile_counters=[self.peers_met_counter],
        )

    async def start(self) -> None:
        """Rebuild check-ins and resume deliveries."""
        await self.runner.rebuild_checkins()
        # Deliveries need the gateway's caches: resume them once the bot is ready.
        self.runner.track(self.runner.resume_all(), "intros-resume")

    async def stop(self) -> None:
        """Stop background work; the recorded delivery state resumes it next start."""
        await self.runner.stop()

    # --- schedule and runs ------------------------------------------------------------------

    async def scheduled_round(self, guild_id: int, scheduled_for: datetime) -> None:
        """Create the round of a scheduled occurrence (at most one per occurrence) and start delivering it.

        Delivery runs in the background: it may take minutes under the rate limits, and its progress
        is recorded group by group (shown in `/majlis status`), so the schedule moves on at once.
        """
        async with self._round_lock(guild_id):
            outcome = await self._start_round(guild_id, scheduled_for)
        if outcome.round_id is not None:
            self.runner.deliver_in_background(outcome.round_id)

    def _round_lock(self, guild_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        # One planning at a time per guild: two runs must not both match the same members into rounds.
        return self._round_locks.hold(guild_id)

    async def _start_round(self, guild_id: int, scheduled_for: datetime) -> RoundOutcome:
        """Create a round (under the guild's lock)."""
        return await self.runner.start(guild_id, scheduled_for)

    async def run_now(self, interaction: GuildInteraction, dry_run: bool) -> None:
        """`/majlis run feature:intros [dry_run]`: a round now, or only show it."""
        guild_id = interaction.guild_id
        asked = await store.latest_round(self.bot.db, guild_id)  # what existed when the admin asked
        lang = await self.lang(interaction)
        config = await self.require_feature(guild_id, FEATURE, "intros.not_configured")
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.bot.clock.now().replace(microsecond=0)
        if dry_run:
            draft = await self.runner.plan(guild_id, config, now)
            await send(interaction, embed=self._dry_run_embed(draft.result, len(draft.eligible), lang))
            return
        busy, outcome = None, None
        async with self._round_lock(guild_id):
            latest = await store.latest_round(self.bot.db, guild_id)
            # Another press (or the schedule) made a round meanwhile, or one is still going out:
            # that round is what the admin asked for, so no second round is matched.
            if latest is not None and (asked is None or latest.round_id != asked.round_id):
                busy = "intros.run.just_started"
            elif latest is not None and latest.delivered_at is None:
                busy = "intros.run.in_progress"
            else:
                outcome = await self._start_round(guild_id, now)
        if busy is not None:
            assert latest is not None
            self.runner.deliver_in_background(latest.round_id)  # joins the delivery, or resumes a stopped one
            await send(interaction, t(lang, busy, round=latest.round_id))
            return
        assert outcome is not None
        if outcome.round_id is None:
            await send(interaction, t(lang, "intros.run.nobody", count=outcome.eligible))
            return
        self.runner.deliver_in_background(outcome.round_id)
        if not outcome.created:
            await send(interaction, t(lang, "intros.run.exists"))
            return
        await send(
            interaction,
            t(
                lang,
                "intros.run.started",
                round=outcome.round_id,
                groups=outcome.groups,
                members=t(lang, "intros.count.members", count=outcome.members),
                unmatched=t(lang, "intros.count.left_out", count=outcome.unmatched),
            ),
        )

    def _dry_run_embed(self, result: MatchResult, eligible: int, lang: str) -> discord.Embed:
        embed = discord.Embed(title=t(lang, "intros.dry_run.title"), colour=logic.INTRO_COLOUR)
        if not result.groups:
            embed.description = t(lang, "intros.dry_run.none", count=eligible)
        unmatched = None
        if result.unmatched:
            # Mentions, not ids: a footer would show raw numbers, a field shows names.
            unmatched = t(
                lang, "intros.dry_run.unmatched", members=" ".join(f"<@{uid}>" for uid in result.unmatched)
            )[:1024]
        # Keep room for the "more" and "left out" fields inside Discord's 6,000-character embed limit.
        budget = logic.EMBED_TOTAL_MAX - len(embed.title or "") - len(embed.description or "") - 200
        budget -= len(unmatched or "")
        shown = 0
        for number, group in enumerate(result.groups[:DRY_RUN_GROUPS_SHOWN], start=1):
            members = " ".join(f"<@{uid}>" for uid in group.members)
            # An admin sees why a group fits, never who asked to meet whom again.
            reasons = logic.reason_lines([r for r in group.reasons if r.kind != "again"], lang)
            if group.repeat:
                reasons.append(t(lang, "intros.dry_run.repeat"))
            name = t(lang, "intros.dry_run.group", number=number)
            value = "\n".join([members, *(f"• {r}" for r in reasons)])[:1024]
            budget -= len(name) + len(value)
            if budget < 0:
                break
            embed.add_field(name=name, value=value, inline=False)
            shown += 1
        hidden = len(result.groups) - shown
        if hidden > 0:
            embed.add_field(name="…", value=t(lang, "intros.dry_run.more", count=hidden), inline=False)
        if unmatched:
            embed.add_field(name="—", value=unmatched, inline=False)
        return embed

    # --- admin ----------------------------------------------------------------------------

    @admin_command(name="intros", description="Turn on weekly introductions in a channel")
    @app_commands.describe(
        channel="Private introduction threads are created here",
        weekday="Day of the round (default Sunday)",
        hour="Local hour of the round, 0–23 (default 10)",
        timezone="The server's time zone, used by every schedule (e.g. Asia/Riyadh, UTC+3)",
        every_weeks="A round every 1, 2 or 4 weeks",
        group_size="Members per group",
        match="Group people of the same field, or mix fields",
        delivery="Private threads, or direct messages",
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def configure(
        self,
        interaction: GuildInteraction,
        channel: discord.TextChannel,
        weekday: int = logic.DEFAULT_WEEKDAY,
        hour: app_commands.Range[int, 0, 23] = logic.DEFAULT_HOUR,
        timezone: str | None = None,
        every_weeks: Literal[1, 2, 4] = 1,
        group_size: Literal[2, 3, 4] = 2,
        match: Literal["same_field", "mixed"] = "same_field",
        delivery: Literal["thread", "dm"] = "thread",
    ) -> None:
        """Validate everything, then save the schedule and the guild's time zone."""
        guild = interaction.guild
        lang = await self.lang(interaction)
        if weekday not in range(7) or hour not in range(24):
            raise MajlisError("error.bad_input")
        stored_tz = await resolve_timezone(self.bot, guild.id, timezone, "intros.bad_timezone")
        if channel.guild.id != guild.id:
            raise MajlisError("intros.bad_channel")
        if delivery == "thread":
            needed = ("view_channel", "create_private_threads", "send_messages_in_threads")
            require_bot_permissions(channel, needed, "intros.bot_cannot", channel=channel.mention)
        tz = zoneinfo_for(stored_tz)
        first = WeeklySchedule(weekday, hour, tz, every_weeks).next_after(self.bot.clock.now())
        upcoming = (
            await save_weekly_schedule(
                self.bot,
                guild.id,
                FEATURE,
                timezone=stored_tz,
                channel_id=channel.id,
                weekday=weekday,
                hour=hour,
                every_weeks=every_weeks,
                options={"group_size": group_size, "match": match, "delivery": delivery},
                anchor=first,
            )
            or first
        )
        await send(
            interaction,
            t(
                lang,
                "intros.configured",
                channel=channel.mention,
                weekday=weekday_name(weekday, lang),
                hour=f"{hour:02d}:00",
                timezone=isolate(zone_label(stored_tz, lang)),
                every=t(lang, "intros.every", count=every_weeks),
                group_size=t(lang, "intros.group_size", count=group_size),
                match=t(lang, f"intros.match.{match}"),
                delivery=t(lang, f"intros.delivery.{delivery}"),
                **local_when(upcoming, lang, tz, now=self.bot.clock.now()),
            ),
        )

    @configure.autocomplete("timezone")
    async def _timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.timezone_choices(interaction, current)

    async def status_for_admins(self, guild_id: int, lang: str) -> list[str]:
        """Lines for `/majlis status`: members, last round, delivered/failed groups, closed DMs."""
        settings = await guild_store.ensure_guild(self.bot.db, guild_id)
        return await admin_status_lines(self.bot.db, guild_id, lang, zoneinfo_for(settings.timezone))

    async def peers_met_counter(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Count the peers a member met, for their profile card."""
        return {"peers_met": await store.peers_met(self.bot.db, guild_id, user_id)}

    # --- check-in buttons (in group threads and DMs) -----------------------------------------

    async def _own_group(
        self, interaction: discord.Interaction, group_id: int
    ) -> tuple[IntroGroup, str] | None:
        """Return the group and the presser's language, or answer and return None if they are not in it."""
        group = await store.get_group(self.bot.db, group_id)
        if group is None:
            await send(interaction, t(await self.lang(interaction), "intros.group_gone"))
            return None
        # A DM press has no guild: answer in the member's language for the group's guild.
        lang = await self.bot.member_language(group.guild_id, interaction.user.id)
        if interaction.user.id not in group.members:
            await send(interaction, t(lang, "intros.not_in_group"))
            return None
        return group, lang

    async def answer_checkin(self, interaction: discord.Interaction, group_id: int, answer: str) -> None:
        """Store (or change) a member's "did you meet?" answer, privately."""
        found = await self._own_group(interaction, group_id)
        if found is None:
            return
        _group, lang = found
        await store.record_answer(self.bot.db, group_id, interaction.user.id, answer, self.bot.clock.now())
        await send(interaction, t(lang, "intros.checkin.recorded", answer=t(lang, f"intros.answer.{answer}")))

    async def ask_to_meet_group_again(self, interaction: discord.Interaction, group_id: int) -> None:
        """Record "meet again" with every other member of the group; they are told nothing unless they ask too."""
        found = await self._own_group(interaction, group_id)
        if found is None:
            return
        group, lang = found
        try:
            await check_cooldown(interaction, "intros.lists", guild_id=group.guild_id)  # DMs too
        except MajlisError as refused:  # answered in the member's language for the group's guild
            await send(interaction, t(lang, refused.key, **refused.params))
            return
        others = [uid for uid in group.members if uid != interaction.user.id]
        for uid in others:
            await store.add_again(self.bot.db, group.guild_id, interaction.user.id, uid, self.bot.clock.now())
        await send(interaction, t(lang, "intros.again_group_saved", count=len(others)))

    # --- members --------------------------------------------------------------------------

    @guild_command(intros, name="join", description="Take part in the weekly introductions")
    async def join(self, interaction: GuildInteraction) -> None:
        """Opt in and become findable by peers."""
        await self.require_feature(interaction.guild_id, FEATURE, "intros.off")
        guild_id, user_id = interaction.guild_id, interaction.user.id
        joined = await store.join(self.bot.db, guild_id, user_id, self.bot.clock.now())
        if not joined:
            await self.reply(interaction, "intros.already_joined")
            return
        await profile_store.save_profile(self.bot.db, guild_id, user_id, now=self.bot.clock.now())
        await guild_store.mark_member_present(self.bot.db, guild_id, user_id)
        profile = await profile_store.get_profile(self.bot.db, guild_id, user_id)
        complete = profile is not None and profile.field and profile.timezone
        await self.reply(interaction, "intros.joined" if complete else "intros.joined_no_profile")

    @guild_command(intros, name="leave", description="Stop taking part in the introductions")
    async def leave(self, interaction: GuildInteraction) -> None:
        """Opt out (history kept)."""
        if not await store.leave(self.bot.db, interaction.guild_id, interaction.user.id):
            raise MajlisError("intros.not_joined")
        await self.reply(interaction, "intros.left")

    @guild_command(
        intros, name="pause", description="Take a break from introductions; you come back by yourself"
    )
    @app_commands.describe(weeks="How many weeks, 1–12")
    async def pause(self, interaction: GuildInteraction, weeks: app_commands.Range[int, 1, 12]) -> None:
        """Snooze for some weeks."""
        await self.require_feature(interaction.guild_id, FEATURE, "intros.off")
        now = self.bot.clock.now()
        try:
            until = logic.pause_until(now, weeks)
        except ValueError:
            raise MajlisError("intros.pause_bad_weeks") from None
        member = await store.get_member(self.bot.db, interaction.guild_id, interaction.user.id)
        if member is None or not member.opted_in:
            raise MajlisError("intros.not_joined")
        await store.set_pause(self.bot.db, interaction.guild_id, interaction.user.id, until)
        lang = await self.lang(interaction)
        await send(
            interaction,
            t(
                lang,
                "intros.paused",
                **local_when(
                    until,
                    lang,
                    await self.bot.reader_zone(interaction.guild_id, interaction.user.id),
                    now=now,
                    key="until",
                ),
            ),
        )

    @guild_command(
        intros, name="status", description="Next round, your current group and the peers you've met"
    )
    async def status(self, interaction: GuildInteraction) -> None:
        """Show the member's own introductions, privately."""
        await self.require_feature(interaction.guild_id, FEATURE, "intros.off")
        lang = await self.lang(interaction)
        await guild_store.ensure_guild(self.bot.db, interaction.guild_id)
        lines = await member_status_lines(
            self.bot.db,
            interaction.guild_id,
            interaction.user.id,
            lang=lang,
            now=self.bot.clock.now(),
            next_round=self.bot.scheduler.next_run(interaction.guild_id, FEATURE),
            tz=await self.bot.reader_zone(interaction.guild_id, interaction.user.id),
        )
        embed = discord.Embed(
            title=t(lang, "intros.status.title"),
            description="\n".join(lines)[:4096],
            colour=logic.INTRO_COLOUR,
        )
        await send(interaction, embed=embed)

    def _peer(self, interaction: discord.Interaction, member: discord.Member, self_key: str) -> None:
        if member.id == interaction.user.id:
            raise MajlisError(self_key)
        if member.bot:
            raise MajlisError("intros.not_a_peer")

    @guild_command(intros, name="avoid", description="Never be grouped with this member (private)")
    @cooldown("intros.lists")
    @app_commands.describe(member="Who you never want to be grouped with; they are never told")
    async def avoid(self, interaction: GuildInteraction, member: discord.Member) -> None:
        """Record a private "never pair me with"."""
        self._peer(interaction, member, "intros.avoid_self")
        await store.add_avoid(
            self.bot.db, interaction.guild_id, interaction.user.id, member.id, self.bot.clock.now()
        )
        await self.reply(interaction, "intros.avoided", member=member.mention)

    @guild_command(intros, name="unavoid", description="Allow being grouped with this member again")
    @app_commands.describe(member="A member on your avoid list")
    async def unavoid(self, interaction: GuildInteraction, member: discord.Member) -> None:
        """Withdraw a private avoid request."""
        if not await store.remove_avoid(self.bot.db, interaction.guild_id, interaction.user.id, member.id):
            raise MajlisError("intros.not_avoided", member=member.mention)
        await self.reply(interaction, "intros.unavoided", member=member.mention)

    @guild_command(intros, name="again", description="I'd like to meet this member again")
    @cooldown("intros.lists")
    @app_commands.describe(member="Who you'd like to meet again; when they ask too, you're paired soon")
    async def again(self, interaction: GuildInteraction, member: discord.Member) -> None:
        """Ask to meet someone again; when both ask, they are grouped again soon."""
        await self.require_feature(interaction.guild_id, FEATURE, "intros.off")
        self._peer(interaction, member, "intros.again_self")
        await store.add_again(
            self.bot.db, interaction.guild_id, interaction.user.id, member.id, self.bot.clock.now()
        )
        # The same answer whether or not they asked first: a reply must not tell who asked for whom.
        await self.reply(interaction, "intros.again_saved", member=member.mention)


async def setup(bot: MajlisBot) -> None:
    """Load the intros cog."""
    await bot.add_cog(Intros(bot))
