"""Persistent intro buttons: dynamic items whose custom ids carry the group, so they work after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.cog import PersistentItem, button_label, feature_cog
from bot.i18n import t

if TYPE_CHECKING:
    from cogs.intros import Intros

ANSWER_STYLES = {
    "met": discord.ButtonStyle.success,
    "not_yet": discord.ButtonStyle.secondary,
    "couldnt": discord.ButtonStyle.danger,
}


def _intros(interaction: discord.Interaction) -> Intros:
    from cogs.intros import Intros  # not at the top: that module imports this one

    return feature_cog(interaction, Intros)


class CheckinButton(
    PersistentItem,
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

    async def press(self, interaction: discord.Interaction) -> None:
        """Store (or change) the member's answer, privately."""
        await _intros(interaction).answer_checkin(interaction, self.group_id, self.answer)


class AgainButton(
    PersistentItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"majlis:intros:again:(?P<group_id>[0-9]+)",
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

    async def press(self, interaction: discord.Interaction) -> None:
        """Record the requests; the others are told nothing unless they ask too."""
        await _intros(interaction).ask_to_meet_group_again(interaction, self.group_id)


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
