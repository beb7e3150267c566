"""The demo's transcript: what each person saw, as readable text (coloured in a terminal, plain when piped)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.sandbox.models import Message, iter_components

ISOLATION_MARKS = re.compile("[\u2066-\u2069\u200e\u200f]")
MENTION = re.compile(r"<(@!?|@&|#)(\d+)>")
TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
LINK = re.compile(r"\[([^\]]+)\]\((<?)(https?://[^)>\s]+)>?\)")
BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
EMPHASIS = re.compile(r"(?<![\w*])[*_](\S(?:.*?\S)?)[*_](?![\w*])")
CODE = re.compile(r"`([^`]+)`")
DISCORD_LINK = re.compile(r"<?https://discord\.com/channels/\d+/(\d+)(?:/\d+)?>?")
LINES_SHOWN = 22
MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")

ANSI = {
    "heading": "1;36",
    "actor": "1;33",
    "place": "35",
    "bot": "32",
    "private": "2;37",
    "note": "3;37",
    "bold": "1",
    "title": "1;32",
    "button": "7",
    "dim": "2",
}


def wants_colour(stream: TextIO, env: dict[str, str] | None = None) -> bool:
    """Say whether to colour output: only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    env = dict(os.environ) if env is None else env
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Names:
    """Turn Discord markup (mentions, timestamps) into what a reader sees."""

    users: dict[int, str]
    channels: dict[int, str]
    roles: dict[int, str] = field(default_factory=dict)

    def mention(self, match: re.Match[str]) -> str:
        kind, raw = match.group(1), int(match.group(2))
        if kind == "#":
            return f"#{self.channels.get(raw, raw)}"
        if kind == "@&":
            return f"@{self.roles.get(raw, raw)}"
        return f"@{self.users.get(raw, raw)}"


def discord_timestamp(match: re.Match[str]) -> str:
    """Render ``<t:…>`` as Discord would for a UTC reader (relative stamps are shown as the date too)."""
    moment = datetime.fromtimestamp(int(match.group(1)), tz=UTC)
    style = match.group(2) or "f"
    if style in "tT":
        return moment.strftime("%H:%M UTC")
    if style in "dD":
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def plain_markup(text: str, names: Names) -> str:
    """Resolve mentions, timestamps and links; keep Discord's light markdown for the renderer to style."""
    text = ISOLATION_MARKS.sub("", text)
    text = MENTION.sub(names.mention, text)
    text = TIMESTAMP.sub(discord_timestamp, text)
    text = LINK.sub(lambda m: m.group(1), text)
    text = MARKDOWN_ESCAPE.sub(r"\1", text)
    # A jump link is shown as the channel or thread it leads to.
    return DISCORD_LINK.sub(lambda m: f"#{names.channels.get(int(m.group(1)), m.group(1))}", text)


def message_lines(message: Message, names: Names) -> list[str]:
    """Return a message as text lines: content, embeds (title, text, fields), buttons, files, reactions."""
    lines: list[str] = []
    if message.content:
        lines.extend(plain_markup(message.content, names).splitlines())
    for embed in message.embeds:
        if embed.get("author", {}).get("name"):
            lines.append(f"│ {plain_markup(embed['author']['name'], names)}")
        if embed.get("title"):
            lines.append(f"│ **{plain_markup(embed['title'], names)}**")
        if embed.get("description"):
            lines.extend(f"│ {line}" for line in plain_markup(embed["description"], names).splitlines())
        for item in embed.get("fields", []):
            value = plain_markup(str(item.get("value", "")), names).splitlines() or [""]
            lines.append(f"│ **{plain_markup(str(item.get('name', '')), names)}**: {value[0]}")
            lines.extend(f"│   {line}" for line in value[1:])
        if embed.get("image", {}).get("url"):
            lines.append(f"│ 🖼  {embed['image']['url'].removeprefix('attachment://')}")
        if embed.get("footer", {}).get("text"):
            lines.append(f"│ _{plain_markup(embed['footer']['text'], names)}_")
    buttons = [button_label(c) for c in iter_components(message.components) if c.get("type") in (2, 3)]
    if buttons:
        lines.append(" ".join(f"[{label}]" for label in buttons))
    lines.extend(f"📎 {a.filename}" for a in message.attachments)
    if any(r.count for r in message.reactions):
        lines.append("  ".join(f"{r.emoji} {r.count}" for r in message.reactions if r.count))
    if len(lines) > LINES_SHOWN:
        lines = [*lines[: LINES_SHOWN - 1], "│ …"]
    return lines


def button_label(component: dict[str, Any]) -> str:
    """Return what a button or select menu shows."""
    if component.get("type") == 3:
        return f"▾ {component.get('placeholder') or '…'}"
    emoji = (component.get("emoji") or {}).get("name") or ""
    return f"{emoji} {component.get('label') or ''}".strip()


@dataclass(frozen=True)
class Entry:
    """One transcript line group: a heading, a note, a person's action, or a message someone saw."""

    kind: str  # "heading" | "note" | "action" | "message"
    text: str = ""
    who: str = ""  # the actor, or the message's author
    place: str = ""  # where the message was seen
    audience: str = ""  # set for a message only one person sees
    lines: tuple[str, ...] = ()


@dataclass
class Transcript:
    """What happened, in order, as seen by the people in the server."""

    entries: list[Entry] = field(default_factory=list)

    def heading(self, text: str) -> None:
        """Start a new part of the story."""
        self.entries.append(Entry("heading", text))

    def note(self, text: str) -> None:
        """Say something the narrator knows (time passing, a member leaving)."""
        self.entries.append(Entry("note", text))

    def action(self, who: str, text: str) -> None:
        """Record what a person did (a slash command, a click, a message)."""
        self.entries.append(Entry("action", text, who=who))

    def message(self, place: str, author: str, lines: list[str], audience: str = "") -> None:
        """Record a message and where it was seen; ``audience`` names the only person who sees it."""
        self.entries.append(Entry("message", who=author, place=place, audience=audience, lines=tuple(lines)))

    def text(self) -> str:
        """Return the whole transcript as plain text."""
        return render(self, colour=False)


def render(transcript: Transcript, *, colour: bool, private_label: Callable[[str], str] | None = None) -> str:
    """Render the transcript as text, with ANSI colours when ``colour``."""

    def paint(style: str, text: str) -> str:
        return f"\x1b[{ANSI[style]}m{text}\x1b[0m" if colour else text

    def styled(line: str) -> str:
        line = BOLD.sub(lambda m: paint("bold", m.group(1)), line)
        line = CODE.sub(lambda m: m.group(1), line)
        return EMPHASIS.sub(lambda m: m.group(1), line)

    label = private_label or (lambda who: f"only {who} sees")
    out: list[str] = []
    for entry in transcript.entries:
        if entry.kind == "heading":
            out.extend(["", paint("heading", f"══ {entry.text} ══")])
        elif entry.kind == "note":
            out.append(paint("note", f"· {entry.text}"))
        elif entry.kind == "action":
            out.append(f"{paint('actor', '▶ ' + entry.who)}: {entry.text}")
        else:
            where = paint("place", entry.place)
            if entry.audience:
                where += " " + paint("private", f"({label(entry.audience)})")
            out.append(f"  {where} — {paint('bot', entry.who)}:")
            out.extend(f"    {styled(line)}" for line in entry.lines)
    return "\n".join(out).lstrip("\n") + "\n"
