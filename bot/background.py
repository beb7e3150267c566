"""Background work a feature starts on its own (deliveries, forget steps) and cancels when it stops."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class BackgroundWork:
    """Track tasks so that `stop()` cancels them and waits for them to unwind.

    The work is recorded step by step in the database, so a cancelled task resumes at the next start.
    """

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    def track(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run `coro` as a task that `stop()` cancels and waits for."""
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def stop(self) -> None:
        """Cancel the work in progress and wait for it to unwind."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
