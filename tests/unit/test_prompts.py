import itertools
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import Reader, leaves
from bot.icebreakers import load_icebreakers, pick_icebreaker
from bot.prompts import (
    THEMES,
    Choice,
    Prompt,
    load_bank,
    next_prompt,
    theme_name,
)
from bot.text import normalize_text

ARABIC_LETTER = re.compile("[\u0621-\u064a]")
LATIN_LETTER = re.compile("[A-Za-z]")


def post_weeks(bank_ids, weeks, seed, used=()):
    """Run the rotation for `weeks` weeks with no suggestions; return what was posted."""
    used = list(used)
    for _ in range(weeks):
        used.append(next_prompt(bank_ids, used, [], seed).prompt_id)
    return used


# --- shipped content ---------------------------------------------------------------------------


def test_bank_has_at_least_64_prompts_and_6_per_theme():
    bank = load_bank()
    assert len(bank) >= 64
    for theme in THEMES:
        assert sum(1 for prompt in bank if prompt.theme == theme) >= 6, theme
    assert {prompt.theme for prompt in bank} == set(THEMES)


def test_bank_ids_name_their_theme_and_are_unique():
    bank = load_bank()
    assert len({prompt.id for prompt in bank}) == len(bank)
    for prompt in bank:
        assert re.fullmatch(rf"{prompt.theme}-\d\d", prompt.id), prompt.id


# Platforms and tools Arab freelancers write in their own (Latin) spelling inside Arabic.
BRANDS = re.compile(
    r"\b(?:Upwork|Fiverr|Payoneer|PayPal|Wise|Notion|Trello|Excel|LinkedIn|Behance|ChatGPT|WhatsApp)\b"
)


@pytest.mark.parametrize("items", [load_bank(), load_icebreakers()], ids=["prompts", "icebreakers"])
def test_each_text_is_written_in_its_own_language(items):
    for item in items:
        for ar in leaves(item.ar):
            assert ARABIC_LETTER.search(ar) and not LATIN_LETTER.search(BRANDS.sub("", ar)), item.id
            # Arabic punctuation in Arabic text; every entry ends like a sentence or a question.
            assert "?" not in ar and "," not in ar, item.id
            assert ar[-1] in "؟.", item.id
            assert len(ar) <= 300, item.id
        assert LATIN_LETTER.search(item.en) and not ARABIC_LETTER.search(item.en), item.id
        assert item.en[-1] in "?.", item.id
        assert len(item.en) <= 300, item.id


@pytest.mark.parametrize("items", [load_bank(), load_icebreakers()], ids=["prompts", "icebreakers"])
def test_no_two_entries_say_the_same_thing(items):
    for lang in ("en", "ar"):
        texts = [normalize_text(item.text(lang)) for item in items]
        assert len(set(texts)) == len(texts), lang


def test_every_icebreaker_has_a_neutral_form_and_one_for_a_pair_and_a_group():
    for icebreaker in load_icebreakers():
        assert isinstance(icebreaker.ar, dict), icebreaker.id
        assert {"neutral", "dual", "plural"} <= set(icebreaker.ar), icebreaker.id
        pair, group = icebreaker.text("ar", "dual"), icebreaker.text("ar", "plural")
        assert "كما" in pair or "منكما" in pair, icebreaker.id  # the two of you
        assert pair != group, icebreaker.id


def test_an_icebreaker_is_addressed_to_its_reader():
    icebreaker = next(i for i in load_icebreakers() if i.id == "ib-04")
    assert icebreaker.text(Reader("ar", "feminine")) == "ما الذي تعملين عليه هذا الأسبوع وتستمتعين به؟"
    assert icebreaker.text(Reader("ar", "masculine")) == "ما الذي تعمل عليه هذا الأسبوع وتستمتع به؟"
    assert icebreaker.text("ar") == "ما أمتع ما بين يديك من عمل هذا الأسبوع؟"
    assert icebreaker.text("ar", "dual") == "ما أمتع ما بين أيديكما من عمل هذا الأسبوع؟"


