"""Rounds delivered: start a planned round, deliver it group by group exactly once, and check in."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot import intros as logic
from bot.background import BackgroundWork
from bot.delivery import Marker
from bot.i18n import t
from bot.mentions import ping_only
from bot.storage import guilds as guild_store
from bot.storage import intros as store
from bot.storage import profiles as profile_store
from cogs.intros._planning import FEATURE, RoundPlanner
from cogs.intros._views import checkin_view, intro_view

if TYPE_CHECKING:
    from bot.client import MajlisBot

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4  # transient failures (5xx, timeouts) of one group before it is marked failed
FINAL_STATES = ("posted", "failed")
# Groups in flight at once: a whole thread-creation window goes out together; the bot's pacer guards the limits.
DELIVERY_WORKERS = 50


class TransientDeliveryError(Exception):
    """A failure worth retrying later (Discord 5xx, a dropped connection, a timeout)."""


TRANSIENT = (discord.DiscordServerError, aiohttp.ClientError, TimeoutError, TransientDeliveryError)


def _present(group: store.IntroGroup) -> store.IntroGroup:
    """The group without members who ran `/privacy forget` (their ids are negative tombstones)."""
    members = tuple(uid for uid in group.members if uid > 0)
    return group if members == group.members else dataclasses.replace(group, members=members)


@dataclass(frozen=True)
class RoundOutcome:
    """What starting a round did."""

    round_id: int | None
    created: bool
    groups: int
    members: int
    unmatched: int
    eligible: int


class RoundRunner(RoundPlanner, BackgroundWork):
    """Runs a guild's intro rounds; at most one delivery per round at a time."""

    def __init__(self, bot: MajlisBot) -> None:
        super().__init__(bot)
        BackgroundWork.__init__(self)
        self.workers = DELIVERY_WORKERS
        self.retry_backoff = 30.0  # seconds before retrying groups that failed transiently (× attempts)
        self.deliveries: dict[int, asyncio.Task[None]] = {}
        self.checkin_attempts: dict[int, int] = {}  # transient check-in failures per round (since start-up)

    async def start(self, guild_id: int, scheduled_for: datetime) -> RoundOutcome:
        """Create this occurrence's round (once) and return what it holds; delivery is separate."""
        existing = await store.round_for(self.db, guild_id, scheduled_for)
        if existing is not None:
            return RoundOutcome(existing.round_id, False, 0, 0, 0, 0)
        config = await guild_store.enabled_feature(self.db, guild_id, FEATURE)
        if config is None:
            return RoundOutcome(None, False, 0, 0, 0, 0)
        draft = await self.plan(guild_id, config, scheduled_for)
        if not draft.eligible:
            return RoundOutcome(None, False, 0, 0, 0, 0)
        round_id = await self.create(draft)
        self.schedule_checkin(round_id, logic.checkin_time(scheduled_for, config.every_weeks))
        groups = draft.result.groups
        return RoundOutcome(
            round_id,
            True,
            len(groups),
            sum(len(g.members) for g in groups),
            len(draft.result.unmatched),
            len(draft.eligible),
        )

    # --- delivery -------------------------------------------------------------------------

    def deliver_in_background(self, round_id: int) -> asyncio.Task[None]:
        """Start (or join) the delivery of a round."""
        task = self.deliveries.get(round_id)
        if task is None or task.done():
            task = self.track(self._deliver_round(round_id), f"intros-deliver-{round_id}")
            self.deliveries[round_id] = task
            task.add_done_callback(partial(self._forget_delivery, round_id))
        return task

    def _forget_delivery(self, round_id: int, task: asyncio.Task[None]) -> None:
        # A finished delivery is not kept: one entry per round would grow for as long as the bot runs.
        if self.deliveries.get(round_id) is task:
            del self.deliveries[round_id]

    async def deliver(self, round_id: int) -> None:
        """Deliver a round and wait for it (returns quietly if the bot shuts down meanwhile)."""
        await _wait_quietly(self.deliver_in_background(round_id))

    async def resume_all(self) -> None:
        """Resume every round whose delivery was interrupted (after a restart)."""
        await self.bot.wait_until_ready()
        for stored in await store.undelivered_rounds(self.db):
            self.deliver_in_background(stored.round_id)

    async def _deliver_round(self, round_id: int) -> None:
        await self.bot.wait_until_ready()
        stored = await store.get_round(self.db, round_id)
        if stored is None or stored.delivered_at is not None:
            return
        groups = [g for g in await store.round_groups(self.db, round_id) if g.state not in FINAL_STATES]
        queue: asyncio.Queue[store.IntroGroup] = asyncio.Queue()
        for group in groups:
            queue.put_nowait(group)
        retry = False

        async def worker() -> None:
            nonlocal retry
            while not queue.empty():
                group = queue.get_nowait()
                if not await self._deliver_group(stored, group):
                    retry = True

        await asyncio.gather(*(worker() for _ in range(min(self.workers, len(groups)))))
        await self._tell_unmatched(stored)
        if retry:
            attempts = max((g.attempts for g in await store.round_groups(self.db, round_id)), default=1)
            when = self.bot.clock.now() + timedelta(seconds=self.retry_backoff * max(attempts, 1))
            self.bot.scheduler.add_once(f"intros-retry:{round_id}", when, self._retry, round_id)
        else:
            await store.mark_round_delivered(self.db, round_id, self.bot.clock.now())

    async def _retry(self, round_id: int) -> None:
        await self.deliver(round_id)

    async def _deliver_group(self, stored: store.IntroRound, group: store.IntroGroup) -> bool:
        """Take one group as far as it goes; return False when it should be retried later."""
        group = _present(group)
        try:
            if stored.delivery == "dm":
                await self._deliver_by_dm(stored, group)
            else:
                await self._deliver_in_thread(stored, group)
        except (discord.Forbidden, discord.NotFound) as exc:
            # A 403/404 will not fix itself: record it for the admin, never retry.
            log.warning("intro group %s not delivered: %s", group.group_id, exc)
            await store.set_group_state(
                self.db, group.group_id, "failed", error=f"{exc.status}: {exc.text}"[:300]
            )
        except TRANSIENT as exc:
            attempts = await store.count_attempt(self.db, group.group_id, f"{type(exc).__name__}: {exc}")
            if attempts >= MAX_ATTEMPTS:
                log.warning("intro group %s failed %s times, giving up: %s", group.group_id, attempts, exc)
                await store.set_group_state(self.db, group.group_id, "failed")
                return True
            log.info("intro group %s will be retried: %s", group.group_id, exc)
            return False
        except discord.HTTPException as exc:
            log.warning("intro group %s refused by Discord: %s", group.group_id, exc)
            await store.set_group_state(
                self.db, group.group_id, "failed", error=f"{exc.status}: {exc.text}"[:300]
            )
        return True

    async def _members(self, guild_id: int, user_ids: tuple[int, ...]) -> list[logic.GroupMember]:
        profiles = await profile_store.get_profiles(self.db, guild_id, user_ids)
        guild = self.bot.get_guild(guild_id)
        out = []
        for uid in user_ids:
            member = guild.get_member(uid) if guild else None
            name = member.display_name if member else str(uid)
            out.append(logic.GroupMember(uid, name, profiles.get(uid)))
        return out

    async def _intro_parts(
        self, stored: store.IntroRound, group: store.IntroGroup, reader: str | None = None
    ) -> tuple[discord.Embed, discord.ui.View]:
        """Build the intro for the group's thread, or, given a `reader`, for one member's DM."""
        lang = reader or stored.language
        # A thread speaks to the group (dual for two); a DM speaks to its one reader in their own form.
        address = None if reader else logic.group_address(len(group.members))
        icebreaker = self.icebreakers.get(group.icebreaker_id or "")
        embed = logic.intro_embed(
            await self._members(stored.guild_id, group.members),
            group.reasons,
            icebreaker.text(lang, address) if icebreaker else None,
            lang=lang,
            now=self.bot.clock.now(),
            round_id=stored.round_id,
            position=group.position,
            address=address,
        )
        return discord.Embed.from_dict(embed), intro_view(group.group_id, lang)

    def _only_members(self, group: store.IntroGroup) -> discord.AllowedMentions:
        # Ping exactly this group's members, nobody else, whatever the text holds.
        return ping_only(group.members)

    async def _deliver_in_thread(self, stored: store.IntroRound, group: store.IntroGroup) -> None:
        guild = self.bot.get_guild(stored.guild_id)
        channel = guild.get_channel(stored.channel_id or 0) if guild else None
        if guild is None or not isinstance(channel, discord.TextChannel):
            await store.set_group_state(self.db, group.group_id, "failed", error="intros channel not found")
            return
        delivery, db, group_id = self.bot.delivery, self.db, group.group_id
        name = logic.thread_name(stored.round_id, group.position, stored.language)
        state = group.state
        if state in ("pending", "creating"):
            thread = await delivery.send_once(
                begun=state == "creating",
                find=partial(delivery.find_own_thread, channel, name),
                record=partial(store.set_group_state, db, group_id, "creating"),
                send=partial(delivery.open_private_thread, channel, name, reason="Majlis introductions"),
            )
            await store.set_group_state(db, group_id, "thread_created", thread_id=thread.id)
            state = "thread_created"
        else:
            assert group.thread_id is not None
            found = await delivery.get_thread(guild, group.thread_id)
            if found is None:
                await store.set_group_state(db, group_id, "failed", error="404: intro thread deleted")
                return
            thread = found
        if state == "thread_created":
            await delivery.add_members(thread, group.members)
            await store.set_group_state(db, group_id, "members_added")
            state = "members_added"
        # A thread found again after a stop may hold the intro already: look before posting.
        message = await delivery.send_once(
            begun=state == "posting" or group.state == "creating",
            find=partial(
                delivery.find_own_message,
                thread,
                Marker.footer(*logic.group_markers(stored.round_id, group.position)),
            ),
            record=partial(store.set_group_state, db, group_id, "posting"),
            send=partial(self._send_intro, thread, stored, group),
        )
        await store.set_group_state(db, group_id, "posted", message_id=message.id)

    async def _send_intro(
        self, thread: discord.Thread, stored: store.IntroRound, group: store.IntroGroup
    ) -> discord.Message:
        embed, view = await self._intro_parts(stored, group)
        return await self.bot.delivery.send(
            thread,
            logic.mention_line(group.members, stored.language),
            embed=embed,
            view=view,
            allowed_mentions=self._only_members(group),
        )

    async def _deliver_by_dm(self, stored: store.IntroRound, group: store.IntroGroup) -> None:
        delivery, db, group_id = self.bot.delivery, self.db, group.group_id
        marker = Marker.footer(*logic.group_markers(stored.round_id, group.position))
        transient: BaseException | None = None
        for uid in group.members:
            state = group.dm_states.get(uid, "pending")
            if state in ("sent", "closed"):
                continue
            # Each DM is written for its reader: their language and how they asked to be addressed.
            reader = await self.bot.member_language(stored.guild_id, uid)
            embed, view = await self._intro_parts(stored, group, reader)
            try:
                channel = await delivery.dm_channel(uid)
                message = await delivery.send_once(
                    begun=state == "sending",
                    find=partial(delivery.find_own_message, channel, marker),
                    record=partial(store.set_dm_state, db, group_id, uid, "sending"),
                    send=partial(
                        delivery.send,
                        channel,
                        logic.dm_intro_content(uid, group.members, reader),
                        embed=embed,
                        view=view,
                    ),
                )
                await store.set_dm_state(db, group_id, uid, "sent", message.id)
            except discord.Forbidden:
                # Closed DMs: recorded for the admin's status, never retried.
                await store.set_dm_state(db, group_id, uid, "closed")
            except TRANSIENT as exc:
                # Retried with the group; the others are not held up by one member's failure.
                log.info("intro DM to member %s of group %s will be retried: %s", uid, group_id, exc)
                transient = exc
            except discord.HTTPException as exc:
                # Refused for this member only (an unknown user, say): never retried, the others still get theirs.
                log.warning("intro DM to member %s of group %s refused: %s", uid, group_id, exc)
                await store.set_dm_state(db, group_id, uid, "closed")
        if transient is not None:
            raise TransientDeliveryError(str(transient)) from transient
        refreshed = await store.get_group(db, group_id)
        sent = refreshed is not None and any(s == "sent" for s in refreshed.dm_states.values())
        if sent:
            await store.set_group_state(db, group_id, "posted")
        else:
            await store.set_group_state(db, group_id, "failed", error="403: direct messages closed")

    async def _tell_unmatched(self, stored: store.IntroRound) -> None:
        """Tell each member left out why, once (they also see it in `/intros status`)."""
        for uid, reason in (await store.unmatched_of(self.db, stored.round_id)).items():
            if uid <= 0:
                continue  # forgotten since the round was made
            lang = await self.bot.member_language(stored.guild_id, uid)
            # Marked before sending: a lost notice is better than a repeated one; status shows it anyway.
            await store.set_unmatched_notified(self.db, stored.round_id, uid, "sent")
            try:
                channel = await self.bot.delivery.dm_channel(uid)
                await self.bot.delivery.send(
                    channel, t(lang, "intros.unmatched_dm", reason=t(lang, f"intros.unmatched.{reason}"))
                )
            except discord.Forbidden:
                await store.set_unmatched_notified(self.db, stored.round_id, uid, "closed")
            except discord.HTTPException as exc:
                log.info("could not tell member %s they were left out: %s", uid, exc)

    # --- check-in -----------------------------------------------------------------------

    def schedule_checkin(self, round_id: int, when: datetime) -> None:
        """Ask "Did you meet?" at `when` (rebuilt from the store at start-up)."""
        self.bot.scheduler.add_once(f"intros-checkin:{round_id}", when, self.post_checkin, round_id)

    async def rebuild_checkins(self) -> None:
        """Recreate every pending check-in job from the store."""
        for stored in await store.pending_checkins(self.db):
            self.schedule_checkin(stored.round_id, stored.checkin_at)

    async def post_checkin(self, round_id: int) -> None:
        """Post the check-in in each delivered group's thread (or DMs), once."""
        await _wait_quietly(self.track(self._post_checkin(round_id), f"intros-checkin-{round_id}"))

    async def _post_checkin(self, round_id: int) -> None:
        await self.bot.wait_until_ready()
        stored = await store.get_round(self.db, round_id)
        if stored is None or stored.checkin_done:
            return
        unsettled = []  # groups to ask again later: a transient error, or an intro still being delivered
        for group in await store.round_groups(self.db, round_id):
            if group.checkin_state in ("posted", "failed"):
                continue
            if group.state != "posted":
                if group.state not in FINAL_STATES:
                    unsettled.append(group)
                continue
            try:
                await self._checkin_group(stored, group)
            except TRANSIENT as exc:
                # Its recorded steps stay as they are: the next attempt finds what this one made.
                log.info("check-in of intro group %s will be retried: %s", group.group_id, exc)
                unsettled.append(group)
            except discord.HTTPException as exc:
                log.warning("check-in of intro group %s failed: %s", group.group_id, exc)
                await store.set_checkin_state(self.db, group.group_id, "failed")
        if unsettled:
            attempts = self.checkin_attempts.get(round_id, 0) + 1
            if attempts < MAX_ATTEMPTS:
                self.checkin_attempts[round_id] = attempts
                when = self.bot.clock.now() + timedelta(seconds=self.retry_backoff * attempts)
                self.schedule_checkin(round_id, when)
                return
            for group in unsettled:
                log.warning("check-in of intro group %s failed %s times, giving up", group.group_id, attempts)
                await store.set_checkin_state(self.db, group.group_id, "failed")
        self.checkin_attempts.pop(round_id, None)
        await store.mark_checkin_done(self.db, round_id)

    async def _checkin_group(self, stored: store.IntroRound, group: store.IntroGroup) -> None:
        group = _present(group)
        delivery, db, group_id = self.bot.delivery, self.db, group.group_id
        lang = stored.language
        view = checkin_view(group_id, lang)
        # The intro carries a "met" button too: only the check-in has "not yet".
        marker = Marker.button(f"majlis:intros:checkin:{group_id}:not_yet")
        mentions = " ".join(f"<@{uid}>" for uid in group.members)
        if stored.delivery == "dm":
            await self._checkin_by_dm(stored, group, view, marker)
            return
        guild = self.bot.get_guild(stored.guild_id)
        if guild is None or group.thread_id is None:
            return
        thread = await delivery.get_thread(guild, group.thread_id)
        if thread is None:
            await store.set_checkin_state(db, group_id, "failed")
            return
        message = await delivery.send_once(
            begun=group.checkin_state == "posting",
            find=partial(delivery.find_own_message, thread, marker),
            record=partial(store.set_checkin_state, db, group_id, "posting"),
            send=partial(
                delivery.send,
                thread,
                t(
                    lang,
                    "intros.checkin.question",
                    members=mentions,
                    address=logic.group_address(len(group.members)),
                ),
                view=view,
                allowed_mentions=self._only_members(group),
            ),
        )
        await store.set_checkin_state(db, group_id, "posted", message.id)

    async def _checkin_by_dm(
        self, stored: store.IntroRound, group: store.IntroGroup, view: discord.ui.View, marker: Marker
    ) -> None:
        """Ask each member who got the intro by DM, each DM a recorded step (a restart asks nobody twice)."""
        delivery, db, group_id = self.bot.delivery, self.db, group.group_id
        await store.set_checkin_state(db, group_id, "posting")
        transient: BaseException | None = None
        for uid in group.members:
            state = group.checkin_dm_states.get(uid, "pending")
            if group.dm_states.get(uid) != "sent" or state in ("sent", "closed"):
                continue
            others = [o for o in group.members if o != uid]
            reader = await self.bot.member_language(stored.guild_id, uid)
            question = t(
                reader,
                "intros.checkin.dm_question",
                members=" ".join(f"<@{o}>" for o in others),
                count=len(others),
            )
            try:
                channel = await delivery.dm_channel(uid)
                message = await delivery.send_once(
                    begun=state == "sending",
                    find=partial(delivery.find_own_message, channel, marker),
                    record=partial(store.set_checkin_dm_state, db, group_id, uid, "sending"),
                    send=partial(
                        delivery.send,
                        channel,
                        question,
                        view=checkin_view(group_id, reader),
                    ),
                )
                await store.set_checkin_dm_state(db, group_id, uid, "sent", message.id)
            except discord.Forbidden:
                await store.set_checkin_dm_state(db, group_id, uid, "closed")
            except TRANSIENT as exc:
                log.info("check-in DM to member %s of group %s failed: %s", uid, group_id, exc)
                transient = exc
            except discord.HTTPException as exc:
                # Refused for this member only: the others are still asked.
                log.warning("check-in DM to member %s of group %s refused: %s", uid, group_id, exc)
                await store.set_checkin_dm_state(db, group_id, uid, "closed")
        if transient is not None:
            raise TransientDeliveryError(str(transient)) from transient
        await store.set_checkin_state(db, group_id, "posted")


async def _wait_quietly(task: asyncio.Task[None]) -> None:
    """Wait for background work from a scheduled job; a shutdown ends both without an error report."""
    try:
        await asyncio.wait({task})
    except asyncio.CancelledError:
        # The job itself is being torn down with the bot: the store records how far the work got.
        task.cancel()
        return
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]
