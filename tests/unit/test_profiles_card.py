"""Profiles without Discord: spoken-language lists, the card, result pages, skill completion, option checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import MajlisError
from bot.i18n import t
from bot.profile_card import (
    RESULTS_PER_PAGE,
    SpokenLanguageError,
    language_name,
    page_count,
    parse_languages,
    profile_card,
    results_page,
    skill_list_choices,
)
from bot.skills import MAX_CHOICE_LENGTH, MAX_CHOICES, default_catalogue
from bot.storage.profiles import Profile
from cogs.profiles import parse_profile_options

NOW = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)  # a Sunday
FSI, PDI = "\u2068", "\u2069"


def salma(**changes) -> Profile:
    values = {
        "guild_id": 1,
        "user_id": 42,
        "field": "design",
        "timezone": "Asia/Riyadh",
        "languages": ("ar", "en"),
        "about": "I design brands for small shops.",
        "skills": ("logo design", "wordpress development", "خط عربي يدوي"),
    }
    values.update(changes)
    return Profile(**values)


def field_values(card: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in card["fields"]}


# --- spoken languages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("ar, en, fr", ["ar", "en", "fr"]),
        ("العربية، English", ["ar", "en"]),
        ("Arabic; english", ["ar", "en"]),
        ("عربي، انجليزي", ["ar", "en"]),
        ("العربية والإنجليزية", ["ar", "en"]),
        ("ar en", ["ar", "en"]),
        ("الفرنسية", ["fr"]),
        ("français, Deutsch, Türkçe", ["fr", "de", "tr"]),
        ("en-US, pt_BR", ["en", "pt"]),
        ("EN, en, English, الإنجليزية", ["en"]),
        ("  ", []),
    ],
)
def test_languages_parse_to_iso_codes_in_order(text, codes):
    assert parse_languages(text) == codes


def test_an_unknown_language_is_named_in_the_error():
    with pytest.raises(SpokenLanguageError) as info:
        parse_languages("Arabic, Dothraki")
    assert info.value.reason == "unknown" and info.value.detail == "Dothraki"


def test_more_than_six_languages_are_refused():
    assert len(parse_languages("ar, en, fr, es, de, tr")) == 6
    with pytest.raises(SpokenLanguageError) as info:
        parse_languages("ar, en, fr, es, de, tr, it")
    assert info.value.reason == "too_many" and info.value.limit == 6


def test_language_names_follow_the_reader():
    assert language_name("en", "ar") == "الإنجليزية"
    assert language_name("ar", "en") == "Arabic"


@given(st.lists(st.sampled_from(["ar", "en", "fr", "es", "de", "tr", "ur", "fa"]), min_size=1, max_size=6))
def test_reader_language_names_parse_back_to_their_codes(codes):
    for lang in ("ar", "en"):
        text = "، ".join(language_name(c, lang) for c in codes)
        assert parse_languages(text) == list(dict.fromkeys(codes))


# --- the profile card ---------------------------------------------------------------------------


def test_the_card_in_english():
    card = profile_card(salma(), lang="en", name="Salma", now=NOW, counts={"peers_met": 3, "swaps_done": 1})
    assert card["title"] == f"👤 {FSI}Salma{PDI}"
    assert card["description"] == "I design brands for small shops."
    values = field_values(card)
    assert values["Field"] == "🎨 Design"
    assert (
        values["Skills"] == f"{FSI}Logo design{PDI}, {FSI}WordPress development{PDI}, {FSI}خط عربي يدوي{PDI}"
    )
    assert values["Languages"] == "Arabic, English"
    # 07:30 UTC is 10:30 in Riyadh.
    assert (
        values["Local time now"].startswith("Sunday 10:30")
        and "Asia/Riyadh (UTC+03:00)" in values["Local time now"]
    )
    assert values["Activity"] == "🤝 Met 3 peers\n🔄 1 swap done"


def test_the_card_in_arabic_shows_skills_in_arabic():
    card = profile_card(salma(), lang="ar", name="سلمى", now=NOW, counts={"peers_met": 0})
    values = field_values(card)
    assert values[t("ar", "profile.card.field")] == "🎨 التصميم"
    assert values[t("ar", "profile.card.skills")] == (
        f"{FSI}تصميم الشعارات{PDI}، {FSI}تطوير WordPress{PDI}، {FSI}خط عربي يدوي{PDI}"
    )
    assert values[t("ar", "profile.card.languages")] == "العربية، الإنجليزية"
    assert values[t("ar", "profile.card.local_time")].startswith("الأحد 10:30")
    assert values[t("ar", "profile.card.activity")] == t("ar", "profile.count.peers_met", count=0)
    assert card["footer"]["text"] == t("ar", "profile.card.footer")


def test_an_empty_profile_shows_dashes_and_no_activity():
    card = profile_card(Profile(guild_id=1, user_id=2), lang="en", name="Omar", now=NOW)
    values = field_values(card)
    assert set(values.values()) == {"—"}
    assert "Activity" not in values
    assert card["description"] == t("en", "profile.card.no_about")


def test_a_fixed_offset_shows_once():
    values = field_values(profile_card(salma(timezone="UTC-05:00"), lang="en", name="S", now=NOW))
    assert values["Local time now"] == f"Sunday 02:30 · {FSI}UTC-05:00{PDI}"


def test_the_card_respects_discord_embed_limits():
    many = tuple(f"skill number {i} with a very long name indeed" for i in range(15))
    card = profile_card(salma(skills=many, about="x" * 300), lang="en", name="n" * 300, now=NOW)
    assert len(card["title"]) <= 256
    assert all(len(f["value"]) <= 1024 and f["value"] for f in card["fields"])


# --- result pages -------------------------------------------------------------------------------


def test_results_are_paged_ten_at_a_time():
    members = [salma(user_id=100 + i) for i in range(23)]
    assert page_count(23) == 3 and page_count(0) == 1 and page_count(RESULTS_PER_PAGE) == 1
    first = results_page(members, page=0, lang="en", query="Logo design", now=NOW)
    assert first.pages == 3 and first.embed["description"].count("\n") == RESULTS_PER_PAGE - 1
    assert "<@100>" in first.embed["description"] and "<@110>" not in first.embed["description"]
    last = results_page(members, page=7, lang="en", query="Logo design", now=NOW)
    assert last.page == 2 and last.embed["description"].startswith("**21.** <@120>")
    assert last.embed["footer"]["text"] == t("en", "profile.find.footer", page=3, pages=3, total=23)


def test_the_searched_skill_leads_each_result_line():
    page = results_page(
        [salma()], page=0, lang="ar", query="ووردبريس", now=NOW, matched_skill="wordpress development"
    )
    line = page.embed["description"]
    assert line.index("تطوير WordPress") < line.index("تصميم الشعارات")
    assert "🕐 10:30" in line


# --- skills autocomplete ------------------------------------------------------------------------


def test_completion_keeps_the_earlier_skills_in_the_value():
    choices = skill_list_choices("logo design, wordp", "en")
    assert choices and choices[0][1] == "logo design, WordPress development"
    assert all(value.startswith("logo design, ") for _, value in choices)


def test_completion_in_arabic_uses_arabic_names_and_skips_listed_skills():
    choices = skill_list_choices("تصميم شعارات، تصم", "ar")
    values = [value for _, value in choices]
    assert values and all(value.startswith("تصميم شعارات، ") for value in values)
    assert "تصميم شعارات، تصميم الشعارات" not in values


def test_completion_offers_guild_skills_and_respects_discord_limits():
    guild = ["zapier automation for dentists", *(f"custom skill {i}" for i in range(100))]
    choices = skill_list_choices("zap", "en", guild)
    assert ("zapier automation for dentists", "zapier automation for dentists") in choices
    long_prefix = ", ".join(["logo design"] * 8)
    for typed in ("", "a", "تصميم", long_prefix + ", word"):
        found = skill_list_choices(typed, "ar", guild)
        assert len(found) <= MAX_CHOICES
        assert all(0 < len(n) <= MAX_CHOICE_LENGTH and 0 < len(v) <= MAX_CHOICE_LENGTH for n, v in found)


@given(st.text(max_size=120))
def test_every_completed_value_parses_to_the_earlier_skills_plus_one(typed):
    catalogue = default_catalogue()
    for _name, value in skill_list_choices(typed, "en"):
        assert len(value) <= MAX_CHOICE_LENGTH
        assert catalogue.parse_list(value, limit=1000)


# --- option checks (before anything is stored) ---------------------------------------------------


def options(**given):
    base = {"field": None, "skills": None, "timezone": None, "languages": None, "about": None}
    return parse_profile_options(**{**base, **given})


def test_only_given_options_become_changes():
    assert options() == {}
    assert options(skills="WordPress, تصميم شعارات") == {"skills": ["wordpress development", "logo design"]}
    assert options(timezone="UTC+3", about="  hi  ") == {"timezone": "UTC+03:00", "about": "hi"}
    assert options(about="-", skills="-", languages="-") == {"about": None, "skills": [], "languages": []}


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ({"timezone": "Mars/Olympus"}, "profile.bad_timezone"),
        ({"timezone": "UTC+20"}, "profile.bad_offset"),
        ({"about": "x" * 301}, "profile.about_too_long"),
        ({"languages": "Dothraki"}, "profile.bad_language"),
        ({"languages": "ar, en, fr, es, de, tr, it"}, "profile.too_many_languages"),
        ({"skills": ", ".join(f"skill {i}" for i in range(16))}, "profile.too_many_skills"),
        ({"skills": "x" * 51}, "profile.skill_too_long"),
        ({"field": "astrology"}, "profile.bad_field"),
    ],
)
def test_bad_options_raise_a_catalogue_error(given, key):
    with pytest.raises(MajlisError) as info:
        options(**given)
    assert info.value.key == key
    for lang in ("ar", "en"):
        assert t(lang, key, **info.value.params)


def test_an_about_of_exactly_300_characters_is_accepted():
    assert options(about="ب" * 300) == {"about": "ب" * 300}
