"""The swaps cog's buttons: "I can help" on the board, Confirm/Decline in proposals, Renew in the reminder."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Literal

import aiohttp
import discord

from bot.client import MajlisBot
from bot.cog import (
    in_guild,
    send,
)
from bot.cooldowns import check_cooldown
from bot.delivery import Marker
from bot.errors import MajlisError
from bot.i18n import Reader, expiry_date, group_address, t
from bot.locks import KeyedLocks
from bot.mentions import ping_only
from bot.storage import guilds as guild_store
from bot.storage import swaps as store
from cogs.swaps._embeds import match_embed, skill_name
from cogs.swaps._views import match_view, renew_view

if TYPE_CHECKING:
    from bot.storage.guilds import FeatureConfig
    from cogs.swaps._board import SwapBoard

log = logging.getLogger("cogs.swaps")


async def _nothing() -> None:
    return None


class ButtonsMixin:
    """What the persistent swap buttons do; the cog (`Swaps`) mixes it in."""

    bot: MajlisBot
    board: SwapBoard
    _help_locks: KeyedLocks[tuple[int, int]]

    if TYPE_CHECKING:

        async def lang(self, interaction: discord.Interaction) -> str: ...

        async def require_feature(
            self, guild_id: int, feature: str, error_key: str, *, channel: bool = False
        ) -> FeatureConfig: ...

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
        async with self._help_locks.hold((request.id, interaction.user.id)):
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
            want=skill_name(request.want, lang, request.skill_labels),
            offer=skill_name(request.offer, lang, request.skill_labels),
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
