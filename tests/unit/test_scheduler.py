"""The job runner: every job comes from a database row; a run missed while down happens once."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest

from bot.schedule import RETRY_DELAYS, Clock, Scheduler, WeeklySchedule
from bot.storage import Database
from bot.storage import guilds as guild_store
from bot.timezones import zoneinfo_for


# Resources live in fixtures that close them in `finally`: an assertion failing mid-test must not leave
# the database's connection thread running, which kept pytest from exiting after the report.
@pytest.fixture
async def store(tmp_path) -> AsyncIterator[Database]:
    db = Database(tmp_path / "s.db")
    await db.open()
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def scheduler(store, clock) -> Iterator[Scheduler]:
    runner = Scheduler(store, clock)
    try:
        yield runner
    finally:
        runner.shutdown()


async def _configure(db, clock):
    await guild_store.set_guild_timezone(db, 1, "Asia/Riyadh")
    schedule = WeeklySchedule(weekday=6, hour=10, tz=zoneinfo_for("Asia/Riyadh"))
    first = schedule.next_after(clock.now())
    await guild_store.configure_feature(db, 1, "prompts", channel_id=5, weekday=6, hour=10, anchor=first)
    return first


async def test_jobs_are_rebuilt_from_the_rows_and_run_each_occurrence_once(store, clock, scheduler):
    first = await _configure(store, clock)
    runs = []

    async def handler(guild_id, occurrence):
        runs.append((guild_id, occurrence))

    scheduler.register("prompts", handler)
    await scheduler.rebuild()
    assert scheduler.next_run(1, "prompts") == first
    assert await scheduler.fire_due() == 0  # not yet
    clock.advance(first - clock.now() + timedelta(minutes=1))
    assert await scheduler.fire_due() == 1
    assert runs == [(1, first)]
    assert scheduler.next_run(1, "prompts") == first + timedelta(days=7)
    assert await scheduler.fire_due() == 0  # the same occurrence never runs twice
    config = await guild_store.get_feature(store, 1, "prompts")
    assert config.last_run_at == first and config.last_error is None


async def test_runs_missed_while_down_happen_once_at_start_up(store, clock, scheduler):
    first = await _configure(store, clock)
    runs = []

    async def handler(guild_id, occurrence):
        runs.append(occurrence)

    clock.advance(first - clock.now() + timedelta(days=15))  # three Sundays passed while "down"
    # The scheduler is fresh: it knows nothing but the database.
    scheduler.register("prompts", handler)
    await scheduler.rebuild()
    assert await scheduler.fire_due() == 1
    assert runs == [first + timedelta(days=14)]  # only the latest missed occurrence
    assert scheduler.next_run(1, "prompts") == first + timedelta(days=21)


async def test_a_failing_run_is_recorded_and_the_next_one_still_scheduled(store, clock, scheduler):
    first = await _configure(store, clock)

    async def handler(guild_id, occurrence):
        raise RuntimeError("channel gone")

    scheduler.register("prompts", handler)
    await scheduler.rebuild()
    clock.advance(first - clock.now() + timedelta(minutes=1))
    assert await scheduler.fire_due() == 1
    config = await guild_store.get_feature(store, 1, "prompts")
    assert "channel gone" in config.last_error
    assert scheduler.next_run(1, "prompts") == first + timedelta(days=7)


async def test_one_off_jobs_run_once_when_due_and_can_be_cancelled(clock, scheduler):
    scheduler.start()
    ran = []

    async def job(name):
        ran.append(name)

    scheduler.add_once("checkin:1", clock.now() + timedelta(days=3), job, "checkin")
    scheduler.add_once("reminder:2", clock.now() + timedelta(days=3), job, "reminder")
    scheduler.cancel_once("reminder:2")
    assert scheduler.once_keys() == ["checkin:1"]
    assert await scheduler.fire_due() == 0
    clock.advance(timedelta(days=3, minutes=1))
    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    assert ran == ["checkin"]


async def test_a_disabled_feature_has_no_job(store, clock, scheduler):
    await _configure(store, clock)

    async def handler(guild_id, occurrence):
        raise AssertionError("must not run")

    scheduler.register("prompts", handler)
    await guild_store.set_feature_enabled(store, 1, "prompts", False)
    await scheduler.rebuild()
    assert scheduler.next_run(1, "prompts") is None
    clock.advance(timedelta(days=30))
    assert await scheduler.fire_due() == 0


LOCKED = sqlite3.OperationalError("database is locked")


async def _failing_once(monkeypatch, module, name):
    """Make `module.name` raise 'database is locked' on its next call only."""
    real = getattr(module, name)
    calls = []

    async def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise LOCKED
        return await real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return calls


@pytest.mark.parametrize("step", ["before_run", "handler", "record_run", "reread_schedule"])
async def test_a_failure_at_any_step_keeps_the_next_run_and_the_run_is_retried(
    store, clock, scheduler, monkeypatch, step
):
    db = store
    first = await _configure(db, clock)
    runs = []
    failures = {"before_run": 1 if step == "before_run" else 0, "handler": 1 if step == "handler" else 0}

    async def before_run():
        if failures["before_run"]:
            failures["before_run"] -= 1
            raise LOCKED

    async def handler(guild_id, occurrence):
        if failures["handler"]:
            failures["handler"] -= 1
            raise LOCKED
        runs.append(occurrence)
        if step == "reread_schedule" and len(runs) == 1:
            await _failing_once(monkeypatch, guild_store, "get_feature")  # the re-read after this run

    scheduler.before_run = before_run
    scheduler.register("prompts", handler)
    await scheduler.rebuild()
    if step == "record_run":
        await _failing_once(monkeypatch, guild_store, "record_feature_run")
    clock.advance(first - clock.now() + timedelta(minutes=1))
    assert await scheduler.fire_due() == 1
    # Whatever failed, the next occurrence is booked.
    assert scheduler.next_run(1, "prompts") == first + timedelta(days=7)
    config = await guild_store.get_feature(db, 1, "prompts")
    if step == "reread_schedule":
        assert runs == [first] and scheduler.failure(1, "prompts") is None
        assert config.last_run_at == first
    else:
        failure = scheduler.failure(1, "prompts")
        assert failure.attempts == 1 and "database is locked" in failure.error
        assert abs(failure.retry_at - clock.now() - RETRY_DELAYS[0]) < timedelta(seconds=5)
        assert "database is locked" in config.last_error
        assert config.last_run_at is None  # not marked run: a restart would try it again
        clock.advance(RETRY_DELAYS[0])
        assert await scheduler.fire_due() == 1  # the retry
        config = await guild_store.get_feature(db, 1, "prompts")
        assert config.last_run_at == first and config.last_error is None
        assert scheduler.failure(1, "prompts") is None
    assert runs[-1] == first
    assert scheduler.next_run(1, "prompts") == first + timedelta(days=7)
    clock.advance(timedelta(days=7))
    assert await scheduler.fire_due() == 1
    assert runs[-1] == first + timedelta(days=7)


async def test_retries_back_off_and_stop_before_the_next_occurrence(store, clock, scheduler):
    db = store
    first = await _configure(db, clock)
    attempts = []

    async def handler(guild_id, occurrence):
        attempts.append((clock.now(), occurrence))
        raise RuntimeError("still broken")

    scheduler.register("prompts", handler)
    await scheduler.rebuild()
    clock.advance(first - clock.now())
    await scheduler.fire_due()
    while (failure := scheduler.failure(1, "prompts")).retry_at is not None:
        clock.advance(failure.retry_at - clock.now())
        await scheduler.fire_due()
    assert [occurrence for _, occurrence in attempts] == [first] * (1 + len(RETRY_DELAYS))
    gaps = [
        round((later - earlier).total_seconds()) for (earlier, _), (later, _) in itertools.pairwise(attempts)
    ]
    assert gaps == [delay.total_seconds() for delay in RETRY_DELAYS]
    assert failure.attempts == 1 + len(RETRY_DELAYS) and "still broken" in failure.error
    assert scheduler.next_run(1, "prompts") == first + timedelta(days=7)


async def test_a_failure_the_database_cannot_record_is_still_known_and_retried(
    store, clock, scheduler, monkeypatch
):
    db = store
    first = await _configure(db, clock)
    runs = []

    async def handler(guild_id, occurrence):
        runs.append(occurrence)

    scheduler.register("prompts", handler)
    await scheduler.rebuild()
    await _failing_once(monkeypatch, guild_store, "record_feature_run")
    await _failing_once(monkeypatch, guild_store, "record_feature_error")
    clock.advance(first - clock.now() + timedelta(minutes=1))
    await scheduler.fire_due()
    assert "database is locked" in scheduler.failure(1, "prompts").error
    assert scheduler.next_run(1, "prompts") == first + timedelta(days=7)
    clock.advance(RETRY_DELAYS[0])
    await scheduler.fire_due()
    assert runs == [first, first]  # handlers are exactly-once per occurrence, so running it again is safe
    assert (await guild_store.get_feature(db, 1, "prompts")).last_run_at == first


async def test_an_occurrence_that_failed_runs_again_once_after_a_restart(store, clock, scheduler):
    db = store
    first = await _configure(db, clock)
    runs = []

    async def broken(guild_id, occurrence):
        raise RuntimeError("down")

    async def handler(guild_id, occurrence):
        runs.append(occurrence)

    scheduler.register("prompts", broken)
    await scheduler.rebuild()
    clock.advance(first - clock.now() + timedelta(minutes=1))
    await scheduler.fire_due()
    restarted = Scheduler(db, clock)  # the retries were in memory; the row still says it never ran
    restarted.register("prompts", handler)
    await restarted.rebuild()
    assert await restarted.fire_due() == 1
    assert runs == [first]
    assert restarted.next_run(1, "prompts") == first + timedelta(days=7)
