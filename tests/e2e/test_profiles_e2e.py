"""End to end: `/profile set|show|find` against the fake Discord, in Arabic and English."""

from __future__ import annotations

from bot.i18n import t
from bot.storage import guilds as guild_store
from bot.storage import intros as intro_store
from bot.storage import profiles as profile_store

NEXT = "majlis:profile:find:next"
PREVIOUS = "majlis:profile:find:previous"


async def stored(majlis, user) -> list:
    """Every stored row about a member's profile, to compare before and after a rejected input."""
    db, guild_id = majlis.bot.db, majlis.guild.id
    rows = []
    for table in ("profiles", "member_skills", "members"):
        found = await db.fetchall(
            f"SELECT * FROM {table} WHERE guild_id = ? AND user_id = ? ORDER BY 1, 2, 3",
            (guild_id, user.id),
        )
        rows.append([tuple(r) for r in found])
    return rows


def card_fields(reply) -> dict[str, str]:
    return {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}


async def test_set_creates_a_profile_and_shows_the_card_in_english(majlis):
    salma = majlis.member("salma")
    reply = await majlis.run(
        salma,
        "profile set",
        field="design",
        skills="Logo design, WordPress, خط عربي يدوي",
        timezone="UTC+3",
        languages="العربية، English",
        about="Brands for small shops.",
        language="en",
    )
    assert reply.ephemeral
    assert t("en", "profile.saved") in reply.content
    assert t("en", "profile.language_set", language=t("en", "language.en")) in reply.content
    fields = card_fields(reply)
    assert fields["Field"] == "🎨 Design"
    assert "WordPress development" in fields["Skills"] and "خط عربي يدوي" in fields["Skills"]
    assert fields["Languages"] == "Arabic, English"
    assert "UTC+03:00" in fields["Local time now"]
    assert reply.embeds[0]["description"] == "Brands for small shops."

    profile = await profile_store.get_profile(majlis.bot.db, majlis.guild.id, salma.id)
    assert profile.field == "design" and profile.timezone == "UTC+03:00"
    assert profile.skills == ("logo design", "wordpress development", "خط عربي يدوي")
    assert profile.languages == ("ar", "en")
    assert await guild_store.member_language(majlis.bot.db, majlis.guild.id, salma.id) == "en"


async def test_updating_one_option_leaves_the_others_unchanged(majlis):
    omar = majlis.member("omar")
    await majlis.run(
        omar,
        "profile set",
        field="programming",
        skills="python, django",
        timezone="Africa/Cairo",
        languages="ar",
        about="Backend work.",
    )
    before = await profile_store.get_profile(majlis.bot.db, majlis.guild.id, omar.id)

    reply = await majlis.run(omar, "profile set", timezone="Asia/Riyadh")
    assert reply.ephemeral and t("ar", "profile.saved") in reply.content
    after = await profile_store.get_profile(majlis.bot.db, majlis.guild.id, omar.id)
    assert after.timezone == "Asia/Riyadh"
    assert (after.field, after.skills, after.languages, after.about) == (
        before.field,
        before.skills,
        before.languages,
        before.about,
    )


async def test_show_own_another_and_a_member_without_a_profile(majlis):
    lina = majlis.member("lina")
    karim = majlis.member("karim")
    nobody = majlis.member("nobody")
    await majlis.run(lina, "profile set", field="writing", skills="ترجمة, copywriting", language="ar")
    await majlis.run(karim, "profile set", language="en")

    own = await majlis.run(lina, "profile show")
    assert own.ephemeral and "Lina" in own.embeds[0]["title"]
    assert card_fields(own)[t("ar", "profile.card.field")] == "✍️ الكتابة والترجمة"

    # Karim reads Lina's card in his own language, skills included.
    other = await majlis.run(karim, "profile show", member=lina)
    assert "Lina" in other.embeds[0]["title"]
    skills = card_fields(other)["Skills"]
    assert "Translation" in skills and "ترجمة" not in skills

    missing = await majlis.run(karim, "profile show", member=nobody)
    assert missing.ephemeral and not missing.embeds
    assert missing.content == t("en", "profile.none_other", name="\u2068Nobody\u2069")
    mine = await majlis.run(karim, "profile show")  # a language choice alone creates no profile
    assert not mine.embeds and mine.content == t("en", "profile.none_self")
    empty = await majlis.run(nobody, "profile show")
    assert empty.content == t("ar", "profile.none_self")


