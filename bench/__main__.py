"""Run every benchmark module in this package; each prints `bench <name> key=value ...` lines."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main() -> int:
    """Import each `bench/<name>.py` (not starting with `_`) and call its `main()`."""
    only = set(sys.argv[1:])
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or (only and info.name not in only):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        module.main()
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
