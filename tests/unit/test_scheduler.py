"""The job runner: every job comes from a database row; a run missed while down happens once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest

from bot.schedule import Clock, Scheduler, WeeklySchedule
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