def test_at_least_fifteen_icebreakers_speak_of_the_arab_freelance_world():
    topics = (
        "مستقل",
        "خمسات",
        "Payoneer",
        "رمضان",
        "الوظيفة الثابتة",
        "سعر الصرف",
        "الخليج",
        "منطقة زمنية",
        "لهجت",
    )
    written = [i for i in load_icebreakers() if int(i.id.split("-")[1]) > 50]
    assert len(written) >= 15
    assert all(any(topic in i.text("ar") for topic in topics) for i in written[:4])


def test_icebreakers_are_many_and_numbered():
    icebreakers = load_icebreakers()
    assert len(icebreakers) >= 48
    assert [ib.id for ib in icebreakers] == [f"ib-{n:02d}" for n in range(1, len(icebreakers) + 1)]


def test_prompt_text_picks_the_language():
    prompt = Prompt(id="pricing-99", theme="pricing", en="How?", ar="كيف؟")
    assert prompt.text("en") == "How?"
    assert prompt.text("ar") == "كيف؟"
    with pytest.raises(ValueError, match="language"):
        prompt.text("fr")


def test_theme_names_exist_in_both_languages():
    for theme in THEMES:
        assert LATIN_LETTER.search(theme_name(theme, "en"))
        assert ARABIC_LETTER.search(theme_name(theme, "ar"))
    assert theme_name("pricing", "en") == "Pricing and rates"
    with pytest.raises(ValueError, match="theme"):
        theme_name("gossip", "en")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"id": "a", "theme": "pricing", "en": "x?", "ar": "س؟"}] * 2, "duplicate id"),
        ([{"id": "a", "theme": "gossip", "en": "x?", "ar": "س؟"}], "unknown theme"),
        ([{"id": "a", "theme": "pricing", "en": "x?"}], "exactly the keys"),
        ([{"id": "a", "theme": "pricing", "en": " ", "ar": "س؟"}], "empty"),
        ({"id": "a"}, "JSON list"),
    ],
)
def test_load_bank_rejects_broken_files(tmp_path, rows, message):
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_bank(path)


def test_load_bank_reads_a_given_file(tmp_path):
    path = tmp_path / "prompts.json"
    rows = [{"id": "tools-01", "theme": "tools", "en": "Which tool?", "ar": "ما الأداة؟"}]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert load_bank(path) == (Prompt(id="tools-01", theme="tools", en="Which tool?", ar="ما الأداة؟"),)


# --- rotation ----------------------------------------------------------------------------------


def test_approved_suggestions_go_first_oldest_first():
    bank = [f"b{i}" for i in range(5)]
    assert next_prompt(bank, [], ["s1", "s2"], seed=1) == Choice(prompt_id="s1", source="suggestion")
    assert next_prompt(bank, ["s1"], ["s1", "s2"], seed=1) == Choice(prompt_id="s2", source="suggestion")
    assert next_prompt(bank, ["s1", "s2"], ["s1", "s2"], seed=1).source == "bank"


def test_bank_never_repeats_within_a_cycle_and_every_prompt_is_used():
    bank = [prompt.id for prompt in load_bank()]
    posted = post_weeks(bank, 3 * len(bank), seed=42)
    for cycle in range(3):
        block = posted[cycle * len(bank) : (cycle + 1) * len(bank)]
        assert sorted(block) == sorted(bank)


def test_each_cycle_is_shuffled_differently_and_seeds_differ():
    bank = [prompt.id for prompt in load_bank()]
    posted = post_weeks(bank, 2 * len(bank), seed=42)
    assert posted[: len(bank)] != posted[len(bank) :]
    assert posted[: len(bank)] != sorted(bank)
    assert post_weeks(bank, len(bank), seed=43) != posted[: len(bank)]


def test_rotation_is_replayable_and_ignores_the_order_of_bank_ids():
    bank = [f"b{i:02d}" for i in range(20)]
    assert post_weeks(bank, 45, seed=9) == post_weeks(list(reversed(bank)), 45, seed=9)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=2, max_value=12), seed=st.integers(min_value=0, max_value=10_000))
