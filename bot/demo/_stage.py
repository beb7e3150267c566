"""The demo's stage: the fake Discord, the real bot on simulated time, and how members act on it.

The story (`bot/demo/scenario.py`) drives this stage as a Discord client would; time moves only when
the story moves it (both clocks together), so a seed replays it.
"""

import asyncio
import contextlib
import logging
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot import schedule
from bot.client import MajlisBot
from bot.config import Settings
from bot.demo.community import Freelancer, generate_community
from bot.demo.labels import say
from bot.demo.transcript import Names, Transcript, message_lines
from bot.pacer import Pacer
from bot.sandbox import FakeDiscord
from bot.sandbox.interactions import FakeInteraction
from bot.sandbox.models import Channel, Clock, Message, Snowflakes, User
from bot.text import clip

# A Saturday (the first day of the week in much of the Arab world), 08:00 in Riyadh.
START = datetime(2025, 3, 1, 5, 0, tzinfo=UTC)
STEP = timedelta(hours=6)
ACTION_PAUSE = timedelta(seconds=40)
WAIT = 20.0  # seconds to wait for the bot's answer: generous for a slow machine, never reached normally
PACER_TIME_SCALE = 0.001
THREADS_SHOWN = 2
MESSAGES_SHOWN = 6


class SimulatedTime(Clock):
    """The fake Discord's clock, moved only by the story (so snowflakes, and every seed, replay)."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self.start = start.timestamp()

    def now(self) -> float:
        """Return the simulated UNIX time."""
        return self.start + self.offset


class BotTime(schedule.Clock):
    """The bot's clock, moved together with the fake's."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self.start = start

    def now(self) -> datetime:
        """Return the simulated aware UTC time."""
        return self.start + self.offset


