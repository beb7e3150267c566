"""Planning a round: who takes part, the matching, and storing the round in one transaction."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot import intros as logic
from bot.icebreakers import load_icebreakers
from bot.matching import MatchInput, MatchResult, match_members
from bot.storage import Database
from bot.storage import guilds as guild_store
from bot.storage import intros as store
from bot.storage import profiles as profile_store
from bot.storage.guilds import FeatureConfig

if TYPE_CHECKING:
    from bot.client import MajlisBot

FEATURE = "intros"


@dataclass(frozen=True)
class RoundDraft:
    """A planned round before anything is stored (a dry run shows only this)."""

    guild_id: int
    scheduled_for: datetime
    config: FeatureConfig
    eligible: tuple[int, ...]
    result: MatchResult
    seed: int
    again: frozenset[frozenset[int]]
    stood_up: frozenset[int]


def group_options(config: FeatureConfig) -> tuple[int, str, str]:
    """Return a guild's intros options: group size, match mode, delivery."""
    options = config.options
    return (
        int(options.get("group_size", 2)),
        str(options.get("match", "same_field")),
        str(options.get("delivery", "thread")),
    )


class RoundPlanner:
    """Plans a guild's rounds from the store and records them, without touching Discord."""

    def __init__(self, bot: MajlisBot) -> None:
        self.bot = bot
        self.icebreakers = {i.id: i for i in load_icebreakers()}

    @property
    def db(self) -> Database:
        """Return the bot's store."""
        return self.bot.db

    def _present_members(self, guild_id: int) -> set[int] | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None or not guild.chunked:
            return None  # presence unknown: the departed list from the store still applies
        return {m.id for m in guild.members if not m.bot}

    async def plan(self, guild_id: int, config: FeatureConfig, scheduled_for: datetime) -> RoundDraft:
        """Choose this round's groups from the store (pure matching; nothing is written)."""
        now = self.bot.clock.now()
        members = await store.list_members(self.db, guild_id)
        departed = await guild_store.departed_members(self.db, guild_id)
        eligibility = logic.select_eligible(members, now, departed, self._present_members(guild_id))
        profiles = await profile_store.get_profiles(self.db, guild_id, eligibility.eligible)
        stood_up = logic.stood_up(await store.last_round_answers(self.db, guild_id))
        flagged = {m.user_id for m in members if m.priority} | stood_up
        candidates = [
            logic.candidate_for(profiles.get(uid), uid, now, uid in flagged) for uid in eligibility.eligible
        ]
        group_size, mode, _ = group_options(config)
        again = logic.mutual_pairs(await store.again_requests(self.db, guild_id))
        seed = logic.round_seed(guild_id, scheduled_for)
        # Matching a big guild takes seconds: keep the event loop (heartbeats, interactions) free.
        result = await asyncio.to_thread(
            match_members,
            MatchInput(
                candidates=candidates,
                group_size=group_size,
                mode=mode,
                recent_pairs=logic.recent_pairs(
                    await store.recent_round_groups(self.db, guild_id, logic.REPEAT_WINDOW)
                ),
                avoid_pairs=logic.any_pairs(await store.avoid_requests(self.db, guild_id)),
                again_pairs=again,
                repeat_window=logic.REPEAT_WINDOW,
                seed=seed,
            ),
        )
        return RoundDraft(
            guild_id, scheduled_for, config, eligibility.eligible, result, seed, again, frozenset(stood_up)
        )

    async def create(self, draft: RoundDraft) -> int:
        """Store a planned round in one transaction; return its id (an existing one for the same occurrence)."""
        config = draft.config
        group_size, mode, delivery = group_options(config)
        lang = await self.bot.guild_language(draft.guild_id)
        used = await store.recent_icebreakers(self.db, draft.guild_id, logic.ICEBREAKER_MEMORY)
        icebreakers = logic.pick_icebreakers(
            sorted(self.icebreakers), used, len(draft.result.groups), draft.seed
        )
        grouped = {uid for g in draft.result.groups for uid in g.members}
        plan = store.RoundPlan(
            guild_id=draft.guild_id,
            scheduled_for=draft.scheduled_for,
            created_at=self.bot.clock.now(),
            seed=draft.seed,
            group_size=group_size,
            match_mode=mode,
            delivery=delivery,
            channel_id=config.channel_id,
            language=lang,
            checkin_at=logic.checkin_time(draft.scheduled_for, config.every_weeks),
            groups=tuple(
                store.PlannedGroup(g.members, g.reasons, g.weight, g.repeat, icebreakers[i])
                for i, g in enumerate(draft.result.groups)
            ),
            unmatched=dict(draft.result.unmatched_reason),
            # Stood up but not placed this round (e.g. paused now): still first in line later.
            priority=frozenset(draft.stood_up - grouped),
            again_fulfilled=frozenset(
                pair for pair in draft.again for g in draft.result.groups if pair <= set(g.members)
            ),
        )
        try:
            return await store.create_round(self.db, plan)
        except sqlite3.IntegrityError:
            existing = await store.round_for(self.db, draft.guild_id, draft.scheduled_for)
            if existing is None:
                raise
            return existing.round_id
