"""One message catalogue in Arabic and English, and language-aware formatting.

A message is a template string, or an object of variants chosen at lookup time:

- by count, with CLDR's plural categories (Arabic has six: zero, one, two, few, many, other;
  English two: one, other), on the parameter named by ``"$count"`` (default ``count``):
  ``{"one": "every week", "other": "every {count} weeks"}``;
- by how the reader is addressed: ``masculine`` / ``feminine`` / ``neutral`` for one member,
  ``dual`` / ``plural`` for a group of two / more. ``neutral`` is required and is the fallback.

Variants nest (an address object whose values are plural objects, and so on).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo
from functools import cache
from importlib.resources.abc import Traversable
from typing import Any

from babel.core import Locale
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_timedelta, get_day_names
from babel.numbers import format_decimal

from bot.shipped import shipped

LANGUAGES: tuple[str, ...] = ("ar", "en")
DEFAULT_LANGUAGE = "ar"
MESSAGES_DIR = shipped("messages")
# Arabic with Latin digits reads naturally across the Gulf, the Levant and the Maghreb alike.
_BABEL_LOCALE = {"ar": "ar_SA", "en": "en_GB"}
_NUMBERING = {"ar": "latn", "en": "latn"}

ADDRESSING: tuple[str, ...] = ("masculine", "feminine", "neutral")
"""How one member may ask to be addressed; `neutral` reads naturally to anyone."""
GROUP_FORMS: tuple[str, ...] = ("dual", "plural")
ADDRESS_FORMS: tuple[str, ...] = (*ADDRESSING, *GROUP_FORMS)
PLURAL_CATEGORIES: tuple[str, ...] = ("zero", "one", "two", "few", "many", "other")
COUNT_KEY = "$count"
_FALLBACK = {
    "masculine": ("masculine", "neutral"),
    "feminine": ("feminine", "neutral"),
    "neutral": ("neutral",),
    "dual": ("dual", "plural", "neutral"),
    "plural": ("plural", "neutral"),
}

Template = str | Mapping[str, Any]


class Reader(str):
    """A reader's language code (it *is* the code) that also knows how they are addressed.

    Every lookup already takes the language; carrying the address form on it means a member who
    chose feminine is addressed so by every message without threading a second value through each
    call.
    """

    addressing: str

    def __new__(cls, language: str, addressing: str | None = None) -> Reader:
        reader = super().__new__(cls, language if language in LANGUAGES else DEFAULT_LANGUAGE)
        reader.addressing = addressing if addressing in ADDRESSING else "neutral"
        return reader

    def __reduce__(self) -> tuple[Any, ...]:
        return (Reader, (str(self), self.addressing))


class Localized:
    """A parameter worded at lookup time in the reader's language (an error raised before it is known)."""

    def __init__(self, render: Callable[[str], str]) -> None:
        self.render = render

    def __str__(self) -> str:
        return self.render(DEFAULT_LANGUAGE)


def permission_names(names: Iterable[str]) -> Localized:
    """Name Discord permissions (API names such as `send_messages`) in the reader's language."""
    names = tuple(names)

    def render(lang: str) -> str:
        shown = []
        for name in names:
            key = f"permission.{name}"
            known = key in catalogue().messages
            shown.append(t(lang, key) if known else name.replace("_", " ").title())
        return ("، " if lang == "ar" else ", ").join(shown)

    return Localized(render)


def address_of(lang: str, address: str | None = None) -> str:
    """Return the form to address a reader in: `address` if given, else the Reader's own (neutral for a code)."""
    return address or str(getattr(lang, "addressing", "neutral"))


def group_address(size: int) -> str:
    """Return how a group of `size` members is addressed: the dual for two, the plural for more."""
    return "dual" if size == 2 else "plural"


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(_BABEL_LOCALE.get(lang, _BABEL_LOCALE[DEFAULT_LANGUAGE]))


def plural_category(lang: str, count: float | str) -> str:
    """Return the CLDR plural category of `count` in `lang` (babel knows Arabic's six)."""
    return str(_locale(str(lang)).plural_form(abs(float(count))))


def _is_plural(variants: Mapping[str, Any]) -> bool:
    return bool(set(variants) - {COUNT_KEY}) and set(variants) <= {*PLURAL_CATEGORIES, COUNT_KEY}


def _is_address(variants: Mapping[str, Any]) -> bool:
    return bool(variants) and set(variants) <= set(ADDRESS_FORMS)


def select(template: Template, lang: str, address: str, params: Mapping[str, Any]) -> str:
    """Resolve a message's variants for one reader and one set of parameters, down to a string."""
    while not isinstance(template, str):
        if _is_plural(template):
            name = template.get(COUNT_KEY, "count")
            category = plural_category(lang, params[name])
            template = template.get(category, template["other"])
        elif _is_address(template):
            form = next(f for f in _FALLBACK.get(address, ("neutral",)) if f in template)
            template = template[form]
        else:
            raise ValueError(f"unknown variants {sorted(template)}")
    return template


def _leaves(template: Template) -> list[str]:
    if isinstance(template, str):
        return [template]
    return [leaf for key, value in template.items() if key != COUNT_KEY for leaf in _leaves(value)]


def _shape_problems(template: Template, lang: str) -> list[str]:
    """List variant objects missing a form the language needs."""
    if isinstance(template, str):
        return []
    found = []
    if _is_plural(template):
        needed = PLURAL_CATEGORIES if lang == "ar" else ("one", "other")
        missing = [c for c in needed if c not in template]
        if missing:
            found.append(f"{lang} plural lacks {', '.join(missing)}")
    elif _is_address(template):
        if "neutral" not in template:
            found.append(f"{lang} address forms lack neutral")
    else:
        found.append(f"{lang} has unknown variants {sorted(template)}")
        return found
    for key, value in template.items():
        if key != COUNT_KEY:
            found.extend(_shape_problems(value, lang))
    return found


