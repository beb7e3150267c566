"""One message catalogue in Arabic and English, and language-aware formatting."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import cache
from importlib.resources.abc import Traversable
from typing import Any

from babel.dates import format_datetime as _babel_datetime
from babel.dates import get_day_names
from babel.numbers import format_decimal

from bot.shipped import shipped

LANGUAGES: tuple[str, ...] = ("ar", "en")
DEFAULT_LANGUAGE = "ar"
MESSAGES_DIR = shipped("messages")
# Arabic with Latin digits reads naturally across the Gulf, the Levant and the Maghreb alike.
_BABEL_LOCALE = {"ar": "ar_SA", "en": "en_GB"}
_NUMBERING = {"ar": "latn", "en": "latn"}


class Catalogue:
    """Every message the bot writes, keyed, in both languages."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self.messages = dict(messages)

    @classmethod
    def load(cls, directory: Traversable = MESSAGES_DIR) -> Catalogue:
        """Merge every `*.json` file in the directory; a key defined twice is an error."""
        merged: dict[str, dict[str, str]] = {}
        for path in sorted(
            (p for p in directory.iterdir() if p.name.endswith(".json")), key=lambda p: p.name
        ):
            for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
                if key in merged:
                    raise ValueError(f"message key {key!r} defined twice ({path.name})")
                merged[key] = texts
        return cls(merged)

    def text(self, lang: str, key: str, /, **params: Any) -> str:
        """Return the message `key` in `lang`, with `params` filled in."""
        texts = self.messages[key]
        template = texts.get(lang) or texts[DEFAULT_LANGUAGE]
        return template.format(**params) if params else template

    def problems(self) -> list[str]:
        """List keys missing a language or whose languages use different placeholders."""
        found = []
        for key, texts in self.messages.items():
            missing = [lang for lang in LANGUAGES if not texts.get(lang)]
            if missing:
                found.append(f"{key}: missing {', '.join(missing)}")
                continue
            fields = {lang: placeholders(texts[lang]) for lang in LANGUAGES}
            if len({frozenset(v) for v in fields.values()}) > 1:
                found.append(f"{key}: placeholders differ {fields}")
        return found


def placeholders(template: str) -> set[str]:
    """Return the `{name}` placeholders in a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@cache
def catalogue() -> Catalogue:
    """Return the shipped catalogue, loaded once."""
    return Catalogue.load()


def t(lang: str, key: str, /, **params: Any) -> str:
    """Translate `key` into `lang` (the single lookup every reply goes through)."""
    return catalogue().text(lang if lang in LANGUAGES else DEFAULT_LANGUAGE, key, **params)


def weekday_name(weekday: int, lang: str) -> str:
    """Name a weekday (0 = Monday, as in Python) in the member's language."""
    return str(get_day_names("wide", locale=_BABEL_LOCALE[lang])[weekday])


def format_when(moment: datetime, lang: str, tz: tzinfo) -> str:
    """Format an aware datetime for a reader, in a time zone, e.g. 'Sunday 1 March 2026, 10:00'."""
    return _babel_datetime(
        moment.astimezone(tz),
        "EEEE d MMMM y، HH:mm" if lang == "ar" else "EEEE d MMMM y, HH:mm",
        locale=_BABEL_LOCALE[lang],
    )


def format_number(value: float, lang: str) -> str:
    """Format a number with grouping for the reader's language."""
    return format_decimal(value, locale=_BABEL_LOCALE[lang], numbering_system=_NUMBERING[lang])


def discord_time(moment: datetime, style: str = "F") -> str:
    """Return Discord's timestamp markup, which each client shows in its own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"
