"""`/share post`, `/share search` and `/majlis share`: experience threads after the client-privacy check."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

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
from bot.cooldowns import cooldown
from bot.errors import MajlisError
from bot.fields import FIELDS, field_name, get_field
from bot.hooks import Feature, Hooks
from bot.i18n import t
from bot.share import (
    FORUM_TAGS_MAX,
    IGNORED_WORD_MAX,
    PrivacyReport,
    ShareDraft,
    check_draft,
    client_name_from,
    compose_post,
    describe_findings,
    finding_choices,
    mask_draft,
    post_fields,
    tag_matches_field,
    tag_name_for,
    validate_draft,
    validate_query,
)
from bot.storage import guilds as guild_store
from bot.storage import profiles as profile_store
from bot.storage import share as store
from bot.text import clip, isolate, literal
from cogs.share._views import (
    PAGE_SIZE,
    DraftButton,
    FindingSelect,
    SearchPager,
    ShareModal,
    draft_choice_view,
    search_embed,
)

log = logging.getLogger(__name__)

FEATURE = "share"
PURGE_JOB = "share:purge-drafts"
_POST_PERMISSIONS = ("view_channel", "send_messages")
IGNORED_WORDS_MAX = 200
CLIENT_NAMES_MAX = 100  # as /privacy clients allows
CLIENT_NAME_MAX = 80
FIELD_CHOICES = [app_commands.Choice(name=f"{f.emoji} {f.en} · {f.ar}"[:100], value=f.key) for f in FIELDS]


class Share(MajlisCog):
    """Experience threads: the privacy check, posting to the forum, and search."""

    share = app_commands.Group(
        name="share",
        description="Share an experience with peers, or search what they shared",
        guild_only=True,
    )

    def hooks(self) -> Hooks:
        """Draft buttons that work after a restart, `/majlis status`, and the daily draft purge."""
        return Hooks(
            one_off_prefixes=(PURGE_JOB,),
            dynamic_items=(DraftButton, FindingSelect),
            features=[Feature(FEATURE, status=self._status)],
        )

    async def start(self) -> None:
        """Purge old drafts now; the purge then comes back daily."""
        await self._purge_drafts()

    async def _purge_drafts(self) -> None:
        """Delete drafts older than a day, then come back tomorrow."""
        now = self.bot.clock.now()
        purged = await store.purge_expired_drafts(self.bot.db, now)
        if purged:
            log.info("purged %d expired share drafts", purged)
        self.bot.scheduler.add_once(PURGE_JOB, now + timedelta(days=1), self._purge_drafts)

    async def _status(self, guild_id: int, lang: str) -> list[str]:
        lines = [t(lang, "share.status_posts", count=await store.count_posts(self.bot.db, guild_id))]
        notice = await store.get_notice(self.bot.db, guild_id)
        if notice:
            lines.append(t(lang, notice))
        return lines

    # --- admin ----------------------------------------------------------------------------------------

    @admin_command(
        name="share", description="Choose the forum channel for experience threads (tags = fields)"
    )
    @app_commands.describe(forum="The forum channel where shared experiences are posted")
    async def configure_forum(self, interaction: GuildInteraction, forum: discord.ForumChannel) -> None:
        """Post shared experiences in this forum."""
        lang = await self.lang(interaction)
        require_bot_permissions(forum, _POST_PERMISSIONS, "share.forum_no_permission", forum=forum.mention)
        perms = forum.permissions_for(interaction.guild.me)
        await guild_store.configure_feature(self.bot.db, interaction.guild.id, FEATURE, channel_id=forum.id)
        await store.clear_notice(self.bot.db, interaction.guild.id)
        lines = [t(lang, "share.configured", forum=forum.mention)]
        if not perms.manage_channels:
            lines.append(t(lang, "share.configured_no_tags"))
        await send(interaction, "\n".join(lines))

    # --- members ----------------------------------------------------------------------------------------

    @guild_command(
        share,
        name="post",
        description="Share an experience: title, story, what you learned (privacy-checked)",
    )
    @cooldown("share.post")
    async def post(self, interaction: GuildInteraction) -> None:
        """Open the sharing modal, the fields prefilled from the member's profile."""
        await self._forum_id(interaction.guild_id)
        lang = await self.lang(interaction)
        profile = await profile_store.get_profile(self.bot.db, interaction.guild_id, interaction.user.id)
        default_tags = (
            field_name(profile.field, lang) if profile and profile.field and get_field(profile.field) else ""
        )
        await interaction.response.send_modal(ShareModal(self, lang, default_tags=default_tags))

    @guild_command(share, name="search", description="Search past shared experiences and prompt threads")
    @cooldown("share.search")
    @app_commands.describe(query="Words to look for (Arabic or English)", field="Only this field")
    @app_commands.choices(field=FIELD_CHOICES)
    async def search(self, interaction: GuildInteraction, query: str, field: str | None = None) -> None:
        """Full-text search, best matches first, with snippets and links, a page at a time."""
        query = validate_query(query)
        lang = await self.lang(interaction)
        guild_id = interaction.guild_id
        await store.sync_prompt_threads(self.bot.db, guild_id, self.bot.clock.now())

        async def load_page(index: int) -> store.SearchPage:
            return await store.search(
                self.bot.db, guild_id, query, field=field, limit=PAGE_SIZE, offset=index * PAGE_SIZE
            )

        first = await load_page(0)
        if not first.total:
            await send(interaction, t(lang, "share.search_none", query=literal(query)))
            return
        embed = search_embed(first, query, lang, guild_id, 0)
        if first.total <= PAGE_SIZE:
            await send(interaction, embed=embed)
            return
        pager = SearchPager(
            user_id=interaction.user.id,
            lang=lang,
            query=query,
            guild_id=guild_id,
            total=first.total,
            load_page=load_page,
        )
        pager.interaction = interaction
        await send(interaction, embed=embed, view=pager)

    # --- the draft flow ---------------------------------------------------------------------------------

    async def _forum_id(self, guild_id: int) -> int:
        config = await self.require_feature(guild_id, FEATURE, "share.not_configured", channel=True)
        assert config.channel_id is not None  # asked for above
        return config.channel_id

    async def submit_draft(
        self,
        interaction: GuildInteraction,
        *,
        title: str,
        story: str,
        lesson: str,
        tags_text: str,
        draft_id: int | None,
    ) -> None:
        """Validate the modal, keep the draft, run the privacy check; post if clean, else show the findings."""
        draft = validate_draft(title, story, lesson, tags_text)
        await self._forum_id(interaction.guild_id)
        lang = await self.lang(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id, user_id = interaction.guild_id, interaction.user.id
        now = self.bot.clock.now()
        if draft_id is not None:
            stored = await store.get_draft(self.bot.db, draft_id, now)
            if stored is None or stored.user_id != user_id:
                draft_id = None
        # Kept before anything else happens, so a failed post or a closed modal loses nothing.
        draft_id = await store.save_draft(self.bot.db, guild_id, user_id, draft, now, draft_id)
        report = await self._check(guild_id, user_id, draft, draft_id)
        if report.clean:
            await store.claim_draft(self.bot.db, draft_id)
            try:
                await self._publish(interaction, draft_id, draft, masked=False, from_button=False)
            except MajlisError as exc:
                # The text is safe in the draft: offer the same choices so the author can retry or edit.
                await interaction.followup.send(
                    t(lang, exc.key, **exc.params), view=draft_choice_view(draft_id, lang), ephemeral=True
                )
            return
        await interaction.followup.send(
            findings_text(report, lang), view=draft_choice_view(draft_id, lang, report), ephemeral=True
        )

    async def _check(self, guild_id: int, user_id: int, draft: ShareDraft, draft_id: int) -> PrivacyReport:
        """Run the privacy check with the member's lists, off the event loop (a long post costs milliseconds)."""
        names = await store.get_client_names(self.bot.db, guild_id, user_id)
        ignored = await store.get_ignored_words(self.bot.db, guild_id, user_id)
        stored = await store.get_draft(self.bot.db, draft_id, self.bot.clock.now())
        dismissed = stored.dismissed if stored else ()
        return await asyncio.to_thread(check_draft, draft, names, [*ignored, *dismissed])

    async def _own_draft(self, interaction: discord.Interaction, draft_id: int) -> store.StoredDraft:
        stored = await store.get_draft(self.bot.db, draft_id, self.bot.clock.now())
        if stored is None:
            raise MajlisError("share.draft_gone")
        if stored.user_id != interaction.user.id or stored.guild_id != interaction.guild_id:
            raise MajlisError("share.not_yours")
        return stored

    async def choose_findings(
        self, interaction: discord.Interaction, draft_id: int, action: str, values: list[str]
    ) -> None:
        """Carry out the author's choice about single findings, then show what is left; nothing is posted."""
        lang = await self.lang(interaction)
        stored = await self._own_draft(interaction, draft_id)
        guild_id, user_id = stored.guild_id, stored.user_id
        report = await self._check(guild_id, user_id, stored.draft, draft_id)
        chosen = [c.finding for c in finding_choices(report, lang) if c.value in values]
        if not chosen:
            # The client list or the text changed since the menu was built: show the findings as they are now.
            await interaction.response.edit_message(
                content=findings_text(report, lang, t(lang, "share.findings_changed")),
                view=draft_choice_view(draft_id, lang, report),
            )
            return
        now = self.bot.clock.now()
        if action == "dismiss":
            words = [f.text for f in chosen]
            await store.dismiss_in_draft(self.bot.db, draft_id, words)
        elif action == "ignore":
            words = [clip(f.text, IGNORED_WORD_MAX) for f in chosen]
            for word in words:
                if (
                    await store.add_ignored_word(self.bot.db, guild_id, user_id, word, now, IGNORED_WORDS_MAX)
                    == "full"
                ):
                    raise MajlisError("share.ignored_full", limit=IGNORED_WORDS_MAX)
        else:
            words = [n[:CLIENT_NAME_MAX] for n in (client_name_from(f) for f in chosen) if n]
            for word in words:
                if (
                    await store.add_client_name(self.bot.db, guild_id, user_id, word, now, CLIENT_NAMES_MAX)
                    == "full"
                ):
                    raise MajlisError("privacy.clients_too_many", limit=CLIENT_NAMES_MAX)
        separator = "، " if lang == "ar" else ", "
        note = t(lang, f"share.note_{action}", words=separator.join(f"`{isolate(w)}`" for w in words))
        report = await self._check(guild_id, user_id, stored.draft, draft_id)
        await interaction.response.edit_message(
            content=findings_text(report, lang, note), view=draft_choice_view(draft_id, lang, report)
        )

    async def choose(self, interaction: discord.Interaction, draft_id: int, action: str) -> None:
        """Carry out the author's choice on a draft: edit, post masked, or cancel."""
        lang = await self.lang(interaction)
        stored = await self._own_draft(interaction, draft_id)
        if action == "edit":
            await interaction.response.send_modal(
                ShareModal(self, lang, draft=stored.draft, draft_id=draft_id)
            )
        elif action == "cancel":
            await store.delete_draft(self.bot.db, draft_id)
            await interaction.response.edit_message(content=t(lang, "share.cancelled"), view=None)
        else:
            if not await store.claim_draft(self.bot.db, draft_id):
                raise MajlisError("share.busy")
            await interaction.response.defer()
            # Checked again: the client list may have changed since the findings were shown.
            report = await self._check(stored.guild_id, stored.user_id, stored.draft, draft_id)
            await self._publish(
                interaction,
                draft_id,
                mask_draft(stored.draft, report, lang),
                masked=not report.clean,
                from_button=True,
            )

    async def _publish(
        self,
        interaction: discord.Interaction,
        draft_id: int,
        draft: ShareDraft,
        *,
        masked: bool,
        from_button: bool,
    ) -> None:
        """Post the draft as a forum thread tagged by field, store and index it, tell the author."""
        try:
            link = await self._post_thread(in_guild(interaction), draft_id, draft, masked=masked)
        except BaseException:
            await store.release_draft(self.bot.db, draft_id)
            raise
        lang = await self.lang(interaction)
        text = t(lang, "share.posted_masked" if masked else "share.posted", link=link)
        if from_button:
            await interaction.edit_original_response(content=text, view=None)
        else:
            await interaction.followup.send(text, ephemeral=True)

    async def _post_thread(
        self, interaction: GuildInteraction, draft_id: int, draft: ShareDraft, *, masked: bool
    ) -> str:
        guild = interaction.guild
        forum = guild.get_channel(await self._forum_id(guild.id))
        if not isinstance(forum, discord.ForumChannel):
            raise MajlisError("share.forum_missing")
        require_bot_permissions(forum, _POST_PERMISSIONS, "share.cannot_post")
        profile = await profile_store.get_profile(self.bot.db, guild.id, interaction.user.id)
        fields = post_fields(draft, profile.field if profile else None)
        guild_lang = await self.bot.guild_language(guild.id)
        tags = await self._forum_tags(forum, fields, guild_lang)
        post = compose_post(draft, interaction.user.id, fields, guild_lang)
        try:
            # A retry after a part-way failure finishes the thread it made instead of making another.
            found = None
            if await store.draft_resumes(self.bot.db, draft_id):
                found = await self._find_post(forum, post.thread_name, post.messages)
            if found is None:
                created = await forum.create_thread(
                    name=post.thread_name,
                    content=post.messages[0],
                    applied_tags=tags,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
                thread, there = created.thread, 1
            else:
                thread, there = found
            for extra in post.messages[there:]:
                await self.bot.delivery.send(thread, extra, allowed_mentions=discord.AllowedMentions.none())
        except discord.Forbidden as exc:
            raise MajlisError("share.cannot_post") from exc
        except discord.HTTPException as exc:
            log.warning("could not post a shared experience in guild %s: %s", guild.id, exc)
            raise MajlisError("share.post_failed") from exc
        await store.save_post(
            self.bot.db,
            guild_id=guild.id,
            user_id=interaction.user.id,
            thread_id=thread.id,
            draft=draft,
            fields=fields,
            masked=masked,
            now=self.bot.clock.now(),
            draft_id=draft_id,
        )
        return thread.jump_url

    async def _find_post(
        self, forum: discord.ForumChannel, name: str, messages: list[str]
    ) -> tuple[discord.Thread, int] | None:
        """Find the forum thread an earlier attempt made for this post, and how many of its messages it holds."""
        delivery = self.bot.delivery
        thread = await delivery.find_own_thread(forum, name)  # type: ignore[arg-type]
        if thread is None:
            return None
        there = 0
        await delivery.pacer.acquire()
        # From the thread's start: its first message (the forum post itself) has the thread's id.
        async for message in thread.history(
            limit=None, after=discord.Object(thread.id - 1), oldest_first=True
        ):
            if message.author.id != delivery.me:
                continue
            if there < len(messages) and message.content == messages[there]:
                there += 1
            else:
                break
        return (thread, there) if there else None  # another post with the same title is not this one

    async def _forum_tags(
        self, forum: discord.ForumChannel, fields: list[str], lang: str
    ) -> list[discord.ForumTag]:
        """Find each field's tag in the forum, creating the missing ones when the bot may."""
        if not fields:
            return []
        available = list(forum.available_tags)
        missing = [k for k in fields if not any(tag_matches_field(tag.name, k) for tag in available)]
        if missing:
            # The cached tag list can lag behind a tag created moments ago; read the forum first.
            try:
                fresh = await self.bot.fetch_channel(forum.id)
            except discord.HTTPException:
                fresh = None
            if isinstance(fresh, discord.ForumChannel):
                available = list(fresh.available_tags)
                missing = [k for k in fields if not any(tag_matches_field(tag.name, k) for tag in available)]
        if missing:
            available = await self._create_tags(forum, available, missing, lang)
        can_moderate = forum.permissions_for(forum.guild.me).manage_threads
        chosen: list[discord.ForumTag] = []
        for key in fields:
            tag = next((tg for tg in available if tag_matches_field(tg.name, key)), None)
            if tag is not None and (can_moderate or not tag.moderated) and tag not in chosen:
                chosen.append(tag)
        return chosen

    async def _create_tags(
        self, forum: discord.ForumChannel, available: list[discord.ForumTag], missing: list[str], lang: str
    ) -> list[discord.ForumTag]:
        """Add tags for missing fields in one edit; note for admins why a post went untagged."""
        guild_id = forum.guild.id
        now = self.bot.clock.now()
        if not forum.permissions_for(forum.guild.me).manage_channels:
            await store.set_notice(self.bot.db, guild_id, "share.notice.no_tag_permission", now)
            return available
        room = FORUM_TAGS_MAX - len(available)
        full = room < len(missing)
        if full:
            await store.set_notice(self.bot.db, guild_id, "share.notice.tags_full", now)
            missing = missing[: max(room, 0)]
        if not missing:
            return available
        new_tags = []
        for key in missing:
            field = get_field(key)
            new_tags.append(
                discord.ForumTag(name=tag_name_for(key, lang), emoji=field.emoji if field else None)
            )
        try:
            edited = await forum.edit(available_tags=[*available, *new_tags])
        except discord.Forbidden:
            await store.set_notice(self.bot.db, guild_id, "share.notice.no_tag_permission", now)
            return available
        except discord.HTTPException as exc:
            log.warning("could not create forum tags in guild %s: %s", guild_id, exc)
            await store.set_notice(self.bot.db, guild_id, "share.notice.tag_failed", now)
            return available
        if not full:
            await store.clear_notice(self.bot.db, guild_id)
        return list(edited.available_tags) if isinstance(edited, discord.ForumChannel) else available

    # --- housekeeping -------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A deleted thread leaves the search results."""
        await store.forget_thread(self.bot.db, payload.thread_id)


def findings_text(report: PrivacyReport, lang: str, note: str = "") -> str:
    """Say what the check found (or that nothing is left), after a note on the author's last choice."""
    note = f"{note}\n\n" if note else ""
    if report.clean:
        return t(lang, "share.findings_cleared", note=note)
    return t(lang, "share.findings", findings=describe_findings(report, lang), note=note)


async def setup(bot: MajlisBot) -> None:
    """Load the sharing cog."""
    await bot.add_cog(Share(bot))
