"""Deliver a round to the fake Discord under Discord-like rate limits (time-scaled) and compare with the bound.

The bot runs for real against the fake; the fake enforces 50 requests/s globally, 50 thread creations
per 5 minutes per guild and 5 messages per 5 s per channel, all scaled by TIME_SCALE. The bound is the
least time those limits allow: the first 50 threads at once, then 50 more each window. The delivery is
timed alone (the round's creation — matching and one transaction — is reported as create_seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from pathlib import Path

from bot.client import MajlisBot
from bot.config import Settings
from bot.pacer import DISCORD_LIMITS, Pacer
from bot.sandbox import FakeDiscord
from bot.sandbox.ratelimit import BucketRule
from bot.schedule import Clock
from bot.storage import intros as store
from bot.storage import profiles as profile_store

# 190 groups of two: four thread windows, the last one not full. When Discord answers a request
# with "remaining 0", discord.py holds that request until the window resets; a full last window
# would add that hold (one window) to a round of exactly 200 groups — see the report.
MEMBERS = 380
TIME_SCALE = 0.01  # a 5-minute window lasts 3 s
THREAD_LIMIT = DISCORD_LIMITS["thread_create"]
FIELDS = ("design", "programming", "writing", "marketing")


def _fake_rules() -> list[BucketRule]:
    return [
        BucketRule(
            "thread-create",
            "POST",
            "/channels/*/threads",
            THREAD_LIMIT.limit,
            THREAD_LIMIT.window,
            per="guild",
        ),
        BucketRule("message-create", "POST", "/channels/*/messages", 5, 5.0, per="channel"),
        BucketRule("dm-open", "POST", "/users/@me/channels", 10, 10.0),
    ]


async def _deliver(db_dir: Path) -> dict[str, float]:
    fake = FakeDiscord(time_scale=TIME_SCALE, rate_limits=True, interaction_deadline=30.0)
    fake.rate_limiter.rules = _fake_rules()
    await fake.start()
    fake.install()
    guild = fake.create_guild("Bench")
    admin = fake.create_user("admin")
    fake.add_member(guild, admin, manage_guild=True)
    lounge = fake.create_text_channel(guild, "lounge")
    intros = fake.create_text_channel(guild, "intros")
    users = [fake.create_user(f"m{i}") for i in range(MEMBERS)]
    for user in users:
        fake.add_member(guild, user)
    settings = Settings(
        token=fake.bot_token, db_path=db_dir / "bench.db", log_level=logging.WARNING, dev_guild=None
    )
    bot = MajlisBot(settings, clock=Clock(), guild_ready_timeout=0.05, max_ratelimit_timeout=60.0)
    await bot.login(settings.token)
    runner_task = asyncio.create_task(bot.connect(reconnect=True))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), timeout=30)
        for i, user in enumerate(users):
            await profile_store.save_profile(
                bot.db, guild.id, user.id, field=FIELDS[i % len(FIELDS)], timezone="Asia/Riyadh"
            )
            await store.join(bot.db, guild.id, user.id, bot.clock.now())
        setup = await fake.invoke(guild, admin, "majlis intros", channel=lounge, options={"channel": intros})
        await setup.wait_done()
        runner = bot.get_cog("Intros").runner  # type: ignore[union-attr]
        bot.delivery.pacer = Pacer(DISCORD_LIMITS, time_scale=TIME_SCALE, margin=0.02)
        served_before = fake.served_429
        # Create the round (matching + one transaction), then time the delivery alone against the bound.
        created = time.perf_counter()
        outcome = await runner.start(guild.id, bot.clock.now().replace(microsecond=0))
        assert outcome.round_id is not None
        started = time.perf_counter()
        await runner.deliver(outcome.round_id)
        elapsed = time.perf_counter() - started
        threads = fake.threads(intros)
        groups = MEMBERS // 2
        intros_posted = sum(len([m for m in fake.messages(t) if m.embeds]) for t in threads)
        duplicates = (len(threads) - groups) + (intros_posted - groups)
        window = THREAD_LIMIT.window * TIME_SCALE
        bound = ((groups - 1) // THREAD_LIMIT.limit) * window
        return {
            "groups": groups,
            "seconds": elapsed,
            "create": started - created,
            "bound": bound,
            "rate_limited": fake.served_429 - served_before,
            "duplicates": duplicates,
            "delivered": len(threads),
        }
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await runner_task
        await fake.stop()
        fake.uninstall()


def main() -> None:
    """Print `bench deliver groups=… seconds=… bound_seconds=… efficiency=… rate_limited=… duplicates=…`."""
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(_deliver(Path(tmp)))
    print(
        f"bench deliver groups={result['groups']} seconds={result['seconds']:.2f} "
        f"bound_seconds={result['bound']:.2f} efficiency={result['bound'] / result['seconds']:.2f} "
        f"rate_limited={result['rate_limited']} duplicates={result['duplicates']} "
        f"create_seconds={result['create']:.2f} time_scale={TIME_SCALE}"
    )


if __name__ == "__main__":
    main()
