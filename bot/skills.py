"""Skills in two languages: free text to canonical keys, display names and autocomplete."""

from __future__ import annotations

import heapq
import json
import re
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

from bot.fields import get_field
from bot.shipped import shipped
from bot.text import clip, normalize_key, normalize_text

SKILLS_PATH = shipped("skills.json")
MAX_SKILL_LENGTH = 50
MAX_SKILLS = 15
# Discord caps autocomplete at 25 choices and each label/value at 100 characters.
MAX_CHOICES = 25
MAX_CHOICE_LENGTH = 100
_GUILD_CACHE_SIZE = 64

# Commas (Latin and Arabic), semicolons (Latin and Arabic) and line breaks separate skills.
_SEPARATORS = re.compile("[,،;؛\n]")
# Sorts after every real character, so `prefix + _HIGHEST` bounds all strings starting with prefix.
_HIGHEST = "\U0010ffff"

T = TypeVar("T")


def fold_articles(key: str) -> str:
    """Drop the Arabic definite article from each word, so "تصميم الشعارات" ≡ "تصميم شعارات"."""
    # Only words of 4+ letters: "ال" followed by a single letter is seldom an article.
    return " ".join(w[2:] if len(w) > 3 and w.startswith("ال") else w for w in key.split(" "))


def fold_typed_prefix(prefix: str) -> str:
    """Fold articles in a half-typed key: its last word may be an article with only a letter or two after it."""
    *done, last = prefix.split(" ")
    if len(last) > 2 and last.startswith("ال"):
        last = last[2:]
    return " ".join([*(fold_articles(w) for w in done), last])


class SkillInputError(ValueError):
    """A skills list the member must fix; `reason` is "too_many" or "too_long" for the message catalogue."""

    def __init__(self, reason: str, detail: str, limit: int) -> None:
        super().__init__(f"{reason}: {detail!r} (limit {limit})")
        self.reason = reason
        self.detail = detail
        self.limit = limit


class PrefixIndex(Generic[T]):
    """Find items whose name starts with a prefix, at its start or any later word, by binary search."""

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        # Every word-start suffix of every name is one sorted term, so a keystroke costs
        # two bisections plus the matches, not a scan of all names.
        terms: list[tuple[str, int, str, T]] = []
        for name, item in entries:
            words = name.split(" ")
            for position in range(len(words)):
                terms.append((" ".join(words[position:]), position, name, item))
        terms.sort(key=lambda term: term[0])
        self._terms = terms
        self._keys = [term[0] for term in terms]

    def __len__(self) -> int:
        return len(self._terms)

    def search(self, prefix: str) -> Iterator[tuple[int, T]]:
        """Yield (rank, item) for each matching name: 0 equals prefix, 1 starts with it, 2 a later word does."""
        low = bisect_left(self._keys, prefix)
        high = bisect_left(self._keys, prefix + _HIGHEST, low)
        for _suffix, position, name, item in self._terms[low:high]:
            if position:
                yield 2, item
            else:
                yield (0 if name == prefix else 1), item


@dataclass(frozen=True)
class Skill:
    """A shipped skill: canonical key (stored), English and Arabic names, field key, synonyms.

    `proper_name` marks a tool or brand (Django, Figma, Google Analytics): Arab freelancers write it in
    its own Latin spelling, so it shows so in both languages; its Arabic transliterations stay synonyms.
    """

    key: str
    en: str
    ar: str
    field: str
    synonyms: tuple[str, ...] = ()
    proper_name: bool = False

    def name(self, lang: str) -> str:
        """Return the skill's name in `lang` ("ar" or "en"); a tool or brand keeps its own spelling."""
        return self.ar if lang == "ar" and not self.proper_name else self.en


def _compact(alias: str) -> str:
    """Return an alias without spaces and dots, the parts people add or drop ("node js", "a.i.")."""
    return alias.replace(" ", "").replace(".", "")


def _choice_label(primary: str, secondary: str) -> str:
    """Return "primary · secondary" unless the secondary name is already inside the primary one."""
    label = primary
    if normalize_key(secondary) not in normalize_key(primary):
        label = f"{primary} · {secondary}"
    return clip(label, MAX_CHOICE_LENGTH)


