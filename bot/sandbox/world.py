"""The fake Discord's world: state, permissions, payloads and the test driver's setup methods."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import discord

from bot.sandbox.errors import UNKNOWN_CHANNEL, UNKNOWN_MESSAGE, missing_permissions, not_found
from bot.sandbox.models import (
    DM,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    Channel,
    Clock,
    Guild,
    Member,
    Message,
    Overwrite,
    Reaction,
    Role,
    Snowflakes,
    User,
)

if TYPE_CHECKING:
    from bot.sandbox.gateway import Gateway, GatewaySession

FLAGS: dict[str, int] = dict(discord.Permissions.VALID_FLAGS)
ALL_PERMISSIONS = discord.Permissions.all().value
ADMINISTRATOR = FLAGS["administrator"]
VIEW_CHANNEL = FLAGS["view_channel"]

MEMBER_DEFAULTS = (
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "create_public_threads",
    "create_private_threads",
    "embed_links",
    "attach_files",
    "add_reactions",
    "read_message_history",
    "use_application_commands",
    "use_external_emojis",
    "change_nickname",
    "connect",
    "speak",
)
BOT_DEFAULTS = (*MEMBER_DEFAULTS, "manage_threads", "manage_messages", "manage_channels")


def permission_bits(*names: str) -> int:
    """Return the bit set for permission names as in ``discord.Permissions`` (any case)."""
    value = 0
    for name in names:
        key = name.lower()
        if key not in FLAGS:
            raise ValueError(f"unknown permission {name!r}")
        value |= FLAGS[key]
    return value


def _id(thing: Any) -> int:
    return thing if isinstance(thing, int) else int(thing.id)


class World:
    """Hold users, guilds, channels and messages, and render them as Discord payloads."""

    gateway: Gateway

    def __init__(self) -> None:
        self.clock = Clock()
        self.snowflakes = Snowflakes(self.clock)
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.stored_messages: dict[int, Message] = {}
        self._channel_log: dict[int, list[int]] = {}
        self.application_id = self.snowflakes.next()
        self.bot_user = User(self.application_id, "Majlis", global_name="Majlis", bot=True)
        self.users[self.bot_user.id] = self.bot_user
        self.bot_token = f"fake.{self.application_id}.token"
        # The application's flags (GET /applications/@me): privileged intents switched on in the Developer
        # Portal. GATEWAY_GUILD_MEMBERS_LIMITED (1 << 15) is how an unverified bot's Server Members toggle
        # shows; clear it to model a bot whose owner forgot, and IDENTIFY with that intent is closed 4014.
        self.application_flags = 1 << 15
        self.url = ""

    # -- hooks filled in by FakeDiscord ------------------------------------------------------------
    def notify(self) -> None:
        """Wake ``wait_for`` callers (overridden by FakeDiscord)."""

    @property
    def gateway_url(self) -> str:
        """Return the websocket URL discord.py connects to."""
        return self.url.replace("http://", "ws://") + "/gateway/"

    # -- setting up the world ----------------------------------------------------------------------
    def create_user(
        self, username: str, *, global_name: str | None = None, dms_open: bool = True, bot: bool = False
    ) -> User:
        """Create a user (not yet in any guild)."""
        user = User(self.snowflakes.next(), username, global_name=global_name, dms_open=dms_open, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(
        self, name: str, *, owner: User | None = None, locale: str = "en-US", with_bot: bool = True
    ) -> Guild:
        """Create a guild with @everyone, the bot's role and a "general" channel; the bot joins unless told not."""
        owner = owner or self.create_user(f"{name.lower()}-owner")
        guild_id = self.snowflakes.next()
        everyone = Role(guild_id, guild_id, "@everyone", permission_bits(*MEMBER_DEFAULTS))
        bot_role = Role(
            self.snowflakes.next(),
            guild_id,
            self.bot_user.username,
            permission_bits(*BOT_DEFAULTS),
            position=1,
            bot_id=self.bot_user.id,
        )
        guild = Guild(
            guild_id,
            name,
            owner.id,
            everyone.id,
            bot_role.id,
            roles={everyone.id: everyone, bot_role.id: bot_role},
            preferred_locale=locale,
            joined_at=self.clock.iso(),
        )
        self.guilds[guild.id] = guild
        guild.members[owner.id] = Member(owner, guild.id, joined_at=self.clock.iso())
        guild.system_channel = self._new_channel(guild, GUILD_TEXT, "general", dispatch=False)
        if with_bot:
            self._join_bot(guild)
        return guild

    async def add_bot_to_guild(self, guild: Guild) -> None:
        """Add the bot to a guild made with ``with_bot=False`` (GUILD_CREATE: discord.py's on_guild_join)."""
        self._join_bot(guild)

    def remove_bot_from_guild(self, guild: Guild) -> None:
        """Kick the bot from a guild (GUILD_DELETE without "unavailable": discord.py's on_guild_remove)."""
        if guild.members.pop(self.bot_user.id, None) is None:
            return
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)

    def _join_bot(self, guild: Guild) -> None:
        if self.bot_user.id in guild.members:
            return
        guild.joined_at = self.clock.iso()
        guild.members[self.bot_user.id] = Member(
            self.bot_user, guild.id, [guild.bot_role_id], joined_at=guild.joined_at
        )
        joined = self.guild_create_payload(guild)
        # A join carries no "unavailable" key; with it discord.py reports guild_available, not guild_join.
        del joined["unavailable"]
        self.gateway.dispatch("GUILD_CREATE", joined, guild_id=guild.id)

    def add_member(
        self,
        guild: Guild,
        user: User,
        *,
        manage_guild: bool = False,
        nick: str | None = None,
        roles: Iterable[Role] = (),
    ) -> Member:
        """Add ``user`` to ``guild``; ``manage_guild=True`` gives them a role with Manage Server."""
        role_ids = [r.id for r in roles]
        if manage_guild:
            role_ids.append(self._manager_role(guild).id)
        member = Member(user, guild.id, role_ids, nick=nick, joined_at=self.clock.iso())
        guild.members[user.id] = member
        self.gateway.dispatch(
            "GUILD_MEMBER_ADD", member.payload() | {"guild_id": str(guild.id)}, guild_id=guild.id
        )
        return member

    def remove_member(self, guild: Guild, user: User) -> None:
        """Remove ``user`` from ``guild`` (and its threads) and dispatch GUILD_MEMBER_REMOVE."""
        guild.members.pop(user.id, None)
        for channel in self.channels.values():
            if channel.guild_id == guild.id:
                channel.member_joins.pop(user.id, None)
        self.gateway.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": user.payload()}, guild_id=guild.id
        )

    def create_role(self, guild: Guild, name: str, *permissions: str) -> Role:
        """Create a role with the named permissions."""
        role = Role(
            self.snowflakes.next(), guild.id, name, permission_bits(*permissions), position=len(guild.roles)
        )
        guild.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()}, guild_id=guild.id
        )
        return role

    def _manager_role(self, guild: Guild) -> Role:
        if guild.manager_role_id is None:
            guild.manager_role_id = self.create_role(guild, "Managers", *MEMBER_DEFAULTS, "manage_guild").id
        return guild.roles[guild.manager_role_id]

    def create_category(self, guild: Guild, name: str) -> Channel:
        """Create a category channel."""
        return self._new_channel(guild, GUILD_CATEGORY, name)

    def create_text_channel(
        self,
        guild: Guild,
        name: str,
        *,
        category: Channel | None = None,
        topic: str | None = None,
        announcement: bool = False,
    ) -> Channel:
        """Create a text (or announcement) channel."""
        return self._new_channel(
            guild,
            5 if announcement else GUILD_TEXT,
            name,
            parent_id=category.id if category else None,
            topic=topic,
        )

    def create_forum_channel(
        self,
        guild: Guild,
        name: str,
        *,
        tags: Iterable[str | dict[str, Any]] = (),
        category: Channel | None = None,
    ) -> Channel:
        """Create a forum channel with ``available_tags`` (names or tag dicts)."""
        channel = self._new_channel(
            guild, GUILD_FORUM, name, parent_id=category.id if category else None, dispatch=False
        )
        channel.available_tags = [self._tag(t) for t in tags]
        self._dispatch_channel("CHANNEL_CREATE", channel)
        return channel

    def _tag(self, tag: str | dict[str, Any]) -> dict[str, Any]:
        data = {"name": tag} if isinstance(tag, str) else dict(tag)
        return {
            "id": str(data.get("id") or self.snowflakes.next()),
            "name": data["name"],
            "moderated": bool(data.get("moderated", False)),
            "emoji_id": data.get("emoji_id"),
            "emoji_name": data.get("emoji_name"),
        }

    def _new_channel(
        self,
        guild: Guild,
        kind: int,
        name: str,
        *,
        parent_id: int | None = None,
        topic: str | None = None,
        dispatch: bool = True,
    ) -> Channel:
        position = sum(1 for c in self.channels.values() if c.guild_id == guild.id and not c.is_thread)
        channel = Channel(
            self.snowflakes.next(),
            kind,
            name,
            guild_id=guild.id,
            parent_id=parent_id,
            position=position,
            topic=topic,
            created_at=self.clock.iso(),
        )
        self.channels[channel.id] = channel
        self._channel_log[channel.id] = []
        if dispatch:
            self._dispatch_channel("CHANNEL_CREATE", channel)
        return channel

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel (its threads too); later requests to it get 404 10003."""
        doomed = [channel, *(c for c in self.channels.values() if c.parent_id == channel.id and c.is_thread)]
        for gone in doomed:
            gone.deleted = True
            event = "THREAD_DELETE" if gone.is_thread else "CHANNEL_DELETE"
            payload = self.channel_payload(gone)
            if gone.is_thread:
                payload = {k: payload[k] for k in ("id", "guild_id", "parent_id", "type")}
            self.gateway.dispatch(event, payload, guild_id=gone.guild_id)

    def deny_bot(self, guild: Guild, permission: str, channel: Channel | None = None) -> None:
        """Take a permission from the bot, guild-wide or in one channel (and its threads)."""
        bits = permission_bits(permission)
        if channel is None:
            guild.bot_denied |= bits
            bot_role = guild.roles[guild.bot_role_id]
            bot_role.permissions &= ~bits
            self.gateway.dispatch(
                "GUILD_ROLE_UPDATE",
                {"guild_id": str(guild.id), "role": bot_role.payload()},
                guild_id=guild.id,
            )
            targets = [c for c in self.channels.values() if c.guild_id == guild.id and not c.is_thread]
        else:
            overwrite = channel.overwrites.setdefault(self.bot_user.id, Overwrite(self.bot_user.id, 1))
            overwrite.deny |= bits
            overwrite.allow &= ~bits
            targets = [channel]
        for target in targets:
            if not target.deleted:
                self._dispatch_channel("CHANNEL_UPDATE", target)

    def allow_bot(self, guild: Guild, permission: str, channel: Channel | None = None) -> None:
        """Give a permission back to the bot, guild-wide or in one channel."""
        bits = permission_bits(permission)
        if channel is None:
            guild.bot_denied &= ~bits
            bot_role = guild.roles[guild.bot_role_id]
            bot_role.permissions |= bits
            self.gateway.dispatch(
                "GUILD_ROLE_UPDATE",
                {"guild_id": str(guild.id), "role": bot_role.payload()},
                guild_id=guild.id,
            )
            targets = [c for c in self.channels.values() if c.guild_id == guild.id and not c.is_thread]
        else:
            overwrite = channel.overwrites.get(self.bot_user.id)
            if overwrite is not None:
                overwrite.deny &= ~bits
            targets = [channel]
        for target in targets:
            self._dispatch_channel("CHANNEL_UPDATE", target)

    def _dispatch_channel(self, event: str, channel: Channel) -> None:
        self.gateway.dispatch(event, self.channel_payload(channel), guild_id=channel.guild_id)

    # -- looking things up -------------------------------------------------------------------------
    def guild_of(self, thing: Any) -> Guild | None:
        """Return the guild of a guild, channel, message or id."""
        if isinstance(thing, Guild):
            return thing
        if isinstance(thing, Channel | Message):
            return self.guilds.get(thing.guild_id) if thing.guild_id else None
        return self.guilds.get(_id(thing))

    def members_of(self, guild_id: int) -> Iterable[Member]:
        """Return a guild's members."""
        guild = self.guilds.get(guild_id)
        return guild.members.values() if guild else ()

    def channel(self, channel_id: int) -> Channel:
        """Return a live channel or raise 404 10003."""
        channel = self.channels.get(channel_id)
        if channel is None or channel.deleted:
            raise not_found(UNKNOWN_CHANNEL, "Channel")
        return channel

    def message(self, channel_id: int, message_id: int) -> Message:
        """Return a visible message of a channel or raise 404 10008."""
        self.channel(channel_id)
        message = self.stored_messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id or message.ephemeral:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        return message

    def messages(self, channel: Any) -> list[Message]:
        """Return a channel's (non-deleted, non-ephemeral) messages, oldest first."""
        found = (self.stored_messages[m] for m in self._channel_log.get(_id(channel), []))
        return [m for m in found if not m.deleted and not m.ephemeral]

    def threads(self, where: Any) -> list[Channel]:
        """Return the threads of a channel (or of every channel of a guild), oldest first."""
        key = _id(where)
        return [
            c
            for c in self.channels.values()
            if c.is_thread and not c.deleted and (c.parent_id == key or c.guild_id == key)
        ]

    def dm_channel(self, user: User) -> Channel:
        """Return (creating on first use) the DM channel between the bot and ``user``."""
        for channel in self.channels.values():
            if channel.type == DM and channel.recipient_id == user.id:
                return channel
        channel = Channel(self.snowflakes.next(), DM, None, recipient_id=user.id, created_at=self.clock.iso())
        self.channels[channel.id] = channel
        self._channel_log[channel.id] = []
        return channel

    def dm_messages(self, user: User) -> list[Message]:
        """Return the messages in the bot's DM channel with ``user``."""
        return self.messages(self.dm_channel(user))

    def store_message(self, message: Message) -> Message:
        """Keep a new message and count it on its channel."""
        self.stored_messages[message.id] = message
        self._channel_log.setdefault(message.channel_id, []).append(message.id)
        channel = self.channels.get(message.channel_id)
        if channel is not None and not message.ephemeral:
            channel.last_message_id = message.id
            channel.message_count += 1
        return message

    # -- permissions -------------------------------------------------------------------------------
    def overwrites_of(self, channel: Channel) -> dict[int, Overwrite]:
        """Return a channel's overwrites, with guild-wide bot denials as a member overwrite."""
        overwrites = {k: Overwrite(v.id, v.type, v.allow, v.deny) for k, v in channel.overwrites.items()}
        guild = self.guilds.get(channel.guild_id or 0)
        if guild is not None and guild.bot_denied:
            own = overwrites.setdefault(self.bot_user.id, Overwrite(self.bot_user.id, 1))
            own.deny |= guild.bot_denied
            own.allow &= ~guild.bot_denied
        return overwrites

    def permissions_for(self, guild: Guild, user_id: int, channel: Channel | None = None) -> int:
        """Compute a member's permissions, in ``channel`` when given (Discord's overwrite order)."""
        if guild.owner_id == user_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        if member is None:
            return 0
        perms = guild.roles[guild.everyone_role_id].permissions
        for role_id in member.roles:
            if role_id in guild.roles:
                perms |= guild.roles[role_id].permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        if channel is None:
            return perms
        target = self.channels.get(channel.parent_id or 0) if channel.is_thread else channel
        overwrites = self.overwrites_of(target) if target else {}
        everyone = overwrites.get(guild.everyone_role_id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            if role_id in overwrites:
                allow |= overwrites[role_id].allow
                deny |= overwrites[role_id].deny
        perms = (perms & ~deny) | allow
        own = overwrites.get(user_id)
        if own and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        return perms if perms & VIEW_CHANNEL else 0

    def require_bot(self, channel: Channel, *names: str) -> None:
        """Raise 403 50013 unless the bot has every named permission in ``channel``."""
        if channel.guild_id is None:
            return
        guild = self.guilds[channel.guild_id]
        have = self.permissions_for(guild, self.bot_user.id, channel)
        need = permission_bits("view_channel", *names)
        if have & need != need:
            raise missing_permissions()
        private_stranger = channel.type == PRIVATE_THREAD and self.bot_user.id not in channel.member_joins
        if private_stranger and not have & FLAGS["manage_threads"]:
            raise missing_permissions()

    # -- payloads ----------------------------------------------------------------------------------
    def channel_payload(self, channel: Channel) -> dict[str, Any]:
        """Return the channel object Discord sends."""
        if channel.type == DM:
            return {
                "id": str(channel.id),
                "type": DM,
                "last_message_id": _str(channel.last_message_id),
                "flags": 0,
                "recipients": [self.users[channel.recipient_id or 0].payload()],
            }
        data: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "parent_id": _str(channel.parent_id),
            "flags": 0,
            "position": channel.position,
        }
        if channel.is_thread:
            data.update(
                {
                    "owner_id": _str(channel.owner_id),
                    "last_message_id": _str(channel.last_message_id),
                    "message_count": channel.message_count,
                    "total_message_sent": channel.message_count,
                    "member_count": min(len(channel.member_joins), 50),
                    "rate_limit_per_user": 0,
                    "applied_tags": [str(t) for t in channel.applied_tags],
                    "thread_metadata": {
                        "archived": channel.archived,
                        "auto_archive_duration": channel.auto_archive_duration,
                        "archive_timestamp": channel.created_at,
                        "locked": channel.locked,
                        "create_timestamp": channel.created_at,
                        **({"invitable": channel.invitable} if channel.type == PRIVATE_THREAD else {}),
                    },
                }
            )
            del data["position"]
            if self.bot_user.id in channel.member_joins:
                data["member"] = self.thread_member_payload(channel, self.bot_user.id)
            return data
        data["permission_overwrites"] = [o.payload() for o in self.overwrites_of(channel).values()]
        if channel.type != GUILD_CATEGORY:
            data.update(
                {
                    "topic": channel.topic,
                    "nsfw": False,
                    "rate_limit_per_user": 0,
                    "last_message_id": _str(channel.last_message_id),
                }
            )
        if channel.type == GUILD_FORUM:
            data.update(
                {
                    "available_tags": channel.available_tags,
                    "default_reaction_emoji": None,
                    "default_thread_rate_limit_per_user": 0,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_auto_archive_duration": 10080,
                }
            )
        return data

    def thread_member_payload(self, thread: Channel, user_id: int) -> dict[str, Any]:
        """Return a thread member object."""
        return {
            "id": str(thread.id),
            "user_id": str(user_id),
            "join_timestamp": thread.member_joins[user_id],
            "flags": 0,
        }

    def guild_create_payload(self, guild: Guild) -> dict[str, Any]:
        """Return the full GUILD_CREATE payload, with every member so no chunking is needed."""
        channels = [c for c in self.channels.values() if c.guild_id == guild.id and not c.deleted]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": _str(guild.system_channel.id if guild.system_channel else None),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.preferred_locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": guild.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "voice_states": [],
            "presences": [],
            "members": [m.payload() for m in guild.members.values()],
            "channels": [self.channel_payload(c) for c in channels if not c.is_thread],
            "threads": [
                self.channel_payload(c)
                for c in channels
                if c.is_thread
                and not c.archived
                and (c.type != PRIVATE_THREAD or self.bot_user.id in c.member_joins)
            ],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "lazy": True,
        }

    def guild_payload(self, guild: Guild) -> dict[str, Any]:
        """Return the guild object of ``GET /guilds/{id}``."""
        data = self.guild_create_payload(guild)
        for key in (
            "members",
            "channels",
            "threads",
            "voice_states",
            "presences",
            "joined_at",
            "large",
            "member_count",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "embedded_activities",
            "lazy",
            "unavailable",
        ):
            data.pop(key, None)
        data["approximate_member_count"] = len(guild.members)
        return data

    def member_payload(self, guild: Guild, user_id: int, channel: Channel | None = None) -> dict[str, Any]:
        """Return a member object with its computed ``permissions`` string (as in interactions)."""
        payload = guild.members[user_id].payload()
        payload["permissions"] = str(self.permissions_for(guild, user_id, channel))
        return payload

    def message_payload(self, message: Message) -> dict[str, Any]:
        """Return the message object Discord sends."""
        data: dict[str, Any] = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "type": message.type,
            "author": self.users[message.author_id].payload(),
            "content": message.content,
            "timestamp": message.created_at,
            "edited_timestamp": message.edited_at,
            "tts": message.tts,
            "mention_everyone": message.mention_everyone,
            "mentions": [self.users[u].payload() for u in message.mention_user_ids if u in self.users],
            "mention_roles": [str(r) for r in message.mention_role_ids],
            "attachments": [a.payload() for a in message.attachments],
            "embeds": [{"type": "rich", **e} for e in message.embeds],
            "pinned": False,
            "flags": message.flags,
            "components": message.components,
            "reactions": [r.payload(self.bot_user.id) for r in message.reactions if r.count],
        }
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        if message.message_reference:
            data["message_reference"] = message.message_reference
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
            data["application_id"] = str(self.application_id)
        if message.interaction_metadata is not None:
            data["interaction_metadata"] = message.interaction_metadata
        thread = self.channels.get(message.id)
        if (
            thread is not None
            and thread.is_thread
            and thread.parent_id == message.channel_id
            and not thread.deleted
        ):
            data["thread"] = self.channel_payload(thread)
        return data

    def message_event(self, message: Message, event: str = "MESSAGE_CREATE") -> None:
        """Dispatch MESSAGE_CREATE/UPDATE, trimming content for sessions without the content intent."""
        from bot.sandbox.gateway import DIRECT_MESSAGES, GUILD_MESSAGES, MESSAGE_CONTENT

        if message.ephemeral:
            return
        payload = self.message_payload(message)
        guild = self.guilds.get(message.guild_id or 0)
        if guild is not None and message.author_id in guild.members:
            payload["member"] = guild.members[message.author_id].payload(with_user=False)
        is_dm = message.guild_id is None
        # Discord delivers content without the intent only for the bot's own messages, DMs and mentions.
        sees_content = (
            message.author_id == self.bot_user.id or is_dm or self.bot_user.id in message.mention_user_ids
        )

        def shape(session: GatewaySession) -> dict[str, Any] | None:
            if not session.intents & (DIRECT_MESSAGES if is_dm else GUILD_MESSAGES):
                return None
            if session.intents & MESSAGE_CONTENT or sees_content:
                return payload
            return payload | {"content": "", "embeds": [], "attachments": [], "components": []}

        self.gateway.dispatch(event, payload, guild_id=message.guild_id, shape=shape)

    def post_message(self, channel: Channel, user: User, content: str) -> Message:
        """Post ``content`` as ``user`` in a channel or thread (what a member types) and dispatch MESSAGE_CREATE."""
        message = Message(
            self.snowflakes.next(),
            channel.id,
            user.id,
            guild_id=channel.guild_id,
            content=content,
            created_at=self.clock.iso(),
        )
        self.store_message(message)
        self.message_event(message)
        return message

    def add_reaction(self, message: Message, user: User, emoji: str) -> None:
        """Add ``user``'s reaction to a message and dispatch MESSAGE_REACTION_ADD."""
        reaction = message.reaction(emoji)
        if reaction is None:
            reaction = Reaction(emoji)
            message.reactions.append(reaction)
        if user.id in reaction.user_ids:
            return
        reaction.user_ids.append(user.id)
        name, _, emoji_id = emoji.partition(":")
        data: dict[str, Any] = {
            "user_id": str(user.id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": {"id": emoji_id or None, "name": name},
            "burst": False,
            "type": 0,
            "message_author_id": str(message.author_id),
        }
        guild = self.guilds.get(message.guild_id or 0)
        if guild is not None:
            data["guild_id"] = str(guild.id)
            if user.id in guild.members:
                data["member"] = guild.members[user.id].payload()
        self.gateway.dispatch("MESSAGE_REACTION_ADD", data, guild_id=message.guild_id)

    def mentions_in(
        self,
        content: str,
        allowed: dict[str, Any] | None,
        guild: Guild | None,
        reply_to: Message | None = None,
        replied_user: bool = True,
    ) -> tuple[bool, list[int], list[int]]:
        """Return who ``content`` really pings under ``allowed_mentions`` (everyone, role ids, user ids)."""
        parse = set(allowed.get("parse", [])) if allowed is not None else {"everyone", "roles", "users"}
        listed_users = {int(u) for u in (allowed or {}).get("users", [])}
        listed_roles = {int(r) for r in (allowed or {}).get("roles", [])}
        everyone = "everyone" in parse and bool(re.search(r"@(everyone|here)\b", content))
        users = [
            int(u) for u in re.findall(r"<@!?(\d+)>", content) if "users" in parse or int(u) in listed_users
        ]
        roles = [
            int(r)
            for r in re.findall(r"<@&(\d+)>", content)
            if ("roles" in parse or int(r) in listed_roles) and guild is not None and int(r) in guild.roles
        ]
        if reply_to is not None and (allowed is None or allowed.get("replied_user", replied_user)):
            users.append(reply_to.author_id)
        return everyone, roles, list(dict.fromkeys(users))


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)
