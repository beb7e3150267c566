"""The fixed list of freelance fields a member chooses from, in Arabic and English."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from bot.shipped import shipped
from bot.text import normalize_key

FIELDS_PATH = shipped("fields.json")


@dataclass(frozen=True)
class Field:
    """One freelance field: a stable key stored in profiles, its names and an emoji."""

    key: str
    en: str
    ar: str
    emoji: str

    def name(self, lang: str) -> str:
        """Return the field's name in `lang` ("ar" or "en"; anything else reads English)."""
        return self.ar if lang == "ar" else self.en


def load_fields(path: Traversable = FIELDS_PATH) -> tuple[Field, ...]:
    """Load the field list from its JSON file, rejecting duplicate keys."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    fields = tuple(Field(key=f["key"], en=f["en"], ar=f["ar"], emoji=f["emoji"]) for f in raw["fields"])
    keys = [f.key for f in fields]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate field key in {path}")
    return fields


FIELDS: tuple[Field, ...] = load_fields()
_BY_KEY = {f.key: f for f in FIELDS}
# Free text such as "design", "التصميم" or "Video & audio" resolves to a field too.
_BY_NAME = {normalize_key(name): f for f in FIELDS for name in (f.key, f.en, f.ar)}


def get_field(key: str) -> Field | None:
    """Return the field with this key, or None."""
    return _BY_KEY.get(key)


def find_field(text: str) -> Field | None:
    """Return the field named by free text (its key, English or Arabic name), or None."""
    return _BY_NAME.get(normalize_key(text))


def field_name(key: str, lang: str) -> str:
    """Return the field's name in `lang`, or the key itself when it is not a known field."""
    field = _BY_KEY.get(key)
    return field.name(lang) if field else key


def field_choices(lang: str) -> list[tuple[str, str]]:
    """Return (label, key) pairs for a choice list, in the shipped order."""
    return [(f"{f.emoji} {f.name(lang)}", f.key) for f in FIELDS]
