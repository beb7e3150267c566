"""The knowledge-prompt bank, the icebreakers, and the choice of what to post next."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from bot.errors import MajlisError
from bot.schedule import WeeklySchedule
from bot.shipped import shipped
from bot.text import normalize_key

PROMPTS_PATH = shipped("prompts.json")

LANGUAGES = ("ar", "en")

# Theme key -> display name per language; the keys are the `theme` values in data/prompts.json.
THEMES: dict[str, dict[str, str]] = {
    "pricing": {"en": "Pricing and rates", "ar": "التسعير والأجور"},
    "payments": {
        "en": "Getting paid: transfers, currencies, invoices",
        "ar": "تحصيل الأجر: التحويلات والعملات والفواتير",
    },
    "market": {"en": "The Arab freelance market", "ar": "سوق العمل الحر العربي"},
    "clients": {"en": "Finding and keeping clients", "ar": "العثور على العملاء والحفاظ عليهم"},
    "contracts": {"en": "Contracts and scope", "ar": "العقود ونطاق العمل"},
    "tools": {"en": "Tools and workflow", "ar": "الأدوات وطريقة العمل"},
    "learning": {"en": "Learning", "ar": "التعلم والتطور"},
    "burnout": {"en": "Health and burnout", "ar": "الصحة والاحتراق الوظيفي"},
    "community": {"en": "Loneliness and community", "ar": "الوحدة والمجتمع"},
    "sharing": {"en": "Sharing experience without revealing clients", "ar": "مشاركة الخبرة دون كشف العملاء"},
}


@dataclass(frozen=True)
class Prompt:
    """A knowledge-sharing question from the shipped bank, in both languages."""

    id: str
    theme: str
    en: str
    ar: str

    def text(self, lang: str) -> str:
        """Return the prompt in `lang` ("ar" or "en")."""
        return in_language(self.ar, self.en, lang)


@dataclass(frozen=True)
class Choice:
    """The prompt to post next, and whether it is a member suggestion or from the bank."""

    prompt_id: str
    source: Literal["suggestion", "bank"]


def theme_name(theme: str, lang: str) -> str:
    """Return the display name of a prompt theme in `lang`."""
    if theme not in THEMES:
        raise ValueError(f"unknown prompt theme: {theme!r}")
    return in_language(THEMES[theme]["ar"], THEMES[theme]["en"], lang)


def load_bank(path: str | Path | None = None) -> tuple[Prompt, ...]:
    """Load and check the prompt bank (default: the shipped data/prompts.json)."""
    source = Path(path) if path is not None else PROMPTS_PATH
    prompts = tuple(
        Prompt(id=row["id"], theme=row["theme"], en=row["en"], ar=row["ar"])
        for row in load_rows(source, ("id", "theme", "en", "ar"))
    )
    for prompt in prompts:
        if prompt.theme not in THEMES:
            raise ValueError(f"{source}: prompt {prompt.id!r} has unknown theme {prompt.theme!r}")
    return prompts


def next_prompt(
    bank_ids: Sequence[str],
    used_ids: Sequence[str],
    approved_suggestion_ids: Sequence[str],
    seed: int,
) -> Choice:
    """Choose the next weekly prompt: unused approved suggestions first, then the bank's rotation.

    `used_ids` lists every prompt posted so far, oldest first (bank and suggestions alike);
    `approved_suggestion_ids` is in approval order, oldest first. The bank is walked in a seeded
    shuffled order, a new order each cycle, and no bank prompt repeats within a cycle.
    """
    used = set(used_ids)
    for suggestion_id in approved_suggestion_ids:
        if suggestion_id not in used:
            return Choice(prompt_id=suggestion_id, source="suggestion")

    bank = set(bank_ids)
    if not bank:
        raise ValueError("no prompt to choose: the bank is empty and every suggestion has been used")
    # Replay the history against today's bank; prompts since removed from the bank don't count.
    cycle = 0
    seen_this_cycle: set[str] = set()
    last_from_bank: str | None = None
    for prompt_id in used_ids:
        if prompt_id not in bank:
            continue
        if seen_this_cycle >= bank:
            cycle += 1
            seen_this_cycle = set()
        seen_this_cycle.add(prompt_id)
        last_from_bank = prompt_id
    if seen_this_cycle >= bank:
        cycle += 1
        seen_this_cycle = set()

    # Sort before shuffling so the order depends on the seed and the cycle, not on the caller's order.
    order = sorted(bank)
    random.Random(f"majlis-prompts:{seed}:{cycle}").shuffle(order)
    remaining = [prompt_id for prompt_id in order if prompt_id not in seen_this_cycle]
    # A fresh cycle may shuffle last week's prompt to the front; don't post it twice in a row.
    if len(remaining) > 1 and remaining[0] == last_from_bank:
        return Choice(prompt_id=remaining[1], source="bank")
    return Choice(prompt_id=remaining[0], source="bank")


def in_language(ar: Any, en: Any, lang: str) -> Any:
    """Return the Arabic or English text (or address forms) of a shipped entry for `lang`."""
    if lang == "ar":
        return ar
    if lang == "en":
        return en
    raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")


def load_rows(source: Traversable, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Read a JSON list of objects with exactly `keys`, non-empty strings, and unique ids."""
    with source.open(encoding="utf-8") as handle:
        rows = json.load(handle)
    if not isinstance(rows, list):
        raise ValueError(f"{source}: expected a JSON list")
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or set(row) != set(keys):
            raise ValueError(f"{source}: entry {index} must have exactly the keys {', '.join(keys)}")
        for key in keys:
            value = row[key]
            if isinstance(value, dict) and key in LANGUAGES:  # address forms, like the message catalogue
                forms = value
                if "neutral" not in forms or not all(
                    isinstance(v, str) and v.strip() for v in forms.values()
                ):
                    raise ValueError(f"{source}: entry {index} {key!r} needs a non-empty 'neutral' form")
                continue
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{source}: entry {index} has an empty or non-text {key!r}")
        if row["id"] in seen:
            raise ValueError(f"{source}: duplicate id {row['id']!r}")
        seen.add(row["id"])
    return rows


