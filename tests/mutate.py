"""Mutation testing of the modules where a slip hurts members most (`make mutate`; not part of `make test`).

Each module is mutated by mutmut in a scratch copy of the tree (`.mutate/<name>/`) with only the unit tests
that concern it; mutmut further runs, for each mutant, only those of them that call the mutated function.
One line per module:

    mutation module=<path> mutants=<n> killed=<n> survived=<n> timeout=<n> score=<x.xx>

score = (killed + timeout) / mutants: a mutant that makes the tests hang is caught, and one no selected test
reaches counts as survived. Mutants listed as equivalent in tests/README.md (they cannot change behaviour)
are still counted here, so a score below 1.00 is expected where that list has entries.

Usage: python tests/mutate.py [name ...]   (names from MODULES; all when none); MUTATE_JOBS sets workers.
mutmut's log is .mutate/<name>.log; the diff of each surviving mutant is in .mutate/<name>.survivors.txt.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / ".mutate"


@dataclass(frozen=True)
class Module:
    """A module to mutate and the unit tests that concern it."""

    name: str
    path: str
    tests: tuple[str, ...]
    # Lines mutmut leaves alone (regular expressions), each kind explained in tests/README.md.
    skip_lines: tuple[str, ...] = ()


# A line that is nothing but a string holding (part of) an SQL statement: mutmut's string mutations there
# only change the case (SQL keywords and names are case-insensitive: equivalent) or wrap it in XX (any test
# running the statement fails). The storage tests run every statement against a real SQLite database.
SQL_TEXT = r'^\s*f?"\s*(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|JOIN|AND|ORDER|SET|VALUES)\b[^"]*",?\s*$'


MODULES = (
    *(
        Module(
            f"matching_{part}",
            f"bot/matching/{part}.py",
            ("tests/unit/test_matching.py", "tests/unit/test_mutants_matching.py"),
        )
        for part in ("scoring", "pairing", "solving")
    ),
    Module(
        "swapmatch",
        "bot/swapmatch.py",
        ("tests/unit/test_swapmatch.py", "tests/unit/test_mutants_swapmatch.py"),
    ),
    Module(
        "client_details",
        "bot/client_details.py",
        (
            "tests/unit/test_client_details.py",
            "tests/unit/test_share_logic.py",
            "tests/unit/test_mutants_client_details.py",
        ),
    ),
    Module(
        "schedule",
        "bot/schedule.py",
        (
            "tests/unit/test_scheduler.py",
            "tests/unit/test_core.py",
            "tests/unit/test_prompts_content.py",
            "tests/unit/test_mutants_schedule.py",
        ),
    ),
    Module(
        "delivery", "bot/delivery.py", ("tests/unit/test_delivery.py", "tests/unit/test_mutants_delivery.py")
    ),
    Module(
        "storage_privacy",
        "bot/storage/privacy.py",
        ("tests/unit/test_privacy_store.py", "tests/unit/test_mutants_storage_privacy.py"),
        skip_lines=(SQL_TEXT,),
    ),
)

# mutmut's exit codes per mutant, as its `stats.status_by_exit_code` reads them.
KILLED = {1, 3}
SURVIVED = {0}
TIMEOUT = {36, -24, 24, 152, 255}
NO_TESTS = {5, 33}


def _config(module: Module) -> str:
    tests = [t for t in module.tests if (ROOT / t).exists()]
    lines = [
        "",
        "[tool.mutmut]",
        'source_paths = ["bot"]',
        'also_copy = ["cogs", "bench"]',
        f"only_mutate = [{json.dumps(module.path)}]",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        f"do_not_mutate_patterns = {json.dumps(list(module.skip_lines))}",
        # No per-test timeout inside a mutant run: mutmut's CPU limit (tests' own time x 6 + 10 s) catches
        # a hang. This file is also the pytest plugin that makes property tests short and reproducible.
        'pytest_add_cli_args = ["-p", "no:timeout", "-p", "tests.mutate"]',
        "timeout_multiplier = 3.0",
        "timeout_constant = 5.0",
        "use_git_change_detection = false",
        "",
    ]
    return "\n".join(lines)


# Property tests run this many examples per mutant, from a fixed seed: a mutant's verdict is the same on
# every run, and a module's mutants finish in minutes. `make test` still runs each test's own count.
MUTATION_EXAMPLES = 25


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Pytest hook (only with `-p tests.mutate`): cap hypothesis tests at MUTATION_EXAMPLES, derandomised."""
    from hypothesis import settings

    for item in items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is not None:
            capped = settings(
                own, max_examples=min(own.max_examples, MUTATION_EXAMPLES), derandomize=True, database=None
            )
            test._hypothesis_internal_use_settings = capped


