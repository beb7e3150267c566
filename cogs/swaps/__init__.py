"""`/swap …` and `/majlis swaps`: skill-swap requests on a board, matched directly or in three-way cycles."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MajlisBot
from bot.cog import (
    GuildInteraction,
    MajlisCog,
    admin_command,
    guild_command,
    require_bot_permissions,
    send,
)
from bot.cooldowns import cooldown
from bot.errors import MajlisError
from bot.hooks import DailyJob, Feature, Hooks
from bot.i18n import t
from bot.locks import KeyedLocks
from bot.mentions import ping_only
from bot.skills import MAX_SKILL_LENGTH, default_catalogue
from bot.storage import guilds as guild_store
from bot.storage import profiles as profile_store
from bot.storage import swaps as store
from bot.storage.privacy import Forgotten
from bot.text import literal, normalize_text
from cogs.swaps._board import SWEEP_JOB, SwapBoard
from cogs.swaps._buttons import ButtonsMixin
from cogs.swaps._embeds import PAGE_SIZE, list_embed, page_count, skill_name
from cogs.swaps._views import HelpButton, MatchButton, PageView, RenewButton

log = logging.getLogger(__name__)


_BOARD_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_private_threads",
    "send_messages_in_threads",
)


def skill_key(text: str) -> str:
    """Turn a typed (or autocompleted) skill into its canonical key, refusing empty or overlong text."""
    if len(normalize_text(text)) > MAX_SKILL_LENGTH:
        raise MajlisError("swaps.skill_too_long", limit=MAX_SKILL_LENGTH)
    key = default_catalogue().canonical(text)
    if not key:
        raise MajlisError("swaps.skill_empty")
    return key


class Swaps(ButtonsMixin, MajlisCog):
    """Members offer what they can do in exchange for what they need; Majlis finds who fits."""

    swap = app_commands.Group(
        name="swap",
        description="Skill swaps: offer what you can do, get help with what you need",
        guild_only=True,
    )

    def __init__(self, bot: MajlisBot) -> None:
        super().__init__(bot)
        self.board = SwapBoard(bot)
        # One press at a time per (request, helper): a double click must not open two threads.
        self._help_locks: KeyedLocks[tuple[int, int]] = KeyedLocks()

    def hooks(self) -> Hooks:
        """Persistent buttons, `/majlis status`, the profile counts, the daily matching and the expiry sweep."""
        return Hooks(
            daily=[DailyJob("swaps", self.board.daily, hour=5)],
            one_off_prefixes=(SWEEP_JOB,),
            dynamic_items=(HelpButton, MatchButton, RenewButton),
            features=[Feature("swaps", status=self.status_lines)],
            profile_counters=[self.profile_counts],
        )

    async def start(self) -> None:
        """Resume undelivered proposals and schedule the expiry sweep."""
        # Proposals the bot stopped delivering resume once the gateway's caches are filled.
        self.board.track(self.board.resume(), "swaps-resume")
        try:
            await self.board.schedule_sweep()
        except RuntimeError:
            log.info("swaps loaded without a database; the expiry sweep starts with the next request")

    async def stop(self) -> None:
        """Stop background deliveries; what they recorded resumes them next start."""
        await self.board.stop()

    # --- hooks for the core ------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_member_forgotten(self, guild_id: int, forgotten: Forgotten) -> None:
        """Update the requests and proposals a forgotten member was in."""
        # Their board posts are rewritten by /privacy forget's own recorded steps (cogs/_forgetting.py).
        await self.board.refresh(list(forgotten.reopened_request_ids))
        for match_id in forgotten.cancelled_match_ids:
            await self.board.refresh_match(match_id, "swaps.match.cancelled")

    async def status_lines(self, guild_id: int, lang: str) -> list[str]:
        """Describe the board's requests for `/majlis status`."""
        counts = await store.status_counts(self.bot.db, guild_id)
        return [
            t(
                lang,
                "swaps.status_line",
                open=counts.get("open", 0),
                matched=counts.get("matched", 0),
                done=counts.get("done", 0),
            )
        ]

    async def profile_counts(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Return the swap counts shown on a profile card."""
        return await store.member_counts(self.bot.db, guild_id, user_id)

    async def run_expiry_sweep(self) -> tuple[int, int]:
        """Send due reminders and expire old requests now, exactly as the scheduled job does."""
        return await self.board.sweep()

    async def run_matching(self, guild_id: int) -> list[int]:
        """Look for swaps in a guild now, exactly as after a new request or the daily job."""
        return await self.board.run_matching(guild_id)

    # --- admin --------------------------------------------------------------------------------

    @admin_command(name="swaps", description="Enable the skill-swap board in a channel")
    @app_commands.describe(channel="Where swap requests are posted; matches get private threads here")
    async def configure_board(self, interaction: GuildInteraction, channel: discord.TextChannel) -> None:
        """Enable the swap board in a text channel the bot can post and open private threads in."""
        require_bot_permissions(channel, _BOARD_PERMISSIONS, "error.bot_missing_permission")
        await guild_store.configure_feature(self.bot.db, interaction.guild.id, "swaps", channel_id=channel.id)
        await self.board.schedule_sweep()  # reminders held back while the board was off are due again
        await self.reply(interaction, "swaps.configured", channel=channel.mention)

    # --- member commands ----------------------------------------------------------------------

    async def skill_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer shipped skills (Arabic or English names) and the skills already used in this guild."""
        lang = await self.lang(interaction)
        known = profile_store.GuildSkills((), {})
        if interaction.guild_id is not None:
            known = await profile_store.guild_skills(self.bot.db, interaction.guild_id)
        return [
            app_commands.Choice(name=label, value=key)
            for label, key in default_catalogue().suggest(
                current, lang, extra_keys=known.keys, labels=known.labels
            )
        ]

    @guild_command(
        swap, name="offer", description="Post a skill swap: what you can do, and what you'd like help with"
    )
    @cooldown("swap.offer")
    @app_commands.describe(
        offer="A skill you can offer",
        want="A skill you'd like help with",
        details="More about the swap (500 max)",
    )
    async def offer(
        self, interaction: GuildInteraction, offer: str, want: str, details: str | None = None
    ) -> None:
        """Store a request, post it to the board, and look for a match."""
        guild_id = interaction.guild_id
        channel = await self.board.board_channel(guild_id)
        if channel is None:
            raise MajlisError("swaps.not_configured")
        offer_key, want_key = skill_key(offer), skill_key(want)
        if offer_key == want_key:
            raise MajlisError("swaps.same_skill")
        details = details.strip() if details else None
        if details and len(details) > store.DETAILS_MAX:
            raise MajlisError("swaps.details_too_long", limit=store.DETAILS_MAX, length=len(details))
        try:
            request = await store.open_request(
                self.bot.db,
                guild_id,
                interaction.user.id,
                offer=offer_key,
                want=want_key,
                details=details or None,
                now=self.bot.clock.now(),
            )
        except store.SwapRefused as refused:
            if refused.reason == "limit":
                raise MajlisError("swaps.limit", limit=store.OPEN_LIMIT) from None
            raise MajlisError("swaps.duplicate") from None
        await profile_store.remember_typed_skills(self.bot.db, guild_id, f"{offer},{want}")
        request = await store.get_request(self.bot.db, request.id) or request  # with the labels just kept
        await profile_store.save_profile(self.bot.db, guild_id, interaction.user.id, now=self.bot.clock.now())
        await interaction.response.defer(ephemeral=True, thinking=True)
        message = await self.board.post(request, channel)
        await self.board.schedule_sweep()
        # Matching runs before the final answer, so a match's thread exists when the member reads it.
        await self.board.run_matching(guild_id)
        lang = await self.lang(interaction)
        key = "swaps.offer.posted" if message is not None else "swaps.offer.stored"
        await send(
            interaction,
            t(
                lang,
                key,
                id=request.id,
                offer=skill_name(offer_key, lang, request.skill_labels),
                want=skill_name(want_key, lang, request.skill_labels),
                link=message.jump_url if message else "",
            ),
        )

    @offer.autocomplete("offer")
    async def _offer_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.skill_choices(interaction, current)

    @offer.autocomplete("want")
    async def _want_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.skill_choices(interaction, current)

    async def _send_pages(
        self,
        interaction: GuildInteraction,
        *,
        title: str,
        statuses: tuple[str, ...],
        skill: str | None = None,
        user_id: int | None = None,
        present_only: bool = False,
    ) -> None:
        guild_id = interaction.guild_id
        lang = await self.lang(interaction)
        total = await store.count_requests(
            self.bot.db, guild_id, statuses=statuses, skill=skill, user_id=user_id, present_only=present_only
        )

        async def load(page: int) -> discord.Embed:
            requests = await store.list_requests(
                self.bot.db,
                guild_id,
                statuses=statuses,
                skill=skill,
                user_id=user_id,
                present_only=present_only,
                limit=PAGE_SIZE,
                offset=page * PAGE_SIZE,
            )
            return list_embed(
                requests, lang, title=title, page=page, total=total, show_member=user_id is None
            )

        pages = page_count(total)
        if pages <= 1:
            await send(interaction, embed=await load(0))
            return
        view = PageView(interaction.user.id, pages, load, lang)
        view.message_interaction = interaction
        await send(interaction, embed=await load(0), view=view)

    @guild_command(swap, name="list", description="Open skill-swap requests, optionally for one skill")
    @app_commands.describe(skill="Only requests offering or wanting this skill")
    async def list_requests(self, interaction: GuildInteraction, skill: str | None = None) -> None:
        """Page through the guild's open requests from members still here."""
        await self.require_feature(interaction.guild_id, "swaps", "swaps.not_configured")
        lang = await self.lang(interaction)
        key = skill_key(skill) if skill else None
        labels = await profile_store.skill_labels(
            self.bot.db, interaction.guild_id or 0, [key] if key else []
        )
        title = (
            t(lang, "swaps.list.title_skill", skill=skill_name(key, lang, labels))
            if key
            else t(lang, "swaps.list.title")
        )
        await self._send_pages(interaction, title=title, statuses=("open",), skill=key, present_only=True)

    @list_requests.autocomplete("skill")
    async def _list_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.skill_choices(interaction, current)

    @guild_command(swap, name="mine", description="Your skill-swap requests")
    async def mine(self, interaction: GuildInteraction) -> None:
        """Page through the member's own requests, newest first, whatever their status."""
        lang = await self.lang(interaction)
        await self._send_pages(
            interaction,
            title=t(lang, "swaps.mine.title"),
            statuses=("open", "matched", "done", "closed", "expired"),
            user_id=interaction.user.id,
        )

    async def _own_request(self, interaction: discord.Interaction, request_id: int) -> store.SwapRequest:
        request = await store.get_request(self.bot.db, request_id)
        if request is None or request.guild_id != interaction.guild_id:
            raise MajlisError("swaps.not_found", id=request_id)
        if request.user_id != interaction.user.id:
            raise MajlisError("swaps.not_owner", id=request_id)
        return request

    @guild_command(swap, name="close", description="Withdraw one of your skill-swap requests")
    @app_commands.rename(request_id="id")
    @app_commands.describe(request_id="The request number (see /swap mine)")
    async def close(self, interaction: GuildInteraction, request_id: int) -> None:
        """Withdraw a request; a matched swap that falls through puts the partners' requests back on the board."""
        request = await self._own_request(interaction, request_id)
        try:
            finish = await store.finish_request(self.bot.db, request.id, "closed", self.bot.clock.now())
        except store.SwapRefused:
            lang = await self.lang(interaction)
            raise MajlisError(
                "swaps.not_active", id=request.id, status=t(lang, f"swaps.status.{request.status}")
            ) from None
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.board.refresh([request.id, *finish.reopened_request_ids])
        for match_id in finish.cancelled_match_ids:
            await self.board.refresh_match(match_id, "swaps.match.cancelled")
        await self.board.schedule_sweep()
        if finish.reopened_request_ids:
            await self.board.run_matching(request.guild_id)
        await self.reply(interaction, "swaps.closed", id=request.id)

    @guild_command(swap, name="done", description="Mark a skill swap completed, and thank your partner(s)")
    @app_commands.rename(request_id="id")
    @app_commands.describe(
        request_id="The request number (see /swap mine)",
        thanks="A thank-you note; it adds to your partner's reputation",
        partner='Who helped you, if it was through the board\'s "I can help" button',
    )
    async def done(
        self,
        interaction: GuildInteraction,
        request_id: int,
        thanks: str | None = None,
        partner: discord.Member | None = None,
    ) -> None:
        """Complete a request (the whole swap it was matched in) and thank the partner(s)."""
        request = await self._own_request(interaction, request_id)
        lang = await self.lang(interaction)
        thanks = thanks.strip() if thanks else None
        if thanks and len(thanks) > store.THANKS_MAX:
            raise MajlisError("swaps.thanks_too_long", limit=store.THANKS_MAX, length=len(thanks))
        if request.status in ("closed", "expired"):
            raise MajlisError(
                "swaps.not_active", id=request.id, status=t(lang, f"swaps.status.{request.status}")
            )
        partners = await self._partners(request, partner)
        if request.status == "done" and not thanks:
            raise MajlisError("swaps.already_done", id=request.id)
        completion = await store.complete_request(
            self.bot.db, request, self.bot.clock.now(), partner_ids=partners, thanks=thanks or None
        )
        if completion.already_done and not completion.thanked:
            raise MajlisError("swaps.already_thanked", id=request.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if completion.request_ids:
            await self.board.refresh(list(completion.request_ids))
        if completion.match_id is not None:
            await self.board.refresh_match(completion.match_id)
            if completion.thanked:
                await self._post_thanks(
                    completion.match_id, interaction.user.id, completion.thanked, thanks or ""
                )
        await self.board.schedule_sweep()
        mentions = ", ".join(f"<@{user_id}>" for user_id in completion.thanked)
        key = "swaps.done_thanked" if completion.thanked else "swaps.done"
        await self.reply(interaction, key, id=request.id, partners=mentions)

    async def _partners(self, request: store.SwapRequest, partner: discord.Member | None) -> list[int]:
        """Return who gets thanked: the matched partners, else the helper who opened a board thread."""
        if request.match_id is not None:
            return await store.match_partners(self.bot.db, request)
        helpers = await store.helpers_of(self.bot.db, request.id)
        if partner is not None:
            if partner.id not in helpers:
                raise MajlisError("swaps.not_a_helper", member=partner.mention, id=request.id)
            return [partner.id]
        if request.helper_user_id is not None:
            return [request.helper_user_id]
        return helpers if len(helpers) == 1 else []

    async def _post_thanks(
        self, match_id: int, from_user_id: int, thanked: tuple[int, ...], note: str
    ) -> None:
        match = await store.get_match(self.bot.db, match_id)
        if match is None or match.thread_id is None:
            return
        lang = await self.bot.guild_language(match.guild_id)
        try:
            await self.bot.delivery.send(
                self.bot.get_partial_messageable(match.thread_id),
                t(
                    lang,
                    "swaps.thanks_posted",
                    member=f"<@{from_user_id}>",
                    partners=", ".join(f"<@{user_id}>" for user_id in thanked),
                    note=literal(note),
                ),
                allowed_mentions=ping_only(thanked),
            )
        except discord.HTTPException as error:
            log.warning("could not post thanks in swap proposal %s: %s", match_id, error)


async def setup(bot: MajlisBot) -> None:
    """Load the skill-swaps cog."""
    await bot.add_cog(Swaps(bot))


__all__ = ["Swaps", "setup", "skill_key"]
