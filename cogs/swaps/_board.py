"""The swap board's background work: posting and editing board posts, matching, reminders, expiry."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

import discord

from bot import swapmatch
from bot.background import BackgroundWork
from bot.delivery import Marker
from bot.i18n import LANGUAGES, group_address, t
from bot.locks import KeyedLocks
from bot.mentions import ping_only
from bot.storage import guilds as guild_store
from bot.storage import profiles as profile_store
from bot.storage import swaps as store
from bot.timezones import utc_offset_minutes
from cogs.swaps._embeds import board_embed, match_embed, reminder_embed
from cogs.swaps._views import board_view, match_view, renew_view

if TYPE_CHECKING:
    from bot.client import MajlisBot

log = logging.getLogger(__name__)

SWEEP_JOB = "swaps:sweep"
# A sweep that finds work still due (a failed edit, say) waits this long before trying again.
RETRY_AFTER = timedelta(minutes=10)


class SwapBoard(BackgroundWork):
    """Keeps the board, proposals and expiries in step with the database."""

    def __init__(self, bot: MajlisBot) -> None:
        super().__init__()
        self.bot = bot
        self._locks: KeyedLocks[int] = KeyedLocks()
        # The daily job and the sweep job may fire together: one sweep at a time reminds each owner once.
        self._sweeping = asyncio.Lock()

    # --- board posts -----------------------------------------------------------------------

    async def board_channel(self, guild_id: int) -> discord.TextChannel | None:
        """Return the configured and enabled swap board channel, if the bot can see it."""
        config = await guild_store.enabled_feature(self.bot.db, guild_id, "swaps", channel=True)
        if config is None or config.channel_id is None:
            return None
        channel = self.bot.get_channel(config.channel_id)
        return channel if isinstance(channel, discord.TextChannel) else None

    async def post(self, request: store.SwapRequest, channel: discord.TextChannel) -> discord.Message | None:
        """Post a new request on the board and remember the message."""
        lang = await self.bot.guild_language(request.guild_id)
        try:
            message = await self.bot.delivery.send(
                channel,
                embed=board_embed(request, lang, await self.bot.guild_zone(request.guild_id)),
                view=board_view(request, lang),
            )
        except discord.HTTPException as error:
            log.warning("could not post swap %s to the board: %s", request.id, error)
            return None
        await store.set_board_message(self.bot.db, request.id, channel.id, message.id)
        return message

    async def refresh(self, request_ids: list[int] | tuple[int, ...]) -> None:
        """Edit the board posts of these requests so they show where each request stands."""
        for request in await store.get_requests(self.bot.db, request_ids):
            if request.board_channel_id is None or request.board_message_id is None:
                continue
            lang = await self.bot.guild_language(request.guild_id)
            try:
                await self.bot.delivery.edit(
                    request.board_channel_id,
                    request.board_message_id,
                    embed=board_embed(request, lang, await self.bot.guild_zone(request.guild_id)),
                    view=board_view(request, lang),
                )
            except discord.HTTPException as error:
                log.warning("could not update the board post of swap %s: %s", request.id, error)

    # --- proposals -------------------------------------------------------------------------

    async def run_matching(self, guild_id: int) -> list[int]:
        """Propose every direct swap and three-way cycle found among a guild's open requests."""
        async with self._locks.hold(guild_id):
            channel = await self.board_channel(guild_id)
            if channel is None:
                return []
            delivered = await self._deliver_undelivered(guild_id, channel)
            requests = await store.requests_for_matching(self.bot.db, guild_id)
            if len(requests) < 2:
                return delivered
            owners = {r.user_id for r in requests}
            now = self.bot.clock.now()
            profiles = await profile_store.get_profiles(self.bot.db, guild_id, owners)
            standing = await store.reputations(self.bot.db, guild_id, owners)
            offsets: dict[int, int | None] = {}
            for user_id in owners:
                profile = profiles.get(user_id)
                try:
                    offsets[user_id] = (
                        utc_offset_minutes(profile.timezone, now) if profile and profile.timezone else None
                    )
                except ValueError:
                    offsets[user_id] = None  # a zone this system no longer knows counts as unknown
            avoid = await store.avoid_pairs(self.bot.db, guild_id)
            proposed = await store.proposed_request_sets(self.bot.db, guild_id)
            busy = await store.pending_request_ids(self.bot.db, guild_id)
            # Off the event loop: a big board takes a noticeable time, which would stall heartbeats and buttons.
            proposals = await asyncio.to_thread(
                swapmatch.find_matches,
                [
                    swapmatch.SwapRequest(
                        id=r.id,
                        member_id=r.user_id,
                        offer=r.offer,
                        want=r.want,
                        created_at_order=r.id,
                        reputation=standing.get(r.user_id, 0),
                        utc_offset_minutes=offsets[r.user_id],
                    )
                    for r in requests
                ],
                avoid_pairs=avoid,
                already_proposed=proposed,
                busy_request_ids=busy,
            )
            created = []
            for proposal in proposals:
                new_id = await store.create_match(
                    self.bot.db,
                    guild_id,
                    proposal.kind,
                    list(zip(proposal.request_ids, proposal.member_ids, strict=True)),
                    now,
                )
                if new_id is not None:
                    created.append(new_id)
                    await self.deliver(new_id, channel)
            return delivered + created

    async def resume(self) -> None:
        """Deliver the proposals a stop left undelivered, at start-up rather than at the next matching run."""
        await self.bot.wait_until_ready()
        for guild_id in await store.guilds_with_undelivered_matches(self.bot.db):
            if self.bot.get_guild(guild_id) is None:
                continue  # another shard's guild
            async with self._locks.hold(guild_id):
                channel = await self.board_channel(guild_id)
                if channel is not None:
                    await self._deliver_undelivered(guild_id, channel)

    async def _deliver_undelivered(self, guild_id: int, channel: discord.TextChannel) -> list[int]:
        undelivered = [m.id for m in await store.undelivered_matches(self.bot.db, guild_id)]
        for match_id in undelivered:
            await self.deliver(match_id, channel)
        return undelivered

    async def deliver(self, match_id: int, channel: discord.TextChannel) -> bool:
        """Open the proposal's private thread with its members, explaining who offers what to whom.

        Exactly once across restarts: each step is recorded before its request, and a resumed delivery
        first looks for the thread and the message Discord may have made before the bot stopped.
        """
        db, delivery = self.bot.db, self.bot.delivery
        match = await store.get_match(db, match_id)
        if match is None or match.status != "proposed" or match.message_id is not None:
            return False
        requests = {r.id: r for r in await store.get_requests(db, [m.request_id for m in match.members])}
        lang = await self.bot.guild_language(match.guild_id)
        # An earlier attempt recorded the channel ("creating") before asking Discord for the thread.
        recorded = channel.guild.get_channel(match.channel_id) if match.channel_id else None
        try:
            thread: discord.Thread | None = None
            if match.thread_id is not None:
                thread = await delivery.get_thread(channel.guild, match.thread_id)  # None: deleted, open anew
            if thread is None:
                thread = await delivery.send_once(
                    begun=isinstance(recorded, discord.TextChannel) and match.thread_id is None,
                    find=partial(
                        delivery.find_own_thread,
                        recorded
                        if isinstance(recorded, discord.TextChannel)
                        else channel,  # only read when begun
                        [t(lang, "swaps.match.thread_name", id=match.id) for lang in LANGUAGES],
                    ),
                    record=partial(store.mark_match_creating, db, match.id, channel.id),
                    send=partial(
                        delivery.open_private_thread, channel, t(lang, "swaps.match.thread_name", id=match.id)
                    ),
                )
            await delivery.add_members(thread, [m.user_id for m in match.members])
            # Recording the thread starts the message step: a resume with a thread looks for the proposal.
            message = await delivery.send_once(
                begun=match.channel_id is not None,
                find=partial(
                    delivery.find_own_message, thread, Marker.button(f"majlis:swaps:match:{match.id}:")
                ),
                record=partial(store.set_match_thread, db, match.id, thread.id),
                send=partial(
                    delivery.send,
                    thread,
                    " ".join(f"<@{m.user_id}>" for m in match.members),
                    embed=match_embed(match, requests, lang),
                    view=match_view(match, self.names(channel.guild, match), lang),
                    allowed_mentions=ping_only(m.user_id for m in match.members),
                ),
            )
        except discord.HTTPException as error:
            # Left undelivered: the next start or matching run resumes from the recorded step.
            log.warning("could not open the thread for swap proposal %s: %s", match.id, error)
            return False
        await store.set_match_message(db, match.id, message.id, thread.id)
        return True

    @staticmethod
    def names(guild: discord.Guild | None, match: store.SwapMatch) -> dict[int, str]:
        """Return the display names of a proposal's members still in the guild, for button labels."""
        names = {}
        for member in match.members:
            found = guild.get_member(member.user_id) if guild else None
            if found is not None:
                names[member.user_id] = found.display_name
        return names

    async def refresh_match(self, match_id: int, note_key: str | None = None) -> None:
        """Edit a proposal's message to its current state, and optionally say why in its thread."""
        match = await store.get_match(self.bot.db, match_id)
        if match is None or match.thread_id is None or match.message_id is None:
            return
        requests = {
            r.id: r for r in await store.get_requests(self.bot.db, [m.request_id for m in match.members])
        }
        lang = await self.bot.guild_language(match.guild_id)
        thread = self.bot.get_partial_messageable(match.thread_id)
        guild = self.bot.get_guild(match.guild_id)
        try:
            await self.bot.delivery.edit(
                match.thread_id,
                match.message_id,
                embed=match_embed(match, requests, lang),
                view=match_view(match, self.names(guild, match), lang),
            )
            if note_key:
                await self.bot.delivery.send(
                    thread, t(lang, note_key, address=group_address(len(match.members)))
                )
        except discord.HTTPException as error:
            log.warning("could not update swap proposal %s: %s", match.id, error)

    # --- reminders and expiry ----------------------------------------------------------------

    async def schedule_sweep(self) -> None:
        """Schedule the one sweep job at the next reminder or expiry in the database."""
        when = await store.next_due(self.bot.db)
        if when is None:
            self.bot.scheduler.cancel_once(SWEEP_JOB)
            return
        self.bot.scheduler.add_once(SWEEP_JOB, when, self.sweep)

    async def sweep(self) -> tuple[int, int]:
        """Send due expiry reminders and expire requests past 30 days; return (reminded, expired)."""
        async with self._sweeping:
            return await self._sweep()

    async def _sweep(self) -> tuple[int, int]:
        now = self.bot.clock.now()
        expired = 0
        for request in await store.due_expiries(self.bot.db, now):
            try:
                finish = await store.finish_request(self.bot.db, request.id, "expired", now)
            except store.SwapRefused:
                continue  # closed or matched meanwhile
            expired += 1
            await self.refresh([request.id])
            for match_id in finish.cancelled_match_ids:
                await self.refresh_match(match_id, "swaps.match.cancelled")
        reminded = 0
        for request in await store.due_reminders(self.bot.db, now):
            await self.remind(request)
            await store.mark_reminded(self.bot.db, request.id, now)
            reminded += 1
        when = await store.next_due(self.bot.db)
        if when is not None:
            self.bot.scheduler.add_once(SWEEP_JOB, when if when > now else now + RETRY_AFTER, self.sweep)
        else:
            self.bot.scheduler.cancel_once(SWEEP_JOB)
        return reminded, expired

    async def remind(self, request: store.SwapRequest) -> bool:
        """DM the owner that their request expires in three days, with a Renew button."""
        lang = await self.bot.member_language(request.guild_id, request.user_id)
        try:
            channel = await self.bot.delivery.dm_channel(request.user_id)
            embed = reminder_embed(
                request,
                lang,
                now=self.bot.clock.now(),
                tz=await self.bot.reader_zone(request.guild_id, request.user_id),
            )
            await self.bot.delivery.send(channel, embed=embed, view=renew_view(request.id, lang))
        except discord.HTTPException as error:
            # Closed DMs are the member's choice; the request simply expires on time.
            log.info("could not remind member %s about swap %s: %s", request.user_id, request.id, error)
            return False
        return True

    async def daily(self) -> None:
        """Expire and remind, then look for matches in every guild with open requests."""
        await self.sweep()
        for guild_id in await store.guilds_with_open_requests(self.bot.db):
            await self.run_matching(guild_id)