def _prepare(module: Module) -> Path:
    work = SCRATCH / module.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    shutil.copytree(ROOT / "bot", work / "bot", ignore=ignore)
    # Tests import cogs (prompt content) and bench (the scanner's scoring) beside the mutated bot/.
    for name in ("cogs", "bench"):
        shutil.copytree(ROOT / name, work / name, ignore=ignore)
    shutil.copytree(
        ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__", "e2e", "*.pyc")
    )
    (work / "pyproject.toml").write_text(
        (ROOT / "pyproject.toml").read_text("utf-8") + _config(module), "utf-8"
    )
    return work


def _counts(work: Path, module: Module) -> dict[str, int]:
    meta = work / "mutants" / (module.path + ".meta")
    codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"].values() if meta.exists() else []
    counts = {"mutants": 0, "killed": 0, "survived": 0, "timeout": 0, "other": 0}
    for code in codes:
        counts["mutants"] += 1
        if code in KILLED:
            counts["killed"] += 1
        elif code in SURVIVED or code in NO_TESTS:
            counts["survived"] += 1
        elif code in TIMEOUT:
            counts["timeout"] += 1
        else:
            counts["other"] += 1
    return counts


# Run inside a module's scratch copy: one process writes the diff of every mutant no test killed.
_SHOW_SURVIVORS = """
import sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant, status_by_exit_code
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for name in sys.argv[2:]:
        mutant = find_mutant(name)
        out.write(f"# {name}: {status_by_exit_code[mutant.exit_code_by_key[name]]}\\n")
        out.write(get_diff_for_mutant(name, path=mutant.path) + "\\n")
"""


def _write_survivors(work: Path, module: Module) -> None:
    """Write the diff of every mutant no test killed to .mutate/<name>.survivors.txt, to read or triage."""
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], cwd=work, capture_output=True, text=True, check=False
    )
    names = [
        row.strip().split(": ")[0]
        for row in listing.stdout.splitlines()
        if row.strip().endswith((": survived", ": no tests"))
    ]
    target = SCRATCH / f"{module.name}.survivors.txt"
    subprocess.run([sys.executable, "-c", _SHOW_SURVIVORS, str(target), *names], cwd=work, check=False)


def run(module: Module, jobs: int) -> dict[str, int]:
    """Mutate one module and return its counts; mutmut's own log goes to .mutate/<name>.log."""
    work = _prepare(module)
    log = SCRATCH / f"{module.name}.log"
    with log.open("w", encoding="utf-8") as out:
        subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs)],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    counts = _counts(work, module)
    if counts["survived"]:
        _write_survivors(work, module)
    return counts


def line(module: Module, counts: dict[str, int]) -> str:
    """Format the one result line of a module."""
    total = counts["mutants"]
    score = (counts["killed"] + counts["timeout"]) / total if total else 0.0
    return (
        f"mutation module={module.path} mutants={total} killed={counts['killed']} "
        f"survived={counts['survived']} timeout={counts['timeout']} score={score:.2f}"
    )


def main(argv: list[str]) -> int:
    """Run the named modules (all by default) and print one line each."""
    wanted = set(argv)
    unknown = wanted - {m.name for m in MODULES}
    if unknown:
        print(f"unknown module(s): {', '.join(sorted(unknown))}; known: {', '.join(m.name for m in MODULES)}")
        return 2
    jobs = int(os.environ.get("MUTATE_JOBS", "2"))
    failed = False
    for module in MODULES:
        if wanted and module.name not in wanted:
            continue
        counts = run(module, jobs)
        if counts["mutants"] == 0 or counts["other"] == counts["mutants"]:
            print(
                f"mutation module={module.path} failed: no mutant was tested, see .mutate/{module.name}.log"
            )
            failed = True
            continue
        print(line(module, counts), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
