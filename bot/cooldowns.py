"""Per-member cooldowns on commands and buttons that write or fan out, timed by the bot's clock.

A cooldown is a named bucket with a rate (`uses` per `per`), counted per (guild, member) over a
sliding window. Commands declare theirs with the `cooldown(bucket)` check; a button calls
`check_cooldown(interaction, bucket)`. Time comes from `bot.clock`, so tests move it forward
instead of waiting. A use refused as bad input (a `MajlisError`) is given back by the error
handler through `refund`, so a member who mistyped is not also made to wait.
`/majlis …` admin commands have no cooldown.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import discord
from babel.dates import format_timedelta
from discord import app_commands

from bot.errors import MajlisError

T = TypeVar("T")
_EXTRAS_KEY = "majlis_cooldown"
_BABEL_LOCALE = {"ar": "ar_SA", "en": "en_GB"}


@dataclass(frozen=True)
class Rate:
    """At most `uses` within any window of `per`."""

    uses: int
    per: timedelta


# Generous for a person, tight for a script: each rate allows a burst a member would really make, and
# sits above the feature's own limits (5 open swap requests, 3 pending suggestions), so a member who
# reaches one of those is told that limit rather than asked to wait.
RATES: dict[str, Rate] = {
    "share.post": Rate(3, timedelta(minutes=10)),
    "share.search": Rate(10, timedelta(minutes=1)),
    "swap.offer": Rate(8, timedelta(hours=1)),
    "swap.help": Rate(5, timedelta(minutes=10)),
    "prompt.suggest": Rate(5, timedelta(hours=1)),
    "profile.set": Rate(10, timedelta(minutes=5)),
    "profile.find": Rate(10, timedelta(minutes=1)),
    "intros.lists": Rate(10, timedelta(minutes=10)),
    "privacy.export": Rate(3, timedelta(minutes=10)),  # reads everything about the member, DMs a file
}

Key = tuple[str, int, int]


class Cooldowns:
    """Remembers recent uses per (bucket, guild, member) and says how long is left to wait."""

    def __init__(self, now: Callable[[], datetime], rates: dict[str, Rate] | None = None) -> None:
        self._now = now
        self.rates = dict(RATES if rates is None else rates)
        self._uses: dict[Key, deque[datetime]] = {}

    def hit(self, bucket: str, guild_id: int, user_id: int) -> tuple[float, datetime | None]:
        """Count one use; return (seconds to wait, 0 when allowed) and the recorded use to refund."""
        rate = self.rates[bucket]
        now = self._now()
        key = (bucket, guild_id, user_id)
        uses = self._uses.setdefault(key, deque())
        while uses and now - uses[0] >= rate.per:
            uses.popleft()
        if len(uses) >= rate.uses:
            return (uses[0] + rate.per - now).total_seconds(), None
        uses.append(now)
        self._forget_idle(now)
        return 0.0, now

    def refund(self, bucket: str, guild_id: int, user_id: int, used_at: datetime) -> None:
        """Give back a use that ended in a refusal (bad input changes nothing, not even the cooldown)."""
        uses = self._uses.get((bucket, guild_id, user_id))
        if uses and used_at in uses:
            uses.remove(used_at)

    def _forget_idle(self, now: datetime) -> None:
        # Bounded memory: drop members whose window has passed, once the map grows.
        if len(self._uses) < 4096:
            return
        longest = max(rate.per for rate in self.rates.values())
        for key in [k for k, uses in self._uses.items() if not uses or now - uses[-1] >= longest]:
            del self._uses[key]


def wait_text(lang: str, seconds: float) -> str:
    """Say how long to wait in the member's language, rounded up: "45 seconds", "دقيقتان", "2 hours"."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        delta = timedelta(seconds=seconds)
    elif seconds < 3600:
        delta = timedelta(minutes=math.ceil(seconds / 60))
    else:
        delta = timedelta(hours=math.ceil(seconds / 3600))
    locale = _BABEL_LOCALE.get(lang, _BABEL_LOCALE["en"])
    return format_timedelta(delta, threshold=1, format="long", locale=locale)


def _hit(interaction: discord.Interaction, bucket: str, guild_id: int | None = None) -> float:
    """Count a use for the interaction's member; return the seconds left to wait (0 when allowed)."""
    cooldowns: Cooldowns | None = getattr(interaction.client, "cooldowns", None)
    guild_id = guild_id if guild_id is not None else interaction.guild_id
    if cooldowns is None or guild_id is None:
        return 0.0
    retry_after, used_at = cooldowns.hit(bucket, guild_id, interaction.user.id)
    if used_at is not None:
        interaction.extras[_EXTRAS_KEY] = (bucket, used_at, guild_id)
    return retry_after


def cooldown(bucket: str) -> Callable[[T], T]:
    """Limit a slash command per member with the named rate (see `RATES`)."""
    rate = RATES[bucket]

    async def predicate(interaction: discord.Interaction) -> bool:
        retry_after = _hit(interaction, bucket)
        if retry_after > 0:
            raise app_commands.CommandOnCooldown(
                app_commands.Cooldown(rate.uses, rate.per.total_seconds()), retry_after
            )
        return True

    return app_commands.check(predicate)


async def check_cooldown(interaction: discord.Interaction, bucket: str, guild_id: int | None = None) -> None:
    """Count a button press against a member's cooldown, refusing it (in their language) when used up.

    A press in a DM has no guild: give the guild the button belongs to, so it is counted there too.
    """
    retry_after = _hit(interaction, bucket, guild_id)
    if retry_after > 0:
        lang = await interaction.client.language_for(interaction)  # type: ignore[attr-defined]
        raise MajlisError("error.cooldown", wait=wait_text(lang, retry_after))


def refund(interaction: discord.Interaction) -> None:
    """Give back the use an interaction counted, when it was refused as bad input."""
    counted: Any = interaction.extras.pop(_EXTRAS_KEY, None)
    cooldowns: Cooldowns | None = getattr(interaction.client, "cooldowns", None)
    if counted is None or cooldowns is None:
        return
    bucket, used_at, guild_id = counted
    cooldowns.refund(bucket, guild_id, interaction.user.id, used_at)