async def test_find_by_the_arabic_spelling_of_an_english_skill(majlis):
    salma = majlis.member("salma")
    searcher = majlis.member("searcher")
    await majlis.run(salma, "profile set", field="programming", skills="WordPress")
    await intro_store.join(majlis.bot.db, majlis.guild.id, salma.id, majlis.clock.now())

    reply = await majlis.run(searcher, "profile find", skill="ووردبريس")
    assert reply.ephemeral
    assert f"<@{salma.id}>" in reply.embeds[0]["description"]
    assert "تطوير WordPress" in reply.embeds[0]["description"]
    assert not reply.components  # one page: no buttons

    by_field = await majlis.run(searcher, "profile find", field="programming")
    assert f"<@{salma.id}>" in by_field.embeds[0]["description"]
    nothing = await majlis.run(searcher, "profile find", field="teaching")
    assert nothing.content == t("ar", "profile.find.none")


async def test_find_lists_only_discoverable_members_still_in_the_guild(majlis):
    stays = majlis.member("stays")
    leaves = majlis.member("leaves")
    hidden = majlis.member("hidden")
    searcher = majlis.member("searcher")
    for member in (stays, leaves, hidden):
        await majlis.run(member, "profile set", skills="logo design")
    for member in (stays, leaves):
        await intro_store.join(majlis.bot.db, majlis.guild.id, member.id, majlis.clock.now())

    before = await majlis.run(searcher, "profile find", skill="logo design")
    listed = before.embeds[0]["description"]
    assert f"<@{stays.id}>" in listed and f"<@{leaves.id}>" in listed and f"<@{hidden.id}>" not in listed

    majlis.fake.remove_member(majlis.guild, leaves)
    after = await majlis.run(searcher, "profile find", skill="تصميم شعارات")
    listed = after.embeds[0]["description"]
    assert f"<@{stays.id}>" in listed and f"<@{leaves.id}>" not in listed


async def test_a_member_who_leaves_intros_is_no_longer_found(majlis):
    intros = majlis.fake.create_text_channel(majlis.guild, "intros")
    await majlis.run(majlis.admin, "majlis intros", options={"channel": intros})
    hana = majlis.member("hana")
    searcher = majlis.member("searcher")
    await majlis.run(hana, "profile set", skills="logo design")
    hidden = await majlis.run(searcher, "profile find", skill="logo design")
    assert hidden.content == t("ar", "profile.find.none")  # a profile alone is not an invitation

    await majlis.run(hana, "intros join")
    found = await majlis.run(searcher, "profile find", skill="logo design")
    assert f"<@{hana.id}>" in found.embeds[0]["description"]

    await majlis.run(hana, "intros leave")
    gone = await majlis.run(searcher, "profile find", skill="logo design")
    assert gone.content == t("ar", "profile.find.none")


async def test_an_unshipped_skill_is_shown_as_typed_even_after_a_restart(majlis):
    member = majlis.member("rana")
    await majlis.run(member, "profile set", skills="تنسيق حفلات الأعراس")
    card = await majlis.run(member, "profile show")
    assert "تنسيق حفلات الأعراس" in card_fields(card)["المهارات"]
    await majlis.restart()  # only the database remembers labels
    card = await majlis.run(member, "profile show")
    assert "تنسيق حفلات الأعراس" in card_fields(card)["المهارات"]


async def test_find_without_options_is_refused(majlis):
    member = majlis.member("member")
    reply = await majlis.run(member, "profile find")
    assert reply.ephemeral and reply.content == t("ar", "profile.find.needs_query")


