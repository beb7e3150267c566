"""Every extension loads, and no two commands share a name."""

from __future__ import annotations

from collections import Counter

from bot.client import MajlisBot, walk_extensions
from bot.config import Settings


async def test_every_extension_loads_and_command_names_are_unique(tmp_path):
    bot = MajlisBot(Settings(token="x", db_path=tmp_path / "x.db", log_level=20, dev_guild=None))
    await bot.db.open()
    bot.tree.add_command(bot.majlis_group)
    names = list(walk_extensions())
    assert "cogs.core" in names and "cogs.admin" in names
    assert not any(n.rsplit(".", 1)[-1].startswith("_") for n in names)
    for name in names:
        await bot.load_extension(name)
    assert set(bot.extensions) == set(names)
    top = [c.name for c in bot.tree.get_commands()]
    assert len(top) == len(set(top)), Counter(top)
    qualified = [c.qualified_name for c in bot.tree.walk_commands()]
    assert len(qualified) == len(set(qualified))
    subcommands = {c.name for c in bot.majlis_group.commands}
    assert {"language", "status", "disable", "run"} <= subcommands
    payload = [c.to_dict(bot.tree) for c in bot.tree.get_commands()]
    for command in payload:
        assert "ar" not in (command.get("name_localizations") or {})
    for name in names:
        await bot.unload_extension(name)
    await bot.db.close()
