"""The `/share post` modal, the draft choice buttons, the search pager and the embeds they show."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.cog import MajlisModal, OwnedView, PersistentItem, button_label, feature_cog, in_guild
from bot.fields import field_name
from bot.i18n import t
from bot.share import (
    LESSON_MAX,
    STORY_MAX,
    TAGS_TEXT_MAX,
    TITLE_MAX,
    PrivacyReport,
    ShareDraft,
    client_name_from,
    finding_choices,
    make_snippet,
    thread_link,
)
from bot.storage.share import POST_KIND, SearchPage
from bot.text import literal

if TYPE_CHECKING:
    from cogs.share import Share

log = logging.getLogger(__name__)

PAGE_SIZE = 5
DRAFT_ACTIONS = ("edit", "mask", "cancel")
# What the author can say about single findings: not a client detail (this post), always ignore, a client.
FINDING_ACTIONS = ("dismiss", "ignore", "client")


class ShareModal(MajlisModal):
    """Title, story, what I learned and fields; prefilled when the author edits a draft."""

    def __init__(
        self,
        cog: Share,
        lang: str,
        draft: ShareDraft | None = None,
        draft_id: int | None = None,
        default_tags: str = "",
    ) -> None:
        super().__init__(title=t(lang, "share.modal_title"), timeout=1800)
        self.cog = cog
        self.draft_id = draft_id
        self.title_input: discord.ui.TextInput[ShareModal] = discord.ui.TextInput(
            label=t(lang, "share.label_title"),
            custom_id="majlis:share:title",
            max_length=TITLE_MAX,
            default=draft.title if draft else None,
        )
        self.story_input: discord.ui.TextInput[ShareModal] = discord.ui.TextInput(
            label=t(lang, "share.label_story"),
            custom_id="majlis:share:story",
            style=discord.TextStyle.paragraph,
            max_length=STORY_MAX,
            default=draft.story if draft else None,
        )
        self.lesson_input: discord.ui.TextInput[ShareModal] = discord.ui.TextInput(
            label=t(lang, "share.label_lesson"),
            custom_id="majlis:share:lesson",
            style=discord.TextStyle.paragraph,
            max_length=LESSON_MAX,
            default=draft.lesson if draft else None,
        )
        self.tags_input: discord.ui.TextInput[ShareModal] = discord.ui.TextInput(
            label=t(lang, "share.label_tags"),
            custom_id="majlis:share:tags",
            required=False,
            max_length=TAGS_TEXT_MAX,
            placeholder=t(lang, "share.placeholder_tags"),
            default=(draft.tags_text if draft else default_tags) or None,
        )
        for item in (self.title_input, self.story_input, self.lesson_input, self.tags_input):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Check the text for client details, then post it or show what was found."""
        await self.cog.submit_draft(
            in_guild(interaction),
            title=self.title_input.value,
            story=self.story_input.value,
            lesson=self.lesson_input.value,
            tags_text=self.tags_input.value,
            draft_id=self.draft_id,
        )


def _share(interaction: discord.Interaction) -> Share:
    from cogs.share import Share  # not at the top: that module imports this one

    return feature_cog(interaction, Share)


class DraftButton(
    PersistentItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"majlis:share:draft:(?P<draft_id>\d+):(?P<action>edit|mask|cancel)",
):
    """Edit / Post with these masked / Cancel on a draft; works after a restart (the draft is stored)."""

    def __init__(self, draft_id: int, action: str, label: str = "") -> None:
        style = {
            "edit": discord.ButtonStyle.secondary,
            "mask": discord.ButtonStyle.primary,
            "cancel": discord.ButtonStyle.danger,
        }[action]
        super().__init__(
            discord.ui.Button(
                label=label or action, style=style, custom_id=f"majlis:share:draft:{draft_id}:{action}"
            )
        )
        self.draft_id = draft_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DraftButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["draft_id"]), match["action"], button_label(item) or "")

    async def press(self, interaction: discord.Interaction) -> None:
        """Hand the choice to the cog; only the draft's author may choose (checked there)."""
        await _share(interaction).choose(interaction, self.draft_id, self.action)


class FindingSelect(
    PersistentItem,
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"majlis:share:draft:(?P<draft_id>\d+):(?P<action>dismiss|ignore|client)",
):
    """A menu of the draft's findings for one choice about them; works after a restart (the draft is stored)."""

    def __init__(self, draft_id: int, action: str, options: list[discord.SelectOption] | None = None) -> None:
        options = options or [discord.SelectOption(label="…", value="-")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"majlis:share:draft:{draft_id}:{action}",
                options=options,
                min_values=1,
                max_values=len(options),
            )
        )
        self.draft_id = draft_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FindingSelect:
        """Rebuild the menu from its custom id (the chosen values arrive with the interaction)."""
        options = list(item.options) if isinstance(item, discord.ui.Select) else []
        return cls(int(match["draft_id"]), match["action"], options)

    async def press(self, interaction: discord.Interaction) -> None:
        """Hand the chosen findings to the cog; only the draft's author may choose (checked there)."""
        await _share(interaction).choose_findings(
            interaction, self.draft_id, self.action, list(self.item.values)
        )


