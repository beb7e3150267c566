"""Run the demo: print the transcript and write the simulated server as an HTML page."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.demo.labels import say
from bot.demo.scenario import run_demo
from bot.demo.transcript import render, wants_colour


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bot.demo", description=__doc__)
    parser.add_argument(
        "--lang", choices=("ar", "en"), default="ar", help="the server's language (default ar)"
    )
    parser.add_argument("--seed", type=int, default=7, help="replay the same community and month")
    parser.add_argument("--weeks", type=int, default=4, help="how many weeks to play (default 4)")
    parser.add_argument("--quick", action="store_true", help="one week with a smaller community")
    parser.add_argument(
        "--out", type=Path, default=Path("demo-out"), help="where to write index.html and stats.png"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Play the demo and print what each person saw."""
    args = parse_args(argv)
    if args.weeks < 1:
        print("--weeks must be at least 1", file=sys.stderr)
        return 2
    # The transcript is the output; the bot's own logs would only get in its way.
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    weeks, members = (1, 16) if args.quick else (args.weeks, 40)
    result = asyncio.run(
        run_demo(lang=args.lang, seed=args.seed, weeks=weeks, members=members, out_dir=args.out)
    )
    text = render(
        result.transcript,
        colour=wants_colour(sys.stdout),
        private_label=lambda who: say(args.lang, "only", who=who),
    )
    sys.stdout.write(text)
    if result.violations:
        print(f"the bot sent what Discord refuses: {result.violations}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
