"""Time-zone parsing, offsets across daylight saving, and time-zone autocomplete."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.timezones import (
    City,
    TimezoneDirectory,
    TimezoneInputError,
    default_directory,
    format_offset,
    local_time,
    parse_timezone,
    suggest_timezones,
    utc_offset_minutes,
    zoneinfo_for,
)

ARABIC_LETTER = re.compile("[\u0621-\u064a]")
WINTER = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2025, 7, 15, 12, 0, tzinfo=UTC)
DIRECTORY = default_directory()


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Asia/Riyadh", "Asia/Riyadh"),
        ("asia/riyadh", "Asia/Riyadh"),
        ("  ASIA/RIYADH ", "Asia/Riyadh"),
        ("America/New York", "America/New_York"),
        ("الرياض", "Asia/Riyadh"),
        ("رياض", "Asia/Riyadh"),  # without the article
        ("riyadh", "Asia/Riyadh"),
        ("Cairo", "Africa/Cairo"),
        ("القاهرة", "Africa/Cairo"),
        ("القاهره", "Africa/Cairo"),
        ("جدة", "Asia/Riyadh"),
        ("Jeddah", "Asia/Riyadh"),
        ("الدار البيضاء", "Africa/Casablanca"),
        ("الدوحة", "Asia/Qatar"),
        ("Doha", "Asia/Qatar"),
        ("أبوظبي", "Asia/Dubai"),
        ("عمّان", "Asia/Amman"),
        ("سلطنة عمان", "Asia/Muscat"),
        ("إسطنبول", "Europe/Istanbul"),
        ("new york", "America/New_York"),
        ("Winnipeg", "America/Winnipeg"),  # any zone's own city, even without a curated name
        ("Kiev", "Europe/Kyiv"),
        ("Etc/GMT+3", "Etc/GMT+3"),  # a valid IANA name is taken as written
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("UTC+3", "UTC+03:00"),
        ("utc +3", "UTC+03:00"),
        ("GMT-5", "UTC-05:00"),
        ("UTC+5:30", "UTC+05:30"),
        ("UTC+05:45", "UTC+05:45"),
        ("+03:00", "UTC+03:00"),
        ("+0530", "UTC+05:30"),
        ("-3:30", "UTC-03:30"),
        ("UTC\u22124", "UTC-04:00"),  # a typographic minus sign
        ("UTC+٣", "UTC+03:00"),  # Arabic-Indic digits
        ("UTC+0", "UTC"),
        ("GMT+0", "UTC"),
        ("UTC+14", "UTC+14:00"),
        ("UTC-12", "UTC-12:00"),
    ],
)
def test_parse_timezone_accepts(text: str, stored: str):
    assert parse_timezone(text) == stored


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Mars/Olympus", "unknown"),
        ("atlantis", "unknown"),
        ("3", "unknown"),  # an hour without a sign is not an offset
        ("UTC+3.5", "unknown"),
        ("asia", "unknown"),
        ("localtime", "unknown"),
        ("UTC+15", "offset_range"),
        ("UTC+14:30", "offset_range"),
        ("GMT-13", "offset_range"),
        ("UTC-12:30", "offset_range"),
        ("UTC+5:20", "offset_range"),
        ("UTC+3:75", "offset_range"),
    ],
)
def test_parse_timezone_rejects_with_a_reason(text: str, reason: str):
    with pytest.raises(TimezoneInputError) as caught:
        parse_timezone(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_every_curated_city_name_parses_to_its_zone():
    for city in DIRECTORY.cities:
        for name in (city.en, city.ar, *city.aliases):
            assert parse_timezone(name) == city.zone, name


def test_curated_list_has_the_arab_region_first_and_in_both_languages():
    zones = [c.zone for c in DIRECTORY.cities]
    first = "Riyadh Cairo Dubai Amman Baghdad Casablanca Algiers Tunis Beirut Kuwait Doha Muscat Khartoum"
    assert [c.en for c in DIRECTORY.cities[:13]] == first.split()
    arab = [c for c in DIRECTORY.cities if c.arab]
    assert len(arab) >= 40
    assert DIRECTORY.cities.index(arab[-1]) < min(i for i, c in enumerate(DIRECTORY.cities) if not c.arab)
    for needed in ("Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Istanbul", "America/New_York"):
        assert needed in zones
    for needed in ("America/Toronto", "Asia/Karachi", "Asia/Kolkata"):
        assert needed in zones
    for city in DIRECTORY.cities:
        assert ARABIC_LETTER.search(city.ar), city
        assert city.zone in zoneinfo.available_timezones()


def test_directory_refuses_a_city_name_for_two_zones():
    cities = [
        City("Asia/Amman", "Amman", "عمّان", (), True),
        City("Asia/Muscat", "Muscat", "مسقط", ("عُمان",), True),  # same letters as عمّان once marks go
    ]
    with pytest.raises(ValueError, match="names both"):
        TimezoneDirectory(cities, zoneinfo.available_timezones())


@given(st.sampled_from(sorted(z for z in zoneinfo.available_timezones() if "/" in z)))
def test_every_iana_name_is_accepted_as_itself(zone: str):
    assert parse_timezone(zone) == zone
    assert parse_timezone(zone.upper()) == zone


OLD_STYLE_NAMES = sorted(z for z in zoneinfo.available_timezones() - {"localtime", "Factory"} if "/" not in z)


@pytest.mark.parametrize("zone", OLD_STYLE_NAMES)
def test_old_style_names_are_accepted_as_the_same_clock(zone: str):
    stored = parse_timezone(zone)
    for at in (WINTER, SUMMER):
        assert utc_offset_minutes(stored, at) == utc_offset_minutes(zone, at)


def test_old_country_names_prefer_the_curated_city():
    assert parse_timezone("Egypt") == "Africa/Cairo"
    assert parse_timezone("GMT") == "UTC"


@given(st.integers(-12 * 4, 14 * 4))
def test_fixed_offsets_round_trip(quarters: int):
    minutes = quarters * 15
    text = format_offset(minutes).replace("UTC", "GMT")
    stored = parse_timezone(text)
    assert parse_timezone(stored) == stored
    assert utc_offset_minutes(stored, WINTER) == minutes
    assert utc_offset_minutes(stored, SUMMER) == minutes


# --- zones and offsets ----------------------------------------------------------------------


def test_zoneinfo_for_fixed_offsets_and_iana_names():
    fixed = zoneinfo_for("UTC+05:30")
    assert isinstance(fixed, timezone)
    assert fixed.utcoffset(None) == timedelta(hours=5, minutes=30)
    assert zoneinfo_for("UTC-03:30").utcoffset(None) == -timedelta(hours=3, minutes=30)
    assert zoneinfo_for("Asia/Riyadh") == zoneinfo.ZoneInfo("Asia/Riyadh")
    with pytest.raises(TimezoneInputError):
        zoneinfo_for("Not/AZone")


@pytest.mark.parametrize(
    ("stored", "winter", "summer"),
    [
        ("Asia/Riyadh", 180, 180),
        ("America/New_York", -300, -240),  # daylight saving
        ("Europe/London", 0, 60),
        ("Asia/Kolkata", 330, 330),
        ("UTC-05:00", -300, -300),  # a fixed offset never moves
        ("UTC", 0, 0),
    ],
)
def test_utc_offset_minutes_follows_daylight_saving(stored: str, winter: int, summer: int):
    assert utc_offset_minutes(stored, WINTER) == winter
    assert utc_offset_minutes(stored, SUMMER) == summer


def test_local_time_is_wall_clock_time():
    assert local_time("Asia/Riyadh", WINTER).hour == 15
    assert local_time("America/New_York", SUMMER).hour == 8
    assert local_time("UTC+05:30", WINTER).strftime("%H:%M") == "17:30"
    assert local_time("Asia/Riyadh", WINTER) == WINTER  # the same instant


def test_local_time_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        local_time("Asia/Riyadh", datetime(2025, 1, 1))


# --- autocomplete ---------------------------------------------------------------------------


def values(choices: list[tuple[str, str]]) -> list[str]:
    return [value for _label, value in choices]


def test_empty_prefix_offers_the_arab_region_first():
    found = suggest_timezones("", "ar", now=WINTER)
    assert len(found) == 25
    assert values(found)[:4] == ["Asia/Riyadh", "Africa/Cairo", "Asia/Dubai", "Asia/Amman"]
    assert found[0][0] == "Asia/Riyadh — الرياض (UTC+03:00)"
    assert suggest_timezones("", "en", now=WINTER)[0][0] == "Asia/Riyadh — Riyadh (UTC+03:00)"
    arab_zones = {c.zone for c in DIRECTORY.cities if c.arab}
    assert set(values(found)) <= arab_zones | {"Europe/London"}


@pytest.mark.parametrize(
    ("prefix", "first"),
    [
        ("الق", "Africa/Cairo"),
        ("القاهره", "Africa/Cairo"),
        ("cai", "Africa/Cairo"),
        ("جد", "Asia/Riyadh"),
        ("دار الب", "Africa/Casablanca"),
        ("york", "America/New_York"),
        ("america/new", "America/New_York"),
        ("Asia/Ri", "Asia/Riyadh"),
        ("winni", "America/Winnipeg"),
        ("لند", "Europe/London"),
        ("karachi", "Asia/Karachi"),
    ],
)
def test_suggest_matches_cities_and_iana_names(prefix: str, first: str):
    assert values(suggest_timezones(prefix, "ar", now=WINTER))[0] == first


def test_suggest_labels_name_the_matched_city_in_the_members_language():
    assert suggest_timezones("jeddah", "ar", now=WINTER)[0][0] == "Asia/Riyadh — جدة (UTC+03:00)"
    assert suggest_timezones("جدة", "en", now=WINTER)[0][0] == "Asia/Riyadh — Jeddah (UTC+03:00)"
    assert suggest_timezones("winnipeg", "en", now=WINTER)[0][0] == "America/Winnipeg (UTC-06:00)"
    assert suggest_timezones("new york", "en", now=SUMMER)[0][0].endswith("(UTC-04:00)")


def test_suggest_offers_a_typed_offset_then_zones_at_that_offset_now():
    found = suggest_timezones("utc+3", "en", now=WINTER)
    assert found[0] == ("UTC+03:00 (fixed offset)", "UTC+03:00")
    assert values(found)[1] == "Asia/Riyadh"
    assert all(utc_offset_minutes(v, WINTER) == 180 for v in values(found))
    # London is at +1 only in summer.
    assert "Europe/London" in values(suggest_timezones("GMT+1", "en", now=SUMMER))
    assert "Europe/London" not in values(suggest_timezones("GMT+1", "en", now=WINTER))
    assert suggest_timezones("utc+3", "ar", now=WINTER)[0][0] == "UTC+03:00 (فارق ثابت)"


def test_suggest_out_of_range_offset_offers_nothing():
    assert suggest_timezones("UTC+20", "en", now=WINTER) == []


def test_suggest_never_offers_legacy_aliases():
    found = values(suggest_timezones("us", "en", now=WINTER)) + values(
        suggest_timezones("etc", "en", now=WINTER)
    )
    assert not [z for z in found if z.startswith(("US/", "Etc/"))]


def test_suggest_limit():
    assert len(suggest_timezones("a", "en", limit=5, now=WINTER)) == 5
    assert len(suggest_timezones("a", "en", limit=99, now=WINTER)) == 25


@given(st.text(max_size=12), st.sampled_from(["ar", "en"]))
def test_suggest_offers_only_valid_storable_choices(prefix: str, lang: str):
    found = suggest_timezones(prefix, lang, now=WINTER)
    assert len(found) <= 25
    assert len(set(values(found))) == len(found)
    for label, value in found:
        assert 1 <= len(label) <= 100
        assert parse_timezone(value) == value