class Stage:
    """The fake Discord, the real bot, the members and what they saw; the story runs on it."""

    def __init__(self, *, lang: str, seed: int, weeks: int, members: int, db_path: Path) -> None:
        self.lang, self.seed, self.weeks = lang, seed, weeks
        self.rng = random.Random(seed)
        self.community = generate_community(seed, lang, members)
        self.db_path = db_path
        self.fake = FakeDiscord(interaction_deadline=WAIT)
        self.pacer = Pacer(time_scale=PACER_TIME_SCALE)  # one for every bot the story starts
        self.fake_time = SimulatedTime(START)
        self.bot_time = BotTime(START)
        self.bot: MajlisBot | None = None
        self._runner: asyncio.Task[None] | None = None
        self.transcript = Transcript()
        self.users: dict[str, User] = {}
        self.people: dict[int, Freelancer] = {}
        self.seen: set[int] = set()
        self.channels: dict[str, Channel] = {}
        self.chart: bytes | None = None
        self.leaver: User | None = None

    # --- the machinery ------------------------------------------------------------------------

    async def open(self) -> None:
        """Start the fake on its simulated clock, build the server and connect the bot."""
        fake = self.fake
        # The story's clock replaces the wall clock before any id is made, so ids (and seeds) replay.
        fake.clock = self.fake_time
        fake.snowflakes = Snowflakes(self.fake_time)
        fake.rate_limiter.clock = self.fake_time
        await fake.start()
        fake.install()
        self.guild = fake.create_guild("Majlis Freelancers")
        self.admin = fake.create_user(
            "noura.admin", global_name="Noura (admin)" if self.lang == "en" else "نورة (مشرفة)"
        )
        fake.add_member(self.guild, self.admin, manage_guild=True)
        self.channels["lounge"] = fake.create_text_channel(self.guild, "lounge")
        for person in self.community:
            user = fake.create_user(
                person.username, global_name=person.display_name, dms_open=person.dms_open
            )
            fake.add_member(self.guild, user)
            self.users[person.username] = user
            self.people[user.id] = person
        await self.start_bot()

    async def start_bot(self) -> None:
        """Start the real bot against the fake (with the story's clock and a temporary database)."""
        settings = Settings(
            token=self.fake.bot_token, db_path=self.db_path, log_level=logging.WARNING, dev_guild=None
        )
        bot = MajlisBot(settings, clock=self.bot_time, guild_ready_timeout=0.05, max_ratelimit_timeout=30.0)
        # The bot paces its own sends under Discord's limits (5 messages per 5 s in a channel, 50 threads per
        # 5 min); the story's time stands still while it waits, so those windows would be real seconds of
        # nothing. Shrunk a thousandfold, as the tests do, the order of every request stays the same.
        bot.delivery.pacer = self.pacer
        await bot.login(settings.token)
        self._runner = asyncio.create_task(bot.connect(reconnect=True))
        await asyncio.wait_for(bot.wait_until_ready(), timeout=WAIT)
        self.bot = bot

    async def stop_bot(self) -> None:
        """Close the bot and wait for its connection task."""
        if self.bot is not None:
            await self.bot.close()
            if self._runner is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._runner
            self.bot = None

    async def close(self) -> None:
        """Stop the bot and the fake."""
        await self.stop_bot()
        await self.fake.stop()

    @property
    def live(self) -> MajlisBot:
        """Return the running bot."""
        assert self.bot is not None
        return self.bot

    def has_command(self, name: str) -> bool:
        """Say whether the bot synced a command (features land at different times)."""
        top, *rest = name.split()
        pools = self.fake.synced_commands.values()
        command = next((c for pool in pools for c in pool if c.get("name") == top), None)
        options = command.get("options") or [] if command else []
        for part in rest:
            found = next((o for o in options if o.get("name") == part and o.get("type") in (1, 2)), None)
            if found is None:
                return False
            options = found.get("options") or []
        return command is not None

    def pause(self, delta: timedelta = ACTION_PAUSE) -> None:
        """Let a little simulated time pass between two people's actions."""
        self.bot_time.advance(delta)
        self.fake.advance_time(delta.total_seconds())

    def name(self, user: User) -> str:
        """Return how the server shows a user."""
        return user.global_name or user.username

    def names(self) -> Names:
        """Return the mention resolver for the current server."""
        users = {u.id: self.name(u) for u in self.fake.users.values()}
        channels = {c.id: c.name or "" for c in self.fake.channels.values() if c.name}
        return Names(users, channels, {r.id: r.name for r in self.guild.roles.values()})

    async def invoke(
        self, user: User, command: str, *, show: bool = True, channel: Channel | None = None, **options: Any
    ) -> FakeInteraction:
        """Run a slash command as ``user``, wait for the answer and note what they saw."""
        self.pause()
        shown = " ".join(f"{k}:{_option_text(v)}" for k, v in options.get("options", options).items())
        interaction = await self.fake.invoke(
            self.guild, user, command, channel=channel or self.channels["lounge"], **options
        )
        if show:
            self.transcript.action(self.name(user), f"/{command} {shown}".strip())
        await interaction.response(WAIT)
        if interaction.modal is None:
            await interaction.wait_done(WAIT)
            if show:
                self.note_reply(user, interaction)
        return interaction

    async def click(
        self, user: User, message: Message, custom_id: str, *, show: bool = True
    ) -> FakeInteraction:
        """Press a button as ``user`` and note the answer they saw."""
        self.pause(timedelta(seconds=10))
        component = message.component(custom_id) or {}
        if show:
            self.transcript.action(
                self.name(user), f"{say(self.lang, 'clicks')} [{component.get('label', custom_id)}]"
            )
        interaction = await self.fake.click(message, custom_id, user=user)
        await interaction.wait_done(WAIT)
        if show and interaction.callback_type not in (6, 7):
            self.note_reply(user, interaction)
        return interaction

    async def submit(self, user: User, opened: FakeInteraction, values: dict[str, str]) -> FakeInteraction:
        """Fill in and submit a modal the bot opened."""
        self.pause()
        self.transcript.action(
            self.name(user), f"{say(self.lang, 'submits')}: " + " | ".join(values.values())
        )
        submitted = await self.fake.submit_modal(opened, values)
        await submitted.wait_done(WAIT)
        self.note_reply(user, submitted)
        return submitted

    def note_reply(self, user: User, interaction: FakeInteraction) -> None:
        """Write the answer to an interaction (and its follow-ups) into the transcript."""
        for message in [m for m in (interaction.original, *interaction.followups) if m is not None]:
            self.seen.add(message.id)
            lines = message_lines(message, self.names())
            if not lines:
                continue
            place = self.place_of(message)
            audience = self.name(user) if message.ephemeral else ""
            self.transcript.message(place, "Majlis", lines, audience=audience)

    def place_of(self, message: Message) -> str:
        """Say where a message is: #channel, #channel › thread, or a DM."""
        channel = self.fake.channels.get(message.channel_id)
        if channel is None:
            return "?"
        if channel.recipient_id is not None:
            return say(self.lang, "dm", who=self.name(self.fake.users[channel.recipient_id]))
        if channel.is_thread:
            parent = self.fake.channels.get(channel.parent_id or 0)
            kind = f" ({say(self.lang, 'private_thread')})" if channel.type == 12 else ""
            name = channel.name or ""
            name = clip(name, 40)
            return f"#{parent.name if parent else '?'} › {name}{kind}"
        return f"#{channel.name}"

    def say_as(self, user: User, channel: Channel, text: str) -> Message:
        """Post a member's message (bots without the message-content intent only see that it exists)."""
        self.pause(timedelta(minutes=7))
        message = self.fake.post_message(channel, user, text)
        self.seen.add(message.id)
        return message

    def report_new(self, *, threads_shown: int = THREADS_SHOWN) -> None:
        """Write every new message the bot posted (channels, threads, DMs) into the transcript."""
        names = self.names()
        by_place: dict[int, list[Message]] = {}
        for message in self.fake.stored_messages.values():
            if message.id in self.seen or message.ephemeral or message.deleted:
                continue
            self.seen.add(message.id)
            by_place.setdefault(message.channel_id, []).append(message)
        threads_seen, hidden = 0, []
        # Groups are delivered concurrently: show private threads in their natural order, not arrival order.
        places = sorted(
            by_place,
            key=lambda c: (
                self.fake.channels[c].type == 12,
                _natural(self.fake.channels[c].name or "")
                if self.fake.channels[c].type == 12
                else [by_place[c][0].id],
            ),
        )
        for channel_id in places:
            messages = by_place[channel_id]
            channel = self.fake.channels[channel_id]
            if channel.type == 12:
                threads_seen += 1
                if threads_seen > threads_shown:
                    members = [
                        self.name(self.fake.users[u]) for u in channel.members if u != self.fake.bot_user.id
                    ]
                    hidden.append(" + ".join(members))
                    continue
            for message in messages[:MESSAGES_SHOWN]:
                author = self.name(self.fake.users[message.author_id])
                self.transcript.message(self.place_of(message), author, message_lines(message, names))
            if len(messages) > MESSAGES_SHOWN:
                self.transcript.note(say(self.lang, "more_messages", count=len(messages) - MESSAGES_SHOWN))
        if hidden:
            self.transcript.note(say(self.lang, "more_threads", count=len(hidden), groups="; ".join(hidden)))

    async def settle(self) -> None:
        """Wait for the bot's background work (intro deliveries, swap matching) to finish."""
        intros = self.live.get_cog("Intros")
        runner = getattr(intros, "runner", None)
        while runner is not None and any(not task.done() for task in runner.deliveries.values()):
            await asyncio.gather(*runner.deliveries.values(), return_exceptions=True)
        swaps = self.live.get_cog("Swaps")
        if swaps is not None and hasattr(swaps, "run_matching"):
            await swaps.run_matching(self.guild.id)

    async def due_times(self) -> list[datetime]:
        """Return when scheduled work falls due next (the story defines it)."""
        raise NotImplementedError

    async def run_due(self) -> None:
        """Run what is due and react to it (the story defines it)."""
        raise NotImplementedError

    async def advance_to(self, moment: datetime) -> None:
        """Move the story's time to ``moment`` in steps, running what falls due and reacting to it."""
        while self.bot_time.now() < moment:
            now = self.bot_time.now()
            # Land exactly on each occurrence, so a round at 10:00 is seen at 10:00.
            upcoming = [when for when in await self.due_times() if when > now]
            step = min([STEP, moment - now, *(when - now for when in upcoming)])
            self.pause(step)
            await self.run_due()


def _natural(text: str) -> list[Any]:
    """Return a sort key that puts "4-2" before "4-10"."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)]


def _option_text(value: Any) -> str:
    if isinstance(value, Channel):
        return f"#{value.name}"
    if isinstance(value, User):
        return f"@{value.global_name or value.username}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