def count_params(template: Template) -> set[str]:
    """Return the parameters a message's plural variants select on."""
    if isinstance(template, str):
        return set()
    own = {template.get(COUNT_KEY, "count")} if _is_plural(template) else set()
    return own.union(*(count_params(v) for k, v in template.items() if k != COUNT_KEY))


def leaves(template: Template) -> list[str]:
    """Return every string a message can resolve to (all variants)."""
    return _leaves(template)


class Catalogue:
    """Every message the bot writes, keyed, in both languages."""

    def __init__(self, messages: Mapping[str, Mapping[str, Template]]) -> None:
        self.messages = dict(messages)

    @classmethod
    def load(cls, directory: Traversable = MESSAGES_DIR) -> Catalogue:
        """Merge every `*.json` file in the directory; a key defined twice is an error."""
        merged: dict[str, dict[str, Template]] = {}
        for path in sorted(
            (p for p in directory.iterdir() if p.name.endswith(".json")), key=lambda p: p.name
        ):
            for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
                if key in merged:
                    raise ValueError(f"message key {key!r} defined twice ({path.name})")
                merged[key] = texts
        return cls(merged)

    def text(self, lang: str, key: str, /, *, address: str | None = None, **params: Any) -> str:
        """Return the message `key` in `lang`, its variants chosen for the reader, `params` filled in.

        `address` overrides the reader's own form (`dual`/`plural` when writing to a group).
        """
        texts = self.messages[key]
        template = texts.get(lang) or texts[DEFAULT_LANGUAGE]
        form = address_of(lang, address)
        params = {k: v.render(lang) if isinstance(v, Localized) else v for k, v in params.items()}
        chosen = select(template, str(lang), form, params)
        return chosen.format(**params) if params else chosen

    def problems(self) -> list[str]:
        """List keys missing a language or a variant, or whose languages use different placeholders."""
        found = []
        for key, texts in self.messages.items():
            missing = [lang for lang in LANGUAGES if not texts.get(lang)]
            if missing:
                found.append(f"{key}: missing {', '.join(missing)}")
                continue
            shapes = [p for lang in LANGUAGES for p in _shape_problems(texts[lang], lang)]
            found.extend(f"{key}: {p}" for p in shapes)
            if shapes:
                continue
            # A count may select variants in one language and show in neither ("a peer" / "زميلك").
            counts = set().union(*(count_params(texts[lang]) for lang in LANGUAGES))
            fields = {
                lang: set().union(*(placeholders(leaf) for leaf in _leaves(texts[lang]))) - counts
                for lang in LANGUAGES
            }
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


def t(lang: str, key: str, /, *, address: str | None = None, **params: Any) -> str:
    """Translate `key` for a reader (the single lookup every reply goes through).

    `lang` is a language code or a `Reader`; counts select plural variants by CLDR category and
    the reader's address form (or `address`, for a group) selects gendered variants.
    """
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    return catalogue().text(lang, key, address=address, **params)


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


def format_date(moment: datetime, lang: str, tz: tzinfo) -> str:
    """Format the day of an aware datetime for a reader, e.g. '1 March 2026'."""
    return _babel_datetime(moment.astimezone(tz), "d MMMM y", locale=_BABEL_LOCALE[lang])


# CLDR says "خلال 3 أيام" ("within"); "بعد 3 أيام" is how people say "in 3 days".
_AR_WITHIN = re.compile(r"^خلال ")
_AR_ONE = re.compile(r"^(بعد|قبل) (\S+) (?:واحد|واحدة)$")


def format_relative(moment: datetime, lang: str, *, now: datetime) -> str:
    """Say how far `moment` is from `now` in the reader's language ('in 3 days', 'بعد 3 أيام').

    Written by the bot, not by Discord's `<t:…:R>`, which renders in the client's language —
    and no Discord client speaks Arabic.
    """
    text = format_timedelta(moment - now, add_direction=True, locale=_BABEL_LOCALE[str(lang)])
    if lang == "ar":
        text = _AR_ONE.sub(r"\1 \2", _AR_WITHIN.sub("بعد ", text))
    return text


def format_number(value: float, lang: str) -> str:
    """Format a number with grouping for the reader's language."""
    return format_decimal(value, locale=_BABEL_LOCALE[lang], numbering_system=_NUMBERING[lang])


def discord_time(moment: datetime, style: str = "F") -> str:
    """Return Discord's timestamp markup, shown in each client's time zone AND language.

    Only for English text: no Discord client renders Arabic, so Arabic text uses `format_when` /
    `format_relative` instead.
    """
    return f"<t:{int(moment.timestamp())}:{style}>"


def expiry_date(moment: datetime, lang: str, tz: tzinfo) -> str:
    """Word a date on a post that stays up: Discord's live stamp in English, the written day in Arabic."""
    return discord_time(moment, "D") if lang == "en" else format_date(moment, lang, tz)


def local_when(
    moment: datetime, lang: str, tz: tzinfo, *, now: datetime, key: str = "when"
) -> dict[str, str]:
    """Return the `{key}` (absolute) and `{relative}` parameters that word a moment for a reader.

    Arabic readers get both written by the bot in `tz` (the member's zone, else the guild's);
    English readers get Discord's relative timestamp, kept live by each client — local-time
    rendering that only matters, and only reads right, in a language Discord speaks.
    """
    relative = discord_time(moment, "R") if lang == "en" else format_relative(moment, lang, now=now)
    return {key: format_when(moment, lang, tz), "relative": relative}
