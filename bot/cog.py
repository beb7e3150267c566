"""The base of every Majlis cog: the bot passed in, `/majlis` admin subcommands, replies."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import MajlisError
from bot.hooks import Hooks
from bot.i18n import permission_names, t
from bot.storage import guilds as guild_store
from bot.storage.guilds import FeatureConfig
from bot.timezones import suggest_timezones

if TYPE_CHECKING:
    from bot.client import MajlisBot, MajlisTree

    class GuildInteraction(discord.Interaction["MajlisBot"]):
        """An interaction from a guild-only command: Discord always sends its guild."""

        guild_id: int
        guild: discord.Guild
        user: discord.Member

else:
    # At run time a guild interaction is a plain interaction; only the type checker narrows it.
    GuildInteraction = discord.Interaction

T = TypeVar("T")
_ADMIN_MARK = "majlis_admin"


def admin_command(
    name: str, description: str
) -> Callable[[Callable[..., Any]], app_commands.Command[Any, ..., Any]]:
    """Declare a cog method as the `/majlis <name>` subcommand (Manage Server only)."""
    return app_commands.command(name=name, description=description, extras={_ADMIN_MARK: True})


def in_guild(interaction: discord.Interaction) -> GuildInteraction:
    """Return the interaction typed as a guild one; refuse it (`error.guild_only`) when it came from a DM.

    For buttons and modals, which Discord may send from anywhere; slash commands declare it instead.
    """
    if (
        interaction.guild_id is None
        or interaction.guild is None
        or not isinstance(interaction.user, discord.Member)
    ):
        raise app_commands.NoPrivateMessage()
    return cast("GuildInteraction", interaction)


def guild_command(
    group: app_commands.Group, *, name: str, description: str
) -> Callable[[Callable[..., Any]], app_commands.Command[Any, ..., Any]]:
    """Declare `/<group> <name>`, whose callback takes a `GuildInteraction`: the group is guild-only."""
    if not group.guild_only:
        raise TypeError(f"/{group.name} must be guild-only for its commands to take a GuildInteraction")
    return group.command(name=name, description=description)


def missing_permissions(
    place: discord.abc.GuildChannel | discord.Thread, me: discord.Member, needed: tuple[str, ...]
) -> list[str]:
    """Return the names in `needed` the bot lacks in `place`."""
    permissions = place.permissions_for(me)
    return [name for name in needed if not getattr(permissions, name)]


def require_bot_permissions(
    place: discord.abc.GuildChannel | discord.Thread,
    needed: tuple[str, ...],
    error_key: str,
    /,
    **params: Any,
) -> None:
    """Refuse (`error_key`, with the missing `permissions` listed) unless the bot may do all of `needed` there."""
    missing = missing_permissions(place, place.guild.me, needed)
    if missing:
        raise MajlisError(error_key, permissions=permission_names(missing), **params)


class MajlisGroup(app_commands.Group):
    """`/majlis …`: hidden from members without Manage Server, and checked again at run time."""

    def __init__(self) -> None:
        super().__init__(
            name="majlis",
            description="Set up and run Majlis in this server (admins)",
            guild_only=True,
            default_permissions=discord.Permissions(manage_guild=True),
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Refuse members without Manage Server, whatever the server's command overrides say."""
        if interaction.guild is None or not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True


