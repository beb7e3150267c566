"""`/privacy …`: what a member controls about their own data: client list, export, forget."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import unicodedata
from collections import Counter
from collections.abc import Mapping

import discord
from discord import app_commands

from bot.client import MajlisBot
from bot.client_details import parse_client_list
from bot.cog import (
    GuildInteraction,
    MajlisCog,
    MajlisModal,
    OwnedView,
    guild_command,
    in_guild,
    send,
)
from bot.cooldowns import cooldown
from bot.errors import MajlisError
from bot.i18n import t
from bot.storage import privacy as privacy_store
from bot.storage import share as share_store
from bot.text import literal
from cogs._forgetting import Forgetting

log = logging.getLogger(__name__)

CLIENT_NAMES_MAX = 100
CLIENT_NAME_MAX = 80
CLIENT_LIST_TEXT_MAX = 4000  # a modal text input holds at most 4000 characters


def parse_clients(text: str) -> list[str]:
    """Read the client-list modal, one name a line, with a clear error for each limit."""
    # Control characters are never part of a name; SQLite's length() also stops at a NUL.
    text = "".join(ch for ch in text if ch in "\n\r" or unicodedata.category(ch) != "Cc")
    for line in text.splitlines():
        name = line.strip()
        if len(name) > CLIENT_NAME_MAX:
            raise MajlisError(
                "privacy.clients_name_too_long", name=literal(name[:20]) + "…", limit=CLIENT_NAME_MAX
            )
    try:
        return parse_client_list(text, max_names=CLIENT_NAMES_MAX, max_len=CLIENT_NAME_MAX)
    except ValueError as exc:
        raise MajlisError("privacy.clients_too_many", limit=CLIENT_NAMES_MAX) from exc


class ClientListModal(MajlisModal):
    """The member's private client names, prefilled with the current list."""

    def __init__(self, cog: Privacy, lang: str, current: list[str]) -> None:
        super().__init__(title=t(lang, "privacy.clients_modal_title"), timeout=1800)
        self.cog = cog
        self.names: discord.ui.TextInput[ClientListModal] = discord.ui.TextInput(
            label=t(lang, "privacy.clients_label"),
            custom_id="majlis:privacy:clients",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=CLIENT_LIST_TEXT_MAX,
            placeholder=t(lang, "privacy.clients_placeholder"),
            default="\n".join(current) or None,
        )
        self.add_item(self.names)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Replace the stored list; only the privacy check reads it."""
        await self.cog.save_clients(in_guild(interaction), self.names.value)


def export_bytes(export: dict) -> bytes:
    """Encode the export as indented UTF-8 JSON."""
    return json.dumps(export, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def export_file(data: bytes, guild_id: int, user_id: int) -> discord.File:
    """Return the encoded export as an attachment (a fresh one per send: a sent File is consumed)."""
    return discord.File(io.BytesIO(data), filename=f"majlis-export-{guild_id}-{user_id}.json")


class ForgetConfirm(OwnedView):
    """Delete my data / Cancel: ephemeral, only for the member who asked, and it times out."""

    not_yours_key = "privacy.not_yours"

    def __init__(self, cog: Privacy, user_id: int, lang: str, timeout: float) -> None:
        super().__init__(user_id, timeout=timeout)
        self.cog = cog
        self.lang = lang
        self.interaction: discord.Interaction | None = None  # the command, to edit its answer on timeout
        confirm: discord.ui.Button[ForgetConfirm] = discord.ui.Button(
            label=t(lang, "privacy.forget_button"),
            style=discord.ButtonStyle.danger,
            custom_id="majlis:privacy:forget:confirm",
        )
        cancel: discord.ui.Button[ForgetConfirm] = discord.ui.Button(
            label=t(lang, "privacy.cancel_button"),
            style=discord.ButtonStyle.secondary,
            custom_id="majlis:privacy:forget:cancel",
        )
        confirm.callback = self.confirm  # type: ignore[method-assign]
        cancel.callback = self.cancel  # type: ignore[method-assign]
        self.add_item(confirm)
        self.add_item(cancel)

    async def confirm(self, interaction: discord.Interaction) -> None:
        """Forget the member, then say exactly what was removed."""
        self.stop()
        await interaction.response.defer()
        asked = in_guild(interaction)
        outcomes = await self.cog.forget_member(asked.guild_id, asked.user.id)
        await interaction.edit_original_response(content=forgotten_summary(outcomes, self.lang), view=None)

    async def cancel(self, interaction: discord.Interaction) -> None:
        """Change nothing."""
        self.stop()
        await interaction.response.edit_message(content=t(self.lang, "privacy.forget_cancelled"), view=None)

    async def on_timeout(self) -> None:
        """Say nothing was deleted and take the buttons away."""
        if self.interaction is None:
            return
        try:
            await self.interaction.edit_original_response(
                content=t(self.lang, "privacy.forget_expired"), view=None
            )
        except discord.HTTPException as error:
            log.info("could not mark a forget confirmation expired: %s", error)


def forgotten_summary(outcomes: Mapping[str, int], lang: str) -> str:
    """Say what forget removed: the stored data, then each kind of Discord message it changed."""
    lines = [t(lang, "privacy.forgotten")]
    for key in ("privacy.forgot.board", "privacy.forgot.forum", "privacy.forgot.edited"):
        if outcomes.get(key):
            lines.append(t(lang, key, count=outcomes[key]))
    if outcomes.get("refused"):
        lines.append(t(lang, "privacy.forgot.refused", count=outcomes["refused"]))
    if outcomes.get("pending"):
        lines.append(t(lang, "privacy.forgot.pending", count=outcomes["pending"]))
    return "\n".join(lines)


class Privacy(MajlisCog):
    """A member's own data: the private client list, a full export, and forgetting them."""

    # How long the forget confirmation waits for a press (tests shorten it).
    forget_timeout: float = 120.0

    def __init__(self, bot: MajlisBot) -> None:
        super().__init__(bot)
        self.forgetting = Forgetting(bot)

    async def start(self) -> None:
        """Finish forget jobs a stop interrupted, once the gateway's caches are filled."""
        self.forgetting.track(self.forgetting.resume(), "forget-resume")

    async def stop(self) -> None:
        """Stop background work; the recorded steps resume it next start."""
        await self.forgetting.stop()

    privacy = app_commands.Group(
        name="privacy",
        description="Your data in Majlis: what is stored, and control over it",
        guild_only=True,
    )

    @guild_command(
        privacy,
        name="clients",
        description="Your private list of client names, used only by the privacy check",
    )
    async def clients(self, interaction: GuildInteraction) -> None:
        """Open the client-list modal with the current names."""
        lang = await self.lang(interaction)
        current = await share_store.get_client_names(self.bot.db, interaction.guild_id, interaction.user.id)
        await interaction.response.send_modal(ClientListModal(self, lang, current))

    async def save_clients(self, interaction: GuildInteraction, text: str) -> None:
        """Validate then store the member's client list (a rejected list changes nothing)."""
        if len(text) > CLIENT_LIST_TEXT_MAX:
            raise MajlisError("privacy.clients_too_many", limit=CLIENT_NAMES_MAX)
        names = parse_clients(text)
        await share_store.set_client_names(
            self.bot.db, interaction.guild_id, interaction.user.id, names, self.bot.clock.now()
        )
        lang = await self.lang(interaction)
        key = "privacy.clients_saved" if names else "privacy.clients_cleared"
        await send(interaction, t(lang, key, count=len(names)) if names else t(lang, key))

    @guild_command(privacy, name="export", description="Get a file with everything Majlis stores about you")
    @cooldown("privacy.export")
    async def export(self, interaction: GuildInteraction) -> None:
        """Send the member's export by DM, or here (only they see it) when their DMs are closed."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await self.lang(interaction)
        guild = interaction.guild

        def display_name(user_id: int) -> str | None:
            member = guild.get_member(user_id) if guild else None
            return member.display_name if member else None

        export = await privacy_store.export_member(
            self.bot.db, interaction.guild_id, interaction.user.id, self.bot.clock.now(), display_name
        )
        # A long-standing member's export can run to megabytes: encode it off the event loop.
        data = await asyncio.to_thread(export_bytes, export)
        guild_name = guild.name if guild else str(interaction.guild_id)
        try:
            await interaction.user.send(
                t(lang, "privacy.export_dm", guild=guild_name),
                file=export_file(data, interaction.guild_id, interaction.user.id),
            )
        except discord.Forbidden:
            await send(
                interaction,
                t(lang, "privacy.export_here"),
                file=export_file(data, interaction.guild_id, interaction.user.id),
            )
            return
        except discord.HTTPException as error:
            log.warning("could not send an export by DM: %s", error)
            raise MajlisError("privacy.export_failed") from error
        await send(interaction, t(lang, "privacy.export_sent"))

    @guild_command(
        privacy, name="forget", description="Delete everything Majlis stores about you (asks to confirm)"
    )
    async def forget(self, interaction: GuildInteraction) -> None:
        """Ask the member to confirm; nothing is deleted until they press the button."""
        lang = await self.lang(interaction)
        view = ForgetConfirm(self, interaction.user.id, lang, self.forget_timeout)
        view.interaction = interaction
        await interaction.response.send_message(t(lang, "privacy.forget_confirm"), view=view, ephemeral=True)

    async def forget_member(self, guild_id: int, user_id: int) -> Counter[str]:
        """Delete the member's data in one transaction, then take them out of the bot's messages.

        Returns what was done on Discord, by kind (`forgotten_summary` words it).
        """
        guild_lang = await self.bot.guild_language(guild_id)
        forgotten = await privacy_store.forget_member(
            self.bot.db, guild_id, user_id, self.bot.clock.now(), language=guild_lang
        )
        log.info("forgot a member of guild %s (%d rows deleted)", guild_id, forgotten.rows_deleted)
        outcomes: Counter[str] = Counter()
        if forgotten.job_id is not None:
            outcomes = await self.forgetting.run(forgotten.job_id)
        # Each feature brings its own messages in step (the swap board withdraws the member's posts).
        await self.bot.publish("member_forgotten", guild_id, forgotten)
        return outcomes


async def setup(bot: MajlisBot) -> None:
    """Load the privacy cog."""
    await bot.add_cog(Privacy(bot))
