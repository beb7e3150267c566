"""Per-member cooldowns: a sliding window on the bot's clock, refunds for refused input, waits in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.cooldowns import RATES, Cooldowns, Rate, wait_text


class FakeNow:
    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 1, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


def test_uses_beyond_the_rate_wait_for_the_oldest_to_leave_the_window():
    now = FakeNow()
    cooldowns = Cooldowns(now, {"x": Rate(2, timedelta(minutes=10))})
    assert cooldowns.hit("x", 1, 7)[0] == 0
    now.moment += timedelta(minutes=4)
    assert cooldowns.hit("x", 1, 7)[0] == 0
    wait, used = cooldowns.hit("x", 1, 7)
    assert used is None and wait == 6 * 60  # the first use leaves the window in six minutes
    now.moment += timedelta(minutes=6)
    assert cooldowns.hit("x", 1, 7)[0] == 0
    assert cooldowns.hit("x", 1, 7)[0] == 4 * 60


def test_members_guilds_and_buckets_are_counted_apart():
    cooldowns = Cooldowns(FakeNow(), {"x": Rate(1, timedelta(minutes=1)), "y": Rate(1, timedelta(minutes=1))})
    assert cooldowns.hit("x", 1, 7)[0] == 0
    assert cooldowns.hit("x", 1, 8)[0] == 0  # another member
    assert cooldowns.hit("x", 2, 7)[0] == 0  # another guild
    assert cooldowns.hit("y", 1, 7)[0] == 0  # another command
    assert cooldowns.hit("x", 1, 7)[0] > 0


def test_a_refunded_use_does_not_count():
    cooldowns = Cooldowns(FakeNow(), {"x": Rate(1, timedelta(minutes=1))})
    _, used = cooldowns.hit("x", 1, 7)
    cooldowns.refund("x", 1, 7, used)
    assert cooldowns.hit("x", 1, 7)[0] == 0


@given(st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=40))
def test_never_more_than_the_rate_in_any_window(gaps):
    now = FakeNow()
    rate = Rate(3, timedelta(minutes=5))
    cooldowns = Cooldowns(now, {"x": rate})
    allowed = []
    for gap in gaps:
        now.moment += timedelta(seconds=gap)
        wait, used = cooldowns.hit("x", 1, 7)
        if used is not None:
            allowed.append(now.moment)
        else:
            assert 0 < wait <= rate.per.total_seconds()
    for start in allowed:
        assert sum(start <= moment < start + rate.per for moment in allowed) <= rate.uses


def test_every_rate_allows_a_burst_and_waits_at_most_an_hour():
    for rate in RATES.values():
        assert rate.uses >= 3 and timedelta(0) < rate.per <= timedelta(hours=1)


def test_the_wait_is_said_in_the_members_language_rounded_up():
    assert wait_text("en", 0.2) == "1 second"
    assert wait_text("en", 44.1) == "45 seconds"
    assert wait_text("en", 61) == "2 minutes"
    assert wait_text("en", 3599) == "1 hour"
    assert wait_text("en", 3601) == "2 hours"
    assert wait_text("ar", 90) == "دقيقتان"
    assert wait_text("ar", 600) == "10 دقائق"
    assert wait_text("ar", 30) == "30 ثانية"