def draft_choice_view(draft_id: int, lang: str, report: PrivacyReport | None = None) -> discord.ui.View:
    """Build the choices shown with the privacy check's findings: a menu per choice about findings, then buttons.

    At most three menus of at most 25 findings each, then one row of three buttons: within Discord's
    five action rows.
    """
    view = discord.ui.View(timeout=None)
    choices = finding_choices(report, lang) if report is not None else []
    for action in FINDING_ACTIONS:
        usable = [c for c in choices if action != "client" or client_name_from(c.finding) is not None]
        if not usable:
            continue
        select = FindingSelect(
            draft_id, action, [discord.SelectOption(label=c.label, value=c.value) for c in usable]
        )
        select.item.placeholder = t(lang, f"share.select_{action}")
        view.add_item(select)
    for action in DRAFT_ACTIONS:
        label_key = "share.button_post" if action == "mask" and not choices else f"share.button_{action}"
        view.add_item(DraftButton(draft_id, action, t(lang, label_key)))
    return view


def search_embed(page: SearchPage, query: str, lang: str, guild_id: int, page_index: int) -> discord.Embed:
    """Build one page of `/share search` results: titles linking to threads, authors, snippets."""
    pages = max(1, math.ceil(page.total / PAGE_SIZE))
    embed = discord.Embed(title=t(lang, "share.search_title", query=literal(query[:80])), colour=0x2E8B57)
    lines = []
    for number, hit in enumerate(page.hits, start=page_index * PAGE_SIZE + 1):
        heading = f"**{number}. [{_link_text(hit.title)}]({thread_link(guild_id, hit.thread_id)})**"
        details = []
        if hit.field:
            details.append(field_name(hit.field, lang))
        if hit.kind != POST_KIND:
            details.append(t(lang, "share.search_kind_prompt"))
        if hit.user_id:
            details.append(t(lang, "share.search_by", author=f"<@{hit.user_id}>"))
        if details:
            heading += " · " + " · ".join(details)
        lines.append(f"{heading}\n> {make_snippet(hit.body, query, width=160)}")
    embed.description = "\n\n".join(lines)[:4096]
    embed.set_footer(text=t(lang, "share.search_footer", page=page_index + 1, pages=pages, total=page.total))
    return embed


def _link_text(title: str) -> str:
    # Escaped, a "]" cannot end the markdown link early nor a mention ping from inside it.
    return literal(title.strip()) or "…"


PageLoader = Callable[[int], Awaitable[SearchPage]]


class SearchPager(OwnedView):
    """Previous / Next over search results, for the member who searched."""

    def __init__(
        self, *, user_id: int, lang: str, query: str, guild_id: int, total: int, load_page: PageLoader
    ) -> None:
        super().__init__(user_id, timeout=600)
        self.lang = lang
        self.query = query
        self.guild_id = guild_id
        self.pages = max(1, math.ceil(total / PAGE_SIZE))
        self.page_index = 0
        self.load_page = load_page
        self.interaction: discord.Interaction | None = None
        self.previous.label = t(lang, "share.previous")
        self.next.label = t(lang, "share.next")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.previous.disabled = self.page_index <= 0
        self.next.disabled = self.page_index >= self.pages - 1

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.page_index = min(max(index, 0), self.pages - 1)
        page = await self.load_page(self.page_index)
        self._update_buttons()
        await interaction.response.edit_message(
            embed=search_embed(page, self.query, self.lang, self.guild_id, self.page_index), view=self
        )

    @discord.ui.button(label="<", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[SearchPager]
    ) -> None:
        """Show the previous page."""
        await self._show(interaction, self.page_index - 1)

    @discord.ui.button(label=">", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[SearchPager]) -> None:
        """Show the next page."""
        await self._show(interaction, self.page_index + 1)

    async def on_timeout(self) -> None:
        """Grey the buttons out once they stop working."""
        if self.interaction is None:
            return
        for child in self.children:
            if isinstance(child, discord.ui.Button):
                child.disabled = True
        try:
            await self.interaction.edit_original_response(view=self)
        except discord.HTTPException:
            log.debug("could not disable an expired search pager", exc_info=True)
