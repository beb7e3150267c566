"""Icebreakers: the first question offered to peers meeting in an introduction (shipped, both languages)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import Template, address_of, select
from bot.prompts import in_language, load_rows
from bot.shipped import shipped

ICEBREAKERS_PATH = shipped("icebreakers.json")


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
        template = in_language(self.ar, self.en, lang)
        return select(template, str(lang), address_of(lang, address), {})


def load_icebreakers(path: str | Path | None = None) -> tuple[Icebreaker, ...]:
    """Load and check the icebreakers (default: the shipped data/icebreakers.json)."""
    source = Path(path) if path is not None else ICEBREAKERS_PATH
    return tuple(
        Icebreaker(id=row["id"], en=row["en"], ar=row["ar"]) for row in load_rows(source, ("id", "en", "ar"))
    )


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
