"""Plural categories from CLDR and the reader's address form, chosen by the one lookup `t()`."""

from __future__ import annotations

import pytest

from bot.i18n import (
    LANGUAGES,
    PLURAL_CATEGORIES,
    Catalogue,
    Reader,
    catalogue,
    count_params,
    group_address,
    plural_category,
    t,
)

COUNTS = (0, 1, 2, 3, 11, 100)

WEEKS = {
    "ar": {
        "$count": "weeks",
        "zero": "لا أسابيع",
        "one": "كل أسبوع",
        "two": "كل أسبوعين",
        "few": "كل {weeks} أسابيع",
        "many": "كل {weeks} أسبوعًا",
        "other": "كل {weeks} أسبوع",
    },
    "en": {"$count": "weeks", "one": "every week", "other": "every {weeks} weeks"},
}
JOINED = {
    "ar": {
        "masculine": "أنتَ مشترك",
        "feminine": "أنتِ مشتركة",
        "neutral": "اشتراكك مفعّل",
        "dual": "أنتما مشتركان",
    },
    "en": "You're in",
}


def test_arabic_has_six_cldr_categories_and_english_two():
    assert [plural_category("ar", n) for n in COUNTS] == ["zero", "one", "two", "few", "many", "other"]
    assert [plural_category("ar", n) for n in (103, 111, 1000)] == ["few", "many", "other"]
    assert [plural_category("en", n) for n in COUNTS] == ["other", "one", "other", "other", "other", "other"]


def test_a_count_selects_its_cldr_variant_in_each_language():
    cat = Catalogue({"weeks": WEEKS})
    assert [cat.text("ar", "weeks", weeks=n) for n in COUNTS] == [
        "لا أسابيع",
        "كل أسبوع",
        "كل أسبوعين",
        "كل 3 أسابيع",
        "كل 11 أسبوعًا",
        "كل 100 أسبوع",
    ]
    assert [cat.text("en", "weeks", weeks=n) for n in (1, 2, 11)] == [
        "every week",
        "every 2 weeks",
        "every 11 weeks",
    ]


def test_the_reader_address_form_selects_its_variant_and_falls_back_to_neutral():
    cat = Catalogue({"joined": JOINED})
    assert cat.text(Reader("ar", "feminine"), "joined") == "أنتِ مشتركة"
    assert cat.text(Reader("ar", "masculine"), "joined") == "أنتَ مشترك"
    assert cat.text(Reader("ar"), "joined") == "اشتراكك مفعّل"
    assert cat.text("ar", "joined") == "اشتراكك مفعّل"  # a bare language code reads as neutral
    assert cat.text("ar", "joined", address="dual") == "أنتما مشتركان"
    assert cat.text("ar", "joined", address="plural") == "اشتراكك مفعّل"  # no plural form: neutral
    assert cat.text(Reader("en", "feminine"), "joined") == "You're in"


def test_variants_nest_address_over_count():
    nested = {
        "ar": {
            "neutral": {"one": "لقاء واحد", "other": "{count} لقاءات"},
            "feminine": {"one": "التقيتِ مرة", "other": "التقيتِ {count} مرات"},
        },
        "en": {"one": "one meeting", "other": "{count} meetings"},
    }
    cat = Catalogue({"met": nested})
    assert cat.text(Reader("ar", "feminine"), "met", count=1) == "التقيتِ مرة"
    assert cat.text("ar", "met", count=4) == "4 لقاءات"


def test_problems_names_missing_plural_categories_and_a_missing_neutral_form():
    cat = Catalogue(
        {
            "short": {
                "ar": {"one": "أسبوع", "other": "{count} أسبوع"},
                "en": {"one": "a week", "other": "{count} weeks"},
            },
            "no_neutral": {"ar": {"masculine": "أنت", "feminine": "أنتِ"}, "en": "you"},
            "en_short": {"ar": WEEKS["ar"], "en": {"$count": "weeks", "other": "every {weeks} weeks"}},
        }
    )
    problems = "\n".join(cat.problems())
    assert "short: ar plural lacks zero, two, few, many" in problems
    assert "no_neutral: ar address forms lack neutral" in problems
    assert "en_short: en plural lacks one" in problems


def test_a_reader_with_an_unknown_form_or_language_is_neutral_arabic():
    reader = Reader("fr", "royal")
    assert reader == "ar" and reader.addressing == "neutral"
    assert group_address(2) == "dual" and group_address(3) == "plural" and group_address(5) == "plural"


# --- the shipped catalogue --------------------------------------------------------------------


def _pluralised() -> list[tuple[str, str]]:
    return [
        (key, param) for key, texts in catalogue().messages.items() for param in count_params(texts["ar"])
    ]


def _sample(key: str, count: str, n: int) -> dict[str, object]:
    params: dict[str, object] = {}
    for lang in LANGUAGES:
        for leaf in _all_leaves(catalogue().messages[key][lang]):
            for name in _names(leaf):
                params.setdefault(name, 7)
    params[count] = n
    return params


def _all_leaves(template: object) -> list[str]:
    if isinstance(template, str):
        return [template]
    assert isinstance(template, dict)
    return [leaf for k, v in template.items() if k != "$count" for leaf in _all_leaves(v)]


def _names(template: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_shipped_catalogue_pluralises_counts():
    assert len(_pluralised()) >= 1


@pytest.mark.parametrize("n", COUNTS)
def test_every_pluralised_message_renders_at_each_count_in_both_languages(n):
    for key, count in _pluralised():
        for lang in LANGUAGES:
            for form in ("masculine", "feminine", "neutral"):
                text = t(Reader(lang, form), key, **_sample(key, count, n))
                assert "{" not in text and text.strip(), (key, lang, n)


def test_schedule_reads_every_week_every_two_weeks_every_n_weeks():
    def schedule(lang: str, every: int) -> str:
        return t(
            lang, "status.schedule", weekday="الأحد" if lang == "ar" else "Sunday", hour="10:00", every=every
        )

    assert schedule("ar", 1).endswith("كل أسبوع")
    assert schedule("ar", 2).endswith("كل أسبوعين")
    assert schedule("ar", 4).endswith("كل 4 أسابيع")
    assert schedule("ar", 11).endswith("كل 11 أسبوعًا")
    assert schedule("ar", 100).endswith("كل 100 أسبوع")
    assert schedule("en", 1) == "Schedule: every Sunday at 10:00"
    assert schedule("en", 2).endswith("every 2 weeks")


def test_plural_categories_cover_what_cldr_knows():
    assert set(PLURAL_CATEGORIES) == {"zero", "one", "two", "few", "many", "other"}
