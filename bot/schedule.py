"""Weekly schedules in the guild's time zone, and the job runner rebuilt from the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.logs import bind as bind_log_context
from bot.storage import Database
from bot.storage import guilds as guild_store
from bot.timezones import zoneinfo_for

log = logging.getLogger(__name__)

Handler = Callable[[int, datetime], Awaitable[None]]


class Clock:
    """The bot's idea of now; tests move it forward instead of waiting."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        """Return the current aware UTC time."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (tests only)."""
        self.offset += delta


@dataclass(frozen=True)
class WeeklySchedule:
    """A weekly time in a time zone: weekday (0 = Monday), local hour, every 1, 2 or 4 weeks."""

    weekday: int
    hour: int
    tz: tzinfo
    every_weeks: int = 1
    anchor: datetime | None = None  # the first occurrence; cadence counts from its week

    def _local(self, day: date) -> datetime:
        # fold=0 takes the first of a repeated hour; a time skipped by DST is normalised forward.
        return datetime.combine(day, time(self.hour), tzinfo=self.tz).astimezone(UTC)

    def _on_cadence(self, day: date) -> bool:
        if self.every_weeks == 1 or self.anchor is None:
            return True
        anchor_day = self.anchor.astimezone(self.tz).date()
        return ((day - anchor_day).days // 7) % self.every_weeks == 0

    def next_after(self, moment: datetime) -> datetime:
        """Return the first occurrence strictly after `moment` (aware), in UTC."""
        day = moment.astimezone(self.tz).date()
        day += timedelta(days=(self.weekday - day.weekday()) % 7)
        while True:
            candidate = self._local(day)
            if candidate > moment and self._on_cadence(day):
                return candidate
            day += timedelta(days=7)

    def last_at_or_before(self, moment: datetime) -> datetime | None:
        """Return the latest occurrence at or before `moment`, not earlier than the anchor."""
        day = moment.astimezone(self.tz).date()
        day -= timedelta(days=(day.weekday() - self.weekday) % 7)
        for _ in range(10):
            candidate = self._local(day)
            if self.anchor is not None and candidate < self.anchor:
                return None
            if candidate <= moment and self._on_cadence(day):
                return candidate
            day -= timedelta(days=7)
        return None


def schedule_for(config: guild_store.FeatureConfig, timezone: str) -> WeeklySchedule | None:
    """Build the weekly schedule of a configured feature, or None if it has none."""
    if not config.scheduled:
        return None
    assert config.weekday is not None and config.hour is not None
    return WeeklySchedule(
        config.weekday, config.hour, zoneinfo_for(timezone), config.every_weeks, config.anchor
    )


def job_id(guild_id: int, feature: str) -> str:
    """Name a feature's job after its database row."""
    return f"{feature}:{guild_id}"


# A failed run is tried again after these delays (never past the next occurrence), then left to it.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
)


@dataclass(frozen=True)
class RunFailure:
    """The last failed attempt at a scheduled occurrence, kept in memory for `/majlis status`."""

    occurrence: datetime
    attempts: int
    error: str
    retry_at: datetime | None  # None: no retry left before the next occurrence


def _plan(schedule: WeeklySchedule, reference: datetime, now: datetime) -> tuple[datetime, datetime]:
    """Return (occurrence, run at) of the first occurrence after `reference`; a missed one runs now, once."""
    due = schedule.next_after(reference)
    if due > now:
        return due, due
    # Missed (the bot was down, or a run came late): run the latest missed occurrence once, right away.
    return schedule.last_at_or_before(now) or due, now


