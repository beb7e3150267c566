"""Settings, the message catalogue, text normalisation, storage and schedules (no Discord)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import SETUP_HINT, MissingTokenError, load_settings
from bot.i18n import LANGUAGES, Catalogue, catalogue, format_when, placeholders, t, weekday_name
from bot.schedule import WeeklySchedule
from bot.storage import Database, migrations
from bot.storage import guilds as guild_store
from bot.text import normalize_arabic, normalize_key, normalize_text

ROOT = Path(__file__).resolve().parents[2]


# --- settings and the entry point ----------------------------------------------------------


def test_missing_token_raises_the_hint(monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(MissingTokenError) as info:
        load_settings(env_file=None)
    assert "discord.com/developers" in str(info.value)


def test_settings_never_show_the_token(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    monkeypatch.setenv("MAJLIS_DEV_GUILD", "1234")
    settings = load_settings(env_file=None)
    assert settings.dev_guild == 1234
    assert "secret-token-value" not in repr(settings)


def test_python_m_bot_without_token_prints_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip() == SETUP_HINT
    assert "Traceback" not in result.stderr


# --- the message catalogue -------------------------------------------------------------------


def test_every_key_exists_in_both_languages_with_the_same_placeholders():
    assert catalogue().problems() == []
    assert set(LANGUAGES) == {"ar", "en"}


def test_catalogue_reports_a_missing_translation_and_a_placeholder_mismatch():
    broken = Catalogue({"a": {"ar": "مرحبا {name}", "en": "Hello"}, "b": {"en": "only English"}})
    problems = broken.problems()
    assert any(p.startswith("a:") for p in problems) and any(p.startswith("b:") for p in problems)


def test_lookup_fills_placeholders_and_falls_back_to_arabic_for_unknown_language():
    assert "Manage Server" in t("en", "error.missing_permission")
    assert t("xx", "error.missing_permission") == t("ar", "error.missing_permission")
    assert placeholders("{a} and {b}") == {"a", "b"}


def test_weekday_names_and_dates_are_in_the_reader_language():
    assert weekday_name(5, "ar") == "السبت"
    assert weekday_name(6, "en") == "Sunday"
    moment = datetime(2026, 3, 1, 7, tzinfo=UTC)
    assert "الأحد" in format_when(moment, "ar", ZoneInfo("Asia/Riyadh"))
    assert format_when(moment, "en", ZoneInfo("Asia/Riyadh")).startswith("Sunday 1 March 2026, 10:00")


# --- Arabic normalisation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("آمال", "امال"),
        ("مستشفى", "مستشفي"),
        ("مدرسة", "مدرسه"),
        ("مُبَرْمِج", "مبرمج"),
        ("تصمـــيم", "تصميم"),
        ("٢٠٢٦", "2026"),
    ],
)
def test_arabic_variants_normalise_alike(variant, plain):
    assert normalize_arabic(variant) == plain


@given(st.text(max_size=60))
def test_normalisation_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert normalize_key(normalize_key(text)) == normalize_key(text)


def test_keys_ignore_case_spacing_and_punctuation():
    assert normalize_key("  Logo   DESIGN! ") == normalize_key("logo design")
    assert normalize_key("C++") == "c++"
    assert normalize_key("تَصْمِيم  شعارات") == normalize_key("تصميم شعارات")


# --- storage ---------------------------------------------------------------------------------


async def test_migrations_apply_once_and_set_the_version(tmp_path):
    db = Database(tmp_path / "m.db")
    await db.open()
    version = await db.version()
    assert version == migrations()[-1][0] >= 1
    assert [n for n, _ in migrations()] == list(range(1, version + 1))  # numbered without gaps
    assert await db.migrate() == version  # nothing pending: no-op
    journal = await db.fetchone("PRAGMA journal_mode")
    fk = await db.fetchone("PRAGMA foreign_keys")
    assert journal[0] == "wal" and fk[0] == 1
    await db.close()


async def test_a_failed_transaction_changes_nothing(tmp_path):
    db = Database(tmp_path / "t.db")
    await db.open()
    await guild_store.ensure_guild(db, 1)
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await guild_store.set_guild_language(db, 1, "en")
            raise RuntimeError("boom")
    assert (await guild_store.get_guild(db, 1)).language == "ar"
    await db.close()


async def test_guild_settings_and_features_survive_reopening(tmp_path):
    path = tmp_path / "g.db"
    db = Database(path)
    await db.open()
    await guild_store.set_guild_language(db, 7, "en")
    await guild_store.configure_feature(
        db, 7, "intros", channel_id=99, weekday=6, hour=10, options={"group_size": 3}
    )
    await guild_store.set_member_language(db, 7, 42, "ar")
    await db.close()
    db = Database(path)
    await db.open()
    assert (await guild_store.get_guild(db, 7)).language == "en"
    feature = await guild_store.get_feature(db, 7, "intros")
    assert feature.channel_id == 99 and feature.options == {"group_size": 3} and feature.scheduled
    assert await guild_store.member_language(db, 7, 42) == "ar"
    assert await guild_store.set_feature_enabled(db, 7, "intros", False)
    assert not (await guild_store.get_feature(db, 7, "intros")).scheduled
    assert not await guild_store.set_feature_enabled(db, 7, "prompts", False)
    await db.close()


async def test_a_bad_value_is_refused_by_the_schema(tmp_path):
    import sqlite3

    db = Database(tmp_path / "c.db")
    await db.open()
    await guild_store.ensure_guild(db, 1)
    with pytest.raises(sqlite3.IntegrityError):
        await guild_store.set_guild_language(db, 1, "fr")
    await db.close()


# --- schedules -------------------------------------------------------------------------------

RIYADH = ZoneInfo("Asia/Riyadh")
BEIRUT = ZoneInfo("Asia/Beirut")  # observes DST (last Sunday of March / October)


def test_next_run_is_the_weekday_and_local_hour():
    schedule = WeeklySchedule(weekday=6, hour=10, tz=RIYADH)  # Sunday 10:00
    after = datetime(2026, 11, 27, 12, tzinfo=UTC)  # a Friday
    nxt = schedule.next_after(after)
    assert nxt == datetime(2026, 11, 29, 7, tzinfo=UTC)  # Sunday 10:00 +03:00
    assert schedule.next_after(nxt) == nxt + timedelta(days=7)


def test_next_run_keeps_local_hour_across_a_daylight_saving_change():
    schedule = WeeklySchedule(weekday=6, hour=10, tz=BEIRUT)
    before = schedule.next_after(datetime(2026, 3, 20, tzinfo=UTC))  # Sunday 22 March, +02:00
    after = schedule.next_after(before)  # Sunday 29 March: DST began that night, +03:00
    assert before.astimezone(BEIRUT).hour == 10 and after.astimezone(BEIRUT).hour == 10
    assert after - before == timedelta(days=7, hours=-1)


def test_a_local_hour_skipped_by_daylight_saving_still_runs_that_day():
    berlin = ZoneInfo("Europe/Berlin")  # 29 March 2026: 02:00 -> 03:00
    schedule = WeeklySchedule(weekday=6, hour=2, tz=berlin)
    nxt = schedule.next_after(datetime(2026, 3, 28, tzinfo=UTC))
    assert nxt.astimezone(berlin).date().isoformat() == "2026-03-29"


def test_every_two_weeks_counts_from_the_anchor():
    first = WeeklySchedule(weekday=6, hour=10, tz=RIYADH).next_after(datetime(2026, 11, 27, tzinfo=UTC))
    schedule = WeeklySchedule(weekday=6, hour=10, tz=RIYADH, every_weeks=2, anchor=first)
    second = schedule.next_after(first)
    assert second - first == timedelta(days=14)
    assert schedule.last_at_or_before(second - timedelta(hours=1)) == first
    assert schedule.last_at_or_before(first - timedelta(hours=1)) is None


@pytest.mark.parametrize(
    "base", ["https://evil.example/api/v10", "http://10.0.0.5:8080/api/v10", "not a url"]
)
def test_the_test_api_base_refuses_anything_but_this_machine(monkeypatch, base):
    """The bot's token goes with every REST call: MAJLIS_DISCORD_API_BASE may only name a local fake."""
    import discord.http

    from bot.cli import API_BASE_ENV, point_at_test_discord

    monkeypatch.setenv(API_BASE_ENV, base)
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    with pytest.raises(SystemExit):
        point_at_test_discord()
    monkeypatch.setenv(API_BASE_ENV, "http://127.0.0.1:9999/api/v10/")
    point_at_test_discord()
    assert discord.http.Route.BASE == "http://127.0.0.1:9999/api/v10"
