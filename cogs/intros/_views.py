"""Persistent intro buttons: dynamic items whose custom ids carry the group, so they work after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.cog import button_label
from bot.cooldowns import check_cooldown
from bot.errors import MajlisError
from bot.i18n import t
from bot.storage import intros as store

if TYPE_CHECKING:
    from bot.client import MajlisBot
    from bot.storage.intros import IntroGroup

ANSWER_STYLES = {
    "met": discord.ButtonStyle.success,
    "not_yet": discord.ButtonStyle.secondary,
    "couldnt": discord.ButtonStyle.danger,
}


async def _language(interaction: discord.Interaction, guild_id: int) -> str:
    bot: MajlisBot = interaction.client  # type: ignore[assignment]
    return await bot.member_language(guild_id, interaction.user.id)


async def _members_group(interaction: discord.Interaction, group_id: int) -> tuple[IntroGroup, str] | None:
    """Return the group and the presser's language, or answer and return None if they are not in it."""
    bot: MajlisBot = interaction.client  # type: ignore[assignment]
    group = await store.get_group(bot.db, group_id)
    if group is None:
        reader = await bot.language_for(interaction)
        await interaction.response.send_message(t(reader, "intros.group_gone"), ephemeral=True)
        return None
    lang = await _language(interaction, group.guild_id)
    if interaction.user.id not in group.members:
        await interaction.response.send_message(t(lang, "intros.not_in_group"), ephemeral=True)
        return None
    return group, lang


class CheckinButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"majlis:intros:checkin:(?P<group_id>[0-9]+):(?P<answer>met|not_yet|couldnt)",
):
    """Ask "Did you meet?" — Met / Not yet / Couldn't; only the group's members may answer, and may change it."""

    def __init__(self, group_id: int, answer: str, label: str = "-") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=ANSWER_STYLES[answer],
                custom_id=f"majlis:intros:checkin:{group_id}:{answer}",
            )
        )
        self.group_id = group_id
        self.answer = answer

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CheckinButton:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(int(match["group_id"]), match["answer"], button_label(item) or "-")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store (or change) the member's answer, privately."""
        bot: MajlisBot = interaction.client  # type: ignore[assignment]
        found = await _members_group(interaction, self.group_id)
        if found is None:
            return
        _group, lang = found
        await store.record_answer(bot.db, self.group_id, interaction.user.id, self.answer, bot.clock.now())
        await interaction.response.send_message(
            t(lang, "intros.checkin.recorded", answer=t(lang, f"intros.answer.{self.answer}")), ephemeral=True
        )


class AgainButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"majlis:intros:again:(?P<group_id>[0-9]+)"
):
    """Record "I'd like to meet them again": an `again` request for every other member of the group."""

    def __init__(self, group_id: int, label: str = "-") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"majlis:intros:again:{group_id}",
            )
        )
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AgainButton:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(int(match["group_id"]), button_label(item) or "-")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Record the requests; the others are told nothing unless they ask too."""
        bot: MajlisBot = interaction.client  # type: ignore[assignment]
        found = await _members_group(interaction, self.group_id)
        if found is None:
            return
        group, lang = found
        try:
            await check_cooldown(interaction, "intros.lists")
        except MajlisError as refused:
            await interaction.response.send_message(t(lang, refused.key, **refused.params), ephemeral=True)
            return
        others = [uid for uid in group.members if uid != interaction.user.id]
        for uid in others:
            await store.add_again(bot.db, group.guild_id, interaction.user.id, uid, bot.clock.now())
        await interaction.response.send_message(
            t(lang, "intros.again_group_saved", count=len(others)), ephemeral=True
        )


DYNAMIC_ITEMS = (CheckinButton, AgainButton)


def intro_view(group_id: int, lang: str) -> discord.ui.View:
    """Build the intro message's buttons."""
    view = discord.ui.View(timeout=None)
    view.add_item(CheckinButton(group_id, "met", t(lang, "intros.button.met")))
    view.add_item(AgainButton(group_id, t(lang, "intros.button.again")))
    return view


def checkin_view(group_id: int, lang: str) -> discord.ui.View:
    """Build the check-in's Met / Not yet / Couldn't buttons."""
    view = discord.ui.View(timeout=None)
    for answer in ("met", "not_yet", "couldnt"):
        view.add_item(CheckinButton(group_id, answer, t(lang, f"intros.button.{answer}")))
    return view
