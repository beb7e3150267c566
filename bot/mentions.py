"""Whom a message may ping: named members only, never everyone, here or a role."""

from __future__ import annotations

from collections.abc import Iterable

import discord


def ping_only(user_ids: Iterable[int]) -> discord.AllowedMentions:
    """Allow pings of exactly these members (forgotten members' negative tombstone ids are dropped).

    Every field is set, so the send does not fall back on the bot's default for any of them.
    """
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        replied_user=False,
        users=[discord.Object(uid) for uid in dict.fromkeys(user_ids) if uid > 0],
    )
