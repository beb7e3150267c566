"""Pure profile content: spoken-language lists, the profile card and `/profile find` result pages."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_datetime

from bot.fields import get_field
from bot.i18n import t
from bot.profiles import LANGUAGES_MAX, Profile
from bot.skills import (
    MAX_CHOICE_LENGTH,
    MAX_CHOICES,
    SkillCatalogue,
    SkillInputError,
    default_catalogue,
    fold_articles,
)
from bot.text import clip, isolate, literal, normalize_key
from bot.timezones import format_offset, local_time, zone_label

CARD_COLOUR = 0x2E8B57
RESULTS_PER_PAGE = 10
# Skills shown per member on a result line; the full list is on their card.
SKILLS_PER_RESULT = 3
# The same locales as bot.i18n: Latin digits in Arabic read naturally across the region.
_BABEL_LOCALE = {"ar": "ar_SA", "en": "en_GB"}
_LIST_SEPARATOR = {"ar": "، ", "en": ", "}
_LANGUAGE_SEPARATORS = re.compile("[,،;؛/|\n]")
_SKILL_SEPARATORS = re.compile("[,،;؛\n]")
# Languages members commonly write in their own script ("français", "Türkçe"); loading every
# locale to learn all native names would cost a second at first use for little gain.
_NATIVE_NAMES_FOR = (
    "ar",
    "en",
    "fr",
    "es",
    "de",
    "it",
    "pt",
    "tr",
    "fa",
    "ur",
    "hi",
    "bn",
    "ru",
    "zh",
    "ja",
    "ko",
    "id",
    "ms",
    "nl",
    "sw",
    "so",
    "am",
    "he",
    "ku",
    "ha",
    "uk",
    "pl",
    "el",
    "sv",
)
# Spellings that are not derived from CLDR names: dialect and colloquial forms.
_EXTRA_NAMES = {
    "انكليزي": "en",
    "انكليزيه": "en",
    "انقليزي": "en",
    "انجلش": "en",
    "english language": "en",
    "فرنساوي": "fr",
    "امازيغي": "ber",
    "امازيغيه": "ber",
    "tamazight": "ber",
    "berber": "ber",
    "arabi": "ar",
    "3arabi": "ar",
    "farsi": "fa",
}


class SpokenLanguageError(ValueError):
    """A spoken-language list the member must fix; `reason` is "unknown" or "too_many"."""

    def __init__(self, reason: str, detail: str, limit: int = LANGUAGES_MAX) -> None:
        super().__init__(f"{reason}: {detail!r}")
        self.reason = reason
        self.detail = detail
        self.limit = limit


def _language_key(text: str) -> str:
    return fold_articles(normalize_key(text))


@cache
def _language_index() -> dict[str, str]:
    """Map every accepted spelling (code, English, Arabic and native names) to an ISO code."""
    english: dict[str, str] = dict(Locale.parse("en").languages)
    arabic: dict[str, str] = dict(Locale.parse("ar").languages)
    # Two-letter (ISO 639-1) codes claim a name before three-letter ones.
    codes = sorted((c for c in english if re.fullmatch("[a-z]{2,3}", c)), key=lambda c: (len(c), c))
    index: dict[str, str] = {}
    for code in codes:
        names = [code, english[code], arabic.get(code, "")]
        if code in _NATIVE_NAMES_FOR:
            with contextlib.suppress(UnknownLocaleError, ValueError):
                names.append(Locale.parse(code).get_display_name(code) or "")
        for name in names:
            key = _language_key(name)
            if not key:
                continue
            index.setdefault(key, code)
            if key.endswith("يه"):
                # The adjective form members type: "العربية" → "عربي", "الإنجليزية" → "انجليزي".
                index.setdefault(key[:-1], code)
    for name, code in _EXTRA_NAMES.items():
        index.setdefault(_language_key(name), code)
    return index


def _resolve_language(text: str) -> str | None:
    """Return the ISO code for one language name or code, or None."""
    index = _language_index()
    key = _language_key(text)
    if key in index:
        return index[key]
    tag = re.fullmatch(r"([A-Za-z]{2,3})[-_][A-Za-z0-9]{2,8}", text.strip())
    if tag:
        # A tag with a region or script such as "en-US" or "pt_BR".
        return index.get(tag.group(1).lower())
    return None


def parse_languages(text: str, limit: int = LANGUAGES_MAX) -> list[str]:
    """Turn "ar, English, الفرنسية" into unique ISO codes in order; raise SpokenLanguageError."""
    codes: list[str] = []
    for item in _LANGUAGE_SEPARATORS.split(text):
        item = item.strip()
        if not item:
            continue
        found = _resolve_language(item)
        for code in [found] if found is not None else _resolve_words(item):
            if code not in codes:
                codes.append(code)
    if len(codes) > limit:
        raise SpokenLanguageError("too_many", str(len(codes)), limit)
    return codes


def _resolve_words(item: str) -> list[str]:
    """Resolve "ar en" or "العربية والإنجليزية" word by word, or raise for the first unknown word."""
    codes: list[str] = []
    for word in item.split():
        if normalize_key(word) in {"and", "&", "و", "+"}:
            continue
        code = _resolve_language(word)
        if code is None and word.startswith("و") and len(word) > 2:
            code = _resolve_language(word[1:])  # "والإنجليزية": the joined conjunction
        if code is None:
            raise SpokenLanguageError("unknown", item)
        codes.append(code)
    if not codes:
        raise SpokenLanguageError("unknown", item)
    return codes


def language_name(code: str, lang: str) -> str:
    """Name a spoken language in the reader's language ("ar" → "العربية" or "Arabic")."""
    names = Locale.parse("ar" if lang == "ar" else "en").languages
    return names.get(code, code)


