"""Every Discord request the bot makes on its own: paced under one budget and made exactly once.

A feature (intros, swaps, prompts, the digest) records each step of a delivery in its own table; this
module owns the Discord side of every step, so there is one rule for finding what a stopped bot already
made and one `Pacer` for all bot-initiated traffic. Use the bot's single instance, `bot.delivery`:

- `send_once(record=, send=, begun=, find=)` — the exactly-once rule. When an earlier attempt recorded
  the step (`begun`), first `find()` what it may have made; otherwise `record()` the step *before*
  `send()` makes the Discord call. The caller records the result (an id) after it returns.
- `find_own_thread(channel, names)` — a thread the bot opened in `channel` under one of `names`.
- `find_own_message(channel, marker, after=)` — one of the bot's messages in a channel, thread or DM,
  recognised by a `Marker` (an embed footer, a button custom_id prefix, or an exact text): every message
  since `after` (the recorded attempt time, or the thread) when given, else the last `LOOKBACK`.
- `get_thread(guild, thread_id)` — a recorded thread, or None when it was deleted.
- `open_private_thread(channel, name, ...)` / `open_message_thread(channel, message_id, name, ...)` /
  `add_members(thread, user_ids)` — threads, paced and opened one at a time.
- `send(channel, ...)`, `edit(channel_id, message_id, ...)`, `dm_channel(user_id)` — paced messages.

Replies to an interaction are not paced here: Discord answers them on the interaction's own token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

import discord

from bot.pacer import Pacer

log = logging.getLogger(__name__)

T = TypeVar("T")

# Messages read back when looking for one a stopped bot may have sent: one request reads up to 100,
# and a busy channel (the prompts channel, say) can get many replies before the bot is back.
LOOKBACK = 100
# Clocks drift: an attempt's recorded time may run a little ahead of Discord's id for what it made.
LOOKBACK_MARGIN = timedelta(minutes=5)
THREAD_WEEK: Literal[10080] = (
    10080  # minutes: a week's auto-archive, so a thread outlives the cadence that made it
)


@dataclass(frozen=True)
class Marker:
    """What makes one of the bot's messages recognisable: any of `footers`, or a button id prefix."""

    footers: frozenset[str] = frozenset()
    custom_id_prefix: str | None = None
    contents: frozenset[str] = frozenset()

    @classmethod
    def footer(cls, *texts: str) -> Marker:
        """Recognise a message by its embed footer (give every language's text)."""
        return cls(footers=frozenset(texts))

    @classmethod
    def button(cls, prefix: str) -> Marker:
        """Recognise a message by a button whose custom_id starts with `prefix`."""
        return cls(custom_id_prefix=prefix)

    @classmethod
    def content(cls, *texts: str) -> Marker:
        """Recognise a plain message by its exact text (give every language's; for a thread of its own)."""
        return cls(contents=frozenset(texts))

    def matches(self, message: discord.Message) -> bool:
        """Tell whether a message carries this marker."""
        if self.contents and message.content in self.contents:
            return True
        if self.footers and any(e.footer and e.footer.text in self.footers for e in message.embeds):
            return True
        prefix = self.custom_id_prefix
        return bool(prefix) and any(
            str(getattr(child, "custom_id", None) or "").startswith(prefix or "")
            for row in message.components
            for child in getattr(row, "children", [])
        )


