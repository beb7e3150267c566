"""The knowledge-prompt bank, the icebreakers, and the choice of what to post next."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from bot.i18n import Template, address_of, select
from bot.shipped import shipped

PROMPTS_PATH = shipped("prompts.json")
ICEBREAKERS_PATH = shipped("icebreakers.json")

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
        return _in_language(self.ar, self.en, lang)


@dataclass(frozen=True)
class Icebreaker:
    """A first question for peers meeting in an introduction, in both languages.

    A language's text is a string, or address forms as in the message catalogue (`neutral` always;
    `masculine`/`feminine` for one reader, `dual`/`plural` for a group's thread).
    """

    id: str
    en: Template
    ar: Template

    def text(self, lang: str, address: str | None = None) -> str:
        """Return the icebreaker for a reader (`lang`, a code or a Reader) or a group (`address`)."""
        template = _in_language(self.ar, self.en, lang)
        return select(template, str(lang), address_of(lang, address), {})


@dataclass(frozen=True)
class Choice:
    """The prompt to post next, and whether it is a member suggestion or from the bank."""

    prompt_id: str
    source: Literal["suggestion", "bank"]


def theme_name(theme: str, lang: str) -> str:
    """Return the display name of a prompt theme in `lang`."""
    if theme not in THEMES:
        raise ValueError(f"unknown prompt theme: {theme!r}")
    return _in_language(THEMES[theme]["ar"], THEMES[theme]["en"], lang)


def load_bank(path: str | Path | None = None) -> tuple[Prompt, ...]:
    """Load and check the prompt bank (default: the shipped data/prompts.json)."""
    source = Path(path) if path is not None else PROMPTS_PATH
    prompts = tuple(
        Prompt(id=row["id"], theme=row["theme"], en=row["en"], ar=row["ar"])
        for row in _load_rows(source, ("id", "theme", "en", "ar"))
    )
    for prompt in prompts:
        if prompt.theme not in THEMES:
            raise ValueError(f"{source}: prompt {prompt.id!r} has unknown theme {prompt.theme!r}")
    return prompts


def load_icebreakers(path: str | Path | None = None) -> tuple[Icebreaker, ...]:
    """Load and check the icebreakers (default: the shipped data/icebreakers.json)."""
    source = Path(path) if path is not None else ICEBREAKERS_PATH
    return tuple(
        Icebreaker(id=row["id"], en=row["en"], ar=row["ar"]) for row in _load_rows(source, ("id", "en", "ar"))
    )


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


def pick_icebreaker(ids: Sequence[str], used_recently: Sequence[str], seed: int) -> str:
    """Pick an icebreaker not used recently; if all were, the one whose last use is oldest.

    `used_recently` is in order of use, oldest first.
    """
    if not ids:
        raise ValueError("no icebreaker to choose from")
    recent = set(used_recently)
    fresh = sorted(set(ids) - recent)
    if fresh:
        return random.Random(f"majlis-icebreaker:{seed}").choice(fresh)
    last_use = {icebreaker_id: position for position, icebreaker_id in enumerate(used_recently)}
    return min(sorted(set(ids)), key=lambda icebreaker_id: last_use[icebreaker_id])


def _in_language(ar: Any, en: Any, lang: str) -> Any:
    if lang == "ar":
        return ar
    if lang == "en":
        return en
    raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")


def _load_rows(source: Traversable, keys: tuple[str, ...]) -> list[dict[str, str]]:
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