def join_list(items: Iterable[str], lang: str) -> str:
    """Join display items with the reader's list separator."""
    return _LIST_SEPARATOR.get(lang, ", ").join(items)


def skill_names(
    keys: Iterable[str],
    lang: str,
    catalogue: SkillCatalogue | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """Return skills in the reader's language where known (else as the guild typed them), isolated.

    Unshipped skills are shown as a member typed them, so every name is made literal (no mention or markup).
    """
    catalogue = catalogue or default_catalogue()
    return [isolate(literal(catalogue.display(key, lang, labels))) for key in keys]


def field_label(key: str | None, lang: str) -> str | None:
    """Return a field with its emoji in the reader's language, or None when unset."""
    if not key:
        return None
    field = get_field(key)
    return f"{field.emoji} {field.name(lang)}" if field else isolate(key)


def local_time_label(stored_timezone: str | None, now: datetime, lang: str) -> str | None:
    """Describe a member's local time now, e.g. "Tuesday 14:05 · Asia/Riyadh (UTC+03:00)"."""
    if not stored_timezone:
        return None
    moment = local_time(stored_timezone, now)
    when = format_datetime(
        moment, "EEEE HH:mm", tzinfo=moment.tzinfo, locale=_BABEL_LOCALE.get(lang, "en_GB")
    )
    offset = _offset_text(moment)
    name = zone_label(stored_timezone, lang)
    zone = name if name == offset else f"{name} ({offset})"
    return f"{when} · {isolate(zone)}"


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset()
    return format_offset(int(offset.total_seconds() // 60) if offset is not None else 0)


def count_lines(counts: Mapping[str, int], lang: str) -> list[str]:
    """Turn the features' counts into lines such as "🤝 Peers met: 3", in a fixed order."""
    order = ("peers_met", "swaps_done", "reputation")
    return [t(lang, f"profile.count.{key}", count=counts[key]) for key in order if key in counts]


def profile_card(
    profile: Profile,
    *,
    lang: str,
    name: str,
    now: datetime,
    counts: Mapping[str, int] | None = None,
    avatar_url: str | None = None,
    catalogue: SkillCatalogue | None = None,
) -> dict[str, Any]:
    """Build a member's profile card as Discord embed data, in the viewer's language."""
    unset = t(lang, "profile.card.unset")
    skills = skill_names(profile.skills, lang, catalogue, profile.skill_labels)
    languages = [language_name(code, lang) for code in profile.languages]
    fields = [
        {
            "name": t(lang, "profile.card.field"),
            "value": field_label(profile.field, lang) or unset,
            "inline": True,
        },
        {
            "name": t(lang, "profile.card.local_time"),
            "value": local_time_label(profile.timezone, now, lang) or unset,
            "inline": True,
        },
        {
            "name": t(lang, "profile.card.skills"),
            "value": clip(join_list(skills, lang), 1024) or unset,
            "inline": False,
        },
        {
            "name": t(lang, "profile.card.languages"),
            "value": join_list(languages, lang) or unset,
            "inline": True,
        },
    ]
    lines = count_lines(counts or {}, lang)
    if lines:
        fields.append({"name": t(lang, "profile.card.activity"), "value": "\n".join(lines), "inline": True})
    card: dict[str, Any] = {
        "type": "rich",
        "title": clip(t(lang, "profile.card.title", name=isolate(literal(name))), 256),
        "description": literal(profile.about) if profile.about else t(lang, "profile.card.no_about"),
        "color": CARD_COLOUR,
        "fields": fields,
        "footer": {"text": t(lang, "profile.card.footer")},
    }
    if avatar_url:
        card["thumbnail"] = {"url": avatar_url}
    return card


@dataclass(frozen=True)
class ResultPage:
    """One page of `/profile find` results, ready to send."""

    embed: dict[str, Any]
    page: int  # 0-based
    pages: int


def page_count(total: int, per_page: int = RESULTS_PER_PAGE) -> int:
    """Return how many pages `total` results fill (at least one)."""
    return max(1, -(-total // per_page))


def results_page(
    profiles: Sequence[Profile],
    *,
    page: int,
    lang: str,
    query: str,
    now: datetime,
    matched_skill: str | None = None,
    per_page: int = RESULTS_PER_PAGE,
    catalogue: SkillCatalogue | None = None,
) -> ResultPage:
    """Build one page of search results: a numbered line per member with field, skills and local time."""
    pages = page_count(len(profiles), per_page)
    page = min(max(page, 0), pages - 1)
    start = page * per_page
    lines = []
    for number, profile in enumerate(profiles[start : start + per_page], start=start + 1):
        # The skill searched for leads, so the reader sees why this member was found.
        keys = sorted(profile.skills, key=lambda k: k != matched_skill)[:SKILLS_PER_RESULT]
        parts = [f"<@{profile.user_id}>"]
        field = field_label(profile.field, lang)
        if field:
            parts.append(field)
        if keys:
            parts.append(join_list(skill_names(keys, lang, catalogue, profile.skill_labels), lang))
        if profile.timezone:
            moment = local_time(profile.timezone, now)
            parts.append(f"🕐 {moment:%H:%M}")
        lines.append(f"**{number}.** " + " — ".join(parts))
    embed = {
        "type": "rich",
        "title": clip(t(lang, "profile.find.title", query=isolate(literal(query))), 256),
        "description": "\n".join(lines),
        "color": CARD_COLOUR,
        "footer": {"text": t(lang, "profile.find.footer", page=page + 1, pages=pages, total=len(profiles))},
    }
    return ResultPage(embed=embed, page=page, pages=pages)


def skill_list_choices(
    typed: str,
    lang: str,
    guild_keys: Iterable[str] = (),
    catalogue: SkillCatalogue | None = None,
    limit: int = MAX_CHOICES,
    labels: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """Complete the last item of a comma-separated skills list, keeping the earlier items in each value."""
    catalogue = catalogue or default_catalogue()
    cut = max(typed.rfind(sep) for sep in ",،;؛")
    earlier, last = (typed[: cut + 1].strip(), typed[cut + 1 :]) if cut >= 0 else ("", typed)
    try:
        already = set(catalogue.parse_list(earlier, limit=10_000)) if earlier else set()
    except SkillInputError:
        return []  # an earlier item is too long; the command will explain when it is sent
    choices: list[tuple[str, str]] = []
    for label, key in catalogue.suggest(last, lang, guild_keys, limit=MAX_CHOICES, labels=labels):
        if key in already:
            continue
        # The name in the member's language reads best, when it parses back to the same skill.
        text = catalogue.display(key, lang, labels)
        if _SKILL_SEPARATORS.search(text) or catalogue.canonical(text) != key:
            text = key
        value = f"{earlier} {text}" if earlier else text
        if len(value) > MAX_CHOICE_LENGTH:
            continue  # Discord refuses longer values; the member can still type the skill out
        name = f"{earlier} {label}" if earlier else label
        if len(name) > MAX_CHOICE_LENGTH:
            name = "…" + name[-(MAX_CHOICE_LENGTH - 1) :]
        choices.append((name, value))
        if len(choices) >= limit:
            break
    return choices