async def test_results_page_with_buttons_only_the_searcher_can_press(majlis):
    searcher = majlis.member("searcher")
    stranger = majlis.member("stranger")
    db, guild_id = majlis.bot.db, majlis.guild.id
    designers = [majlis.member(f"designer{i}") for i in range(13)]
    for designer in designers:
        await profile_store.save_profile(db, guild_id, designer.id, field="design", skills=["logo design"])
        await intro_store.join(db, guild_id, designer.id, majlis.clock.now())
    await majlis.run(searcher, "profile set", language="en")

    first = await majlis.run(searcher, "profile find", field="design")
    assert first.embeds[0]["footer"]["text"] == t("en", "profile.find.footer", page=1, pages=2, total=13)
    buttons = {c["custom_id"]: c for row in first.components for c in row["components"]}
    assert buttons[PREVIOUS].get("disabled") and not buttons[NEXT].get("disabled")
    assert buttons[NEXT]["label"] == "Next"
    page_one = first.embeds[0]["description"]
    assert page_one.count("\n") == 9

    refused = await majlis.fake.click(first.message, NEXT, user=stranger)
    await refused.wait_done()
    assert refused.ephemeral and refused.content == t("ar", "error.not_yours")

    turned = await majlis.fake.click(first.message, NEXT, user=searcher)
    await turned.wait_done()
    page_two = turned.message.embeds[0]
    assert page_two["footer"]["text"] == t("en", "profile.find.footer", page=2, pages=2, total=13)
    assert page_two["description"].startswith("**11.**") and page_two["description"].count("\n") == 2
    shown = {u.id for u in designers if f"<@{u.id}>" in page_one + page_two["description"]}
    assert shown == {u.id for u in designers}

    back = await majlis.fake.click(turned.message, PREVIOUS, user=searcher)
    await back.wait_done()
    assert back.message.embeds[0]["description"] == page_one


async def test_skills_and_timezone_autocomplete(majlis):
    member = majlis.member("member")
    pioneer = majlis.member("pioneer")
    await majlis.run(pioneer, "profile set", skills="zapier for dentists")
    fake, guild = majlis.fake, majlis.guild

    arab_first = await fake.autocomplete(guild, member, "profile set", "timezone", "")
    assert 0 < len(arab_first) <= 25
    assert arab_first[0]["value"] == "Asia/Riyadh"
    assert {"Africa/Cairo", "Asia/Dubai"} <= {c["value"] for c in arab_first[:10]}
    riyadh = await fake.autocomplete(guild, member, "profile set", "timezone", "الريا")
    assert riyadh[0]["value"] == "Asia/Riyadh"

    arabic = await fake.autocomplete(guild, member, "profile set", "skills", "ووردبر")
    assert arabic and arabic[0]["value"] == "تطوير WordPress"
    listed = await fake.autocomplete(guild, member, "profile set", "skills", "logo design, wordp")
    assert listed[0]["value"] == "logo design, تطوير WordPress"
    assert all(len(c["value"]) <= 100 and len(c["name"]) <= 100 for c in listed)
    guild_skill = await fake.autocomplete(guild, member, "profile set", "skills", "zap")
    assert "zapier for dentists" in {c["value"] for c in guild_skill}
    find = await fake.autocomplete(guild, member, "profile find", "skill", "wordp")
    assert find[0]["value"] == "wordpress development"


