"""The weekly digest: the week's prompt with its top answers and the experience threads shared."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import discord

from bot.cog import GuildInteraction, missing_permissions, send
from bot.i18n import local_when, t
from bot.prompts import Answer, digest_window, top_answers
from bot.storage import guilds as guild_store
from bot.storage import prompts as store
from bot.storage.prompts import Digest, PromptPost
from cogs.prompts._content import (
    PostFailed,
    digest_embed,
    digest_marker,
    failure_text,
    http_code,
)

if TYPE_CHECKING:
    from bot.client import MajlisBot
    from bot.storage.guilds import FeatureConfig

log = logging.getLogger(__name__)

ANSWERS_READ = 1000  # the most replies a digest reads from one answers thread


@dataclass(frozen=True)
class DigestOutcome:
    """What a run of the digest did: posted (with a link), found nothing, or failed."""

    status: str
    url: str | None = None
    error: str | None = None


class DigestMixin:
    """The digest half of the prompts cog: it sums up the answers the prompt half collected."""

    bot: MajlisBot

    if TYPE_CHECKING:

        async def lang(self, interaction: discord.Interaction) -> str: ...

        async def require_feature(
            self, guild_id: int, feature: str, error_key: str, *, channel: bool = False
        ) -> FeatureConfig: ...

        def _lock(self, guild_id: int) -> contextlib.AbstractAsyncContextManager[None]: ...

        async def _guild_lang(self, guild_id: int) -> str: ...

    async def scheduled_digest(self, guild_id: int, scheduled_for: datetime) -> None:
        """Post the digest of a scheduled occurrence (nothing to digest -> no post)."""
        await self.bot.wait_until_ready()
        await self.post_digest(guild_id, scheduled_for)

    async def run_digest(self, interaction: GuildInteraction, dry_run: bool) -> None:
        """`/majlis run feature:digest`: post the digest now (or preview it privately, with dry_run)."""
        lang = await self.lang(interaction)
        await self.require_feature(interaction.guild_id, "digest", "prompts.digest_not_configured")
        await interaction.response.defer(ephemeral=True, thinking=True)
        if dry_run:
            try:
                built = await self._build_digest(interaction.guild_id, self.bot.clock.now(), lang)
            except PostFailed as failure:
                await send(
                    interaction, t(lang, "prompts.digest_failed", reason=failure_text(lang, failure.code))
                )
                return
            if built is None:
                await send(interaction, t(lang, "prompts.digest_nothing"))
            else:
                await send(interaction, embed=built[0])
            return
        outcome = await self.post_digest(interaction.guild_id, None)
        if outcome.status == "posted":
            await send(interaction, t(lang, "prompts.digest_posted", url=outcome.url))
        elif outcome.status == "empty":
            await send(interaction, t(lang, "prompts.digest_nothing"))
        else:
            await send(
                interaction, t(lang, "prompts.digest_failed", reason=failure_text(lang, outcome.error))
            )

    async def _read_answers(self, guild: discord.Guild, thread_id: int) -> list[Answer]:
        """Read an answers thread's replies with their reaction counts (no message content needed)."""
        thread: discord.abc.GuildChannel | discord.Thread | discord.abc.PrivateChannel | None
        thread = guild.get_channel_or_thread(thread_id)
        if thread is None:
            try:
                thread = await self.bot.fetch_channel(thread_id)  # archived threads are not cached
            except discord.NotFound:
                return []
        if not isinstance(thread, discord.Thread):
            return []
        answers = []
        async for message in thread.history(limit=ANSWERS_READ, oldest_first=True):
            if message.author.bot or message.type not in (
                discord.MessageType.default,
                discord.MessageType.reply,
            ):
                continue
            answers.append(
                Answer(
                    message.id, message.author.id, sum(r.count for r in message.reactions), message.jump_url
                )
            )
        return answers

    async def _build_digest(
        self, guild_id: int, occurrence: datetime, lang: str, digest_id: int | None = None
    ) -> tuple[discord.Embed, PromptPost | None] | None:
        """Build the digest for an occurrence, or None when there is nothing to digest."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        db = self.bot.db
        post = await store.latest_undigested_post(db, guild_id, occurrence)
        answers: list[Answer] = []
        if post is not None and post.thread_id is not None:
            try:
                answers = await self._read_answers(guild, post.thread_id)
            except discord.HTTPException as exc:
                raise PostFailed(http_code(exc)) from exc
            await store.record_answer_count(db, post.id, len(answers))
        start, end = digest_window(occurrence)
        shared = [
            (f"https://discord.com/channels/{guild_id}/{thread_id}", title)
            for thread_id, title in await store.shared_threads_between(db, guild_id, start, end)
        ]
        if not answers and not shared:
            return None
        has_thread = post is not None and bool(answers)
        # Members who left are not featured; their answers still count towards the thread's total.
        departed = await guild_store.departed_members(db, guild_id)
        embed = digest_embed(
            lang,
            prompt_text=post.text if has_thread and post else None,
            thread_url=f"https://discord.com/channels/{guild_id}/{post.thread_id}"
            if has_thread and post
            else None,
            answer_count=len(answers),
            top=top_answers([a for a in answers if a.author_id not in departed]),
            shared=shared,
            digest_id=digest_id,
        )
        return embed, post

    async def post_digest(self, guild_id: int, scheduled_for: datetime | None) -> DigestOutcome:
        """Post the weekly digest exactly once per occurrence; nothing to digest means no post."""
        async with self._lock(guild_id):
            db = self.bot.db
            config = await guild_store.enabled_feature(db, guild_id, "digest")
            guild = self.bot.get_guild(guild_id)
            if config is None or guild is None:
                return DigestOutcome("empty")
            now = self.bot.clock.now()
            digest = await store.claim_digest(db, guild_id, scheduled_for, now)
            assert digest is not None
            if digest.status in ("posted", "empty"):
                return DigestOutcome(digest.status)
            occurrence = digest.scheduled_for or now
            lang = await self._guild_lang(guild_id)
            try:
                await self._settle_interrupted(guild, digest.id)
                found = await self._find_sent_digest(guild, digest) if digest.attempted_at else None
                if found is not None:
                    # Sent just before a restart: record it rather than post the week twice.
                    message, channel, post_id = found, found.channel, digest.prompt_post_id
                else:
                    built = await self._build_digest(guild_id, occurrence, lang, digest.id)
                    if built is None:
                        await store.finish_digest(db, digest.id, status="empty")
                        return DigestOutcome("empty")
                    embed, post = built
                    post_id = post.id if post else None
                    configured = guild.get_channel(config.channel_id) if config.channel_id else None
                    if not isinstance(configured, discord.TextChannel):
                        raise PostFailed("channel_missing")
                    channel = configured
                    missing = missing_permissions(
                        channel, guild.me, ("view_channel", "send_messages", "embed_links")
                    )
                    if missing:
                        raise PostFailed(f"missing:{','.join(missing)}")
                    delivery = self.bot.delivery
                    try:
                        # Looked for above already: what this week holds decides what is recorded.
                        message = await delivery.send_once(
                            record=partial(
                                store.start_digest_attempt,
                                db,
                                digest.id,
                                post_id,
                                channel.id,
                                self.bot.clock.now(),
                            ),
                            send=partial(delivery.send, channel, embed=embed),
                        )
                    except discord.HTTPException as exc:
                        raise PostFailed(http_code(exc)) from exc
            except PostFailed as failure:
                log.warning("digest in guild %s not posted: %s", guild_id, failure.code)
                await store.finish_digest(db, digest.id, status="failed", error=failure.code)
                return DigestOutcome("failed", error=failure.code)
            await store.finish_digest(
                db,
                digest.id,
                status="posted",
                prompt_post_id=post_id,
                channel_id=channel.id,
                message_id=message.id,
                now=self.bot.clock.now(),
            )
            return DigestOutcome("posted", url=message.jump_url)

    async def _settle_interrupted(self, guild: discord.Guild, digest_id: int) -> None:
        """Record other digests cut off by a restart (e.g. a `/majlis run`), so their week is not posted again."""
        db = self.bot.db
        for earlier in await store.interrupted_digests(db, guild.id, digest_id):
            found = await self._find_sent_digest(guild, earlier)
            if found is None:
                await store.finish_digest(db, earlier.id, status="failed", error="interrupted")
                continue
            await store.finish_digest(
                db,
                earlier.id,
                status="posted",
                prompt_post_id=earlier.prompt_post_id,
                channel_id=found.channel.id,
                message_id=found.id,
                now=self.bot.clock.now(),
            )

    async def _find_sent_digest(self, guild: discord.Guild, digest: Digest) -> discord.Message | None:
        """Find a digest whose send went out before the bot stopped, in the channel recorded for it."""
        channel = guild.get_channel(digest.channel_id) if digest.channel_id else None
        if not isinstance(channel, discord.TextChannel):
            return None  # the channel is gone, so the digest is not in it
        try:
            # From when the send began: members chatting meanwhile cannot push it out of reach.
            return await self.bot.delivery.find_own_message(
                channel, digest_marker(digest.id), after=digest.attempted_at
            )
        except discord.HTTPException as exc:
            raise PostFailed(http_code(exc)) from exc

    async def digest_status(self, guild_id: int, lang: str) -> list[str]:
        """Lines for `/majlis status`: how the last digest went."""
        digest = await store.last_digest(self.bot.db, guild_id)
        if digest is None:
            return []
        if digest.status == "failed":
            return [t(lang, "prompts.digest_status_failed", reason=failure_text(lang, digest.error))]
        if digest.status == "empty":
            return [t(lang, "prompts.digest_status_empty")]
        if digest.status == "posted" and digest.posted_at is not None:
            now = self.bot.clock.now()
            return [
                t(
                    lang,
                    "prompts.digest_status_posted",
                    relative=local_when(digest.posted_at, lang, UTC, now=now)["relative"],
                )
            ]
        return []
