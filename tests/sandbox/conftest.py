"""Fixtures for testing the fake Discord itself with a throwaway discord.py bot."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.sandbox import FakeDiscord

_DEFAULT_SPEC = Path("/work/shared/discord-openapi.json")
SPEC_PATH = os.environ.get("MAJLIS_DISCORD_SPEC") or (str(_DEFAULT_SPEC) if _DEFAULT_SPEC.exists() else None)
ZONES = ["Asia/Riyadh", "Asia/Dubai", "Africa/Cairo", "Europe/London", "America/New_York"]


class PanelView(discord.ui.View):
    """Two buttons: one answers ephemerally, one edits the panel message."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Hello", custom_id="panel:hello")
    async def hello(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_message(f"hello {interaction.user.name}", ephemeral=True)

    @discord.ui.button(label="Edit", custom_id="panel:edit")
    async def edit(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="edited", view=None)


class StoryModal(discord.ui.Modal, title="Share a story"):
    story_title = discord.ui.TextInput(label="Title", custom_id="title", max_length=100)
    story = discord.ui.TextInput(
        label="Story", custom_id="story", style=discord.TextStyle.long, max_length=2000
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"{self.story_title.value}|{self.story.value}")


class Demo(commands.Cog):
    """Commands exercising every response shape the fake must support."""

    profile = app_commands.Group(name="profile", description="Your freelancer profile")

    def __init__(self, bot: DemoBot) -> None:
        self.bot = bot

    @profile.command(name="set", description="Set your profile")
    @app_commands.choices(
        level=[
            app_commands.Choice(name="Junior", value="junior"),
            app_commands.Choice(name="Senior", value="senior"),
        ]
    )
    async def profile_set(
        self,
        interaction: discord.Interaction,
        skills: str,
        level: str | None = None,
        years: app_commands.Range[int, 0, 60] | None = None,
        member: discord.Member | None = None,
        timezone: str | None = None,
    ) -> None:
        who = member.id if member else None
        await interaction.response.send_message(
            f"skills={skills} level={level} years={years} member={who} tz={timezone}", ephemeral=True
        )

    @profile_set.autocomplete("timezone")
    async def timezone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in ZONES if current.lower() in z.lower()]

    @app_commands.command(name="slow", description="Think, then answer")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done")

    @app_commands.command(name="panel", description="Post a panel with buttons")
    async def panel(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("panel", view=PanelView())

    @app_commands.command(name="story", description="Open the story modal")
    async def story(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(StoryModal())

    @app_commands.command(name="twice", description="Acknowledge twice (a bug on purpose)")
    async def twice(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("once")
        interaction.response._response_type = None  # bypass discord.py's guard to reach Discord's
        try:
            await interaction.response.send_message("twice")
        except discord.HTTPException as exc:
            self.bot.refusals.append(exc)

    @app_commands.command(name="late", description="Answer after the deadline")
    async def late(self, interaction: discord.Interaction) -> None:
        await self.bot.gate.wait()
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as exc:
            self.bot.refusals.append(exc)

    @app_commands.command(name="dm", description="DM a member")
    async def dm(self, interaction: discord.Interaction, member: discord.Member) -> None:
        try:
            await member.send("hi from the bot")
        except discord.Forbidden as exc:
            await interaction.response.send_message(f"closed {exc.code}", ephemeral=True)
        else:
            await interaction.response.send_message("sent", ephemeral=True)


class DemoBot(commands.AutoShardedBot):
    """A throwaway bot that syncs the Demo cog's commands globally."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.1)
        self.refusals: list[discord.HTTPException] = []
        self.gate = asyncio.Event()

    async def setup_hook(self) -> None:
        await self.add_cog(Demo(self))
        await self.tree.sync()


class _ErrorLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def discord_errors():
    """Fail the test if discord.py logs an ERROR (an exception in a command, view or event)."""
    handler = _ErrorLogs()
    logger = logging.getLogger("discord")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)
    assert not handler.records, [r.getMessage() for r in handler.records]


@pytest.fixture
async def fake(discord_errors):
    """A started, installed FakeDiscord with one guild; asserts no violations at teardown."""
    fake = FakeDiscord(spec_path=SPEC_PATH, interaction_deadline=3.0)
    await fake.start()
    fake.install()
    yield fake
    await fake.stop()
    assert not fake.violations, [str(v) for v in fake.violations]


@pytest.fixture
async def world(fake):
    """The test world: a guild, a channel, a forum and two members."""
    guild = fake.create_guild("Freelancers")
    alice = fake.create_user("alice", global_name="Alice")
    bob = fake.create_user("bob", dms_open=False)
    fake.add_member(guild, alice)
    fake.add_member(guild, bob)
    chan = fake.create_text_channel(guild, "intros")
    return guild, alice, bob, chan


@pytest.fixture
async def bot(fake, world):
    """The demo bot logged in, synced and ready against the fake."""
    bot = DemoBot()
    runner = None
    try:
        await bot.login(fake.bot_token)
        runner = asyncio.create_task(bot.connect())
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        if runner is not None:
            await asyncio.wait_for(runner, 10)
