"""What the prompts feature writes: the post, the digest, the queue — pure builders (the rules: bot/prompts)."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.delivery import Marker
from bot.i18n import LANGUAGES, permission_names, t
from bot.prompts import Answer
from bot.storage.prompts import Suggestion
from bot.text import clip, isolate, literal

THREAD_NAME_LENGTH = 100  # Discord's limit for a channel name
COLOUR = 0xE9A23B
# What the bot needs in the prompts channel: post the embed, open the thread, read answers for the digest.
NEEDED_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_public_threads",
    "send_messages_in_threads",
    "read_message_history",
)


def thread_name(text: str) -> str:
    """Name the answers thread after the prompt, within Discord's 100 characters."""
    one_line = " ".join(text.split())
    name = f"💬 {one_line}"
    return clip(name, THREAD_NAME_LENGTH)


def post_footer(lang: str, post_id: int) -> str:
    """Return the footer that also marks a post as ours, so an interrupted send is found again."""
    return t(lang, "prompts.post_footer", number=post_id)


def post_marker(post_id: int) -> Marker:
    """Recognise a post by its footer in either language (the guild's language may have changed)."""
    return Marker.footer(*(post_footer(lang, post_id) for lang in LANGUAGES))


def digest_footer(lang: str, digest_id: int) -> str:
    """Return the footer that also marks a digest as ours, so an interrupted send is found again."""
    return t(lang, "prompts.digest_footer", number=digest_id)


def digest_marker(digest_id: int) -> Marker:
    """Recognise a digest by its footer in either language."""
    return Marker.footer(*(digest_footer(lang, digest_id) for lang in LANGUAGES))


def prompt_embed(lang: str, text: str, post_id: int, *, credited_user_id: int | None = None) -> discord.Embed:
    """Build the weekly prompt post in the guild's language; the prompt itself is shown as written."""
    embed = discord.Embed(
        title=t(lang, "prompts.post_title"), description=f"**{literal(text)}**", colour=COLOUR
    )
    embed.add_field(name=t(lang, "prompts.post_how_name"), value=t(lang, "prompts.post_how"), inline=False)
    if credited_user_id is not None:
        embed.add_field(
            name=t(lang, "prompts.post_credit_name"), value=f"<@{credited_user_id}>", inline=False
        )
    embed.set_footer(text=post_footer(lang, post_id))
    return embed


def digest_embed(
    lang: str,
    *,
    prompt_text: str | None,
    thread_url: str | None,
    answer_count: int,
    top: Sequence[Answer],
    shared: Sequence[tuple[str, str]],
    digest_id: int | None = None,
) -> discord.Embed:
    """Build the weekly digest: last week's answers thread, its most-reacted answers, shared threads."""
    embed = discord.Embed(title=t(lang, "prompts.digest_title"), colour=COLOUR)
    if digest_id is not None:  # a preview has no digest yet, so no footer
        embed.set_footer(text=digest_footer(lang, digest_id))
    if prompt_text is not None and thread_url is not None:
        question = literal(clip(prompt_text, 200))
        embed.description = t(
            lang, "prompts.digest_question", prompt=question, url=thread_url, count=answer_count
        )
    if top:
        lines = [
            t(
                lang,
                "prompts.digest_answer",
                rank=rank,
                author=f"<@{a.author_id}>",
                count=a.reactions,
                url=a.jump_url,
            )
            for rank, a in enumerate(top, start=1)
        ]
        embed.add_field(name=t(lang, "prompts.digest_top_name"), value="\n".join(lines)[:1024], inline=False)
    if shared:
        # Titles are members' text in either script; isolation keeps each line's order intact.
        lines = [f"• [{isolate(literal(clip(title, 80)))}]({url})" for url, title in shared]
        embed.add_field(
            name=t(lang, "prompts.digest_shared_name"), value="\n".join(lines)[:1024], inline=False
        )
    return embed


def queue_embed(
    lang: str, page_items: Sequence[Suggestion], page: int, pages: int, total: int
) -> discord.Embed:
    """Build one page of the pending-suggestions queue."""
    embed = discord.Embed(title=t(lang, "prompts.queue_title", count=total), colour=COLOUR)
    if not page_items:
        embed.description = t(lang, "prompts.queue_empty")
        return embed
    for item in page_items:
        embed.add_field(
            name=t(lang, "prompts.queue_item", number=item.id),
            value=t(
                lang,
                "prompts.queue_item_value",
                text=clip(literal(item.text), 900),
                author=f"<@{item.author_user_id}>",
            ),
            inline=False,
        )
    if pages > 1:
        embed.set_footer(text=t(lang, "prompts.queue_page", page=page + 1, pages=pages))
    return embed


def failure_text(lang: str, error: str | None) -> str:
    """Explain a stored failure code ("forbidden", "channel_missing", "missing:a,b", "http:503") to an admin."""
    code, _, detail = (error or "").partition(":")
    if code == "missing":
        return t(lang, "prompts.failure.missing", permissions=permission_names(detail.split(",")))
    if code in {"forbidden", "channel_missing", "thread_forbidden", "thread_failed"}:
        return t(lang, f"prompts.failure.{code}")
    return t(lang, "prompts.failure.http", detail=error or "?")


class PostFailed(Exception):
    """A post or its thread could not be made; `code` is stored and shown in `/majlis status`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def http_code(exc: discord.HTTPException) -> str:
    """Return the failure code stored for a refused Discord call."""
    if isinstance(exc, discord.Forbidden):
        return "forbidden"
    if isinstance(exc, discord.NotFound):
        return "channel_missing"
    return f"http:{exc.status}"
