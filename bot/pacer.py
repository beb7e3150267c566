"""Pace our own requests under Discord's rate limits, so deliveries never hit a 429.

Each limit is "at most `limit` requests in any `window` seconds" (a sliding window): that never
breaks Discord's fixed windows either, wherever they start, and sends a full burst as soon as a
window allows it. `time_scale` shrinks every window (tests and benchmarks run a "5-minute" limit in
a fraction of a second); `margin` keeps a little slack for clock skew between us and Discord.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """At most `limit` requests in any `window` seconds."""

    limit: int
    window: float


# Discord documents 50 requests/s globally; thread creation is limited far lower (about 50 per
# 5 minutes per guild); messages to one channel 5 per 5 s; opening DMs is limited too.
DISCORD_LIMITS: dict[str, Limit] = {
    "global": Limit(50, 1.0),
    "thread_create": Limit(50, 300.0),
    "channel_message": Limit(5, 5.0),
    "dm_open": Limit(10, 10.0),
}


# Every so many requests, buckets whose window has passed are dropped: one per channel ever written
# to would otherwise stay for the life of the process.
PRUNE_EVERY = 256


class Pacer:
    """Wait before each request until every limit it counts against allows it."""

    def __init__(
        self,
        limits: Mapping[str, Limit] | None = None,
        *,
        time_scale: float = 1.0,
        margin: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = dict(DISCORD_LIMITS if limits is None else limits)
        self.time_scale = time_scale
        self.margin = margin
        self.clock = clock
        self.sleep = sleep
        self._sent: dict[str, deque[float]] = {}
        self._counted = 0
        self.waited = 0.0  # seconds spent waiting, for benchmarks

    def limit_for(self, bucket: str) -> Limit | None:
        """Return the limit of a bucket such as "thread_create" or "channel_message:<channel id>"."""
        return self.limits.get(bucket.split(":", 1)[0])

    def window(self, bucket: str) -> float:
        """Return a bucket's window in real seconds, slack included."""
        limit = self.limit_for(bucket)
        return 0.0 if limit is None else limit.window * self.time_scale * (1 + self.margin)

    def delay(self, names: tuple[str, ...], now: float) -> float:
        """Return how long to wait before a request counting against `names` may go."""
        wait = 0.0
        for name in names:
            limit = self.limit_for(name)
            if limit is None:
                continue
            sent = self._sent.setdefault(name, deque())
            horizon = self.window(name)
            while sent and sent[0] <= now - horizon:
                sent.popleft()
            if len(sent) >= limit.limit:
                wait = max(wait, sent[len(sent) - limit.limit] + horizon - now)
        return wait

    async def acquire(self, *names: str) -> None:
        """Wait until a request counting against `names` (and the global limit) may go, and count it."""
        keys = ("global", *names)
        while True:
            now = self.clock()
            wait = self.delay(keys, now)
            if wait <= 0:
                break
            self.waited += wait
            await self.sleep(wait)
        # No await between the last check and counting: another request cannot slip in between.
        for name in keys:
            if self.limit_for(name) is not None:
                self._sent.setdefault(name, deque()).append(now)
        self._counted += 1
        if self._counted % PRUNE_EVERY == 0:
            self.prune(now)

    def prune(self, now: float) -> None:
        """Drop the buckets (one per channel, per guild) with nothing left inside their window."""
        for name in list(self._sent):
            sent = self._sent[name]
            if not sent or sent[-1] <= now - self.window(name):
                del self._sent[name]

    def __len__(self) -> int:
        return len(self._sent)