class MajlisCog(commands.Cog):
    """A feature cog: Discord input and output only; decisions live in `bot/`."""

    def __init__(self, bot: MajlisBot) -> None:
        self.bot = bot
        self._admin_commands: list[app_commands.Command[Any, ..., Any]] = []
        own = []
        for command in self.__cog_app_commands__:
            if isinstance(command, app_commands.Command) and command.extras.get(_ADMIN_MARK):
                moved = command._copy_with(
                    parent=bot.majlis_group,
                    binding=cast(Any, self),
                    bindings={cast(Any, self): cast(Any, self)},
                )
                bot.majlis_group.add_command(moved)
                self._admin_commands.append(moved)
            else:
                own.append(command)
        self.__cog_app_commands__ = own

        self._hooks = Hooks()

    def hooks(self) -> Hooks:
        """Declare what this feature plugs into the bot (schedules, buttons, status lines, counters…)."""
        return Hooks()

    async def start(self) -> None:
        """Start the feature's own background work, once its hooks are in (override when there is some)."""

    async def stop(self) -> None:
        """Stop the feature's background work before its hooks come off (override when there is some)."""

    async def cog_load(self) -> None:
        """Plug in the declared hooks, then start; subclasses override `hooks`/`start`, not this."""
        self._hooks = self.hooks()
        await self.bot.attach(self._hooks)
        await self.start()

    async def cog_unload(self) -> None:
        """Stop, take every declared hook off again, and this cog's `/majlis` subcommands."""
        await self.stop()
        self.bot.detach(self._hooks)
        for command in self._admin_commands:
            self.bot.majlis_group.remove_command(command.name)

    async def require_feature(
        self, guild_id: int, feature: str, error_key: str, *, channel: bool = False
    ) -> FeatureConfig:
        """Return the feature's settings if an admin set it up and it is on (with a channel, if asked), else refuse."""
        config = await guild_store.enabled_feature(self.bot.db, guild_id, feature, channel=channel)
        if config is None:
            raise MajlisError(error_key)
        return config

    async def timezone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete a time zone option: IANA zones and cities, the Arab region first."""
        lang = await self.lang(interaction)
        return [
            app_commands.Choice(name=label[:100], value=value[:100])
            for label, value in suggest_timezones(current, lang, now=self.bot.clock.now())
        ]

    async def lang(self, interaction: discord.Interaction) -> str:
        """Return the language to answer this member in."""
        return await self.bot.language_for(interaction)

    async def reply(
        self, interaction: discord.Interaction, key: str, /, *, ephemeral: bool = True, **params: Any
    ) -> None:
        """Answer with a catalogue message in the member's language."""
        lang = await self.lang(interaction)
        await send(interaction, t(lang, key, **params), ephemeral=ephemeral)


async def send(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = True,
    **kwargs: Any,
) -> None:
    """Send a response, or a follow-up when the interaction was already answered or deferred."""
    if interaction.response.is_done():
        # discord.py sends None as "no text" here too; its stub only says str.
        await interaction.followup.send(cast(str, content), ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)


class OwnedView(discord.ui.View):
    """A view only the member who asked for it may use; anyone else is told so, privately.

    A failing button is answered by the tree's one error handler, like a command.
    """

    not_yours_key = "error.not_yours"  # what anyone else is told

    def __init__(self, owner_id: int, *, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only the owner press; answer anyone else in their language."""
        if interaction.user.id == self.owner_id:
            return True
        bot: MajlisBot = interaction.client  # type: ignore[assignment]
        await send(interaction, t(await bot.language_for(interaction), self.not_yours_key))
        return False

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """Answer through the tree's error handler, in the member's language."""
        await report_error(interaction, error)


CogT = TypeVar("CogT", bound=commands.Cog)


def feature_cog(interaction: discord.Interaction, cog_type: type[CogT]) -> CogT:
    """Return the loaded cog of `cog_type` for a button press; refuse (`admin.feature_unavailable`) if unloaded."""
    cog = interaction.client.get_cog(cog_type.__cog_name__)  # type: ignore[attr-defined]
    if not isinstance(cog, cog_type):
        raise MajlisError("admin.feature_unavailable")
    return cog


class PersistentItem:
    """Mix into a `DynamicItem`: its press calls into the feature's cog, and any error goes to the one handler.

    discord.py gives a dynamic item no error handler of its own (a failure would only be logged), so this
    answers it exactly as a failing command is answered.
    """

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run the press; answer any error through the tree's handler."""
        try:
            await self.press(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def press(self, interaction: discord.Interaction) -> None:
        """Do what the button does (subclasses)."""
        raise NotImplementedError


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Answer a failed button or modal through the tree's one error handler."""
    tree = cast("MajlisTree", interaction.client.tree)  # type: ignore[attr-defined]
    await tree.on_error(interaction, error)


class MajlisModal(discord.ui.Modal):
    """A modal whose errors are answered by the tree's one handler, in the member's language."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Answer a bad input or a failure like any command's."""
        await report_error(interaction, error)


def button_label(item: discord.ui.Item[Any]) -> str | None:
    """Return the label of the button a dynamic item was rebuilt from (None for other items)."""
    return item.label if isinstance(item, discord.ui.Button) else None
