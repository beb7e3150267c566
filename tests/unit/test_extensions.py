"""Every extension loads, and no two commands share a name."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.client import MajlisBot, walk_extensions
from bot.config import Settings
from bot.storage import guilds as guild_store


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


def registries(bot: MajlisBot) -> dict[str, object]:
    """Everything a feature can plug into the bot, as comparable values."""
    return {
        "cogs": sorted(bot.cogs),
        "features": sorted(bot.features),
        "run_targets": sorted(bot.run_targets),
        "profile_counters": len(bot.profile_counters),
        "weekly_handlers": sorted(bot.scheduler.handlers()),
        "jobs": sorted(bot.scheduler.job_ids()),
        "one_off": sorted(bot.scheduler.once_keys()),
        # discord.py keeps dynamic items here and offers no public accessor.
        "dynamic_items": sorted(p.pattern for p in bot._connection._view_store._dynamic_items),
        "admin_commands": sorted(c.name for c in bot.majlis_group.commands),
        "commands": sorted(c.qualified_name for c in bot.tree.walk_commands()),
    }


async def test_loading_unloading_and_reloading_every_extension_leaves_no_hook_or_job_behind(tmp_path):
    bot = MajlisBot(Settings(token="x", db_path=tmp_path / "x.db", log_level=20, dev_guild=None))
    async with bot:  # initialised as by start(), without connecting; closing shuts the scheduler and store
        await bot.db.open()
        guild_id = 1
        await guild_store.ensure_guild(bot.db, guild_id)
        anchor = bot.clock.now() + timedelta(days=3)
        for feature in ("intros", "prompts", "digest"):
            await guild_store.configure_feature(
                bot.db, guild_id, feature, channel_id=2, weekday=6, hour=10, every_weeks=1, anchor=anchor
            )
        bot.tree.add_command(bot.majlis_group)
        names = list(walk_extensions())
        empty = registries(bot)
        assert empty["jobs"] == [] and empty["features"] == [] and empty["admin_commands"] == []
        bot.scheduler.start()
        for name in names:
            await bot.load_extension(name)
        await bot.scheduler.rebuild()  # as setup_hook does once every extension is in
        loaded = registries(bot)
        assert {"intros", "prompts", "digest", "swaps", "share"} <= set(loaded["features"])
        assert {"intros:1", "prompts:1", "digest:1", "daily:backup", "daily:swaps"} <= set(loaded["jobs"])
        assert loaded["dynamic_items"] and loaded["profile_counters"] == 2

        for name in names:
            await bot.unload_extension(name)
        assert registries(bot) == empty

        for name in names:  # a reload while running puts every hook and job back by itself
            await bot.load_extension(name)
        assert registries(bot) == loaded
        for name in names:
            await bot.unload_extension(name)
        assert registries(bot) == empty