class Scheduler:
    """Runs each guild's weekly features; every job is derived from a `guild_features` row.

    The next occurrence is put on the books before an occurrence runs, from the schedule already in
    memory, so nothing that fails during a run (the handler, recording it, re-reading the row) can
    leave a feature without its next run. A failed run is retried with backoff and recorded.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # coalesce + a long grace: a late wake-up (event-loop stall, suspend) runs a job once, not many times.
        self._aps = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "misfire_grace_time": 6 * 3600, "max_instances": 1}
        )
        self._handlers: dict[str, Handler] = {}
        self._pending: dict[str, datetime] = {}  # job id -> occurrence it will run for
        self._schedules: dict[str, WeeklySchedule] = {}  # job id -> the schedule its next run comes from
        self._retries: dict[str, tuple[datetime, datetime, int]] = {}  # job id -> (when, occurrence, attempt)
        self._failures: dict[str, RunFailure] = {}  # job id -> last failure, until a run succeeds
        # Set by the bot: a run missed while down fires during start-up, before guilds are cached.
        self.before_run: Callable[[], Awaitable[Any]] | None = None
        self._once: dict[str, tuple[datetime, Callable[..., Awaitable[Any]], tuple[Any, ...]]] = {}
        self._inflight: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> bool:
        """Whether jobs run (between `start` and `shutdown`)."""
        return bool(self._aps.running)

    def register(self, feature: str, handler: Handler) -> None:
        """Say which coroutine runs a feature's occurrence: handler(guild_id, scheduled_for)."""
        self._handlers[feature] = handler

    def unregister(self, feature: str) -> None:
        """Forget a feature's handler and cancel its job in every guild (its rows keep the schedule)."""
        self._handlers.pop(feature, None)
        for jid in [jid for jid in self._pending if jid.split(":", 1)[0] == feature]:
            guild_id = int(jid.split(":", 1)[1])
            self.cancel(guild_id, feature)

    def handlers(self) -> list[str]:
        """Return the features that have a handler."""
        return list(self._handlers)

    def job_ids(self) -> list[str]:
        """Return the ids of every job waiting to run (weekly, daily and one-off)."""
        return [job.id for job in self._aps.get_jobs()]

    def start(self) -> None:
        """Start the underlying APScheduler."""
        if not self._aps.running:
            self._aps.start()

    def shutdown(self) -> None:
        """Stop scheduling new runs."""
        if self._aps.running:
            self._aps.shutdown(wait=False)

    async def drain(self, limit_seconds: float = 30.0) -> None:
        """Wait (bounded) for runs in progress, so none writes after the database closes."""
        current = asyncio.current_task()
        running = [task for task in self._inflight if task is not current and not task.done()]
        if running:
            await asyncio.wait(running, timeout=limit_seconds)

    async def rebuild(self, features: Collection[str] | None = None) -> None:
        """Recreate every job (or only these features') from the database; a run missed while down is due now."""
        for config in await guild_store.list_features(self.db):
            if features is None or config.feature in features:
                await self.reschedule(config.guild_id, config.feature)

    async def rebuild_guild(self, guild_id: int) -> None:
        """Recreate one guild's jobs from its rows (the bot is back in it)."""
        for config in await guild_store.list_features(self.db, guild_id):
            await self.reschedule(guild_id, config.feature)

    async def reschedule(self, guild_id: int, feature: str) -> datetime | None:
        """(Re)create one feature's job from its row; return when it will run next.

        The row is read before the current job is touched, so a read that fails keeps the job.
        """
        config = await guild_store.get_feature(self.db, guild_id, feature)
        guild = await guild_store.get_guild(self.db, guild_id)
        schedule = None
        if config is not None and guild is not None and feature in self._handlers:
            schedule = schedule_for(config, guild.timezone)
        self.cancel(guild_id, feature)
        if schedule is None or config is None:
            return None
        now = self.clock.now()
        reference = config.last_run_at or (config.anchor - timedelta(seconds=1) if config.anchor else now)
        occurrence, run_at = _plan(schedule, reference, now)
        self._schedules[job_id(guild_id, feature)] = schedule
        self._set_job(guild_id, feature, occurrence, run_at)
        return occurrence

    def _set_job(self, guild_id: int, feature: str, occurrence: datetime, run_at: datetime) -> None:
        jid = job_id(guild_id, feature)
        self._pending[jid] = occurrence
        self._aps.add_job(
            self._run_job,
            DateTrigger(run_date=self._real_time(run_at)),
            id=jid,
            replace_existing=True,
            args=[guild_id, feature, occurrence],
        )

    def _real_time(self, moment: datetime) -> datetime:
        """Turn a time on the bot's clock into the wall-clock time APScheduler waits for."""
        return datetime.now(UTC) + (moment - self.clock.now())

    def cancel(self, guild_id: int, feature: str) -> None:
        """Remove a feature's job and any retry, if any."""
        jid = job_id(guild_id, feature)
        self._pending.pop(jid, None)
        self._schedules.pop(jid, None)
        self._failures.pop(jid, None)
        self._cancel_retry(jid)
        if self._aps.get_job(jid) is not None:
            self._aps.remove_job(jid)

    def pending_runs(self) -> list[datetime]:
        """Return when every waiting run (weekly, retries and one-off) is due, for the metrics' overdue figure."""
        return [
            *self._pending.values(),
            *(when for when, _, _ in self._retries.values()),
            *(when for when, _, _ in self._once.values()),
        ]

    def cancel_guild(self, guild_id: int) -> None:
        """Remove every job of a guild (it removed the bot, or was purged)."""
        for jid in list(self._pending):
            feature, owner = jid.split(":")
            if int(owner) == guild_id:
                self.cancel(guild_id, feature)

    def next_run(self, guild_id: int, feature: str) -> datetime | None:
        """Return the occurrence a feature's job will run for next."""
        return self._pending.get(job_id(guild_id, feature))

    def failure(self, guild_id: int, feature: str) -> RunFailure | None:
        """Return the last failed attempt of a feature's run, until a run succeeds."""
        return self._failures.get(job_id(guild_id, feature))

    async def fire_due(self) -> int:
        """Run now every weekly job, retry and one-off job due by the clock (tests and the demo move it)."""
        now = self.clock.now()
        due = [(jid, when) for jid, when in self._pending.items() if when <= now]
        for jid, when in due:
            feature, guild_id = jid.split(":")
            await self._run_job(int(guild_id), feature, when)
        retries = [
            (jid, occurrence, attempt)
            for jid, (when, occurrence, attempt) in self._retries.items()
            if when <= now
        ]
        for jid, occurrence, attempt in retries:
            feature, guild_id = jid.split(":")
            await self._run_retry(int(guild_id), feature, occurrence, attempt)
        once = sorted((when, key) for key, (when, _, _) in self._once.items() if when <= now)
        for _, key in once:
            await self._run_once(key)
        return len(due) + len(retries) + len(once)

    async def _run_job(self, guild_id: int, feature: str, occurrence: datetime) -> None:
        jid = job_id(guild_id, feature)
        if self._pending.get(jid) != occurrence:
            return  # already run (fired by hand) or replaced
        # Before anything that can fail: the next occurrence is booked from the schedule in memory.
        self._pending.pop(jid, None)
        if self._aps.get_job(jid) is not None:
            self._aps.remove_job(jid)
        schedule = self._schedules.get(jid)
        if schedule is not None:
            self._set_job(guild_id, feature, *_plan(schedule, occurrence, self.clock.now()))
        self._cancel_retry(jid)  # a newer occurrence supersedes an older one still being retried
        await self._tracked(self._attempt(guild_id, feature, occurrence, 1))

    async def _run_retry(self, guild_id: int, feature: str, occurrence: datetime, attempt: int) -> None:
        jid = job_id(guild_id, feature)
        entry = self._retries.get(jid)
        if entry is None or entry[1:] != (occurrence, attempt):
            return  # already retried, or superseded
        self._cancel_retry(jid)
        await self._tracked(self._attempt(guild_id, feature, occurrence, attempt))

    async def _tracked(self, work: Awaitable[None]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await work
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _attempt(self, guild_id: int, feature: str, occurrence: datetime, attempt: int) -> None:
        """Run an occurrence and record it; on any failure, book a retry and record the error."""
        jid = job_id(guild_id, feature)
        bind_log_context(guild_id=guild_id, feature=feature)
        try:
            if self.before_run is not None:
                await self.before_run()
            handler = self._handlers.get(feature)
            if handler is None:
                return  # the feature was unloaded while this run waited; its next load reschedules it
            await handler(guild_id, occurrence)
            # Handlers are exactly-once per occurrence, so a retry after a failed record sends nothing twice.
            await guild_store.record_feature_run(self.db, guild_id, feature, occurrence)
        except Exception as exc:
            log.exception("scheduled %s failed in guild %s (attempt %d)", feature, guild_id, attempt)
            await self._failed(guild_id, feature, occurrence, attempt, f"{type(exc).__name__}: {exc}"[:300])
            return
        self._failures.pop(jid, None)
        try:
            # Pick up what changed meanwhile (the guild's time zone); the booked job stays if this fails.
            await self.reschedule(guild_id, feature)
        except Exception:
            log.exception("could not re-read the schedule of %s in guild %s", feature, guild_id)

    async def _failed(
        self, guild_id: int, feature: str, occurrence: datetime, attempt: int, error: str
    ) -> None:
        jid = job_id(guild_id, feature)
        retry_at = None
        if attempt <= len(RETRY_DELAYS):
            retry_at = self.clock.now() + RETRY_DELAYS[attempt - 1]
            upcoming = self._pending.get(jid)
            if upcoming is not None and retry_at >= upcoming:
                retry_at = None  # the next occurrence comes first
        self._failures[jid] = RunFailure(occurrence, attempt, error, retry_at)
        if retry_at is not None:
            self._retries[jid] = (retry_at, occurrence, attempt + 1)
            self._aps.add_job(
                self._run_retry,
                DateTrigger(run_date=self._real_time(retry_at)),
                id=f"retry:{jid}",
                replace_existing=True,
                args=[guild_id, feature, occurrence, attempt + 1],
            )
        try:
            # The error only: the occurrence is not marked run, so a restart tries it again once.
            await guild_store.record_feature_error(self.db, guild_id, feature, error)
        except Exception:
            log.exception("could not record the failure of %s in guild %s", feature, guild_id)

    def _cancel_retry(self, jid: str) -> None:
        self._retries.pop(jid, None)
        if self._aps.get_job(f"retry:{jid}") is not None:
            self._aps.remove_job(f"retry:{jid}")

    def add_once(self, key: str, when: datetime, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run `func(*args)` once at `when` (now if past); callers rebuild these from their rows at start."""
        self._once[key] = (when, func, args)
        delay = max((when - self.clock.now()).total_seconds(), 0.0)
        self._aps.add_job(
            self._run_once,
            DateTrigger(run_date=datetime.now(UTC) + timedelta(seconds=delay)),
            id=f"once:{key}",
            replace_existing=True,
            args=[key],
        )

    async def _run_once(self, key: str) -> None:
        entry = self._once.pop(key, None)
        if self._aps.get_job(f"once:{key}") is not None:
            self._aps.remove_job(f"once:{key}")
        if entry is None:
            return  # already run by fire_due, or cancelled
        _, func, args = entry
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await func(*args)
        finally:
            if task is not None:
                self._inflight.discard(task)

    def add_daily(self, key: str, func: Callable[[], Awaitable[Any]], hour: int = 3, minute: int = 0) -> None:
        """Run `func()` every day at hour:minute UTC (maintenance: backups, expiries, purges)."""
        self._aps.add_job(
            func,
            CronTrigger(hour=hour, minute=minute, timezone=UTC),
            id=f"daily:{key}",
            replace_existing=True,
        )

    def cancel_daily(self, key: str) -> None:
        """Remove a daily job, if scheduled."""
        if self._aps.get_job(f"daily:{key}") is not None:
            self._aps.remove_job(f"daily:{key}")

    def cancel_once_prefixed(self, prefix: str) -> None:
        """Remove every one-off job whose key starts with `prefix`."""
        for key in [key for key in self._once if key.startswith(prefix)]:
            self.cancel_once(key)

    def cancel_once(self, key: str) -> None:
        """Remove a one-off job, if scheduled."""
        self._once.pop(key, None)
        if self._aps.get_job(f"once:{key}") is not None:
            self._aps.remove_job(f"once:{key}")

    def once_keys(self) -> list[str]:
        """Return the keys of pending one-off jobs."""
        return list(self._once)
