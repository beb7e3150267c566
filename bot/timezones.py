"""Time zones as members type them: IANA names, Arabic/English city names, or fixed UTC offsets."""

from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path

from bot.shipped import shipped
from bot.skills import MAX_CHOICES, PrefixIndex, fold_articles, fold_typed_prefix
from bot.text import normalize_key, normalize_text

TIMEZONES_PATH = shipped("timezones.json")
# Earliest and latest offsets in use anywhere (Baker Island, Kiribati's Line Islands).
MIN_OFFSET_MINUTES = -12 * 60
MAX_OFFSET_MINUTES = 14 * 60
# Zones under these areas are real places; aliases such as "US/Eastern", "Etc/GMT+3" (whose sign
# is inverted) or "EST5EDT" are accepted when typed but never suggested.
_PLACE_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
_NOT_ZONES = frozenset({"localtime", "Factory"})

# "UTC+3", "GMT -5", "utc+05:30", "+0530", "-3.5" is not an offset (decimal hours are ambiguous).
_OFFSET_INPUT = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
_STORED_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
# Minus signs people paste from documents; NFKC leaves them alone.
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})


class TimezoneInputError(ValueError):
    """Time zone text that cannot be stored; `reason` is "empty", "offset_range" or "unknown"."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


@dataclass(frozen=True)
class City:
    """A place members name their time zone by, with its IANA zone."""

    zone: str
    en: str
    ar: str
    aliases: tuple[str, ...]
    arab: bool

    def name(self, lang: str) -> str:
        """Return the city's name in `lang` ("ar" or "en")."""
        return self.ar if lang == "ar" else self.en


@dataclass(frozen=True)
class _Place:
    """One autocomplete candidate: a curated city (order = its place in the list) or a bare IANA zone."""

    order: int
    zone: str
    city: City | None


class TimezoneDirectory:
    """Every IANA zone plus the curated city list, indexed once for parsing and autocomplete."""

    def __init__(self, cities: list[City], zones: set[str]) -> None:
        self.cities = tuple(cities)
        self.zones = frozenset(z for z in zones if z not in _NOT_ZONES)
        self._by_casefold = {z.casefold(): z for z in self.zones}
        places = sorted(z for z in self.zones if z == "UTC" or z.split("/", 1)[0] in _PLACE_AREAS)
        self._by_place_key = {normalize_key(z): z for z in places}
        self._by_city: dict[str, str] = {}
        entries: list[tuple[str, _Place]] = []
        zones_with_city: set[str] = set()
        for order, city in enumerate(self.cities):
            if city.zone not in self.zones:
                raise ValueError(f"unknown zone {city.zone!r} for {city.en!r}")
            place = _Place(order, city.zone, city)
            names = {normalize_key(n) for n in (city.en, city.ar, *city.aliases)}
            if city.zone not in zones_with_city:
                # The zone's own name ("Asia/Riyadh") belongs to its first, best-known city.
                names.add(normalize_key(city.zone))
                zones_with_city.add(city.zone)
            for name in names:
                for form in {name, fold_articles(name)}:
                    owner = self._by_city.setdefault(form, city.zone)
                    if owner != city.zone:
                        raise ValueError(f"city name {form!r} names both {owner!r} and {city.zone!r}")
                    entries.append((form, place))
        # Other zones are found by their last part too ("winnipeg"), when that part is unambiguous.
        last_parts: dict[str, set[str]] = {}
        for zone in places:
            last_parts.setdefault(normalize_key(zone.rsplit("/", 1)[-1]), set()).add(zone)
        self._by_last_part = {k: next(iter(v)) for k, v in last_parts.items() if len(v) == 1}
        for order, zone in enumerate(z for z in places if z not in zones_with_city):
            entries.append((normalize_key(zone), _Place(len(self.cities) + order, zone, None)))
        self._index: PrefixIndex[_Place] = PrefixIndex(entries)
        self._first_choices = [_Place(order, city.zone, city) for order, city in enumerate(self.cities)]

    @classmethod
    def load(cls, path: Path | str | None = None) -> TimezoneDirectory:
        """Load the curated cities from JSON (the shipped `data/timezones.json` by default)."""
        source = Path(path) if path is not None else TIMEZONES_PATH
        raw = json.loads(source.read_text(encoding="utf-8"))
        cities = [
            City(zone=c["zone"], en=c["en"], ar=c["ar"], aliases=tuple(c.get("aliases", ())), arab=c["arab"])
            for c in raw["cities"]
        ]
        return cls(cities, zoneinfo.available_timezones())

    def parse(self, text: str) -> str:
        """Return the stored form of a member's time zone: an IANA name or "UTC±HH:MM"."""
        typed = normalize_text(text).translate(_MINUS_SIGNS)
        if not typed:
            raise TimezoneInputError("empty", text)
        exact = self._by_casefold.get(typed)
        if exact and ("/" in exact or exact == "UTC"):
            return exact
        offset = _OFFSET_INPUT.match(typed)
        if offset:
            return _stored_offset(offset, text)
        key = normalize_key(typed)
        for table in (self._by_city, self._by_place_key, self._by_last_part):
            zone = table.get(key) or table.get(fold_articles(key))
            if zone:
                return zone
        # Old country-style names ("Egypt", "Turkey") are valid, but a curated city read better above.
        if exact:
            return exact
        raise TimezoneInputError("unknown", text)

    def suggest(
        self, prefix: str, lang: str, limit: int = MAX_CHOICES, now: datetime | None = None
    ) -> list[tuple[str, str]]:
        """Return up to `limit` (label, value) choices; Arab-region cities first when nothing is typed."""
        limit = min(limit, MAX_CHOICES)
        now = now or datetime.now(UTC)
        choices: list[tuple[str, str]] = []
        seen: set[str] = set()
        places: list[_Place]
        typed = normalize_text(prefix).translate(_MINUS_SIGNS)
        offset = _OFFSET_INPUT.match(typed)
        if offset:
            try:
                stored = _stored_offset(offset, prefix)
            except TimezoneInputError:
                return []
            choices.append((stored if stored == "UTC" else f"{stored} ({_FIXED[lang == 'ar']})", stored))
            seen.add(stored)
            # Then the named zones that are at that offset right now, which also follow summer time.
            minutes = utc_offset_minutes(stored, now)
            places = [p for p in self._first_choices if utc_offset_minutes(p.zone, now) == minutes]
        else:
            key = normalize_key(typed)
            places = self._first_choices if not key else self._matches(key)
        for place in places:
            if len(choices) >= limit:
                break
            if place.zone in seen:
                continue
            seen.add(place.zone)
            choices.append((self._label(place, lang, now), place.zone))
        return choices

    def _matches(self, key: str) -> list[_Place]:
        """Return places whose names match the typed key, best first."""
        best: dict[int, tuple[int, _Place]] = {}
        for query in {key, fold_typed_prefix(key)}:
            for rank, place in self._index.search(query):
                if rank < best.get(place.order, (3, place))[0]:
                    best[place.order] = (rank, place)
        ranked = sorted(best.values(), key=lambda rp: (rp[0], rp[1].order))
        return [place for _rank, place in ranked]

    @staticmethod
    def _label(place: _Place, lang: str, now: datetime) -> str:
        """Return "Asia/Riyadh — الرياض (UTC+03:00)": zone, city in the member's language, offset now."""
        offset = format_offset(utc_offset_minutes(place.zone, now))
        if place.city is None or place.city.en == place.zone:
            return f"{place.zone} ({offset})"
        return f"{place.zone} — {place.city.name(lang)} ({offset})"


