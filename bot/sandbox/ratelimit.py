"""Rate limits, injected faults and delays for the fake's REST API."""

from __future__ import annotations

import asyncio
import fnmatch
import math
from dataclasses import dataclass, field

from bot.sandbox.models import Clock


@dataclass
class BucketRule:
    """A per-route limit: ``limit`` requests per ``window`` seconds, keyed by a major parameter."""

    name: str
    method: str
    pattern: str
    limit: int
    window: float
    per: str | None = None  # "channel", "guild", "webhook" or None for one bucket per route

    def matches(self, method: str, path: str) -> bool:
        """Say whether this rule covers ``method path``."""
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.pattern)


@dataclass
class _Window:
    started: float
    used: int = 0


@dataclass
class Verdict:
    """The rate limiter's answer: headers to send and, when limited, how long to wait."""

    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    is_global: bool = False


# Limits close to Discord's observed ones; windows are multiplied by the fake's time_scale.
DEFAULT_RULES = (
    BucketRule("thread-create", "POST", "/channels/*/threads", 10, 300.0, per="guild"),
    BucketRule(
        "thread-create-from-message", "POST", "/channels/*/messages/*/threads", 10, 300.0, per="guild"
    ),
    BucketRule("message-create", "POST", "/channels/*/messages", 5, 5.0, per="channel"),
    BucketRule("reaction", "PUT", "/channels/*/messages/*/reactions/*", 1, 0.25, per="channel"),
    BucketRule("dm-open", "POST", "/users/@me/channels", 10, 10.0),
)


class RateLimiter:
    """Count requests in fixed windows, globally and per route bucket, and refuse the excess."""

    def __init__(self, clock: Clock, time_scale: float = 1.0) -> None:
        self.clock = clock
        self.time_scale = time_scale
        self.enabled = False
        self.global_per_second = 50
        self.rules: list[BucketRule] = list(DEFAULT_RULES)
        self.served_429 = 0
        self._windows: dict[str, _Window] = {}

    def check(self, method: str, path: str, major: dict[str, int | None]) -> Verdict:
        """Count one request and return the headers or the 429 it gets."""
        if not self.enabled:
            return Verdict()
        now = self.clock.now()
        global_window = self._window("global", now, 1.0 * self.time_scale)
        if global_window.used >= self.global_per_second:
            self.served_429 += 1
            retry = max(global_window.started + self.time_scale - now, 0.001)
            return Verdict(
                {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}, round(retry, 3), True
            )
        global_window.used += 1
        rule = next((r for r in self.rules if r.matches(method, path)), None)
        if rule is None:
            return Verdict()
        window_length = rule.window * self.time_scale
        key = f"{rule.name}:{major.get(rule.per) if rule.per else ''}"
        window = self._window(key, now, window_length)
        reset_after = max(window.started + window_length - now, 0.001)
        headers = {
            "X-RateLimit-Limit": str(rule.limit),
            "X-RateLimit-Bucket": rule.name,
            "X-RateLimit-Reset": f"{window.started + window_length:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }
        if window.used >= rule.limit:
            self.served_429 += 1
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            return Verdict(headers, round(math.ceil(reset_after * 1000) / 1000, 3))
        window.used += 1
        headers["X-RateLimit-Remaining"] = str(rule.limit - window.used)
        return Verdict(headers)

    def _window(self, key: str, now: float, length: float) -> _Window:
        window = self._windows.get(key)
        if window is None or now >= window.started + length:
            window = self._windows[key] = _Window(started=now)
        return window


@dataclass
class Fault:
    """An injected failure or delay for requests matching ``method`` and a glob ``pattern``."""

    method: str
    pattern: str
    status: int | None
    count: int
    delay: float = 0.0
    retry_after: float = 0.05
    gate: asyncio.Event | None = None  # held until released (see `FakeDiscord.hold_requests`)
    held: int = 0  # requests waiting for `release()`
    answered: int = 0  # requests held, then answered (the refused ones too)

    def release(self) -> None:
        """Let held requests go on."""
        if self.gate is not None:
            self.gate.set()

    def matches(self, method: str, path: str) -> bool:
        """Say whether this fault applies to ``method path``."""
        return self.count > 0 and self.method in ("*", method) and fnmatch.fnmatchcase(path, self.pattern)
