"""How Discord's client reads text, as far as member text shown by the bot is concerned.

A backslash before punctuation makes it plain text, and an autolinked URL is one token (discord.py
models Discord's autolink with the same pattern). What is left may still be a mention, a masked link
or formatting; the tests use this to check that member text the bot shows is inert.
"""

from __future__ import annotations

import re
from typing import Any

_ESCAPED = re.compile(r"\\[^0-9A-Za-z\s]")
_TOKEN = re.compile(r"\\[^0-9A-Za-z\s]|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")
MENTION_PATTERNS = {
    "user mention": re.compile(r"<@!?(\d+)>"),
    "role mention": re.compile(r"<@&(\d+)>"),
    "channel mention": re.compile(r"<#(\d+)>"),
    "command mention": re.compile(r"</[^>]+:(\d+)>"),
    "mass mention": re.compile(r"@(everyone|here)", re.IGNORECASE),
}
MASKED_LINK = re.compile(r"\[[^\]]*\]\(")
_FOREIGN_LINK = re.compile(r"\[[^\]]*\]\((?!https://discord\.com/channels/)")
ACTIVE = {
    **MENTION_PATTERNS,
    "masked link": MASKED_LINK,
    "formatting": re.compile(r"[*_~|`]"),
    "heading, quote or list": re.compile(r"^\s*(#|-#|>|[-*+]\s|\d+[.)])", re.MULTILINE),
}


def plain(text: str) -> str:
    """Blank out what Discord reads as literal: escaped characters and autolinked URLs."""
    return _TOKEN.sub("\x00", text)


def active_markup(text: str) -> list[str]:
    """Name every mention or piece of markdown Discord would act on in `text`."""
    left = plain(text)
    return [name for name, pattern in ACTIVE.items() if pattern.search(left)]


def user_mentions(text: str) -> set[int]:
    """Return the ids of the members `text` mentions (rendered as mentions, pinged or not)."""
    return {int(found) for found in MENTION_PATTERNS["user mention"].findall(plain(text))}


def shown_text(message: Any) -> str:
    """Return everything a reader sees rendered with markdown in a stored fake message."""
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or ():
            parts += [field.get("name") or "", field.get("value") or ""]
    return "\n".join(parts)


def assert_inert_member_text(message: Any, *, may_mention: set[int] = frozenset()) -> None:
    """A bot message mentions only the members it means to and carries no masked link or mass mention."""
    text = shown_text(message)
    left = plain(text)
    assert user_mentions(text) <= set(may_mention), text
    for name in ("role mention", "mass mention"):  # channel mentions ping nobody; the bot links its own
        assert not MENTION_PATTERNS[name].search(left), (name, text)
    # The bot's own links (to a Discord message) are the only masked links it may show.
    assert not _FOREIGN_LINK.search(_ESCAPED.sub("\x00", text)), text
    assert set(message.mention_user_ids) <= set(may_mention), text
    assert not message.mention_everyone and message.mention_role_ids == [], text


def rendered(text: str) -> str:
    """Return text as a reader sees it: escapes dropped, zero-width spaces invisible."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text).replace("\u200b", "")
