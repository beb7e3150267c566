"""What a feature plugs into the bot, declared once: `MajlisCog` registers all of it and removes all of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.cog import GuildInteraction

# (guild_id, scheduled occurrence) -> None: one run of a weekly feature.
WeeklyHandler = Callable[[int, datetime], Awaitable[None]]
# `/majlis run feature:<name> [dry_run]`
RunTarget = Callable[["GuildInteraction", bool], Awaitable[None]]
# (guild_id, lang) -> lines for `/majlis status`
StatusProvider = Callable[[int, str], Awaitable[list[str]]]
# (guild_id, user_id) -> counts shown on the profile card, e.g. {"peers_met": 3}
ProfileCounter = Callable[[int, int], Awaitable[dict[str, int]]]


@dataclass
class Feature:
    """What a feature cog tells the admin commands about itself."""

    name: str  # as stored in guild_features and offered by `/majlis disable`
    status: StatusProvider | None = None  # lines for `/majlis status`
    on_disable: Callable[[int], Awaitable[None]] | None = None


@dataclass(frozen=True)
class DailyJob:
    """A job run every day at `hour`:00 UTC (backups, expiries, purges)."""

    key: str
    run: Callable[[], Awaitable[Any]]
    hour: int


@dataclass(frozen=True)
class Hooks:
    """Everything a feature plugs into the bot; the bot adds it on load and takes all of it off on unload."""

    weekly: Mapping[str, WeeklyHandler] = field(default_factory=dict)  # guild_features name -> handler
    daily: Sequence[DailyJob] = ()
    # One-off jobs are keyed by what they are for ("intros-checkin:12"); these prefixes name the feature's.
    one_off_prefixes: Sequence[str] = ()
    dynamic_items: Sequence[type[discord.ui.DynamicItem[Any]]] = ()
    features: Sequence[Feature] = ()
    run_targets: Mapping[str, RunTarget] = field(default_factory=dict)
    profile_counters: Sequence[ProfileCounter] = ()
