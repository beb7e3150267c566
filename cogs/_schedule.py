"""Shared `/majlis intros|prompts` plumbing: weekday choices, time zone, permissions, saving a schedule."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from discord import app_commands

from bot.errors import MajlisError
from bot.i18n import weekday_name
from bot.intros import WEEKDAYS_SATURDAY_FIRST
from bot.storage import guilds as guild_store
from bot.text import literal
from bot.timezones import parse_timezone

if TYPE_CHECKING:
    from bot.client import MajlisBot

# Saturday first: the week starts on Saturday in much of the Arab world.
WEEKDAY_CHOICES = [
    app_commands.Choice(name=f"{weekday_name(day, 'en')} · {weekday_name(day, 'ar')}", value=day)
    for day in WEEKDAYS_SATURDAY_FIRST
]
TIMEZONE_SHOWN = 60  # characters of a rejected time zone echoed back


async def resolve_timezone(bot: MajlisBot, guild_id: int, value: str | None, error_key: str) -> str:
    """Return the stored form of an admin's time zone, or the guild's current one when none was given."""
    if value is None:
        settings = await guild_store.ensure_guild(bot.db, guild_id)
        return settings.timezone
    try:
        return parse_timezone(value)
    except ValueError:
        raise MajlisError(error_key, value=literal(value[:TIMEZONE_SHOWN])) from None


async def save_weekly_schedule(
    bot: MajlisBot,
    guild_id: int,
    feature: str,
    *,
    timezone: str,
    channel_id: int,
    weekday: int,
    hour: int,
    anchor: datetime,
    every_weeks: int = 1,
    options: dict[str, Any] | None = None,
) -> datetime | None:
    """Save the guild's time zone and a feature's weekly schedule, then reschedule; return its next run."""
    db = bot.db
    settings = await guild_store.ensure_guild(db, guild_id)
    if settings.timezone != timezone:
        await guild_store.set_guild_timezone(db, guild_id, timezone)
    # configure_feature clears the last run and sets the new anchor, so a changed schedule never looks overdue.
    await guild_store.configure_feature(
        db,
        guild_id,
        feature,
        channel_id=channel_id,
        weekday=weekday,
        hour=hour,
        every_weeks=every_weeks,
        options=options,
        anchor=anchor,
    )
    return await bot.scheduler.reschedule(guild_id, feature)
