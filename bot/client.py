"""The Majlis bot: storage, scheduler, extensions, languages and the one error handler."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sqlite3
from collections.abc import Iterator
from datetime import tzinfo
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

import cogs
from bot.cog import MajlisGroup, send
from bot.config import Settings
from bot.cooldowns import Cooldowns, wait_text
from bot.cooldowns import refund as refund_cooldown
from bot.delivery import Delivery
from bot.errors import MajlisError
from bot.hooks import Feature, Hooks, ProfileCounter, RunTarget
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Reader, permission_names, t
from bot.logs import bind as bind_log_context
from bot.metrics import Metrics
from bot.runlock import RunLock
from bot.schedule import Clock, Scheduler
from bot.storage import Database
from bot.storage import guilds as guild_store
from bot.storage import profiles as profile_store
from bot.timezones import zoneinfo_for

log = logging.getLogger(__name__)


def walk_extensions(package: Any = cogs) -> Iterator[str]:
    """Yield the dotted names of every extension in `cogs/`, skipping `_private` modules."""
    for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        if module.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        imported = importlib.import_module(module.name)
        if hasattr(imported, "setup"):
            yield module.name


# A slash command's top-level name -> the feature it belongs to, for log records.
_FEATURE_OF = {"profile": "profiles", "prompt": "prompts", "swap": "swaps", "help": "core"}


class MajlisTree(app_commands.CommandTree):
    """The command tree with the bot's one error handler."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Tag every log record of this command with its guild, name and feature (never its options)."""
        name = command_name(interaction)
        root, _, sub = name.partition(" ")
        if root == "majlis":
            option = getattr(interaction.namespace, "feature", None)
            feature = str(option) if option else sub.split(" ")[0] or "admin"
        else:
            feature = _FEATURE_OF.get(root, root)
        bind_log_context(guild_id=interaction.guild_id, command=name, feature=feature)
        log.debug("running /%s", name)
        return True

    async def on_error(  # also answers buttons and modals, whose errors are plain exceptions
        self, interaction: discord.Interaction, error: app_commands.AppCommandError | Exception
    ) -> None:
        """Turn known errors into short ephemeral replies; log the unexpected with a traceback."""
        bot: MajlisBot = interaction.client  # type: ignore[assignment]
        original = getattr(error, "original", error)
        lang = DEFAULT_LANGUAGE
        try:
            lang = await bot.language_for(interaction)
        except Exception:  # the handler must answer even if the store is down
            log.warning("could not read the member's language", exc_info=True)
        unexpected = not isinstance(
            original,
            MajlisError
            | app_commands.MissingPermissions
            | app_commands.BotMissingPermissions
            | app_commands.NoPrivateMessage
            | app_commands.CommandOnCooldown
            | app_commands.TransformerError
            | app_commands.CheckFailure,
        )
        bot.metrics.count_command(command_name(interaction), "error" if unexpected else "refused")
        if isinstance(original, MajlisError):
            refund_cooldown(interaction)  # refused input changes nothing, not even the member's cooldown
            text = t(lang, original.key, **original.params)
        elif isinstance(error, app_commands.MissingPermissions):
            text = t(lang, "error.missing_permission")
        elif isinstance(error, app_commands.BotMissingPermissions):
            text = t(
                lang, "error.bot_missing_permission", permissions=permission_names(error.missing_permissions)
            )
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = t(lang, "error.guild_only")
        elif isinstance(error, app_commands.CommandOnCooldown):
            text = t(lang, "error.cooldown", wait=wait_text(lang, error.retry_after))
        elif isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
            text = t(lang, "error.bad_input")
        elif isinstance(original, sqlite3.OperationalError):
            # Disk full, or the file locked past the busy timeout: one clear line; reads keep working.
            log.error(
                "storage refused a write during %s: %s",
                interaction.command and interaction.command.qualified_name,
                original,
            )
            text = t(lang, "error.storage")
        elif isinstance(original, discord.Forbidden):
            log.warning(
                "forbidden during %s: %s",
                interaction.command and interaction.command.qualified_name,
                original,
            )
            text = t(lang, "error.bot_forbidden")
        else:
            log.error(
                "unexpected error in %s",
                interaction.command and interaction.command.qualified_name,
                exc_info=original,
            )
            text = t(lang, "error.unexpected")
        try:
            await send(interaction, text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not report an error to the member", exc_info=True)


def command_name(interaction: discord.Interaction) -> str:
    """Name what an interaction ran: a slash command's full name, or "component" for buttons and modals."""
    command = interaction.command
    return command.qualified_name if command is not None else "component"


class MajlisBot(commands.AutoShardedBot):
    """Majlis: introductions, prompts, shared experience and skill swaps for freelancers."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, **options: Any) -> None:
        intents = discord.Intents.default()
        intents.members = True  # rounds need who is still in the guild
        intents.message_content = False
        self.metrics = Metrics(self)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=MajlisTree,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=options.pop("max_ratelimit_timeout", 300.0),
            http_trace=self.metrics.http_trace(),
            **options,
        )
        self.settings = settings
        self.db = Database(settings.db_path)
        self.run_lock = RunLock(settings.db_path)
        self.clock = clock or Clock()
        self.cooldowns = Cooldowns(self.clock.now)
        self.scheduler = Scheduler(self.db, self.clock)
        self.scheduler.before_run = self.wait_until_ready
        # Every request the bot makes on its own goes through here: one pacer for all features.
        self.delivery = Delivery(self)
        self.majlis_group = MajlisGroup()
        self.features: dict[str, Feature] = {}
        self.run_targets: dict[str, RunTarget] = {}
        self.profile_counters: list[ProfileCounter] = []

    async def setup_hook(self) -> None:
        """Open the store, load every extension, rebuild schedules and sync commands."""
        if str(self.settings.db_path) != ":memory:":
            self.run_lock.acquire()  # one bot per database; `majlis restore` waits for it to stop
        await self.db.open()
        self.tree.add_command(self.majlis_group)
        for name in walk_extensions():
            await self.load_extension(name)
        self.scheduler.start()
        await self.scheduler.rebuild()
        await self.sync_commands()
        if self.settings.metrics_port is not None:
            await self.metrics.start(self.settings.metrics_host, self.settings.metrics_port)

    async def sync_commands(self) -> None:
        """Sync globally, or instantly to the development guild when one is set."""
        if self.settings.dev_guild:
            guild = discord.Object(self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def close(self) -> None:
        """Stop the scheduler, close the connection to Discord, then the database."""
        await self.metrics.stop()
        self.scheduler.shutdown()
        await super().close()
        await self.scheduler.drain()
        await self.db.close()
        self.run_lock.release()

    async def on_app_command_completion(
        self,
        interaction: discord.Interaction,
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        """Count a slash command that finished without an error."""
        self.metrics.count_command(command.qualified_name, "ok")

    async def attach(self, hooks: Hooks) -> None:
        """Plug a feature's hooks in: schedules, buttons, admin status and run targets, profile counters."""
        for name, handler in hooks.weekly.items():
            self.scheduler.register(name, handler)
        for job in hooks.daily:
            self.scheduler.add_daily(job.key, job.run, hour=job.hour)
        if hooks.dynamic_items:
            self.add_dynamic_items(*hooks.dynamic_items)
        for feature in hooks.features:
            self.features[feature.name] = feature
        self.run_targets.update(hooks.run_targets)
        self.profile_counters.extend(hooks.profile_counters)
        if hooks.weekly and self.scheduler.running:
            # Reloaded while running: its jobs were cancelled on unload. At start-up, setup_hook rebuilds all.
            await self.scheduler.rebuild(hooks.weekly)

    def detach(self, hooks: Hooks) -> None:
        """Take off everything `attach` plugged in, and every job the feature left waiting."""
        for name in hooks.weekly:
            self.scheduler.unregister(name)
        for job in hooks.daily:
            self.scheduler.cancel_daily(job.key)
        for prefix in hooks.one_off_prefixes:
            self.scheduler.cancel_once_prefixed(prefix)
        if hooks.dynamic_items:
            self.remove_dynamic_items(*hooks.dynamic_items)
        for feature in hooks.features:
            self.features.pop(feature.name, None)
        for name in hooks.run_targets:
            self.run_targets.pop(name, None)
        for counter in hooks.profile_counters:
            if counter in self.profile_counters:
                self.profile_counters.remove(counter)

    async def publish(self, event: str, *args: Any) -> None:
        """Run every cog's `on_<event>` listener and wait for all of them.

        Like `dispatch`, so a feature reacts to another's event without knowing it; unlike `dispatch`, the
        caller continues once every feature has reacted (forget answers "done" after the board is updated).
        """
        for listener in list(self.extra_events.get(f"on_{event}", [])):
            try:
                await listener(*args)
            except Exception:  # one feature's failure must not stop the others reacting
                log.exception("%s failed on %s", getattr(listener, "__qualname__", listener), event)

    async def guild_language(self, guild_id: int | None) -> str:
        """Return a guild's default language."""
        if guild_id is None:
            return DEFAULT_LANGUAGE
        settings = await guild_store.get_guild(self.db, guild_id)
        return settings.language if settings else DEFAULT_LANGUAGE

    async def member_language(self, guild_id: int | None, user_id: int) -> Reader:
        """Return a member as a reader: their language (own choice, else the guild's) and address form."""
        own = await guild_store.member_language(self.db, guild_id, user_id)
        lang = own if own in LANGUAGES else await self.guild_language(guild_id)
        return Reader(lang, await guild_store.member_addressing(self.db, guild_id, user_id))

    async def guild_zone(self, guild_id: int) -> tzinfo:
        """Return the guild's time zone (UTC until an admin sets one)."""
        settings = await guild_store.get_guild(self.db, guild_id)
        return zoneinfo_for(settings.timezone if settings else "UTC")

    async def reader_zone(self, guild_id: int, user_id: int) -> tzinfo:
        """Return the time zone to write a member's dates in: their profile's, else the guild's."""
        profile = await profile_store.get_profile(self.db, guild_id, user_id)
        if profile is not None and profile.timezone:
            return zoneinfo_for(profile.timezone)
        return await self.guild_zone(guild_id)

    async def language_for(self, interaction: discord.Interaction) -> Reader:
        """Return the language to answer an interaction in."""
        return await self.member_language(interaction.guild_id, interaction.user.id)