class Delivery:
    """The bot's own Discord traffic: one pacer, one look-back rule, one exactly-once rule."""

    def __init__(self, bot: discord.Client, pacer: Pacer | None = None) -> None:
        self.bot = bot
        self.pacer = pacer or Pacer()
        # One thread creation at a time: discord.py reads each reply's remaining count exactly, where a
        # concurrent burst on a fresh bucket makes it hold a request for a whole window.
        self._creating = asyncio.Lock()

    @property
    def me(self) -> int | None:
        """Return the bot's own user id (None before login)."""
        return self.bot.user.id if self.bot.user else None

    # --- the exactly-once rule ------------------------------------------------------------------

    @staticmethod
    async def send_once(
        *,
        record: Callable[[], Awaitable[object]],
        send: Callable[[], Awaitable[T]],
        begun: bool = False,
        find: Callable[[], Awaitable[T | None]] | None = None,
    ) -> T:
        """Make one recorded step happen once: find what an earlier attempt made, else record, then send."""
        if begun and find is not None:
            found = await find()
            if found is not None:
                return found
        # Recorded before the request: a stop after Discord acted but before the caller stores the
        # result leaves `begun` set, and the next attempt finds the result instead of repeating it.
        await record()
        return await send()

    # --- finding what a stopped bot made --------------------------------------------------------

    async def find_own_thread(
        self, channel: discord.TextChannel, names: str | Iterable[str]
    ) -> discord.Thread | None:
        """Find an active thread the bot opened in `channel` under one of `names`."""
        wanted = {names} if isinstance(names, str) else set(names)

        def ours(thread: discord.Thread) -> bool:
            return thread.parent_id == channel.id and thread.name in wanted and thread.owner_id == self.me

        for thread in channel.threads:
            if ours(thread):
                return thread
        await self.pacer.acquire()
        for thread in await channel.guild.active_threads():
            if ours(thread):
                return thread
        return None

    async def find_own_message(
        self,
        channel: discord.abc.Messageable,
        marker: Marker,
        *,
        after: discord.abc.Snowflake | datetime | None = None,
    ) -> discord.Message | None:
        """Find one of the bot's messages carrying `marker`.

        With `after` (when the attempt began, or the thread it was made in) every message since is read,
        oldest first, so a busy channel cannot hide it; the last `LOOKBACK` are read too when that finds
        nothing (a recorded time from a clock ahead of Discord's). Without, only the last `LOOKBACK`.
        """
        if after is not None:
            if isinstance(after, datetime):
                after = discord.Object(discord.utils.time_snowflake(after - LOOKBACK_MARGIN))
            await self.pacer.acquire()
            count = 0
            async for message in channel.history(limit=None, after=after, oldest_first=True):
                count += 1
                if count % 100 == 0:
                    await self.pacer.acquire()  # each further page is one more request
                if message.author.id == self.me and marker.matches(message):
                    return message
        await self.pacer.acquire()
        async for message in channel.history(limit=LOOKBACK):
            if message.author.id == self.me and marker.matches(message):
                return message
        return None

    async def get_thread(self, guild: discord.Guild, thread_id: int) -> discord.Thread | None:
        """Return a recorded thread (fetched when archived out of the cache), or None if it is gone."""
        thread = guild.get_thread(thread_id)
        if thread is not None:
            return thread
        await self.pacer.acquire()
        try:
            fetched = await self.bot.fetch_channel(thread_id)
        except discord.NotFound:
            return None
        return fetched if isinstance(fetched, discord.Thread) else None

    # --- threads ----------------------------------------------------------------------------------

    async def open_private_thread(
        self, channel: discord.TextChannel, name: str, *, reason: str | None = None
    ) -> discord.Thread:
        """Open a private thread only its members can see and nobody else may invite to."""
        async with self._creating:
            await self.pacer.acquire(f"thread_create:{channel.guild.id}")
            return await channel.create_thread(
                name=name,
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=THREAD_WEEK,
                reason=reason,
            )

    async def open_message_thread(
        self,
        channel: discord.TextChannel,
        message_id: int,
        name: str,
        *,
        auto_archive_duration: int = THREAD_WEEK,
    ) -> discord.Thread:
        """Open a public thread on one of the bot's messages (Discord refuses a second one: 160004)."""
        async with self._creating:
            await self.pacer.acquire(f"thread_create:{channel.guild.id}")
            return await channel.get_partial_message(message_id).create_thread(
                name=name,
                auto_archive_duration=auto_archive_duration,  # type: ignore[arg-type]
            )

    async def add_members(self, thread: discord.Thread, user_ids: Collection[int]) -> list[int]:
        """Add members to a thread (adding one twice is harmless); return those who left the guild."""
        gone = []
        for user_id in dict.fromkeys(user_ids):
            await self.pacer.acquire()
            try:
                await thread.add_user(discord.Object(user_id))
            except discord.NotFound:
                log.info("member %s left before joining thread %s", user_id, thread.id)
                gone.append(user_id)
        return gone

    # --- messages ---------------------------------------------------------------------------------

    async def send(
        self, channel: discord.abc.Messageable, content: str | None = None, **options: Any
    ) -> discord.Message:
        """Send a message under the channel's and the bot's limits."""
        channel_id = getattr(channel, "id", None)
        await self.pacer.acquire(f"channel_message:{channel_id}")
        return await channel.send(content, **options)

    async def edit(self, channel_id: int, message_id: int, **fields: Any) -> discord.Message:
        """Edit one of the bot's messages by its ids (nothing is fetched first)."""
        await self.pacer.acquire(f"channel_message:{channel_id}")
        partial = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        return await partial.edit(**fields)

    async def fetch(self, channel_id: int, message_id: int) -> discord.Message:
        """Read one message by its ids (raises `discord.NotFound` when it is gone)."""
        await self.pacer.acquire()
        return await self.bot.get_partial_messageable(channel_id).fetch_message(message_id)

    async def delete_channel(self, channel_id: int) -> bool:
        """Delete a channel or thread the bot made; return False if it was already gone."""
        await self.pacer.acquire()
        try:
            await self.bot.http.delete_channel(channel_id)
        except discord.NotFound:
            return False
        return True

    async def dm_channel(self, user_id: int) -> discord.DMChannel:
        """Return the DM channel with a member, opening it under the DM-opening limit if needed."""
        user = self.bot.get_user(user_id)
        if user is None:
            await self.pacer.acquire()
            user = await self.bot.fetch_user(user_id)
        if user.dm_channel is not None:
            return user.dm_channel
        await self.pacer.acquire("dm_open")
        return await user.create_dm()
