"""Whom the bot may ping: named members only, decided in one place."""

from __future__ import annotations

import re
from pathlib import Path

from bot.mentions import ping_only

ROOT = Path(__file__).resolve().parents[2]


def test_ping_only_names_the_members_and_nothing_else():
    allowed = ping_only([5, 7, 5, -3]).to_dict()
    assert allowed == {"parse": [], "users": [5, 7]}  # no everyone, roles or replied user


def test_every_send_names_whom_it_may_ping_through_ping_only():
    """No `AllowedMentions(users=True)` or partial AllowedMentions that inherits a looser default."""
    found = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("cogs/**/*.py")]:
        if "sandbox" in path.parts or path.name == "mentions.py":
            continue
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"AllowedMentions\((?!\)\.none)", line) and "AllowedMentions.none()" not in line:
                found.append(f"{path.relative_to(ROOT)}:{line_number}: {line.strip()}")
    assert found == []