_FIXED = {False: "fixed offset", True: "فارق ثابت"}


def _stored_offset(match: re.Match[str], text: str) -> str:
    """Turn a matched "UTC+3"-style input into "UTC+03:00", or "UTC" for a zero offset."""
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if minutes >= 60 or minutes % 15:
        raise TimezoneInputError("offset_range", text)
    total = (hours * 60 + minutes) * (-1 if sign == "-" else 1)
    if not MIN_OFFSET_MINUTES <= total <= MAX_OFFSET_MINUTES:
        raise TimezoneInputError("offset_range", text)
    return "UTC" if total == 0 else f"UTC{format_offset(total)[3:]}"


def hhmm(minute: int) -> str:
    """Write minutes since midnight (any day) as "HH:MM"."""
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_offset(minutes: int) -> str:
    """Return an offset in minutes as "UTC+03:00" / "UTC-05:30"."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


@lru_cache(maxsize=1)
def default_directory() -> TimezoneDirectory:
    """Return the shipped time-zone directory, loaded once."""
    return TimezoneDirectory.load()


def parse_timezone(text: str) -> str:
    """Return the stored form of a member's time zone text; raise TimezoneInputError when it is not one."""
    return default_directory().parse(text)


def suggest_timezones(
    prefix: str, lang: str, limit: int = MAX_CHOICES, now: datetime | None = None
) -> list[tuple[str, str]]:
    """Return autocomplete (label, value) choices for a time zone option."""
    return default_directory().suggest(prefix, lang, limit, now)


def zone_label(stored: str, lang: str) -> str:
    """Name a stored zone for a reader: in Arabic its city ("الرياض"); in English, and for bare zones, the zone."""
    if lang != "ar":
        return stored
    city = next((c for c in default_directory().cities if c.zone == stored), None)
    return city.name(lang) if city is not None else stored


@lru_cache(maxsize=1024)
def zoneinfo_for(stored: str) -> tzinfo:
    """Return the tzinfo for a stored time zone (ZoneInfo, or a fixed `timezone` for "UTC±HH:MM")."""
    fixed = _STORED_OFFSET.match(stored)
    if fixed:
        sign, hours, minutes = fixed.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta, stored)
    try:
        return zoneinfo.ZoneInfo(stored)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise TimezoneInputError("unknown", stored) from error


def local_time(stored: str, now: datetime) -> datetime:
    """Return the aware instant `now` as wall-clock time in the stored zone."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(zoneinfo_for(stored))


def utc_offset_minutes(stored: str, at: datetime) -> int:
    """Return the stored zone's offset from UTC, in minutes, at the aware instant `at`."""
    offset = local_time(stored, at).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0
