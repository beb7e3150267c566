"""The Discord side of `/privacy forget`: each planned message edited or deleted once, resumable.

`bot.storage.privacy.forget_member` plans the steps in the transaction that deletes the member's
rows; this runs them through `bot.delivery`'s exactly-once rule: a step is recorded as begun before
its request, and a step found begun after a stop is first checked on Discord (was the post already
withdrawn, the thread already gone, the member already out of the message?) before anything is sent.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import discord

from bot.background import BackgroundWork
from bot.forgetting import Scrub
from bot.i18n import t
from bot.locks import KeyedLocks
from bot.storage import privacy as store

if TYPE_CHECKING:
    from bot.client import MajlisBot

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=10)  # a step Discord failed (5xx) is tried again this much later
# How each kind of step reads in the member's confirmation, once done.
DONE_KEYS = {
    "board": "privacy.forgot.board",
    "forum": "privacy.forgot.forum",
    "digest": "privacy.forgot.edited",
    "prompt": "privacy.forgot.edited",
    "intro": "privacy.forgot.edited",
}


def withdrawn_embed(lang: str) -> discord.Embed:
    """Build what a forgotten member's board post shows instead of the request."""
    return discord.Embed(description=t(lang, "privacy.board_withdrawn"), colour=discord.Colour.dark_grey())


class Forgetting(BackgroundWork):
    """Runs forget jobs: one at a time per job, resumed at start-up, retried after a Discord failure."""

    def __init__(self, bot: MajlisBot) -> None:
        super().__init__()
        self.bot = bot
        self._jobs: KeyedLocks[int] = KeyedLocks()
        self.refused: dict[int, int] = {}  # job id -> steps Discord refused, while the job runs

    async def resume(self) -> None:
        """Finish the jobs a stop interrupted (once the gateway's caches are filled)."""
        await self.bot.wait_until_ready()
        for job in await store.forget_jobs(self.bot.db):
            await self.run(job.id)

    async def run(self, job_id: int) -> Counter[str]:
        """Do every step left of a job; return the outcomes (`board`, `forum`, `edited`, `gone`)."""
        outcomes: Counter[str] = Counter()
        async with self._jobs.hold(job_id):
            found = await store.forget_jobs(self.bot.db, job_id)
            if not found:
                return outcomes  # finished meanwhile
            job = found[0]
            for step in job.steps:
                if step.state in ("done", "unchanged", "gone"):
                    outcomes[self._counted(step, step.state)] += 1
                    continue
                try:
                    state = await self._run_step(job, step)
                except discord.HTTPException as error:
                    # Discord is having trouble (5xx): the steps left wait, recorded, for a retry.
                    log.warning("forget job %s stopped at step %s: %s", job.id, step.position, error)
                    when = self.bot.clock.now() + RETRY_AFTER
                    self.bot.scheduler.add_once(f"forget:{job.id}", when, self._retry, job.id)
                    outcomes["pending"] += len(job.steps) - step.position
                    return outcomes
                await store.set_step_state(self.bot.db, job.id, step.position, state)
                outcomes[self._counted(step, state)] += 1
            await store.finish_job(self.bot.db, job.id)
        refused = self.refused.pop(job.id, 0)
        if refused:
            outcomes["gone"] -= refused
            outcomes["refused"] += refused
        return outcomes

    async def _retry(self, job_id: int) -> None:
        await self.run(job_id)

    @staticmethod
    def _counted(step: store.ForgetStep, state: str) -> str:
        if state == "gone":
            return "gone"
        if state == "unchanged":
            return "unchanged"
        return DONE_KEYS[step.kind]

    async def _run_step(self, job: store.ForgetJob, step: store.ForgetStep) -> str:
        delivery = self.bot.delivery
        return await delivery.send_once(
            begun=step.state == "begun",
            find=partial(self._landed, job, step),
            record=partial(store.set_step_state, self.bot.db, job.id, step.position, "begun"),
            send=partial(self._apply, job, step),
        )

    def _scrub(self, job: store.ForgetJob, step: store.ForgetStep) -> Scrub:
        return Scrub(
            user_id=job.forgotten_id,
            former=t(job.language, "swaps.former_member"),
            drop_lines=step.kind in ("digest", "prompt"),
            threads=tuple(step.detail.get("threads", ())),
            field=step.detail.get("field"),
        )

    async def _landed(self, job: store.ForgetJob, step: store.ForgetStep) -> str | None:
        """After a stop mid-step: tell whether Discord already did it (None: do it now)."""
        delivery = self.bot.delivery
        if step.kind == "forum":
            try:
                await self.bot.fetch_channel(step.channel_id)
            except discord.NotFound:
                return "done"
            return None
        try:
            message = await delivery.fetch(step.channel_id, step.message_id)
        except (discord.NotFound, discord.Forbidden):
            return "gone"
        embeds: list[dict[str, Any]] = [dict(embed.to_dict()) for embed in message.embeds]
        if step.kind == "board":
            withdrawn = t(job.language, "privacy.board_withdrawn")
            return "done" if embeds and embeds[0].get("description") == withdrawn else None
        return None if self._scrub(job, step).names_them(message.content, embeds) else "done"

    async def _apply(self, job: store.ForgetJob, step: store.ForgetStep) -> str:
        delivery = self.bot.delivery
        try:
            if step.kind == "forum":
                return "done" if await delivery.delete_channel(step.channel_id) else "gone"
            if step.kind == "board":
                await delivery.edit(
                    step.channel_id,
                    step.message_id,
                    content=None,
                    embed=withdrawn_embed(job.language),
                    view=None,
                )
                return "done"
            message = await delivery.fetch(step.channel_id, step.message_id)
            scrub = self._scrub(job, step)
            embeds: list[dict[str, Any]] = [dict(embed.to_dict()) for embed in message.embeds]
            if not scrub.names_them(message.content, embeds):
                return "unchanged"
            content, cleaned = scrub.apply(message.content, embeds)
            changes: dict[str, Any] = {"embeds": [discord.Embed.from_dict(e) for e in cleaned]}
            if message.content:
                changes["content"] = content
            await delivery.edit(step.channel_id, step.message_id, **changes)
            return "done"
        except discord.NotFound:
            return "gone"  # deleted meanwhile, by someone else
        except discord.Forbidden as error:
            # Out of the bot's reach: deleting a forum thread needs Manage Threads.
            log.warning("forget step %s/%s refused by Discord: %s", job.id, step.position, error)
            self.refused[job.id] = self.refused.get(job.id, 0) + 1
            return "gone"
