"""Arabic that reads as written in Arabic: a woman who chose feminine is addressed so everywhere,
groups of two in the dual, and no English the bot produced sits inside an Arabic reply."""

from __future__ import annotations

import asyncio
import re
import string

from bot.i18n import Reader, catalogue, leaves
from bot.skills import default_catalogue
from bot.storage import intros as store
from bot.storage import profiles as profile_store

FEMININE = Reader("ar", "feminine")

# Latin a bot may write inside Arabic: names of things, never words of the sentence.
BRANDS = {"Discord", "IBAN", "UTC", "Majlis", "Upwork", "Fiverr", "Payoneer", "PayPal", "Wise"}
# Inputs the messages show as examples of what a member may type.
EXAMPLES = {"Asia/Riyadh", "Asia", "Riyadh", "English", "fr", "UTC+3", "UTC-12", "UTC+14"}
_NOT_WORDS = re.compile(
    r"<[@#][!&]?\d+>|<t:\d+(?::[a-zA-Z])?>|`[^`]*`|\u200e?/[a-z]+(?: [a-z-]+)*(?: [a-z_]+:\S*)?\u200e?|https?://\S+"
)
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]*")


def latin_words(text: str, allowed: set[str]) -> list[str]:
    """Latin words in `text` that are not mentions, commands, links, brands, skills or member text."""
    words = _LATIN_WORD.findall(_NOT_WORDS.sub(" ", text))
    allowed_lower = {a.lower() for a in allowed} | {b.lower() for b in BRANDS}
    return [w for w in words if w.rstrip(".").lower() not in allowed_lower]


def masculine_markers() -> list[tuple[str, str]]:
    """For each message with a masculine form, a stretch of it no feminine or neutral form contains."""
    markers = []
    for key, texts in catalogue().messages.items():
        ar = texts["ar"]
        if not isinstance(ar, dict) or "masculine" not in ar:
            continue
        others = " ".join(leaves({k: v for k, v in ar.items() if k != "masculine"}))
        for leaf in leaves(ar["masculine"]):
            parts = [p for p, *_ in string.Formatter().parse(leaf) if p]
            distinct = [p.strip() for p in parts if len(p.strip()) >= 6 and p.strip() not in others]
            if distinct:
                markers.append((key, max(distinct, key=len)))
    return markers


def texts_of(reply) -> list[str]:
    found = [reply.content or ""]
    for embed in reply.embeds or []:
        found += [embed.get("title") or "", embed.get("description") or ""]
        found += [(embed.get("footer") or {}).get("text") or ""]
        for field in embed.get("fields", []):
            found += [field["name"], field["value"]]
    return [x for x in found if x]


async def delivered(majlis):
    runner = majlis.bot.get_cog("Intros").runner
    while any(not task.done() for task in runner.deliveries.values()):
        await asyncio.gather(*runner.deliveries.values(), return_exceptions=True)


async def test_a_pair_in_a_thread_is_addressed_in_the_dual_and_a_trio_in_the_plural(majlis):
    channel = majlis.fake.create_text_channel(majlis.guild, "intros")
    await majlis.run(majlis.admin, "majlis intros", options={"channel": channel, "timezone": "Asia/Riyadh"})
    users = [majlis.member(f"peer{i}") for i in range(5)]
    for user in users:
        await profile_store.save_profile(majlis.bot.db, majlis.guild.id, user.id, field="design")
        await store.join(majlis.bot.db, majlis.guild.id, user.id, majlis.clock.now())
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    await delivered(majlis)
    texts = {}
    for thread in majlis.fake.threads(channel):
        members = [m for m in thread.members if m != majlis.fake.bot_user.id]
        intro = next(m for m in majlis.fake.messages(thread) if m.embeds)
        texts[len(members)] = intro
    pair, trio = texts[2], texts[3]
    assert "هذه مجموعتكما" in pair.content and "اتفقا على مكالمة" in pair.embeds[0]["description"]
    assert "هذه مجموعتكم" in trio.content and "اتفقوا على مكالمة" in trio.embeds[0]["description"]
    for message in (pair, trio):
        for text in texts_of(message):
            assert latin_words(text, {f"Peer{i}" for i in range(5)}) == [], text


def skill_names_in_latin() -> set[str]:
    """Latin words inside the skills' Arabic names: tools and brands keep their own spelling."""
    return {w for skill in default_catalogue() for w in _LATIN_WORD.findall(skill.name("ar"))}


def test_no_arabic_catalogue_rendering_carries_english():
    """Every Arabic message, every variant, rendered: Latin only for names (commands, brands, examples)."""
    found = {}
    for key, texts in catalogue().messages.items():
        for leaf in leaves(texts["ar"]):
            text = re.sub(r"\{[^}]*\}", " ", leaf)
            words = latin_words(text, EXAMPLES | skill_names_in_latin())
            if words:
                found[key] = words
    assert found == {}
