"""The suggestions queue's buttons: persistent through restarts, their ids naming the suggestion or page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.cog import PersistentItem, feature_cog, in_guild
from bot.i18n import t
from bot.storage.prompts import Suggestion

if TYPE_CHECKING:
    from cogs.prompts import Prompts  # not at the top: that module imports this one


def _prompts(interaction: discord.Interaction) -> Prompts:
    from cogs.prompts import Prompts  # not at the top: that module imports this one

    return feature_cog(interaction, Prompts)


class DecisionButton(
    PersistentItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"majlis:prompt:(?P<action>approve|reject):(?P<id>[0-9]+)",
):
    """Approve or Reject one suggestion; works on any queue message, before or after a restart."""

    def __init__(
        self, action: str, suggestion_id: int, *, label: str | None = None, row: int | None = None
    ) -> None:
        style = discord.ButtonStyle.success if action == "approve" else discord.ButtonStyle.danger
        super().__init__(
            discord.ui.Button(
                label=label or action,
                style=style,
                custom_id=f"majlis:prompt:{action}:{suggestion_id}",
                row=row,
            )
        )
        self.action = action
        self.suggestion_id = suggestion_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DecisionButton:
        """Rebuild the button from its custom id."""
        return cls(match["action"], int(match["id"]))

    async def press(self, interaction: discord.Interaction) -> None:
        """Hand the decision to the cog, which checks the presser is an admin."""
        await _prompts(interaction).decide(
            in_guild(interaction), self.suggestion_id, approve=self.action == "approve"
        )


class PageButton(
    PersistentItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"majlis:prompt:queue:(?P<page>[0-9]+)",
):
    """Move the queue to another page."""

    def __init__(self, page: int, *, label: str = "", row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or str(page + 1),
                style=discord.ButtonStyle.secondary,
                custom_id=f"majlis:prompt:queue:{page}",
                row=row,
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["page"]))

    async def press(self, interaction: discord.Interaction) -> None:
        """Show the asked-for page."""
        await _prompts(interaction).show_queue_page(in_guild(interaction), self.page)


def queue_view(lang: str, page_items: Sequence[Suggestion], page: int, pages: int) -> discord.ui.View | None:
    """Build the queue page's buttons: one row per suggestion, then the page switcher."""
    if not page_items:
        return None
    view = discord.ui.View(timeout=None)
    for row, item in enumerate(page_items):
        view.add_item(
            DecisionButton("approve", item.id, label=t(lang, "prompts.approve", number=item.id), row=row)
        )
        view.add_item(
            DecisionButton("reject", item.id, label=t(lang, "prompts.reject", number=item.id), row=row)
        )
    nav_row = len(page_items)
    if page > 0:
        view.add_item(PageButton(page - 1, label=t(lang, "prompts.previous"), row=nav_row))
    if page + 1 < pages:
        view.add_item(PageButton(page + 1, label=t(lang, "prompts.next"), row=nav_row))
    return view
