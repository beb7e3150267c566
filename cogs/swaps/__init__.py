"""`/swap …` and `/majlis swaps`: skill-swap requests on a board, matched directly or in three-way cycles."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from functools import partial
from typing import Literal

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MajlisBot
from bot.cog import (
    GuildInteraction,
    MajlisCog,
    admin_command,
    guild_command,
    in_guild,
    require_bot_permissions,
    send,
)
from bot.cooldowns import check_cooldown, cooldown
from bot.delivery import Marker
from bot.errors import MajlisError
from bot.hooks import DailyJob, Feature, Hooks
from bot.i18n import Reader, expiry_date, group_address, t
from bot.mentions import ping_only
from bot.skills import MAX_SKILL_LENGTH, default_catalogue
from bot.storage import guilds as guild_store
from bot.storage import profiles as profile_store
from bot.storage import swaps as store
from bot.storage.privacy import Forgotten
from bot.text import literal, normalize_text
from cogs.swaps._board import SWEEP_JOB, SwapBoard
from cogs.swaps._embeds import PAGE_SIZE, list_embed, match_embed, page_count, skill_name, withdrawn_embed
from cogs.swaps._views import HelpButton, MatchButton, PageView, RenewButton, match_view, renew_view

log = logging.getLogger(__name__)


async def _nothing() -> None:
    return None


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


class Swaps(MajlisCog):
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
        self._help_locks: defaultdict[tuple[int, int], asyncio.Lock] = defaultdict(asyncio.Lock)

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
        """Withdraw a forgotten member's board posts and update the requests and proposals they were in."""
        lang = await self.bot.guild_language(guild_id)
        for post in forgotten.withdrawn_posts:
            message = self.bot.get_partial_messageable(post.channel_id).get_partial_message(post.message_id)
            try:
                await message.edit(content=None, embed=withdrawn_embed(lang), view=None)
            except discord.HTTPException as error:
                log.warning("could not withdraw the board post of swap %s: %s", post.request_id, error)
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
        await self.reply(interaction, "swaps.configured", channel=channel.mention)

    # --- member commands ----------------------------------------------------------------------

    async def skill_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer shipped skills (Arabic or English names) and the skills already used in this guild."""
        lang = await self.lang(interaction)
        known: list[str] = []
        if interaction.guild_id is not None:
            known = await store.guild_swap_skill_keys(self.bot.db, interaction.guild_id)
            known += await profile_store.guild_skill_keys(self.bot.db, interaction.guild_id)
        return [
            app_commands.Choice(name=label, value=key)
            for label, key in default_catalogue().suggest(current, lang, extra_keys=known)
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
        await profile_store.remember_typed_skills(self.bot.db, f"{offer},{want}", self.bot.clock.now())
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
                offer=skill_name(offer_key, lang),
                want=skill_name(want_key, lang),
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
        title = (
            t(lang, "swaps.list.title_skill", skill=skill_name(key, lang))
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

    # --- buttons ------------------------------------------------------------------------------

    async def offer_help(self, interaction: discord.Interaction, request_id: int) -> None:
        """Open a private thread between a request's author and the member who pressed "I can help"."""
        lang = await self.lang(interaction)
        await self.require_feature(in_guild(interaction).guild_id, "swaps", "swaps.not_configured")
        request = await store.get_request(self.bot.db, request_id)
        if request is None or request.guild_id != interaction.guild_id:
            raise MajlisError("swaps.not_found", id=request_id)
        if request.user_id == interaction.user.id:
            raise MajlisError("swaps.help.own")
        if request.status != "open":
            raise MajlisError("swaps.help.not_open", id=request.id)
        if request.user_id in await guild_store.departed_members(self.bot.db, request.guild_id):
            raise MajlisError("swaps.help.member_left", id=request.id)
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            raise MajlisError("swaps.not_configured")
        if await store.avoids_either(self.bot.db, request.guild_id, request.user_id, interaction.user.id):
            # Refused without saying why: an avoid list is never revealed to the other member.
            raise MajlisError("swaps.help.unavailable", id=request.id)
        await check_cooldown(interaction, "swap.help")
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self._help_locks[(request.id, interaction.user.id)]:
            await self._open_help_thread(interaction, request, channel, lang)

    async def _open_help_thread(
        self,
        interaction: discord.Interaction,
        request: store.SwapRequest,
        channel: discord.TextChannel,
        lang: str,
    ) -> None:
        step = await store.record_help(self.bot.db, request, interaction.user.id, self.bot.clock.now())
        try:
            thread, made = await self._help_steps(request, channel, interaction.user.id, step)
        except discord.Forbidden as error:
            log.warning("could not open a help thread for swap %s: %s", request.id, error)
            await send(interaction, t(lang, "error.bot_forbidden"))
            return
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
            # What was made is recorded or findable: the next press picks up from here, in the same thread.
            log.warning("help thread for swap %s stopped part way: %s", request.id, error)
            raise MajlisError("swaps.help.failed") from error
        key = "swaps.help.opened" if made else "swaps.help.existing"
        await send(interaction, t(lang, key, thread=f"<#{thread.id}>"))

    async def _help_steps(
        self, request: store.SwapRequest, channel: discord.TextChannel, helper: int, step: store.HelpStep
    ) -> tuple[discord.Thread, bool]:
        """Take the help thread as far as it goes; return it, and whether this press finished it.

        The offer's row is recorded before any request. A later press first finds what an earlier one
        made (the thread by its name, the intro from the thread's start) and only does what is missing.
        """
        db, delivery = self.bot.db, self.bot.delivery
        guild_lang = await self.bot.guild_language(request.guild_id)
        thread: discord.Thread | None = None
        if step.thread_id is not None:
            thread = await delivery.get_thread(channel.guild, step.thread_id)
            if thread is None:  # deleted meanwhile: open a new one
                await store.set_help_thread(db, request.id, helper, None)
        opened = thread is None
        if thread is None:
            names = [t(lang, "swaps.help.thread_name", id=request.id) for lang in (guild_lang, "ar", "en")]
            thread = await delivery.send_once(
                begun=not step.fresh,
                find=partial(delivery.find_own_thread, channel, names),
                record=_nothing,  # the offer's row, recorded above, is this step's record
                send=partial(delivery.open_private_thread, channel, names[0]),
            )
            await store.set_help_thread(db, request.id, helper, thread.id)
        # The thread is in the guild's language; its first line speaks to the author in their own form.
        author = await self.bot.member_language(request.guild_id, request.user_id)
        intro = self._help_intro(request, helper, Reader(guild_lang, author.addressing))
        forms = ("masculine", "feminine", "neutral")
        intros = {intro} | {
            self._help_intro(request, helper, Reader(lg, f)) for lg in ("ar", "en") for f in forms
        }
        if not opened and await delivery.find_own_message(thread, Marker.content(*intros), after=thread):
            return thread, False
        # Adding a member twice is harmless, so a resumed press simply adds both again.
        await delivery.add_members(thread, (request.user_id, helper))
        await delivery.send(thread, intro, allowed_mentions=ping_only([request.user_id, helper]))
        return thread, True

    @staticmethod
    def _help_intro(request: store.SwapRequest, helper: int, lang: str) -> str:
        return t(
            lang,
            "swaps.help.thread_intro",
            helper=f"<@{helper}>",
            member=f"<@{request.user_id}>",
            want=skill_name(request.want, lang),
            offer=skill_name(request.offer, lang),
            id=request.id,
        )

    async def answer_match(
        self, interaction: discord.Interaction, match_id: int, position: int, answer: str
    ) -> None:
        """Record a member's Confirm or Decline on a proposal; only the member the button belongs to may press it."""
        lang = await self.lang(interaction)
        await self.require_feature(in_guild(interaction).guild_id, "swaps", "swaps.not_configured")
        match = await store.get_match(self.bot.db, match_id)
        member = match.member_at(position) if match else None
        if match is None or member is None:
            raise MajlisError("swaps.match.gone")
        if member.user_id != interaction.user.id:
            raise MajlisError("error.not_yours")
        response: Literal["confirmed", "declined"] = "confirmed" if answer == "confirm" else "declined"
        updated = await store.record_response(self.bot.db, match_id, position, response, self.bot.clock.now())
        if updated is None:
            raise MajlisError("swaps.match.decided", status=t(lang, f"swaps.status.{match.status}"))
        requests = {
            r.id: r for r in await store.get_requests(self.bot.db, [m.request_id for m in updated.members])
        }
        guild_lang = await self.bot.guild_language(updated.guild_id)
        await interaction.response.edit_message(
            embed=match_embed(updated, requests, guild_lang),
            view=match_view(updated, self.board.names(interaction.guild, updated), guild_lang),
        )
        # The thread's note comes last, so when members read it the board already shows the outcome.
        if updated.status == "matched":
            await self.board.refresh([m.request_id for m in updated.members])
            ids = ", ".join(f"#{m.request_id}" for m in updated.members)
            await interaction.followup.send(
                t(
                    guild_lang,
                    "swaps.match.all_confirmed",
                    requests=ids,
                    address=group_address(len(updated.members)),
                ),
                ephemeral=False,
            )
        elif updated.status == "declined":
            await self.board.run_matching(updated.guild_id)
            await interaction.followup.send(
                t(guild_lang, "swaps.match.declined", address=group_address(len(updated.members))),
                ephemeral=False,
            )

    async def renew(self, interaction: discord.Interaction, request_id: int) -> None:
        """Give the member's open request another 30 days, from the reminder DM."""
        request = await store.get_request(self.bot.db, request_id)
        if request is None:
            raise MajlisError("swaps.not_found", id=request_id)
        if request.user_id != interaction.user.id:
            raise MajlisError("error.not_yours")
        lang = await self.bot.member_language(request.guild_id, interaction.user.id)
        renewed = await store.renew_request(self.bot.db, request.id, self.bot.clock.now())
        if renewed is None:
            text = t(
                lang, "swaps.renew.too_late", id=request.id, status=t(lang, f"swaps.status.{request.status}")
            )
        else:
            zone = await self.bot.reader_zone(request.guild_id, interaction.user.id)
            text = t(
                lang, "swaps.renew.done", id=request.id, when=expiry_date(renewed.expires_at, lang, zone)
            )
        await interaction.response.edit_message(
            content=text, view=renew_view(request.id, lang, disabled=True)
        )
        if renewed is not None:
            await self.board.refresh([request.id])
            await self.board.schedule_sweep()


async def setup(bot: MajlisBot) -> None:
    """Load the skill-swaps cog."""
    await bot.add_cog(Swaps(bot))


__all__ = ["Swaps", "setup", "skill_key"]
