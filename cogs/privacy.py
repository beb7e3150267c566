"""`/privacy …`: what a member controls about their own data (for now, the private client list)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.client import MajlisBot
from bot.cog import MajlisCog, send
from bot.errors import MajlisError
from bot.i18n import t
from bot.privacy import parse_client_list
from bot.storage import share as share_store

CLIENT_NAMES_MAX = 100
CLIENT_NAME_MAX = 80
CLIENT_LIST_TEXT_MAX = 4000  # a modal text input holds at most 4000 characters


def parse_clients(text: str) -> list[str]:
    """Read the client-list modal, one name a line, with a clear error for each limit."""
    for line in text.splitlines():
        name = line.strip()
        if len(name) > CLIENT_NAME_MAX:
            raise MajlisError("privacy.clients_name_too_long", name=name[:20] + "…", limit=CLIENT_NAME_MAX)
    try:
        return parse_client_list(text, max_names=CLIENT_NAMES_MAX, max_len=CLIENT_NAME_MAX)
    except ValueError as exc:
        raise MajlisError("privacy.clients_too_many", limit=CLIENT_NAMES_MAX) from exc


class ClientListModal(discord.ui.Modal):
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
        await self.cog.save_clients(interaction, self.names.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """Answer in the member's language through the tree's error handler."""
        await interaction.client.tree.on_error(interaction, error)  # type: ignore[attr-defined, arg-type]


class Privacy(MajlisCog):
    """A member's own data: the private client list used by the privacy check."""

    privacy = app_commands.Group(name="privacy", description="Your data in Majlis: what is stored, and control over it",
                                 guild_only=True)

    @privacy.command(name="clients", description="Your private list of client names, used only by the privacy check")
    async def clients(self, interaction: discord.Interaction) -> None:
        """Open the client-list modal with the current names."""
        assert interaction.guild_id is not None
        lang = await self.lang(interaction)
        current = await share_store.get_client_names(self.bot.db, interaction.guild_id, interaction.user.id)
        await interaction.response.send_modal(ClientListModal(self, lang, current))

    async def save_clients(self, interaction: discord.Interaction, text: str) -> None:
        """Validate then store the member's client list (a rejected list changes nothing)."""
        assert interaction.guild_id is not None
        if len(text) > CLIENT_LIST_TEXT_MAX:
            raise MajlisError("privacy.clients_too_many", limit=CLIENT_NAMES_MAX)
        names = parse_clients(text)
        await share_store.set_client_names(self.bot.db, interaction.guild_id, interaction.user.id, names,
                                           self.bot.clock.now())
        lang = await self.lang(interaction)
        key = "privacy.clients_saved" if names else "privacy.clients_cleared"
        await send(interaction, t(lang, key, count=len(names)) if names else t(lang, key))


async def setup(bot: MajlisBot) -> None:
    """Load the privacy cog."""
    await bot.add_cog(Privacy(bot))
