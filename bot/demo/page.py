"""The simulated server as one static HTML page: channels, threads, DMs, embeds, buttons, files, reactions."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from bot.demo.labels import say
from bot.demo.transcript import (
    BOLD,
    CODE,
    LINK,
    MARKDOWN_ESCAPE,
    MENTION,
    Names,
    button_label,
    discord_timestamp,
)
from bot.sandbox import FakeDiscord
from bot.sandbox.models import DM, GUILD_FORUM, Channel, Guild, Message, iter_components

STYLE = """
body{margin:0;font:15px/1.45 system-ui,"Noto Sans Arabic","Segoe UI",sans-serif;background:#313338;color:#dbdee1}
.layout{display:flex;min-height:100vh}
nav{width:240px;flex:none;background:#2b2d31;padding:12px;position:sticky;top:0;height:100vh;overflow:auto}
nav a{display:block;color:#949ba4;text-decoration:none;padding:2px 6px;border-radius:4px}
nav a:hover{background:#35373c;color:#fff}
nav .thread{padding-inline-start:20px;font-size:13px}
nav h2{font-size:12px;text-transform:uppercase;color:#949ba4;margin:14px 0 4px}
main{flex:1;padding:16px 24px;max-width:960px}
section.channel{border-bottom:1px solid #3f4147;padding-bottom:12px;margin-bottom:12px}
section.thread{margin-inline-start:24px;border-inline-start:2px solid #4e5058;padding-inline-start:12px}
h1{font-size:20px;color:#fff}h3{color:#f2f3f5;margin:12px 0 4px}
.meta{color:#949ba4;font-size:12px}
.msg{padding:6px 0}.author{font-weight:600;color:#f2f3f5}.bot{background:#5865f2;color:#fff;font-size:10px;
padding:1px 4px;border-radius:3px;margin-inline-start:4px}
.embed{background:#2b2d31;border-inline-start:4px solid #5865f2;border-radius:4px;padding:8px 12px;margin:4px 0;
max-width:560px}
.embed .title{font-weight:700;color:#fff}.field{margin-top:4px}.field b{color:#f2f3f5}
.footer{font-size:12px;color:#949ba4;margin-top:6px}
.button{display:inline-block;padding:3px 12px;margin:4px 4px 0 0;border-radius:3px;background:#4e5058;color:#fff;
font-size:13px}.button.s1{background:#5865f2}.button.s3{background:#248046}.button.s4{background:#da373c}
.button.disabled{opacity:.5}
.reaction{display:inline-block;background:#2b2d31;border:1px solid #3f4147;border-radius:8px;padding:0 6px;
margin:4px 4px 0 0;font-size:13px}
.mention{background:#3c4270;color:#c9cdfb;border-radius:3px;padding:0 2px}
img.attachment{max-width:520px;border-radius:4px;margin-top:6px;display:block}
a{color:#00a8fc}
"""
TEXT_CHANNELS = (0, 5)


def render_page(
    fake: FakeDiscord, guild: Guild, lang: str, out_dir: Path, names: Names, chart: Path | None = None
) -> Path:
    """Write ``index.html`` (and the files it shows) into ``out_dir``; return the page's path.

    ``chart`` is the `/majlis stats` image: the admin saw it in an ephemeral reply, which no channel keeps.
    """
    files = out_dir / "files"
    files.mkdir(parents=True, exist_ok=True)
    channels = sorted(
        (
            c
            for c in fake.channels.values()
            if c.guild_id == guild.id
            and not c.is_thread
            and not c.deleted
            and c.type in (*TEXT_CHANNELS, GUILD_FORUM)
        ),
        key=lambda c: c.position,
    )
    dms = [c for c in fake.channels.values() if c.type == DM and fake.messages(c)]
    nav, body = [], []
    for channel in channels:
        threads = fake.threads(channel)
        nav.append(
            f'<a href="#c{channel.id}">{"🗂" if channel.type == GUILD_FORUM else "#"} {_e(channel.name)}</a>'
        )
        nav.extend(f'<a class="thread" href="#c{t.id}">↳ {_e(t.name)}</a>' for t in threads)
        parts = [_channel_section(fake, channel, names, files, "channel")]
        parts.extend(_channel_section(fake, t, names, files, "thread") for t in threads)
        body.append("\n".join(parts))
    if dms:
        nav.append(f"<h2>{_e(say(lang, 'html_dms'))}</h2>")
        for channel in dms:
            who = names.users.get(channel.recipient_id or 0, "?")
            nav.append(f'<a href="#c{channel.id}">@ {_e(who)}</a>')
            body.append(_channel_section(fake, channel, names, files, "channel", title=f"@ {who}"))
    if chart is not None:
        nav.append('<a href="#stats">📊 /majlis stats</a>')
        body.append(
            f'<section class="channel" id="stats"><h3>📊 /majlis stats</h3>'
            f'<img class="attachment" src="{_e(chart.name)}" alt="stats"></section>'
        )
    members = sorted(names.users.get(m.id, "?") for m in guild.members.values())
    direction = "rtl" if lang == "ar" else "ltr"
    page = f"""<!DOCTYPE html>
<html lang="{lang}" dir="{direction}">
<head><meta charset="utf-8"><title>{_e(say(lang, "html_title"))}</title><style>{STYLE}</style></head>
<body><div class="layout">
<nav><h1>{_e(guild.name)}</h1>{"".join(nav)}
<h2>{_e(say(lang, "html_members"))} ({len(members)})</h2>
<div class="meta">{_e("، " if lang == "ar" else ", ").join(_e(m) for m in members)}</div></nav>
<main><h1>{_e(say(lang, "html_title"))}</h1>
{"".join(body)}
</main></div></body></html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _channel_section(
    fake: FakeDiscord, channel: Channel, names: Names, files: Path, kind: str, title: str | None = None
) -> str:
    label = title or (("🔒 " if channel.type == 12 else "") + f"#{channel.name}")
    members = ""
    if channel.is_thread:
        people = [names.users.get(u, "?") for u in channel.members if u != fake.bot_user.id]
        members = f'<div class="meta">{_e(", ".join(people))}</div>'
    messages = "".join(_message(fake, m, names, files) for m in fake.messages(channel))
    return f'<section class="{kind}" id="c{channel.id}"><h3>{_e(label)}</h3>{members}{messages}</section>'


def _message(fake: FakeDiscord, message: Message, names: Names, files: Path) -> str:
    author = fake.users[message.author_id]
    badge = '<span class="bot">BOT</span>' if author.bot else ""
    parts = [
        f'<div class="msg"><span class="author">{_e(names.users.get(author.id, author.username))}</span>{badge}'
        f' <span class="meta">{_e(message.created_at[:16].replace("T", " "))}</span>'
    ]
    if message.content:
        parts.append(f"<div>{markup(message.content, names)}</div>")
    attached = {a.filename: a for a in message.attachments}
    for embed in message.embeds:
        parts.append(_embed(embed, names, attached, files))
    for component in iter_components(message.components):
        if component.get("type") in (2, 3):
            state = " disabled" if component.get("disabled") else ""
            parts.append(
                f'<span class="button s{component.get("style", 2)}{state}">{_e(button_label(component))}</span>'
            )
    for attachment in attached.values():
        target = files / f"{attachment.id}-{attachment.filename}"
        target.write_bytes(attachment.data)
        if attachment.filename.lower().endswith((".png", ".jpg", ".jpeg", ".gif")):
            parts.append(
                f'<img class="attachment" src="files/{_e(target.name)}" alt="{_e(attachment.filename)}">'
            )
        else:
            parts.append(f'<div>📎 <a href="files/{_e(target.name)}">{_e(attachment.filename)}</a></div>')
    parts.extend(
        f'<span class="reaction">{_e(r.emoji)} {r.count}</span>' for r in message.reactions if r.count
    )
    parts.append("</div>")
    return "".join(parts)


def _embed(embed: dict[str, Any], names: Names, attached: dict[str, Any], files: Path) -> str:
    colour = embed.get("color")
    style = f' style="border-inline-start-color:#{colour:06x}"' if isinstance(colour, int) else ""
    parts = [f'<div class="embed"{style}>']
    if embed.get("author", {}).get("name"):
        parts.append(f'<div class="meta">{markup(embed["author"]["name"], names)}</div>')
    if embed.get("title"):
        parts.append(f'<div class="title">{markup(embed["title"], names)}</div>')
    if embed.get("description"):
        parts.append(f"<div>{markup(embed['description'], names)}</div>")
    for item in embed.get("fields", []):
        parts.append(
            f'<div class="field"><b>{markup(str(item.get("name", "")), names)}</b><br>'
            f"{markup(str(item.get('value', '')), names)}</div>"
        )
    image = embed.get("image", {}).get("url", "")
    if image.startswith("attachment://") and image.removeprefix("attachment://") in attached:
        attachment = attached.pop(image.removeprefix("attachment://"))
        target = files / f"{attachment.id}-{attachment.filename}"
        target.write_bytes(attachment.data)
        parts.append(
            f'<img class="attachment" src="files/{_e(target.name)}" alt="{_e(attachment.filename)}">'
        )
    if embed.get("footer", {}).get("text"):
        parts.append(f'<div class="footer">{markup(embed["footer"]["text"], names)}</div>')
    parts.append("</div>")
    return "".join(parts)


def markup(text: str, names: Names) -> str:
    """Render Discord's markdown subset as HTML (escaped first; mentions and links styled)."""
    escaped = html.escape(text)
    escaped = re.sub(
        r"&lt;(@!?|@&amp;|#)(\d+)&gt;",
        lambda m: _mention(m.group(1).replace("&amp;", "&"), m.group(2), names),
        escaped,
    )
    escaped = re.sub(
        r"&lt;t:(-?\d+)(?::([tTdDfFR]))?&gt;",
        discord_timestamp,  # the same two groups as TIMESTAMP
        escaped,
    )
    escaped = LINK.sub(lambda m: f'<a href="{m.group(3)}">{m.group(1)}</a>', escaped)
    escaped = BOLD.sub(lambda m: f"<b>{m.group(1)}</b>", escaped)
    escaped = CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)
    return MARKDOWN_ESCAPE.sub(r"\1", escaped).replace("\n", "<br>")


def _mention(kind: str, raw: str, names: Names) -> str:
    text = names.mention(MENTION.match(f"<{kind}{raw}>"))  # type: ignore[arg-type]
    return f'<span class="mention">{html.escape(text)}</span>'


def _e(value: object) -> str:
    return html.escape(str(value))
