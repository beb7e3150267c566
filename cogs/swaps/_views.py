"""Swap buttons: "I can help" on the board, Confirm/Decline in proposals, Renew in the reminder DM, pages.

The persistent buttons are `DynamicItem`s: their custom ids carry the row id, so a press after a
restart still reaches the right request or proposal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.cog import OwnedView, PersistentItem, feature_cog
from bot.i18n import t
from bot.storage.swaps import SwapMatch, SwapRequest

if TYPE_CHECKING:
    from cogs.swaps import Swaps  # not at the top: that module imports this one

_LABEL_MAX = 80


def _swaps(interaction: discord.Interaction) -> Swaps:
    from cogs.swaps import Swaps  # not at the top: that module imports this one

    return feature_cog(interaction, Swaps)


class HelpButton(
    PersistentItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"majlis:swaps:help:(?P<request_id>\d+)",
):
    """The board post's "I can help": opens a private thread between the author and the helper."""

    def __init__(self, request_id: int, *, label: str = "I can help", disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:_LABEL_MAX],
                style=discord.ButtonStyle.success,
                custom_id=f"majlis:swaps:help:{request_id}",
                emoji="🤝",
                disabled=disabled,
            )
        )
        self.request_id = request_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> HelpButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["request_id"]))

    async def press(self, interaction: discord.Interaction) -> None:
        """Open (or point back to) the private thread with the request's author."""
        await _swaps(interaction).offer_help(interaction, self.request_id)


class MatchButton(
    PersistentItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"majlis:swaps:match:(?P<match_id>\d+):(?P<position>\d):(?P<answer>confirm|decline)",
):
    """One member's Confirm or Decline in a proposal; only that member may press it."""

    def __init__(
        self, match_id: int, position: int, answer: str, *, label: str = "", disabled: bool = False
    ) -> None:
        confirm = answer == "confirm"
        super().__init__(
            discord.ui.Button(
                label=(label or answer)[:_LABEL_MAX],
                style=discord.ButtonStyle.success if confirm else discord.ButtonStyle.secondary,
                custom_id=f"majlis:swaps:match:{match_id}:{position}:{answer}",
                emoji="✅" if confirm else "✖️",
                disabled=disabled,
                row=position,
            )
        )
        self.match_id = match_id
        self.position = position
        self.answer = answer

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> MatchButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["match_id"]), int(match["position"]), match["answer"])

    async def press(self, interaction: discord.Interaction) -> None:
        """Record this member's answer."""
        await _swaps(interaction).answer_match(interaction, self.match_id, self.position, self.answer)


class RenewButton(
    PersistentItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"majlis:swaps:renew:(?P<request_id>\d+)",
):
    """The reminder DM's button: another 30 days on the board."""

    def __init__(self, request_id: int, *, label: str = "Renew", disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:_LABEL_MAX],
                style=discord.ButtonStyle.primary,
                custom_id=f"majlis:swaps:renew:{request_id}",
                emoji="🔁",
                disabled=disabled,
            )
        )
        self.request_id = request_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> RenewButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["request_id"]))

    async def press(self, interaction: discord.Interaction) -> None:
        """Renew the request."""
        await _swaps(interaction).renew(interaction, self.request_id)


def board_view(request: SwapRequest, lang: str) -> discord.ui.View:
    """Build the board post's buttons: "I can help" while open, disabled once the request moved on."""
    view = discord.ui.View(timeout=None)
    label = (
        t(lang, "swaps.board.help_button")
        if request.status == "open"
        else t(lang, f"swaps.status.{request.status}")
    )
    view.add_item(HelpButton(request.id, label=label, disabled=request.status != "open"))
    return view


def match_view(match: SwapMatch, names: dict[int, str], lang: str) -> discord.ui.View:
    """Build a proposal's buttons: a Confirm and a Decline per member, disabled once it is decided."""
    view = discord.ui.View(timeout=None)
    decided = match.status != "proposed"
    for member in match.members:
        fallback = t(lang, "swaps.former_member") if member.user_id < 0 else str(member.user_id)
        name = names.get(member.user_id, fallback)
        answered = member.response is not None
        for answer in ("confirm", "decline"):
            label = t(lang, f"swaps.match.{answer}_button", name=name)
            view.add_item(
                MatchButton(match.id, member.position, answer, label=label, disabled=decided or answered)
            )
    return view


def renew_view(request_id: int, lang: str, *, disabled: bool = False) -> discord.ui.View:
    """Build the reminder DM's Renew button."""
    view = discord.ui.View(timeout=None)
    view.add_item(RenewButton(request_id, label=t(lang, "swaps.reminder.renew_button"), disabled=disabled))
    return view


PageLoader = Callable[[int], Awaitable[discord.Embed]]


class PageView(OwnedView):
    """Previous / Next over a paginated list; only the member who asked can turn the pages."""

    def __init__(self, owner_id: int, pages: int, load: PageLoader, lang: str) -> None:
        super().__init__(owner_id, timeout=300)
        self.pages = pages
        self.page = 0
        self.load = load
        self.lang = lang
        self.message_interaction: discord.Interaction | None = None
        self.previous.label = t(lang, "swaps.list.previous")
        self.next.label = t(lang, "swaps.list.next")
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = min(max(self.page + step, 0), self.pages - 1)
        self._sync()
        await interaction.response.edit_message(embed=await self.load(self.page), view=self)

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Show the previous page."""
        await self._turn(interaction, -1)

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Show the next page."""
        await self._turn(interaction, 1)

    async def on_timeout(self) -> None:
        """Disable the buttons once nobody can press them any more."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message_interaction is not None:
            # The ephemeral message may be gone already; there is nothing left to tidy then.
            with contextlib.suppress(discord.HTTPException):
                await self.message_interaction.edit_original_response(view=self)
