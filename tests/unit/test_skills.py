"""Fields, the shipped skill list, skill normalisation and skill autocomplete."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fields import FIELDS, field_choices, field_name, find_field, get_field
from bot.shipped import shipped
from bot.skills import (
    MAX_SKILL_LENGTH,
    SKILLS_PATH,
    PrefixIndex,
    Skill,
    SkillCatalogue,
    SkillInputError,
    default_catalogue,
    fold_articles,
)
from bot.text import normalize_key

ARABIC_LETTER = re.compile("[\u0621-\u064a]")
CATALOGUE = default_catalogue()
SKILLS = list(CATALOGUE)


# --- fields ---------------------------------------------------------------------------------


def test_fields_are_the_spec_list_in_order():
    assert [f.key for f in FIELDS] == [
        "programming",
        "design",
        "writing",
        "marketing",
        "video",
        "data",
        "business",
        "teaching",
        "other",
    ]
    for field in FIELDS:
        assert ARABIC_LETTER.search(field.ar), field
        assert not ARABIC_LETTER.search(field.en), field


def test_field_lookup_and_names():
    assert get_field("design").ar == "التصميم"
    assert get_field("nope") is None
    assert field_name("writing", "en") == "Writing & translation"
    assert field_name("writing", "ar") == "الكتابة والترجمة"
    assert field_name("retired-field", "ar") == "retired-field"
    assert find_field("البرمجة").key == "programming"
    assert find_field("Video & Audio").key == "video"
    assert find_field("cooking") is None


def test_field_choices_carry_keys_and_localised_labels():
    choices = field_choices("ar")
    assert [value for _label, value in choices] == [f.key for f in FIELDS]
    assert "البيانات والذكاء الاصطناعي" in choices[5][0]


# --- the shipped data -----------------------------------------------------------------------


def test_catalogue_is_large_and_spans_every_field():
    assert len(CATALOGUE) >= 150
    used = {s.field for s in SKILLS}
    assert used == {f.key for f in FIELDS}


@pytest.mark.parametrize("skill", SKILLS, ids=lambda s: s.key)
def test_each_skill_is_well_formed(skill: Skill):
    assert skill.key == normalize_key(skill.key)
    assert skill.key == normalize_key(skill.en)
    # A tool or brand is written in Latin in both languages; an Arabic spelling is one of its synonyms.
    assert ARABIC_LETTER.search(skill.en if skill.proper_name else skill.ar) or any(
        ARABIC_LETTER.search(a) for a in skill.synonyms
    )
    assert get_field(skill.field) is not None
    assert 1 <= len(skill.synonyms) <= 8
    assert len(skill.key) <= MAX_SKILL_LENGTH


def test_no_synonym_names_two_skills():
    # Read the JSON directly, so this check does not depend on the loader's own guard.
    raw = json.loads(SKILLS_PATH.read_text(encoding="utf-8"))["skills"]
    owners: dict[str, str] = {}
    for skill in raw:
        aliases = {normalize_key(a) for a in (skill["key"], skill["en"], skill["ar"], *skill["synonyms"])}
        for alias in aliases:
            folded = fold_articles(alias)
            for form in {folded, folded.replace(" ", "").replace(".", "")}:
                owner = owners.setdefault(form, skill["key"])
                assert owner == skill["key"], f"{form!r} names {owner!r} and {skill['key']!r}"


def test_every_name_and_synonym_leads_back_to_its_skill():
    for skill in SKILLS:
        for text in (skill.key, skill.en, skill.ar, *skill.synonyms):
            assert CATALOGUE.canonical(text) == skill.key, text


def test_loader_refuses_a_synonym_shared_by_two_skills():
    with pytest.raises(ValueError, match="names both"):
        SkillCatalogue(
            [
                Skill("logo design", "Logo design", "تصميم الشعارات", "design", ("logo",)),
                Skill("brand identity", "Brand identity", "الهوية البصرية", "design", ("Logo",)),
            ]
        )


def test_loader_refuses_unknown_field_and_unnormalised_key():
    with pytest.raises(ValueError, match="unknown field"):
        SkillCatalogue([Skill("x", "X", "س", "astrology")])
    with pytest.raises(ValueError, match="not normalised"):
        SkillCatalogue([Skill("Logo Design", "Logo design", "تصميم الشعارات", "design")])


def test_load_from_a_given_path(tmp_path):
    path = tmp_path / "skills.json"
    data = {
        "skills": [
            {"key": "knitting", "en": "Knitting", "ar": "الحياكة", "field": "other", "synonyms": ["تريكو"]}
        ]
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    catalogue = SkillCatalogue.load(path)
    assert len(catalogue) == 1
    assert catalogue.canonical("حياكة") == "knitting"
    assert catalogue.canonical("تريكو") == "knitting"


# --- canonical keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("تصميم شعارات", "logo design"),  # the SPEC example
        ("logo design", "logo design"),
        ("  LOGO   Design ", "logo design"),
        ("تَصْمِيمُ الشِّعَارَاتِ", "logo design"),  # tashkeel
        ("تصمـــيم الشعـارات", "logo design"),  # tatweel
        ("لوجو", "logo design"),
        ("ووردبريس", "wordpress development"),
        ("وورد بريس", "wordpress development"),
        ("WordPress", "wordpress development"),
        ("word press", "wordpress development"),
        ("Word-Press", "wordpress development"),
        ("سيو", "seo"),
        ("S.E.O", "seo"),
        ("تحسين محركات البحث", "seo"),
        ("تعلم الآلة", "machine learning"),
        ("تعلم الالة", "machine learning"),
        ("التعلم الآلي", "machine learning"),
        ("ML", "machine learning"),
        ("الترجمة", "translation"),
        ("ترجمة", "translation"),
        ("المونتاج", "video editing"),
        ("تحليل البيانات", "data analysis"),
        ("C#", "c#"),
        ("c++", "c++"),
        ("C", "c"),  # a skill we do not ship stays what it is, not C# or C++
        ("Node.JS", "node.js"),
        ("nodejs", "node.js"),
        ("ui/ux", "ui ux design"),
        ("UI-UX", "ui ux design"),
        ("عمل ٣د", "عمل 3د"),  # Arabic-Indic digits in unknown text become Latin
    ],
)
def test_canonical_examples(text: str, key: str):
    assert CATALOGUE.canonical(text) == key


def test_unknown_skills_are_kept_normalised_not_rejected():
    assert CATALOGUE.canonical("  Quantum   Knitting!! ") == "quantum knitting"
    assert CATALOGUE.canonical("خياطة الأثواب") == "خياطه الاثواب"


@pytest.mark.parametrize("text", ["", "   ", "!!!", "\u200f\u200e", "،،"])
def test_empty_text_has_no_key(text: str):
    assert CATALOGUE.canonical(text) == ""


def test_fold_articles_only_strips_a_leading_article_on_longer_words():
    assert fold_articles("تصميم الشعارات") == "تصميم شعارات"
    assert fold_articles("ال الي") == "ال الي"
    assert fold_articles("all hallows") == "all hallows"


# --- property tests -------------------------------------------------------------------------

_TASHKEEL = st.sampled_from(["\u064b", "\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u0640"])
_ALEF_FORMS = {"ا": "اأإآ", "ي": "يى", "ه": "هة"}


@st.composite
def arabic_variant(draw: st.DrawFn, word: str) -> str:
    """Spell an Arabic text the ways people type it: marks, tatweel, alef/yaa/taa-marbuta forms."""
    out = []
    for char in word:
        forms = _ALEF_FORMS.get(char)
        out.append(draw(st.sampled_from(forms)) if forms else char)
        if ARABIC_LETTER.match(char) and draw(st.booleans()):
            out.append(draw(_TASHKEEL))
    return "".join(out)


@st.composite
def latin_variant(draw: st.DrawFn, text: str) -> str:
    """Change case and spacing, as a member typing quickly would."""
    chars = [c.upper() if draw(st.booleans()) else c.lower() for c in text]
    spaced = "".join(chars).split(" ")
    gaps = [draw(st.sampled_from([" ", "  ", "\t", " \u00a0"])) for _ in spaced[1:]]
    joined = spaced[0] + "".join(g + w for g, w in zip(gaps, spaced[1:], strict=True))
    return draw(st.sampled_from(["", " ", "\n"])) + joined + draw(st.sampled_from(["", " ", "  "]))


@given(st.text(max_size=60))
def test_canonical_is_idempotent(text: str):
    key = CATALOGUE.canonical(text)
    assert CATALOGUE.canonical(key) == key


@given(st.data())
@settings(max_examples=300)
def test_arabic_variants_of_a_skill_normalise_alike(data: st.DataObject):
    skill = data.draw(st.sampled_from(SKILLS))
    arabic = [skill.ar, *(s for s in skill.synonyms if ARABIC_LETTER.search(s))]
    text = data.draw(st.sampled_from(arabic))
    assert CATALOGUE.canonical(data.draw(arabic_variant(text))) == skill.key


@given(st.text(alphabet="بتثجحخدذرزسشصضطظعغفقكلمنوءا ىيهة", min_size=1, max_size=20), st.data())
def test_arabic_variants_of_unknown_text_normalise_alike(word: str, data: st.DataObject):
    assert CATALOGUE.canonical(data.draw(arabic_variant(word))) == CATALOGUE.canonical(word)


@given(st.data())
@settings(max_examples=300)
def test_latin_case_and_spacing_are_ignored(data: st.DataObject):
    skill = data.draw(st.sampled_from(SKILLS))
    assert CATALOGUE.canonical(data.draw(latin_variant(skill.en))) == skill.key


@given(st.from_regex(r"[a-z]{1,8}( [a-z]{1,8}){0,3}", fullmatch=True), st.data())
def test_latin_case_and_spacing_are_ignored_for_unknown_skills(text: str, data: st.DataObject):
    assert CATALOGUE.canonical(data.draw(latin_variant(text))) == CATALOGUE.canonical(text)


# --- lists of skills ------------------------------------------------------------------------


def test_parse_list_splits_on_every_separator_and_dedupes_in_order():
    text = "Logo design، سيو; python\nبايثون, , تصميم شعارات ؛ Quantum Knitting"
    assert CATALOGUE.parse_list(text) == ["logo design", "seo", "python", "quantum knitting"]


def test_parse_list_of_nothing_is_empty():
    assert CATALOGUE.parse_list("") == []
    assert CATALOGUE.parse_list(" , ،  ;") == []


def test_parse_list_rejects_too_many_skills():
    text = ", ".join(s.en for s in SKILLS[:16])
    with pytest.raises(SkillInputError) as caught:
        CATALOGUE.parse_list(text)
    assert caught.value.reason == "too_many"
    assert caught.value.limit == 15
    assert len(CATALOGUE.parse_list(text, limit=16)) == 16
    # Duplicates do not count towards the limit.
    assert CATALOGUE.parse_list(", ".join(["seo"] * 40)) == ["seo"]


def test_parse_list_rejects_an_overlong_skill():
    long_skill = "x" * (MAX_SKILL_LENGTH + 1)
    with pytest.raises(SkillInputError) as caught:
        CATALOGUE.parse_list(f"seo, {long_skill}")
    assert caught.value.reason == "too_long"
    assert caught.value.detail == long_skill
    assert isinstance(caught.value, ValueError)
    assert CATALOGUE.parse_list("x" * MAX_SKILL_LENGTH) == ["x" * MAX_SKILL_LENGTH]


def test_display_names_in_each_language():
    assert CATALOGUE.display("logo design", "ar") == "تصميم الشعارات"
    assert CATALOGUE.display("logo design", "en") == "Logo design"
    assert CATALOGUE.display("quantum knitting", "ar") == "quantum knitting"
    assert CATALOGUE.field_of("seo") == "marketing"
    assert CATALOGUE.field_of("quantum knitting") is None


# --- autocomplete ---------------------------------------------------------------------------


def values(choices: list[tuple[str, str]]) -> list[str]:
    return [value for _label, value in choices]


def test_suggest_matches_arabic_prefixes_with_or_without_the_article():
    assert "logo design" in values(CATALOGUE.suggest("تصميم ش", "ar"))
    assert "logo design" in values(CATALOGUE.suggest("تصميم الش", "ar"))
    assert values(CATALOGUE.suggest("تعلم ال", "ar"))[0] == "machine learning"


def test_suggest_matches_english_prefixes_and_later_words():
    assert "wordpress development" in values(CATALOGUE.suggest("Wor", "en"))
    assert "logo design" in values(CATALOGUE.suggest("desig", "en"))
    assert values(CATALOGUE.suggest("python", "en")) == ["python"]


def test_suggest_ranks_exact_then_prefix_then_word_prefix():
    assert values(CATALOGUE.suggest("seo", "en"))[0] == "seo"
    assert values(CATALOGUE.suggest("سيو", "ar"))[0] == "seo"
    found = values(CATALOGUE.suggest("react", "en"))
    assert found[:2] == ["react", "react native"]
    # "Data analysis" starts with "data"; "Big data" only has it as a later word.
    found = values(CATALOGUE.suggest("data", "en"))
    assert found.index("data analysis") < found.index("big data")


def test_suggest_labels_are_in_the_members_language():
    (label, value), *_ = CATALOGUE.suggest("logo design", "ar")
    assert value == "logo design"
    assert label.startswith("تصميم الشعارات")
    (label, _), *_ = CATALOGUE.suggest("logo design", "en")
    assert label.startswith("Logo design")


def test_suggest_offers_the_guilds_own_skills_first():
    guild = ["quantum knitting", "logo design", "خياطه الاثواب"]
    assert values(CATALOGUE.suggest("", "ar", guild))[:3] == guild
    assert values(CATALOGUE.suggest("quan", "en", guild)) == ["quantum knitting"]
    assert values(CATALOGUE.suggest("knit", "en", guild)) == ["quantum knitting"]
    assert values(CATALOGUE.suggest("خياطة", "ar", guild)) == ["خياطه الاثواب"]
    # Among equal matches, a skill the guild already uses comes first.
    assert values(CATALOGUE.suggest("design", "en", ["web design"]))[0] == "web design"


def test_suggest_matches_guild_skills_without_the_article():
    assert values(CATALOGUE.suggest("خياطة اث", "ar", ["خياطه الاثواب"])) == ["خياطه الاثواب"]
    assert values(CATALOGUE.suggest("خياطة الاث", "ar", ["خياطه الاثواب"])) == ["خياطه الاثواب"]


def test_suggest_sees_a_changed_guild_list():
    catalogue = SkillCatalogue.load()
    assert values(catalogue.suggest("quan", "en", ["quantum knitting"])) == ["quantum knitting"]
    assert values(catalogue.suggest("quan", "en", ["quantum physics"])) == ["quantum physics"]
    assert values(catalogue.suggest("quan", "en", iter(["quantum knitting"]))) == ["quantum knitting"]
    assert catalogue.suggest("quan", "en") == []


def test_suggest_skips_guild_keys_too_long_to_be_a_choice():
    assert CATALOGUE.suggest("zz", "en", ["zz" * 60]) == []


def test_suggest_without_a_prefix_offers_the_shipped_list():
    found = CATALOGUE.suggest("", "en")
    assert len(found) == 25
    assert all(CATALOGUE.get(v) for v in values(found))


def test_suggest_finds_nothing_for_gibberish():
    assert CATALOGUE.suggest("zzqqx", "en") == []


@given(
    st.text(max_size=12),
    st.sampled_from(["ar", "en"]),
    st.lists(st.text(min_size=1, max_size=120), max_size=40),
)
def test_suggest_respects_discord_limits(prefix: str, lang: str, guild: list[str]):
    found = CATALOGUE.suggest(prefix, lang, guild)
    assert len(found) <= 25
    assert len(set(values(found))) == len(found)
    for label, value in found:
        assert 1 <= len(label) <= 100
        assert 1 <= len(value) <= 100
        assert CATALOGUE.get(value) or value in guild


def test_prefix_index_ranks():
    index = PrefixIndex([("logo design", "a"), ("design", "b"), ("web design systems", "c")])
    assert sorted(index.search("design")) == [(0, "b"), (2, "a"), (2, "c")]
    assert sorted(index.search("design s")) == [(2, "c")]
    assert sorted(index.search("lo")) == [(1, "a")]
    assert list(index.search("x")) == []


def test_unshipped_skills_are_shown_as_first_typed():
    catalogue = SkillCatalogue.load()
    typed = "كتابة الإعلانات الموسمية، WordPress"
    labels = catalogue.unshipped_labels(typed)
    key = catalogue.canonical("كتابة الإعلانات الموسمية")
    assert labels == {key: "كتابة الإعلانات الموسمية"}  # the shipped WordPress needs no label
    assert catalogue.display(key, "ar") == key  # without the guild's labels: only the search key
    assert catalogue.display(key, "ar", labels) == "كتابة الإعلانات الموسمية"
    assert catalogue.display(key, "en", labels) == "كتابة الإعلانات الموسمية"
    assert ("كتابة الإعلانات الموسمية", key) in catalogue.suggest(
        "كتابة الإعلانات", "ar", [key], labels=labels
    )
    assert catalogue.canonical("كتابه الاعلانات الموسميه") == key  # still found by any spelling


# --- tool and brand names keep their own spelling ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("جانغو", "Django"),
        ("بي إتش بي", "PHP"),
        ("فيجما", "Figma"),
        ("فوتوشوب", "Adobe Photoshop"),
        ("تحليلات جوجل", "Google Analytics"),
        ("Django", "Django"),
        ("figma", "Figma"),
    ],
)
def test_a_tool_or_brand_shows_in_latin_on_an_arabic_server_and_is_found_by_either_spelling(typed, shown):
    catalogue = SkillCatalogue.load()
    key = catalogue.canonical(typed)
    assert catalogue.display(key, "ar") == shown
    assert catalogue.display(key, "en") == shown


def test_compound_skills_keep_the_brand_in_latin_inside_arabic():
    catalogue = SkillCatalogue.load()
    assert catalogue.display(catalogue.canonical("ووردبريس"), "ar") == "تطوير WordPress"
    assert catalogue.display(catalogue.canonical("السيو"), "ar") == "تحسين محركات البحث (SEO)"
    assert catalogue.display(catalogue.canonical("كتابة المحتوى المتوافق مع السيو"), "ar").endswith("SEO")


def test_every_marked_name_is_written_in_latin_and_keeps_an_arabic_synonym():
    raw = json.loads(shipped("skills.json").read_text(encoding="utf-8"))["skills"]
    names = [s for s in raw if s.get("name")]
    assert len(names) >= 40
    for skill in names:
        assert skill["ar"] == skill["en"]
        assert any(ARABIC_LETTER.search(alias) for alias in skill["synonyms"]), skill["key"]
