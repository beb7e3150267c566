"""Benchmark the first look: a month of `make demo`, wall and CPU seconds, in a process of its own."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time


def main() -> None:
    """Play the default month (Arabic, 40 members, 4 weeks) and print how long it took."""
    with tempfile.TemporaryDirectory(prefix="majlis-bench-demo-") as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.demo", "--out", out],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1"},
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"bench demo seconds={wall:.1f} cpu_seconds={cpu:.1f}")
