"""Pure builders for the swap board post, request lists and proposal messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo

import discord

from bot.i18n import expiry_date, local_when, t
from bot.skills import default_catalogue
from bot.storage.swaps import SwapMatch, SwapRequest
from bot.text import clip, isolate, literal

PAGE_SIZE = 6
_COLOURS = {
    "open": 0x2E8B57,
    "matched": 0x3B82F6,
    "done": 0x8B5CF6,
    "closed": 0x6B7280,
    "expired": 0x6B7280,
    "proposed": 0xF59E0B,
    "declined": 0x6B7280,
    "cancelled": 0x6B7280,
}


def skill_name(key: str, lang: str, labels: Mapping[str, str] | None = None) -> str:
    """Name a skill in the reader's language, isolated so Arabic and Latin keep their order.

    An unshipped skill is shown as a member typed it, so it is made literal: no mention, link or markdown.
    """
    return isolate(literal(default_catalogue().display(key, lang, labels)))


def member_label(user_id: int, lang: str) -> str:
    """Mention a member, or name a forgotten one neutrally (their tombstone id links to nobody)."""
    if user_id < 0:
        return t(lang, "swaps.former_member")
    return f"<@{user_id}>"


def status_text(status: str, lang: str) -> str:
    """Name a request or proposal status."""
    return t(lang, f"swaps.status.{status}")


def board_embed(request: SwapRequest, lang: str, tz: tzinfo = UTC) -> discord.Embed:
    """Build a request's post on the swap board, showing where it stands."""
    embed = discord.Embed(
        title=t(lang, "swaps.board.title", id=request.id),
        description=t(
            lang,
            "swaps.board.body",
            member=member_label(request.user_id, lang),
            offer=skill_name(request.offer, lang, request.skill_labels),
            want=skill_name(request.want, lang, request.skill_labels),
        ),
        colour=_COLOURS[request.status],
    )
    if request.details:
        embed.add_field(
            name=t(lang, "swaps.board.details"), value=clip(literal(request.details), 1024), inline=False
        )
    embed.add_field(name=t(lang, "swaps.board.status"), value=status_text(request.status, lang), inline=True)
    if request.status == "open":
        embed.add_field(
            name=t(lang, "swaps.board.expires"), value=expiry_date(request.expires_at, lang, tz), inline=True
        )
    embed.set_footer(text=t(lang, "swaps.board.footer", id=request.id))
    return embed


def request_line(request: SwapRequest, lang: str, *, show_member: bool = True) -> str:
    """Describe a request on one line for `/swap list` and `/swap mine`."""
    line = t(
        lang,
        "swaps.list.line",
        id=request.id,
        offer=skill_name(request.offer, lang, request.skill_labels),
        want=skill_name(request.want, lang, request.skill_labels),
        status=status_text(request.status, lang),
    )
    if show_member:
        line = f"{line} — {member_label(request.user_id, lang)}"
    if request.board_channel_id and request.board_message_id and request.guild_id:
        link = f"https://discord.com/channels/{request.guild_id}/{request.board_channel_id}/{request.board_message_id}"
        line = f"{line} · [{t(lang, 'swaps.list.link')}]({link})"
    return line


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Return how many pages `total` items fill (at least one)."""
    return max(1, -(-total // size))


def list_embed(
    requests: Sequence[SwapRequest], lang: str, *, title: str, page: int, total: int, show_member: bool = True
) -> discord.Embed:
    """Build one page of requests."""
    lines = [request_line(r, lang, show_member=show_member) for r in requests]
    embed = discord.Embed(
        title=title,
        description="\n".join(lines) if lines else t(lang, "swaps.list.empty"),
        colour=_COLOURS["open"],
    )
    embed.set_footer(text=t(lang, "swaps.list.footer", page=page + 1, pages=page_count(total), total=total))
    return embed


def match_embed(match: SwapMatch, requests: Mapping[int, SwapRequest], lang: str) -> discord.Embed:
    """Build a proposal: who offers what to whom, each member's answer, and where it stands."""
    members = match.members
    lines = []
    for index, member in enumerate(members):
        receiver = members[(index + 1) % len(members)]
        request = requests[member.request_id]
        lines.append(
            t(
                lang,
                "swaps.match.gives",
                giver=member_label(member.user_id, lang),
                skill=skill_name(request.offer, lang, request.skill_labels),
                receiver=member_label(receiver.user_id, lang),
            )
        )
    intro = t(lang, "swaps.match.intro_cycle" if match.kind == "cycle3" else "swaps.match.intro_direct")
    embed = discord.Embed(
        title=t(lang, "swaps.match.title", id=match.id),
        description=f"{intro}\n\n" + "\n".join(lines),
        colour=_COLOURS.get(match.status, _COLOURS["proposed"]),
    )
    answers = []
    for member in members:
        answer = member.response or "waiting"
        answers.append(f"{member_label(member.user_id, lang)}: {t(lang, f'swaps.match.answer.{answer}')}")
    embed.add_field(name=t(lang, "swaps.match.answers"), value="\n".join(answers), inline=False)
    embed.add_field(name=t(lang, "swaps.board.status"), value=status_text(match.status, lang), inline=False)
    requests_text = ", ".join(f"#{m.request_id}" for m in members)
    embed.set_footer(text=t(lang, "swaps.match.footer", requests=requests_text))
    return embed


def reminder_embed(request: SwapRequest, lang: str, *, now: datetime, tz: tzinfo = UTC) -> discord.Embed:
    """Build the DM that says a request expires in three days and offers to renew it."""
    return discord.Embed(
        title=t(lang, "swaps.reminder.title", id=request.id),
        description=t(
            lang,
            "swaps.reminder.body",
            offer=skill_name(request.offer, lang, request.skill_labels),
            want=skill_name(request.want, lang, request.skill_labels),
            when=local_when(request.expires_at, lang, tz, now=now)["relative"],
        ),
        colour=_COLOURS["proposed"],
    )