# --- member-suggested prompts and the digest's rules -------------------------------------------------

MIN_PROMPT_LENGTH = 10
MAX_PROMPT_LENGTH = 300
TOP_ANSWERS = 3
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[A-Za-z]")


@dataclass(frozen=True)
class PromptText:
    """A prompt as a member or admin typed it, tidied and checked, with its duplicate key."""

    text: str
    key: str
    language: str


@dataclass(frozen=True)
class Answer:
    """One reply in a prompt's answers thread, as the digest sees it (no content needed)."""

    message_id: int
    author_id: int
    reactions: int
    jump_url: str


def guess_language(text: str) -> str:
    """Return "ar" when the text is mostly Arabic letters, else "en"."""
    arabic, latin = len(_ARABIC_LETTER.findall(text)), len(_LATIN_LETTER.findall(text))
    return "ar" if arabic and arabic >= latin else "en"


def check_prompt_text(text: str, language: str | None = None) -> PromptText:
    """Tidy a typed prompt and check its length; raise MajlisError when it cannot be stored."""
    # Collapse runs of spaces but keep the member's line breaks: a two-part question reads better so.
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    tidy = "\n".join(line for line in lines if line)
    if len(tidy) < MIN_PROMPT_LENGTH:
        raise MajlisError("prompts.too_short", minimum=MIN_PROMPT_LENGTH)
    if len(tidy) > MAX_PROMPT_LENGTH:
        raise MajlisError("prompts.too_long", maximum=MAX_PROMPT_LENGTH, length=len(tidy))
    key = normalize_key(tidy)
    if not key:
        raise MajlisError("prompts.too_short", minimum=MIN_PROMPT_LENGTH)
    return PromptText(text=tidy, key=key, language=language or guess_language(tidy))


def digest_weekday(prompt_weekday: int) -> int:
    """Return the digest's weekday: the day before the prompt's."""
    return (prompt_weekday - 1) % 7


def first_occurrences(weekday: int, hour: int, tz: tzinfo, now: datetime) -> tuple[datetime, datetime]:
    """Return the first prompt after `now` and the first digest after that prompt (a day before the next)."""
    first_prompt = WeeklySchedule(weekday, hour, tz).next_after(now)
    first_digest = WeeklySchedule(digest_weekday(weekday), hour, tz).next_after(first_prompt)
    return first_prompt, first_digest


def digest_window(occurrence: datetime) -> tuple[datetime, datetime]:
    """Return the week a digest looks back over for shared experience threads."""
    return occurrence - timedelta(days=7), occurrence


def top_answers(answers: Sequence[Answer], limit: int = TOP_ANSWERS) -> list[Answer]:
    """Return the most-reacted answers (at least one reaction), ties going to the earlier answer."""
    reacted = [a for a in answers if a.reactions > 0]
    return sorted(reacted, key=lambda a: (-a.reactions, a.message_id))[:limit]
