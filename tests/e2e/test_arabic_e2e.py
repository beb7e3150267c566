"""Arabic that reads as written in Arabic: a woman who chose feminine is addressed so everywhere,
groups of two in the dual, and no English the bot produced sits inside an Arabic reply."""

from __future__ import annotations

import asyncio
import json
import re
import string
from datetime import timedelta

from bot.i18n import Reader, catalogue, leaves, t
from bot.icebreakers import load_icebreakers
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


async def test_a_woman_who_chose_feminine_is_addressed_so_in_everything_she_receives(majlis):
    channel = majlis.fake.create_text_channel(majlis.guild, "intros")
    await majlis.run(
        majlis.admin,
        "majlis intros",
        options={"channel": channel, "delivery": "dm", "timezone": "Asia/Riyadh"},
    )
    salma, omar = majlis.member("salma"), majlis.member("omar")
    received = []

    async def run(command: str, **options):
        reply = await majlis.run(salma, command, **options)
        received.extend(texts_of(reply))
        return reply

    reply = await run("profile set", addressing="feminine", field="design", skills="Figma, logo design")
    assert t(FEMININE, "profile.addressing_set") in reply.content
    assert "سأخاطبكِ بصيغة المؤنث" in reply.content
    await profile_store.save_profile(
        majlis.bot.db, majlis.guild.id, omar.id, field="design", skills=["figma"]
    )

    reply = await run("intros status")
    assert "لم تنضمّي" in reply.embeds[0]["description"]
    await run("intros join")
    reply = await run("intros join")
    assert reply.content == "أنتِ مشتركة في التعارف بالفعل."
    reply = await run("intros status")
    assert "✅ مشتركة في التعارف" in reply.embeds[0]["description"]
    reply = await run("profile set", timezone="Mars/Olympus")
    assert "اختاري من الاقتراحات" in reply.content
    reply = await run("help")
    assert "ابدئي بـ" in str(reply.embeds[0])
    reply = await run("intros avoid", member=salma)
    await run("profile set")  # nothing given
    await run("swap offer", offer="logo design", want="WordPress")

    await store.join(majlis.bot.db, majlis.guild.id, omar.id, majlis.clock.now())
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    await delivered(majlis)
    dms = [m for m in majlis.fake.dm_messages(salma) if m.embeds]
    assert len(dms) == 1
    intro = dms[0]
    assert "بادري برسالة واتفقا على موعد" in intro.content  # one partner: the two of them, in the dual
    group = (
        await store.round_groups(
            majlis.bot.db, (await store.latest_round(majlis.bot.db, majlis.guild.id)).round_id
        )
    )[0]
    icebreaker = {i.id: i for i in load_icebreakers()}[group.icebreaker_id]
    fields = {f["name"]: f["value"] for f in intro.embeds[0]["fields"]}
    assert fields[t(FEMININE, "intros.icebreaker")] == icebreaker.text(FEMININE)
    # Omar chose nothing: his DM is in the neutral form.
    omar_dm = next(m for m in majlis.fake.dm_messages(omar) if m.embeds)
    assert omar_dm.content.startswith(t("ar", "intros.dm_greeting", members=f"<@{salma.id}>", count=1)[:20])
    majlis.clock.advance(timedelta(days=4))
    await majlis.bot.scheduler.fire_due()
    question = t(FEMININE, "intros.checkin.dm_question", members="", count=1).split("{")[0][:20]
    await majlis.fake.wait_for(lambda: any(question in m.content for m in majlis.fake.dm_messages(salma)))
    for message in majlis.fake.dm_messages(salma):
        received.extend(texts_of(message))

    markers = masculine_markers()
    assert len(markers) >= 20
    for text in received:
        for key, marker in markers:
            assert marker not in text, f"masculine {key!r} ({marker!r}) in: {text}"
    skills = {default_catalogue().display(k, "ar") for k in ("figma", "wordpress")} | {"Figma", "WordPress"}
    member_text = {"Salma", "Omar", "Mars", "Olympus"}
    for text in received:
        assert latin_words(text, skills | member_text | EXAMPLES) == [], text


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


async def test_the_address_form_is_stored_per_member_and_in_the_privacy_export(majlis):
    salma = majlis.member("salma")
    reply = await majlis.run(salma, "profile set", addressing="feminine")
    assert reply.content == t(FEMININE, "profile.addressing_set")
    assert (await majlis.bot.member_language(majlis.guild.id, salma.id)).addressing == "feminine"
    await majlis.restart()  # stored, not remembered
    assert (await majlis.bot.member_language(majlis.guild.id, salma.id)).addressing == "feminine"
    reply = await majlis.run(salma, "privacy export")
    [dm] = [m for m in majlis.fake.dm_messages(salma) if m.attachments]
    export = json.loads(dm.attachments[0].data.decode("utf-8"))
    [row] = export["tables"]["members"]
    assert row["addressing"] == "feminine"
    # Back to the default: wording that reads naturally to anyone.
    reply = await majlis.run(salma, "profile set", addressing="neutral")
    assert reply.content == t("ar", "profile.addressing_set")
    reply = await majlis.run(salma, "profile set")
    assert (
        reply.content
        == t("ar", "profile.nothing_given")
        == t(Reader("ar", "neutral"), "profile.nothing_given")
    )
    assert reply.content != t(FEMININE, "profile.nothing_given")
