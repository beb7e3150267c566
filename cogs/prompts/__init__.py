"""Weekly knowledge-sharing prompts with an answers thread, member suggestions, and the weekly digest."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import discord
from discord import app_commands

from bot.client import MajlisBot
from bot.cog import GuildInteraction, MajlisCog, admin_command, guild_command, require_bot_permissions, send
from bot.cooldowns import cooldown
from bot.errors import MajlisError
from bot.hooks import Feature, Hooks
from bot.i18n import format_when, local_when, t
from bot.locks import KeyedLocks
from bot.prompts import check_prompt_text, digest_weekday, first_occurrences, load_bank, next_prompt
from bot.storage import guilds as guild_store
from bot.storage import prompts as store
from bot.storage.prompts import PromptPost, suggestion_ref
from bot.timezones import zone_label, zoneinfo_for
from cogs._schedule import WEEKDAY_CHOICES, resolve_timezone, save_weekly_schedule
from cogs.prompts._content import (
    NEEDED_PERMISSIONS,
    failure_text,
    queue_embed,
)
from cogs.prompts._digest import DigestMixin
from cogs.prompts._posting import PostingMixin
from cogs.prompts._views import DecisionButton, PageButton, queue_view

DEFAULT_WEEKDAY = 6  # Sunday
DEFAULT_HOUR = 10


@dataclass(frozen=True)
class PostOutcome:
    """What a run of the weekly prompt did."""

    post: PromptPost | None
    already: bool = False  # this occurrence was already posted; nothing was sent


class Prompts(PostingMixin, DigestMixin, MajlisCog):
    """Posts the week's question, keeps the suggestions queue, and sums up the answers."""

    prompt = app_commands.Group(
        name="prompt", description="Weekly knowledge-sharing prompts", guild_only=True
    )

    def __init__(self, bot: MajlisBot) -> None:
        super().__init__(bot)
        self.bank = {prompt.id: prompt for prompt in load_bank()}
        self._locks: KeyedLocks[int] = KeyedLocks()

    def hooks(self) -> Hooks:
        """The weekly prompt and digest, `/majlis run|status|disable`, and the persistent queue buttons."""
        return Hooks(
            weekly={"prompts": self.scheduled_prompt, "digest": self.scheduled_digest},
            dynamic_items=(DecisionButton, PageButton),
            features=[
                Feature("prompts", status=self.prompt_status, on_disable=self.disable_prompts),
                Feature("digest", status=self.digest_status),
            ],
            run_targets={"prompt": self.run_prompt, "digest": self.run_digest},
        )

    def _lock(self, guild_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        # One run at a time per guild: a scheduled post and `/majlis run` must not both choose a prompt.
        return self._locks.hold(guild_id)

    # -- member command ----------------------------------------------------------------------------

    @guild_command(
        prompt, name="suggest", description="Suggest a knowledge-sharing prompt for the weekly rotation"
    )
    @cooldown("prompt.suggest")
    @app_commands.describe(text="Your question for the community (10-300 characters)")
    async def suggest(self, interaction: GuildInteraction, text: str) -> None:
        """Queue a member's prompt for the admins to review."""
        db, guild_id, user_id = self.bot.db, interaction.guild_id, interaction.user.id
        await self.require_feature(guild_id, "prompts", "prompts.suggest_off")
        checked = check_prompt_text(text)
        if await store.find_waiting_duplicate(db, guild_id, checked.key) is not None:
            raise MajlisError("prompts.duplicate")
        if await store.count_pending_by(db, guild_id, user_id) >= store.MAX_PENDING_PER_MEMBER:
            raise MajlisError("prompts.too_many_pending", maximum=store.MAX_PENDING_PER_MEMBER)
        await guild_store.ensure_guild(db, guild_id)
        added = await store.add_suggestion(
            db, guild_id, user_id, checked.text, checked.key, checked.language, self.bot.clock.now()
        )
        if added is None:
            raise MajlisError("prompts.duplicate")
        await self.reply(interaction, "prompts.suggested")

    # -- admin commands ----------------------------------------------------------------------------

    @admin_command(name="prompts", description="Post a weekly knowledge-sharing prompt in a channel")
    @app_commands.describe(
        channel="Where the prompt and its answers thread go",
        weekday="Day of the week (default Sunday)",
        hour="Hour of the day, 0-23, in the server's time zone (default 10)",
        timezone="The server's time zone, e.g. Asia/Riyadh or UTC+3 (used by every schedule)",
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def configure(
        self,
        interaction: GuildInteraction,
        channel: discord.TextChannel,
        weekday: int = DEFAULT_WEEKDAY,
        hour: app_commands.Range[int, 0, 23] = DEFAULT_HOUR,
        timezone: str | None = None,
    ) -> None:
        """Enable weekly prompts (and the digest a day before each) in a channel."""
        guild_id = interaction.guild.id
        tz_name = await resolve_timezone(self.bot, guild_id, timezone, "prompts.bad_timezone")
        require_bot_permissions(channel, NEEDED_PERMISSIONS, "prompts.bot_missing", channel=channel.mention)
        if not 0 <= weekday <= 6:
            raise MajlisError("error.bad_input")

        tz = zoneinfo_for(tz_name)
        first_prompt, first_digest = first_occurrences(weekday, hour, tz, self.bot.clock.now())
        plan = (("prompts", weekday, first_prompt), ("digest", digest_weekday(weekday), first_digest))
        for feature, day, anchor in plan:
            await save_weekly_schedule(
                self.bot,
                guild_id,
                feature,
                timezone=tz_name,
                channel_id=channel.id,
                weekday=day,
                hour=hour,
                anchor=anchor,
            )
        lang = await self.lang(interaction)
        upcoming = self.bot.scheduler.next_run(guild_id, "prompts") or first_prompt
        await send(
            interaction,
            t(
                lang,
                "prompts.configured",
                channel=channel.mention,
                **local_when(upcoming, lang, tz, now=self.bot.clock.now()),
                timezone=zone_label(tz_name, lang),
            ),
        )

    @configure.autocomplete("timezone")
    async def _timezone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.timezone_choices(interaction, current)

    @admin_command(name="prompts-queue", description="Review members' prompt suggestions")
    async def queue(self, interaction: GuildInteraction) -> None:
        """List pending suggestions with Approve / Reject buttons."""
        lang = await self.lang(interaction)
        embed, view = await self._queue_page(interaction.guild_id, lang, 0)
        if view is None:
            await send(interaction, embed=embed)
        else:
            await send(interaction, embed=embed, view=view)

    @admin_command(name="prompt-add", description="Add a prompt to this server's rotation directly")
    @app_commands.describe(
        text="The prompt, as it will be posted (10-300 characters)",
        language="The language the prompt is written in",
    )
    async def add(
        self, interaction: GuildInteraction, text: str, language: Literal["ar", "en"] | None = None
    ) -> None:
        """Add an admin's prompt: approved at once, posted before the bank."""
        checked = check_prompt_text(text, language)
        db, guild_id = self.bot.db, interaction.guild_id
        if await store.find_waiting_duplicate(db, guild_id, checked.key) is not None:
            raise MajlisError("prompts.duplicate")
        await guild_store.ensure_guild(db, guild_id)
        added = await store.add_suggestion(
            db,
            guild_id,
            interaction.user.id,
            checked.text,
            checked.key,
            checked.language,
            self.bot.clock.now(),
            origin="admin",
        )
        if added is None:
            raise MajlisError("prompts.duplicate")
        await self.reply(
            interaction, "prompts.added", waiting=await store.count_approved_waiting(db, guild_id)
        )

    # -- the queue buttons ------------------------------------------------------------------------

    async def _queue_page(
        self, guild_id: int, lang: str, page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        pending = await store.pending_suggestions(self.bot.db, guild_id)
        size = store.QUEUE_PAGE_SIZE
        pages = max(1, -(-len(pending) // size))
        page = min(max(page, 0), pages - 1)
        items = pending[page * size : (page + 1) * size]
        return queue_embed(lang, items, page, pages, len(pending)), queue_view(lang, items, page, pages)

    async def _refuse_non_admin(self, interaction: discord.Interaction) -> bool:
        if interaction.guild is not None and interaction.permissions.manage_guild:
            return False
        await self.reply(interaction, "error.missing_permission")
        return True

    async def decide(self, interaction: GuildInteraction, suggestion_id: int, *, approve: bool) -> None:
        """Approve or reject a suggestion (admins only, whoever got hold of the button)."""
        if await self._refuse_non_admin(interaction):
            return
        lang = await self.lang(interaction)
        decided = await store.decide_suggestion(
            self.bot.db,
            interaction.guild_id,
            suggestion_id,
            approve=approve,
            by_user_id=interaction.user.id,
            now=self.bot.clock.now(),
        )
        key = "prompts.approved" if approve else "prompts.rejected"
        if not decided:
            key = "prompts.already_decided"
        embed, view = await self._queue_page(interaction.guild_id, lang, 0)
        await interaction.response.edit_message(
            content=t(lang, key, number=suggestion_id), embed=embed, view=view
        )

    async def show_queue_page(self, interaction: GuildInteraction, page: int) -> None:
        """Show another page of the queue."""
        if await self._refuse_non_admin(interaction):
            return
        lang = await self.lang(interaction)
        embed, view = await self._queue_page(interaction.guild_id, lang, page)
        await interaction.response.edit_message(content=None, embed=embed, view=view)

    # -- posting the weekly prompt ----------------------------------------------------------------

    async def scheduled_prompt(self, guild_id: int, scheduled_for: datetime) -> None:
        """Post the prompt of a scheduled occurrence (failures are recorded, not raised)."""
        # A run missed while down fires during start-up, before the guilds are known.
        await self.bot.wait_until_ready()
        await self.post_prompt(guild_id, scheduled_for)

    async def run_prompt(self, interaction: GuildInteraction, dry_run: bool) -> None:
        """`/majlis run feature:prompt`: post the next prompt now (or show it, with dry_run)."""
        guild_id = interaction.guild_id
        lang = await self.lang(interaction)
        await self.require_feature(guild_id, "prompts", "prompts.not_configured")
        if dry_run:
            waiting = [p for p in await store.unfinished_posts(self.bot.db, guild_id) if p.message_id is None]
            text = (
                waiting[0].text
                if waiting
                else (await self._choose(guild_id, await self._guild_lang(guild_id)))[1]
            )
            await send(interaction, t(lang, "prompts.dry_run", prompt=text))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.post_prompt(guild_id, None)
        post = outcome.post
        if post is None:
            await send(interaction, t(lang, "prompts.not_configured"))
        elif post.complete and post.channel_id and post.message_id:
            url = f"https://discord.com/channels/{guild_id}/{post.channel_id}/{post.message_id}"
            await send(interaction, t(lang, "prompts.run_posted", url=url))
        else:
            await send(interaction, t(lang, "prompts.run_failed", reason=failure_text(lang, post.error)))

    async def _guild_lang(self, guild_id: int) -> str:
        return await self.bot.guild_language(guild_id)

    async def _choose(self, guild_id: int, lang: str) -> tuple[str, str, int | None, int | None]:
        """Return (prompt_ref, text, suggestion_id, credited_user_id) of the prompt to post next."""
        db = self.bot.db
        approved = {suggestion_ref(s.id): s for s in await store.approved_in_order(db, guild_id)}
        choice = next_prompt(
            list(self.bank), await store.used_prompt_refs(db, guild_id), list(approved), guild_id
        )
        if choice.source == "suggestion":
            suggestion = approved[choice.prompt_id]
            credited = suggestion.author_user_id if suggestion.credited else None
            return choice.prompt_id, suggestion.text, suggestion.id, credited
        return choice.prompt_id, self.bank[choice.prompt_id].text(lang), None, None

    async def post_prompt(self, guild_id: int, scheduled_for: datetime | None) -> PostOutcome:
        """Post one prompt (a failed earlier one first) exactly once for this occurrence."""
        async with self._lock(guild_id):
            db = self.bot.db
            config = await guild_store.enabled_feature(db, guild_id, "prompts")
            guild = self.bot.get_guild(guild_id)
            if config is None or guild is None:
                return PostOutcome(None)
            lang = await self._guild_lang(guild_id)
            target = None
            if scheduled_for is not None:
                target = await store.post_for_occurrence(db, guild_id, scheduled_for)
                if target is not None and target.complete:
                    return PostOutcome(target, already=True)
            for post in await store.unfinished_posts(db, guild_id):
                if target is not None and post.id == target.id:
                    continue
                if post.message_id is not None:
                    # Posted before but its thread is missing: only the thread is made, never a second post.
                    post = await self._open_thread(guild, post)
                    if post.message_id is not None:
                        continue
                if target is None:
                    # The prompt that could not be posted last time goes out now, in this run's place.
                    target = await store.carry_post(db, post.id, scheduled_for)
            if target is None:
                ref, text, suggestion_id, credited = await self._choose(guild_id, lang)
                target = await store.claim_post(
                    db,
                    guild_id,
                    scheduled_for,
                    self.bot.clock.now(),
                    prompt_ref=ref,
                    text=text,
                    language=lang,
                    suggestion_id=suggestion_id,
                    credited_user_id=credited,
                )
                if target is None:  # another process claimed it; nothing to send twice
                    existing = await store.post_for_occurrence(db, guild_id, scheduled_for)  # type: ignore[arg-type]
                    return PostOutcome(existing, already=True)
            return PostOutcome(await self._deliver(guild, config.channel_id, target, lang))

    # -- status and disable -----------------------------------------------------------------------

    async def prompt_status(self, guild_id: int, lang: str) -> list[str]:
        """Lines for `/majlis status`: counts, and any prompt waiting to be retried and why."""
        db = self.bot.db
        lines = [
            t(
                lang,
                "prompts.status_counts",
                posted=await store.count_posts(db, guild_id),
                pending=len(await store.pending_suggestions(db, guild_id)),
                approved=await store.count_approved_waiting(db, guild_id),
            )
        ]
        settings = await guild_store.get_guild(db, guild_id)
        tz = zoneinfo_for(settings.timezone if settings else "UTC")
        for post in await store.unfinished_posts(db, guild_id):
            if post.status != "failed":
                continue
            when = post.scheduled_for or post.created_at
            lines.append(
                t(
                    lang,
                    "prompts.status_failed",
                    when=format_when(when, lang, tz),
                    reason=failure_text(lang, post.error),
                )
            )
        return lines

    async def disable_prompts(self, guild_id: int) -> None:
        """Turning prompts off also stops the digest, which has nothing to sum up without them."""
        await guild_store.set_feature_enabled(self.bot.db, guild_id, "digest", False)
        self.bot.scheduler.cancel(guild_id, "digest")


async def setup(bot: MajlisBot) -> None:
    """Load the prompts cog."""
    await bot.add_cog(Prompts(bot))
