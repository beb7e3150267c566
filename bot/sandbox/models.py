"""The fake Discord's in-memory world: users, guilds, channels, messages, as plain objects."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15


class Clock:
    """Wall-clock time the tests can move forward (``advance``) instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        """Return the fake's current UNIX time in seconds."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward."""
        self.offset += seconds

    def iso(self, at: float | None = None) -> str:
        """Return ``at`` (default now) as the ISO-8601 timestamp Discord uses."""
        moment = self.now() if at is None else at
        return dt.datetime.fromtimestamp(moment, tz=dt.UTC).isoformat()


class Snowflakes:
    """Generate Discord snowflakes whose timestamps follow the fake's clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._increment = itertools.count()
        self._last = 0

    def next(self) -> int:
        """Return a new, strictly increasing snowflake."""
        ms = int(self._clock.now() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (1 << 17) | (1 << 12) | (next(self._increment) & 0xFFF)
        # Ids must keep increasing even if the clock is moved or two ids share a millisecond.
        value = max(value, self._last + 1)
        self._last = value
        return value


def snowflake_time(snowflake: int) -> float:
    """Return the UNIX time encoded in a snowflake."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


@dataclass(eq=False)
class User:
    """A Discord user; ``dms_open=False`` makes DMs to them fail with 50007."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True

    def payload(self) -> dict[str, Any]:
        """Return the user object Discord sends."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class Role:
    """A guild role; ``permissions`` is the integer bit set."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        """Return the role object Discord sends."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.bot_id is not None,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Member:
    """A user's membership of a guild."""

    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = ""

    @property
    def id(self) -> int:
        """Return the member's user id."""
        return self.user.id

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        """Return the guild member object Discord sends."""
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass(eq=False)
class Guild:
    """A guild: its roles, members and the bot's guild-wide permission denials."""

    id: int
    name: str
    owner_id: int
    everyone_role_id: int
    bot_role_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    system_channel: Channel | None = None
    manager_role_id: int | None = None
    bot_denied: int = 0
    preferred_locale: str = "en-US"
    joined_at: str = ""


@dataclass(eq=False)
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        """Return the overwrite object Discord sends."""
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Channel:
    """A guild channel, thread, forum or DM; ``members`` lists a thread's member ids."""

    id: int
    type: int
    name: str | None
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    applied_tags: list[int] = field(default_factory=list)
    owner_id: int | None = None
    invitable: bool = True
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 10080
    recipient_id: int | None = None
    created_at: str = ""
    last_message_id: int | None = None
    message_count: int = 0
    member_joins: dict[int, str] = field(default_factory=dict)
    deleted: bool = False

    @property
    def is_thread(self) -> bool:
        """Say whether this channel is a thread."""
        return self.type in THREAD_TYPES

    @property
    def members(self) -> list[int]:
        """Return the user ids that are members of this thread."""
        return list(self.member_joins)


@dataclass(eq=False)
class Attachment:
    """A file uploaded with a message."""

    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    url: str = ""

    @property
    def size(self) -> int:
        """Return the size in bytes."""
        return len(self.data)

    def payload(self) -> dict[str, Any]:
        """Return the attachment object Discord sends."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type or "application/octet-stream",
        }
        if self.description is not None:
            data["description"] = self.description
        return data


@dataclass(eq=False)
class Reaction:
    """One emoji's reactions on a message."""

    emoji: str
    user_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Return how many users reacted with this emoji."""
        return len(self.user_ids)

    def payload(self, me_id: int) -> dict[str, Any]:
        """Return the reaction object Discord sends."""
        name, _, emoji_id = self.emoji.partition(":")
        return {
            "count": self.count,
            "count_details": {"burst": 0, "normal": self.count},
            "me": me_id in self.user_ids,
            "me_burst": False,
            "burst_colors": [],
            "emoji": {"id": emoji_id or None, "name": name},
        }


@dataclass(eq=False)
class Message:
    """A stored message: what the bot sent, as Discord keeps it."""

    id: int
    channel_id: int
    author_id: int
    guild_id: int | None = None
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    reactions: list[Reaction] = field(default_factory=list)
    message_reference: dict[str, Any] | None = None
    allowed_mentions: dict[str, Any] | None = None
    mention_everyone: bool = False
    mention_role_ids: list[int] = field(default_factory=list)
    mention_user_ids: list[int] = field(default_factory=list)
    webhook_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    created_at: str = ""
    edited_at: str | None = None
    deleted: bool = False
    tts: bool = False

    @property
    def ephemeral(self) -> bool:
        """Say whether only the interaction's user can see this message."""
        return bool(self.flags & EPHEMERAL)

    def reaction(self, emoji: str) -> Reaction | None:
        """Return the reactions for ``emoji``, if any."""
        return next((r for r in self.reactions if r.emoji == emoji), None)

    def custom_ids(self) -> list[str]:
        """Return every component custom_id on the message, in order."""
        return [c["custom_id"] for c in iter_components(self.components) if "custom_id" in c]

    def component(self, custom_id: str) -> dict[str, Any] | None:
        """Return the component with ``custom_id``, if the message has it."""
        return next((c for c in iter_components(self.components) if c.get("custom_id") == custom_id), None)


def iter_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten nested components (rows, sections, containers, labels) depth first."""
    flat: list[dict[str, Any]] = []
    for component in components or []:
        if not isinstance(component, dict):
            continue
        flat.append(component)
        flat.extend(iter_components(component.get("components") or []))
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                flat.extend(iter_components([child]))
    return flat


SnowflakeSource = Callable[[], int]
