"""One word per concept: no catalogue string uses a synonym the glossary rules out."""

from __future__ import annotations

import json
import re

from bot.i18n import LANGUAGES, catalogue, leaves
from bot.shipped import shipped

# Code spans, slash commands and placeholders are names, not words of the sentence.
_NOT_WORDS = re.compile(r"`[^`]*`|\{[^}]*\}|/[a-z]+(?: [a-z-]+)*")
# An Arabic word may carry و/ف, a preposition and the article before it.
_ARABIC_PREFIX = "(?:[وف]?[بلك]?(?:ال)?)?"


def _glossary() -> list[dict]:
    return json.loads(shipped("glossary.json").read_text(encoding="utf-8"))["concepts"]


def _pattern(word: str, lang: str) -> re.Pattern[str]:
    if lang == "ar":
        stem = word.removeprefix("ال")
        return re.compile(rf"(?<!\w){_ARABIC_PREFIX}{re.escape(stem)}(?!\w)")
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)


def synonyms_used(texts: dict[str, object]) -> list[str]:
    """List 'key (lang): word' for every avoided synonym a catalogue uses."""
    found = []
    for concept in _glossary():
        for lang in LANGUAGES:
            for word in concept[f"{lang}_avoid"]:
                pattern = _pattern(word, lang)
                for key, message in texts.items():
                    for leaf in leaves(message[lang]):  # type: ignore[index]
                        if pattern.search(_NOT_WORDS.sub(" ", leaf)):
                            found.append(f"{key} ({lang}): {word!r} — say {concept[lang]!r}")
    return found


def test_the_glossary_names_one_word_per_concept_in_both_languages():
    concepts = _glossary()
    assert len(concepts) >= 15
    for concept in concepts:
        assert concept["ar"] and concept["en"]
        for lang in LANGUAGES:
            assert concept[lang] not in concept[f"{lang}_avoid"]


def test_no_catalogue_string_uses_a_synonym_the_glossary_rules_out():
    assert synonyms_used(catalogue().messages) == []


def test_a_synonym_is_caught_with_its_prefixes():
    sample = {
        "x": {"ar": "انضم إلى السيرفر وتحدّث عن الإرهاق", "en": "Join the guild"},
        "y": {"ar": "في `/profile set` ملفك", "en": "Ask the admins"},
    }
    used = synonyms_used(sample)
    assert any("x (ar): 'السيرفر'" in u for u in used)
    assert any("x (ar): 'الإرهاق'" in u for u in used)
    assert any("x (en): 'guild'" in u for u in used)
    assert not any(u.startswith("y") for u in used)