async def test_bad_input_is_refused_and_nothing_changes(majlis):
    member = majlis.member("member")
    await majlis.run(
        member,
        "profile set",
        field="marketing",
        skills="seo",
        timezone="Asia/Dubai",
        languages="ar, en",
        about="Growth for startups.",
    )
    before = await stored(majlis, member)

    bad_zone = await majlis.run(member, "profile set", timezone="Mars/Olympus", about="New about")
    assert bad_zone.ephemeral
    assert bad_zone.content == t("ar", "profile.bad_timezone", value="\u2068Mars/Olympus\u2069")
    assert await stored(majlis, member) == before

    too_long = await majlis.run(member, "profile set", about="ب" * 301, skills="python", language="en")
    assert too_long.ephemeral
    assert too_long.content == t("ar", "profile.about_too_long", length=301, limit=300)
    assert await stored(majlis, member) == before

    bad_language = await majlis.run(member, "profile set", languages="ar, Dothraki", field="design")
    assert bad_language.content == t("ar", "profile.bad_language", value="\u2068Dothraki\u2069")
    assert await stored(majlis, member) == before

    nothing = await majlis.run(member, "profile set")
    assert nothing.content == t("ar", "profile.nothing_given")
    assert await stored(majlis, member) == before


async def test_a_new_member_with_nothing_stored_stays_without_a_profile_after_bad_input(majlis):
    member = majlis.member("newcomer")
    reply = await majlis.run(member, "profile set", timezone="UTC+20", field="design")
    assert reply.content == t("ar", "profile.bad_offset", value="\u2068UTC+20\u2069")
    # No profile or skills rows (the members row belongs to the join event, not to this command).
    assert (await stored(majlis, member))[:2] == [[], []]
    assert await guild_store.member_language(majlis.bot.db, majlis.guild.id, member.id) is None


async def test_the_card_shows_counts_from_the_features(majlis):
    member = majlis.member("member")

    async def peers_met(guild_id, user_id):
        return {"peers_met": 4}

    async def swaps_done(guild_id, user_id):
        return {"swaps_done": 2}

    majlis.bot.profile_counters.extend([peers_met, swaps_done])
    await majlis.run(member, "profile set", field="teaching", language="en")
    reply = await majlis.run(member, "profile show")
    assert card_fields(reply)["Activity"] == "🤝 Met 4 peers\n🔄 2 swaps done\n⭐ 0 thank-yous from peers"


async def test_the_profile_survives_a_restart(majlis):
    member = majlis.member("member")
    await majlis.run(member, "profile set", skills="video editing", language="en")
    await majlis.restart()
    reply = await majlis.run(member, "profile show")
    assert "Video editing" in card_fields(reply)["Skills"]


async def test_skills_as_typed_belong_to_the_guild_and_go_with_the_last_member_using_them(majlis):
    rana, omar = majlis.member("rana"), majlis.member("omar")
    fake, guild = majlis.fake, majlis.guild
    for week in range(10):  # ten updates of fifteen unshipped skills keep only the last fifteen labels
        typed = "، ".join(f"تنسيق حفلات رقم {week} {i}" for i in range(15))
        await majlis.run(rana, "profile set", skills=typed)
    labels = await majlis.bot.db.fetchall("SELECT label FROM guild_skills WHERE label IS NOT NULL")
    assert sorted(r["label"] for r in labels) == sorted(typed.split("، "))
    offered = await fake.autocomplete(guild, omar, "profile find", "skill", "تنسيق حفلات رقم 9 1")
    assert "تنسيق حفلات رقم 9 1" in {c["name"] for c in offered}  # hamza and ة as typed, not the key

    other = fake.create_guild("Second server")
    fake.add_member(other, omar)
    await fake.wait_for(lambda: majlis.bot.get_guild(other.id) is not None)
    elsewhere = await fake.autocomplete(other, omar, "profile find", "skill", "تنسيق حفلات رقم 9 1")
    assert "تنسيق حفلات رقم 9 1" not in {c["name"] for c in elsewhere}  # another guild's skills stay there

    ask = await majlis.run(rana, "privacy forget")
    done = await fake.click(ask.message, "majlis:privacy:forget:confirm", user=rana)
    await done.wait_done()
    await fake.wait_for(lambda: ask.message.content != t("ar", "privacy.forget_confirm"))
    assert await majlis.bot.db.fetchall("SELECT * FROM guild_skills") == []
    after = await fake.autocomplete(guild, omar, "profile find", "skill", "تنسيق حفلات رقم 9 1")
    assert not any("تنسيق" in c["name"] for c in after)