class SkillCatalogue:
    """The shipped skills with every alias indexed; lookups are dictionary hits."""

    def __init__(self, skills: Iterable[Skill]) -> None:
        self._skills: dict[str, Skill] = {}
        self._aliases: dict[str, str] = {}
        # Second chance for spacing and dotting variants ("word press", "S.E.O"); checked after _aliases.
        self._compact: dict[str, str] = {}
        # Index items are (key, is_synonym): a match on a skill's own name ranks above a synonym's.
        names: list[tuple[str, tuple[str, bool]]] = []
        for skill in skills:
            if skill.key != normalize_key(skill.key) or not skill.key:
                raise ValueError(f"skill key {skill.key!r} is not normalised")
            if skill.key in self._skills:
                raise ValueError(f"duplicate skill key {skill.key!r}")
            if get_field(skill.field) is None:
                raise ValueError(f"skill {skill.key!r} has unknown field {skill.field!r}")
            self._skills[skill.key] = skill
            own_names = {normalize_key(n) for n in (skill.key, skill.en, skill.ar)}
            for alias in own_names | {normalize_key(a) for a in skill.synonyms}:
                if not alias:
                    continue
                folded = fold_articles(alias)
                self._claim(self._aliases, folded, skill.key)
                self._claim(self._compact, _compact(folded), skill.key)
                item = (skill.key, alias not in own_names)
                names.append((alias, item))
                if folded != alias:
                    names.append((folded, item))
        self._index: PrefixIndex[tuple[str, bool]] = PrefixIndex(names)
        self._labels = {lang: {k: self.label(k, lang) for k in self._skills} for lang in ("ar", "en")}
        # Autocomplete gets the same guild list on every keystroke; index it once, not per call.
        self._guild_cache: OrderedDict[tuple[str, ...], _GuildSkills] = OrderedDict()

    @staticmethod
    def _claim(table: dict[str, str], alias: str, key: str) -> None:
        """Map alias to key, refusing an alias that already names another skill."""
        owner = table.setdefault(alias, key)
        if owner != key:
            raise ValueError(f"alias {alias!r} names both {owner!r} and {key!r}")

    @classmethod
    def load(cls, path: Path | str | None = None) -> SkillCatalogue:
        """Load the catalogue from its JSON file (the shipped `data/skills.json` by default)."""
        source = Path(path) if path is not None else SKILLS_PATH
        raw = json.loads(source.read_text(encoding="utf-8"))
        return cls(
            Skill(
                key=s["key"],
                en=s["en"],
                ar=s["ar"],
                field=s["field"],
                synonyms=tuple(s.get("synonyms", ())),
                proper_name=bool(s.get("name", False)),
            )
            for s in raw["skills"]
        )

    def __len__(self) -> int:
        return len(self._skills)

    def __iter__(self) -> Iterator[Skill]:
        return iter(self._skills.values())

    def get(self, key: str) -> Skill | None:
        """Return the shipped skill with this canonical key, or None for a member's own skill."""
        return self._skills.get(key)

    def canonical(self, text: str) -> str:
        """Return the canonical key for free text; unknown skills keep their normalised text."""
        key = normalize_key(text)
        if not key:
            return ""
        folded = fold_articles(key)
        return self._aliases.get(folded) or self._compact.get(_compact(folded)) or key

    def parse_list(self, text: str, limit: int = MAX_SKILLS) -> list[str]:
        """Split a comma-separated skills list into unique canonical keys, in the order given."""
        keys: list[str] = []
        for item in _SEPARATORS.split(text):
            if len(normalize_text(item)) > MAX_SKILL_LENGTH:
                raise SkillInputError("too_long", item.strip(), MAX_SKILL_LENGTH)
            key = self.canonical(item)
            if key and key not in keys:
                keys.append(key)
        if len(keys) > limit:
            raise SkillInputError("too_many", str(len(keys)), limit)
        return keys

    def display(self, key: str, lang: str, labels: Mapping[str, str] | None = None) -> str:
        """Return the skill's name in `lang` when shipped, else how the guild first typed it (`labels`)."""
        skill = self._skills.get(key)
        if skill is not None:
            return skill.name(lang)
        return (labels or {}).get(key, key)

    def unshipped_labels(self, text: str) -> dict[str, str]:
        """Return {canonical key: the text as typed} for the unshipped skills in a comma-separated list."""
        found: dict[str, str] = {}
        for item in _SEPARATORS.split(text):
            key = self.canonical(item)
            label = " ".join(item.split())
            if key and key not in self._skills and 0 < len(label) <= MAX_SKILL_LENGTH:
                found.setdefault(key, label)
        return found

    def field_of(self, key: str) -> str | None:
        """Return the field key of a shipped skill, or None."""
        skill = self._skills.get(key)
        return skill.field if skill else None

    def label(self, key: str, lang: str, labels: Mapping[str, str] | None = None) -> str:
        """Return an autocomplete label: the name in `lang`, with the other language's name when it adds something."""
        skill = self._skills.get(key)
        if skill is None:
            return clip((labels or {}).get(key, key), MAX_CHOICE_LENGTH)
        other = "en" if lang == "ar" else "ar"
        return _choice_label(skill.name(lang), skill.name(other))

    def _guild_skills(self, extra_keys: Iterable[str]) -> _GuildSkills:
        """Return the guild's skills with an index of the unshipped ones, built once per distinct list."""
        keys = tuple(extra_keys)
        cached = self._guild_cache.get(keys)
        if cached is not None:
            self._guild_cache.move_to_end(keys)
            return cached
        # Guild skills come as stored keys; drop ones too long to be a choice value.
        order = tuple(dict.fromkeys(k for k in keys if k and len(k) <= MAX_CHOICE_LENGTH))
        own = [k for k in order if k not in self._skills]
        entries = [(k, k) for k in own] + [(fold_articles(k), k) for k in own if fold_articles(k) != k]
        guild = _GuildSkills(order, frozenset(order), PrefixIndex(entries))
        self._guild_cache[keys] = guild
        if len(self._guild_cache) > _GUILD_CACHE_SIZE:
            self._guild_cache.popitem(last=False)
        return guild

    def suggest(
        self,
        prefix: str,
        lang: str,
        extra_keys: Iterable[str] = (),
        limit: int = MAX_CHOICES,
        labels: Mapping[str, str] | None = None,
    ) -> list[tuple[str, str]]:
        """Return up to `limit` (label, canonical key) choices for what the member has typed so far.

        `extra_keys` are the skills the guild uses, most used first; `labels` how it typed unshipped ones.
        """
        limit = min(limit, MAX_CHOICES)
        guild = self._guild_skills(extra_keys)
        typed = normalize_key(prefix)
        if not typed:
            ordered = [*guild.order[:limit], *(k for k in self._skills if k not in guild.known)]
            return [(self.label(k, lang, labels), k) for k in ordered[:limit]]

        # Rank: 0 exact name, 1 exact synonym, 2/3 name/synonym starts so, 4/5 a later word does.
        # A member's own skill counts as a name.
        best: dict[str, int] = {}
        for query in {typed, fold_typed_prefix(typed)}:
            for tier, (key, is_synonym) in self._index.search(query):
                rank = 2 * tier + is_synonym
                if rank < best.get(key, 6):
                    best[key] = rank
            for tier, key in guild.index.search(query):
                if 2 * tier < best.get(key, 6):
                    best[key] = 2 * tier

        names = self._labels["ar" if lang == "ar" else "en"]

        def order(key: str) -> tuple[int, bool, str]:
            return best[key], key not in guild.known, names.get(key, key).casefold()

        top = heapq.nsmallest(limit, best, key=order)
        return [(names.get(k) or self.label(k, lang, labels), k) for k in top]


@dataclass(frozen=True)
class _GuildSkills:
    """Skills a guild already uses: in its order, as a set, and its unshipped ones indexed."""

    order: tuple[str, ...]
    known: frozenset[str]
    index: PrefixIndex[str]


@lru_cache(maxsize=1)
def default_catalogue() -> SkillCatalogue:
    """Return the shipped catalogue, loaded once."""
    return SkillCatalogue.load()
