"""`python -m bot`: read settings, start Majlis, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from bot.config import MissingTokenError, load_settings


def main() -> int:
    """Run the bot until it is stopped; return the process exit code."""
    try:
        settings = load_settings()
    except MissingTokenError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    from bot.client import MajlisBot

    async def runner() -> None:
        bot = MajlisBot(settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
        async with bot:
            await bot.start(settings.token)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(runner())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