def test_a_new_cycle_never_starts_with_the_prompt_just_posted(size, seed):
    bank = [f"b{i}" for i in range(size)]
    posted = post_weeks(bank, 4 * size, seed=seed)
    assert all(a != b for a, b in itertools.pairwise(posted))
    for cycle in range(4):
        assert sorted(posted[cycle * size : (cycle + 1) * size]) == sorted(bank)


def test_suggestions_interleave_without_breaking_the_bank_cycle():
    bank = [f"b{i}" for i in range(6)]
    used = post_weeks(bank, 3, seed=5)
    used.append(next_prompt(bank, used, ["s1"], seed=5).prompt_id)
    assert used[-1] == "s1"
    used = post_weeks(bank, 3, seed=5, used=used)
    assert sorted(used[:3] + used[4:]) == bank


def test_a_prompt_added_mid_cycle_joins_the_current_cycle():
    bank = [f"b{i}" for i in range(6)]
    used = post_weeks(bank, 6, seed=3)[:5]  # five of six posted
    grown = [*bank, "b6"]
    rest = post_weeks(grown, 2, seed=3, used=used)[5:]
    assert sorted(used + rest) == grown


def test_prompts_removed_from_the_bank_are_ignored_in_history():
    bank = ["b1", "b2"]
    assert next_prompt(bank, ["gone", "b1"], [], seed=0).prompt_id == "b2"


def test_an_empty_bank_still_serves_suggestions_then_fails_clearly():
    assert next_prompt([], [], ["s1"], seed=0).prompt_id == "s1"
    with pytest.raises(ValueError, match="no prompt"):
        next_prompt([], ["s1"], ["s1"], seed=0)


# --- icebreakers -------------------------------------------------------------------------------


def test_pick_icebreaker_avoids_recent_ones():
    ids = [f"ib-{n:02d}" for n in range(1, 11)]
    recent = ids[:9]
    assert pick_icebreaker(ids, recent, seed=1) == "ib-10"
    for seed in range(30):
        assert pick_icebreaker(ids, ids[:5], seed) not in ids[:5]


def test_pick_icebreaker_reuses_the_longest_unused_when_all_are_recent():
    ids = ["a", "b", "c"]
    assert pick_icebreaker(ids, ["b", "a", "c", "a"], seed=3) == "b"


def test_pick_icebreaker_is_seeded():
    ids = [ib.id for ib in load_icebreakers()]
    picks = {pick_icebreaker(ids, [], seed) for seed in range(20)}
    assert len(picks) > 1
    assert pick_icebreaker(ids, [], 7) == pick_icebreaker(list(reversed(ids)), [], 7)
    with pytest.raises(ValueError, match="icebreaker"):
        pick_icebreaker([], [], 0)


def test_the_bank_speaks_of_the_arab_freelance_world():
    bank = " ".join(prompt.ar for prompt in load_bank())
    for topic in (
        "مستقل",
        "خمسات",
        "Upwork",
        "Fiverr",
        "Payoneer",
        "PayPal",
        "حوالة",
        "عملة",
        "حرق الأسعار",
        "الوظيفة الثابتة",
        "الخليج",
        "فارق التوقيت",
        "رمضان",
        "فواتير إلكترونية",
        "وثيقة العمل الحر",
        "ترخيص عمل حر",
        "المحتوى العربي",
    ):
        assert topic in bank, topic
    written_here = [p for p in load_bank() if p.theme in ("payments", "market")]
    assert len(written_here) >= 16


def test_bank_prompts_address_the_whole_community_not_one_man():
    # A weekly prompt is read by everyone: the plural, never a masculine-singular imperative.
    for prompt in load_bank():
        assert not re.search(r"(?:^|\s)(?:احكِ|حدثنا|صف لنا|شاركنا)(?:\s|$)", prompt.ar), prompt.id
