"""Keyed locks: one holder per key at a time, and no lock kept for a key nobody uses."""

from __future__ import annotations

import asyncio

from bot.locks import KeyedLocks


async def test_one_holder_per_key_and_the_map_empties_after_use():
    locks: KeyedLocks[int] = KeyedLocks()
    order = []
    release = asyncio.Event()

    async def first():
        async with locks.hold(1):
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def second():
        async with locks.hold(1):
            order.append("second in")

    async def other_key():
        async with locks.hold(2):
            order.append("other key")

    one = asyncio.create_task(first())
    await asyncio.sleep(0)
    two = asyncio.create_task(second())
    three = asyncio.create_task(other_key())
    await asyncio.sleep(0)
    await three
    assert locks.locked(1) and len(locks) == 1  # the other key's lock went with its holder
    release.set()
    await asyncio.gather(one, two)
    assert order == ["first in", "other key", "first out", "second in"]
    assert len(locks) == 0


async def test_a_failing_holder_releases_and_drops_the_lock():
    locks: KeyedLocks[str] = KeyedLocks()
    try:
        async with locks.hold("guild"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert len(locks) == 0
    async with locks.hold("guild"):
        assert locks.locked("guild")


async def test_ten_thousand_keys_leave_nothing_behind():
    locks: KeyedLocks[tuple[int, int]] = KeyedLocks()
    for request in range(10_000):
        async with locks.hold((request, 7)):
            pass
    assert len(locks) == 0
