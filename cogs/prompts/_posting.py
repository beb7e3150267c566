"""Sending the weekly prompt exactly once: the post, a send interrupted by a restart, its answers thread."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Literal

import discord

from bot.cog import missing_permissions
from bot.storage import prompts as store
from bot.storage.prompts import PromptPost
from cogs.prompts._content import (
    NEEDED_PERMISSIONS,
    PostFailed,
    http_code,
    post_marker,
    prompt_embed,
    thread_name,
)

if TYPE_CHECKING:
    from bot.client import MajlisBot

log = logging.getLogger("cogs.prompts")

THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: answers stay open until the next prompt
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"


class PostingMixin:
    """The sending half of the prompts cog; every step is recorded so a restart never posts twice."""

    bot: MajlisBot

    async def _deliver(
        self, guild: discord.Guild, channel_id: int | None, post: PromptPost, lang: str
    ) -> PromptPost:
        """Send the post once (recorded before and after the HTTP call), then open its thread."""
        db = self.bot.db
        if post.message_id is None:
            try:
                channel = guild.get_channel(channel_id) if channel_id else None
                if not isinstance(channel, discord.TextChannel):
                    raise PostFailed("channel_missing")
                missing = missing_permissions(channel, guild.me, NEEDED_PERMISSIONS)
                if missing:
                    raise PostFailed(f"missing:{','.join(missing)}")
                delivery = self.bot.delivery
                embed = prompt_embed(lang, post.text, post.id, credited_user_id=post.credited_user_id)
                try:
                    message = await delivery.send_once(
                        begun=post.attempts > 0,
                        find=partial(
                            delivery.find_own_message, channel, post_marker(post.id), after=post.attempted_at
                        ),
                        record=partial(store.start_attempt, db, post.id, channel.id, self.bot.clock.now()),
                        send=partial(delivery.send, channel, embed=embed),
                    )
                except discord.HTTPException as exc:
                    raise PostFailed(http_code(exc)) from exc
                message_id = message.id
                await store.record_message(db, post.id, channel.id, message_id, self.bot.clock.now())
            except PostFailed as failure:
                log.warning("prompt %s in guild %s not posted: %s", post.id, guild.id, failure.code)
                await store.record_post_failure(db, post.id, failure.code)
                return await self._reload(post)
        return await self._open_thread(guild, await self._reload(post))

    async def _reload(self, post: PromptPost) -> PromptPost:
        fresh = await store.get_post(self.bot.db, post.id)
        assert fresh is not None
        return fresh

    async def _open_thread(self, guild: discord.Guild, post: PromptPost) -> PromptPost:
        """Open the answers thread on a posted prompt; a lost message means the prompt is posted again."""
        assert post.message_id is not None
        db = self.bot.db
        channel = guild.get_channel(post.channel_id) if post.channel_id else None
        try:
            if not isinstance(channel, discord.TextChannel):
                raise PostFailed("channel_missing")
            thread = await self.bot.delivery.open_message_thread(
                channel, post.message_id, thread_name(post.text), auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
            await store.record_thread(db, post.id, thread.id)
        except (PostFailed, discord.NotFound):
            # The channel or message is gone; the prompt never got its answers, so it goes out again.
            await store.forget_message(db, post.id)
            await store.record_post_failure(db, post.id, "channel_missing")
        except discord.Forbidden:
            await store.record_post_failure(db, post.id, "thread_forbidden")
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:
                # Made just before a restart: a thread started from a message shares the message's id.
                await store.record_thread(db, post.id, post.message_id)
            else:
                await store.record_post_failure(db, post.id, f"thread_failed:{exc.status}")
        return await self._reload(post)
