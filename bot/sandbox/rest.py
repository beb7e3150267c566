"""REST routes of the fake Discord for channels, messages, threads, members, users and commands."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from bot.sandbox import limits
from bot.sandbox.errors import (
    CANNOT_EDIT_OTHERS_MESSAGE,
    CANNOT_MESSAGE_USER,
    THREAD_ARCHIVED,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_USER,
    DiscordError,
    ErrorTree,
    not_found,
)
from bot.sandbox.models import (
    DM,
    EPHEMERAL,
    GUILD_ANNOUNCEMENT,
    GUILD_FORUM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Attachment,
    Channel,
    Message,
)
from bot.sandbox.world import VIEW_CHANNEL, World


@dataclass
class UploadedFile:
    """One ``files[n]`` part of a multipart request."""

    index: int
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class ApiRequest:
    """A parsed request to ``/api/v10``: path parameters, query, JSON body and uploaded files."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any = None
    files: list[UploadedFile] = field(default_factory=list)

    def snowflake(self, name: str) -> int:
        """Return a path parameter as an int (404 when it is not a snowflake)."""
        value = self.params[name]
        if not value.isdigit():
            raise DiscordError(404, 0, "404: Not Found")
        return int(value)


Handler = Callable[[ApiRequest], Awaitable[Any]]


@dataclass(frozen=True)
class RouteSpec:
    """A REST route: method, path template, handler name and whether it needs a bot token."""

    method: str
    template: str
    handler: str
    auth: bool = True

    @property
    def pattern(self) -> re.Pattern[str]:
        """Return the regex for the template."""
        return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template)) + "$")


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("GET", "/users/@me", "get_me"),
    RouteSpec("GET", "/users/{user_id}", "get_user"),
    RouteSpec("POST", "/users/@me/channels", "open_dm"),
    RouteSpec("GET", "/users/@me/guilds", "list_my_guilds"),
    RouteSpec("GET", "/oauth2/applications/@me", "get_application"),
    RouteSpec("GET", "/applications/@me", "get_application"),
    RouteSpec("GET", "/gateway", "get_gateway", auth=False),
    RouteSpec("GET", "/gateway/bot", "get_gateway_bot"),
    RouteSpec("GET", "/guilds/{guild_id}", "get_guild"),
    RouteSpec("GET", "/guilds/{guild_id}/channels", "get_guild_channels"),
    RouteSpec("GET", "/guilds/{guild_id}/members", "list_members"),
    RouteSpec("GET", "/guilds/{guild_id}/members/{user_id}", "get_member"),
    RouteSpec("GET", "/guilds/{guild_id}/roles", "get_roles"),
    RouteSpec("GET", "/guilds/{guild_id}/threads/active", "get_active_threads"),
    RouteSpec("GET", "/channels/{channel_id}", "get_channel"),
    RouteSpec("PATCH", "/channels/{channel_id}", "edit_channel"),
    RouteSpec("DELETE", "/channels/{channel_id}", "remove_channel"),
    RouteSpec("POST", "/channels/{channel_id}/typing", "typing"),
    RouteSpec("GET", "/channels/{channel_id}/messages", "history"),
    RouteSpec("POST", "/channels/{channel_id}/messages", "send_message"),
    RouteSpec("GET", "/channels/{channel_id}/messages/{message_id}", "get_message"),
    RouteSpec("PATCH", "/channels/{channel_id}/messages/{message_id}", "edit_message"),
    RouteSpec("DELETE", "/channels/{channel_id}/messages/{message_id}", "delete_message"),
    RouteSpec("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "react"),
    RouteSpec("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "unreact"),
    RouteSpec("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", "get_reactions"),
    RouteSpec("POST", "/channels/{channel_id}/messages/{message_id}/threads", "thread_from_message"),
    RouteSpec("POST", "/channels/{channel_id}/threads", "start_thread"),
    RouteSpec("GET", "/channels/{channel_id}/thread-members", "list_thread_members"),
    RouteSpec("GET", "/channels/{channel_id}/thread-members/{user_id}", "get_thread_member"),
    RouteSpec("PUT", "/channels/{channel_id}/thread-members/@me", "join_thread"),
    RouteSpec("PUT", "/channels/{channel_id}/thread-members/{user_id}", "add_thread_member"),
    RouteSpec("DELETE", "/channels/{channel_id}/thread-members/@me", "leave_thread"),
    RouteSpec("DELETE", "/channels/{channel_id}/thread-members/{user_id}", "remove_thread_member"),
    RouteSpec("GET", "/applications/{application_id}/commands", "get_global_commands"),
    RouteSpec("PUT", "/applications/{application_id}/commands", "put_global_commands"),
    RouteSpec("GET", "/applications/{application_id}/guilds/{guild_id}/commands", "get_guild_commands"),
    RouteSpec("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", "put_guild_commands"),
    RouteSpec("POST", "/interactions/{interaction_id}/{token}/callback", "interaction_callback", auth=False),
    RouteSpec("POST", "/webhooks/{application_id}/{token}", "followup_send", auth=False),
    RouteSpec("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", "webhook_get", auth=False),
    RouteSpec(
        "PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", "webhook_edit", auth=False
    ),
    RouteSpec(
        "DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", "webhook_delete", auth=False
    ),
)


class RestRoutes(World):
    """Implement the REST handlers named in ``ROUTES`` over the World's state."""

    # Commands as the bot synced them: key None for global, else the guild id.
    synced_commands: dict[int | None, list[dict[str, Any]]]

    def commands(self, guild: Any = None) -> list[dict[str, Any]]:
        """Return the commands the bot synced globally, or to ``guild`` when given."""
        return list(self.synced_commands.get(None if guild is None else int(getattr(guild, "id", guild)), []))

    # -- users, application, gateway ---------------------------------------------------------------
    async def get_me(self, req: ApiRequest) -> Any:
        return self.bot_user.payload() | {
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "locale": "en-US",
        }

    async def get_user(self, req: ApiRequest) -> Any:
        user = self.users.get(req.snowflake("user_id"))
        if user is None:
            raise not_found(UNKNOWN_USER, "User")
        return user.payload()

    async def get_application(self, req: ApiRequest) -> Any:
        owner = next(iter(self.guilds.values()), None)
        owner_user = self.users[owner.owner_id] if owner else self.bot_user
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner_user.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "bot": self.bot_user.payload(),
            "rpc_origins": [],
            "tags": [],
        }

    async def list_my_guilds(self, req: ApiRequest) -> Any:
        bot_id = self.bot_user.id
        return [
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": g.owner_id == bot_id,
                "permissions": str(self.permissions_for(g, bot_id)),
                "features": [],
            }
            for g in sorted(self.guilds.values(), key=lambda g: g.id)
            if bot_id in g.members
        ]

    async def get_gateway(self, req: ApiRequest) -> Any:
        return {"url": self.gateway_url.rstrip("/")}

    async def get_gateway_bot(self, req: ApiRequest) -> Any:
        return {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        }

    shard_count: int = 1

    async def open_dm(self, req: ApiRequest) -> Any:
        user = self.users.get(int((req.body or {}).get("recipient_id", 0)))
        if user is None:
            raise not_found(UNKNOWN_USER, "User")
        return self.channel_payload(self.dm_channel(user))

    # -- guilds ------------------------------------------------------------------------------------
    def _guild(self, req: ApiRequest) -> Any:
        guild = self.guilds.get(req.snowflake("guild_id"))
        if guild is None:
            raise not_found(UNKNOWN_GUILD, "Guild")
        if self.bot_user.id not in guild.members:
            raise DiscordError(403, 50001, "Missing Access")
        return guild

    async def get_guild(self, req: ApiRequest) -> Any:
        return self.guild_payload(self._guild(req))

    async def get_guild_channels(self, req: ApiRequest) -> Any:
        guild = self._guild(req)
        return [
            self.channel_payload(c)
            for c in self.channels.values()
            if c.guild_id == guild.id and not c.is_thread and not c.deleted
        ]

    async def get_roles(self, req: ApiRequest) -> Any:
        return [r.payload() for r in self._guild(req).roles.values()]

    async def get_active_threads(self, req: ApiRequest) -> Any:
        guild = self._guild(req)
        threads = [t for t in self.threads(guild) if not t.archived]
        return {
            "threads": [self.channel_payload(t) for t in threads],
            "members": [
                self.thread_member_payload(t, self.bot_user.id)
                for t in threads
                if self.bot_user.id in t.member_joins
            ],
        }

    async def list_members(self, req: ApiRequest) -> Any:
        guild = self._guild(req)
        limit = min(int(req.query.get("limit", 1)), 1000)
        after = int(req.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return [m.payload() for m in members[:limit]]

    async def get_member(self, req: ApiRequest) -> Any:
        guild = self._guild(req)
        member = guild.members.get(req.snowflake("user_id"))
        if member is None:
            raise not_found(UNKNOWN_MEMBER, "Member")
        return member.payload()

    # -- channels ----------------------------------------------------------------------------------
    async def get_channel(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        if channel.guild_id is not None:
            self.require_bot(channel)
        return self.channel_payload(channel)

    async def edit_channel(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        body = req.body or {}
        if channel.is_thread:
            is_owner = channel.owner_id == self.bot_user.id
            only_archive = set(body) <= {"archived", "auto_archive_duration"}
            if not (is_owner and only_archive):
                self.require_bot(channel, "manage_threads")
        else:
            self.require_bot(channel, "manage_channels")
        for key in ("name", "topic"):
            if key in body:
                setattr(channel, key, body[key])
        for key in ("archived", "locked", "invitable"):
            if key in body and channel.is_thread:
                setattr(channel, key, bool(body[key]))
        if "auto_archive_duration" in body:
            channel.auto_archive_duration = int(body["auto_archive_duration"])
        if "available_tags" in body and channel.type == GUILD_FORUM:
            if len(body["available_tags"]) > 20:
                errors = ErrorTree()
                errors.too_many(("available_tags",), 20)
                errors.raise_if_any()
            channel.available_tags = [self._tag(t) for t in body["available_tags"]]
        if "applied_tags" in body and channel.is_thread:
            channel.applied_tags = [int(t) for t in body["applied_tags"]]
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self.gateway.dispatch(event, self.channel_payload(channel), guild_id=channel.guild_id)
        return self.channel_payload(channel)

    async def remove_channel(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        self.require_bot(channel, "manage_threads" if channel.is_thread else "manage_channels")
        payload = self.channel_payload(channel)
        self.delete_channel(channel)
        return payload

    async def typing(self, req: ApiRequest) -> Any:
        self._sendable(self.channel(req.snowflake("channel_id")))
        return None

    def _sendable(self, channel: Channel, *, files: bool = False) -> None:
        if channel.type == DM:
            user = self.users[channel.recipient_id or 0]
            if not user.dms_open:
                raise DiscordError(403, CANNOT_MESSAGE_USER, "Cannot send messages to this user")
            return
        if channel.type == GUILD_FORUM:
            raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
        extra = ("attach_files",) if files else ()
        if channel.is_thread:
            if channel.locked:
                self.require_bot(channel, "send_messages_in_threads", "manage_threads", *extra)
            self.require_bot(channel, "send_messages_in_threads", *extra)
        else:
            self.require_bot(channel, "send_messages", *extra)

    # -- messages ----------------------------------------------------------------------------------
    async def history(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        self.require_bot(channel, "read_message_history")
        limit = max(1, min(int(req.query.get("limit", 50)), 100))
        found = self.messages(channel)
        if "before" in req.query:
            found = [m for m in found if m.id < int(req.query["before"])]
            found = found[-limit:]
        elif "after" in req.query:
            found = [m for m in found if m.id > int(req.query["after"])][:limit]
        elif "around" in req.query:
            pivot = int(req.query["around"])
            older = [m for m in found if m.id <= pivot][-(limit // 2 + limit % 2) :]
            newer = [m for m in found if m.id > pivot][: limit // 2]
            found = older + newer
        else:
            found = found[-limit:]
        return [self.message_payload(m) for m in reversed(found)]

    async def get_message(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        self.require_bot(channel, "read_message_history")
        return self.message_payload(self.message(channel.id, req.snowflake("message_id")))

    async def send_message(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        body = req.body or {}
        self._sendable(channel, files=bool(req.files))
        limits.check_message(body, file_count=len(req.files))
        reference = body.get("message_reference")
        reply_to = None
        if reference:
            reply_to = self.stored_messages.get(int(reference.get("message_id", 0)))
            if reply_to is None and reference.get("fail_if_not_exists", True):
                raise DiscordError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "message_reference": {
                            "_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                        }
                    },
                )
        message = self.build_message(channel, body, req.files, author_id=self.bot_user.id, reply_to=reply_to)
        message.type = 19 if reply_to else 0
        self.store_message(message)
        self.message_event(message)
        self.add_pinged_to_thread(message)
        return self.message_payload(message)

    def build_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        files: list[UploadedFile],
        *,
        author_id: int,
        reply_to: Message | None = None,
        message_id: int | None = None,
    ) -> Message:
        """Build (not store) a message from a create body and its uploads."""
        guild = self.guilds.get(channel.guild_id or 0)
        content = body.get("content") or ""
        allowed = body.get("allowed_mentions")
        everyone, roles, users = self.mentions_in(content, allowed, guild, reply_to)
        message = Message(
            id=message_id or self.snowflakes.next(),
            channel_id=channel.id,
            author_id=author_id,
            guild_id=channel.guild_id,
            content=content,
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            flags=int(body.get("flags") or 0),
            allowed_mentions=allowed,
            mention_everyone=everyone,
            mention_role_ids=roles,
            mention_user_ids=users,
            created_at=self.clock.iso(),
            tts=bool(body.get("tts")),
        )
        if reply_to is not None:
            message.message_reference = {
                "type": 0,
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
                **({"guild_id": str(reply_to.guild_id)} if reply_to.guild_id else {}),
            }
        message.attachments = self._attachments(channel, body, files, [])
        return message

    def _attachments(
        self, channel: Channel, body: dict[str, Any], files: list[UploadedFile], existing: list[Attachment]
    ) -> list[Attachment]:
        described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
        kept = [a for a in existing if str(a.id) in described] if "attachments" in body else list(existing)
        for upload in files:
            meta = described.get(str(upload.index), {})
            attachment_id = self.snowflakes.next()
            filename = meta.get("filename") or upload.filename
            kept.append(
                Attachment(
                    attachment_id,
                    filename,
                    upload.data,
                    upload.content_type,
                    meta.get("description"),
                    url=f"{self.url}/attachments/{channel.id}/{attachment_id}/{filename}",
                )
            )
        return kept

    async def edit_message(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        message = self.message(channel.id, req.snowflake("message_id"))
        if message.author_id != self.bot_user.id:
            raise DiscordError(
                403, CANNOT_EDIT_OTHERS_MESSAGE, "Cannot edit a message authored by another user"
            )
        self.apply_edit(message, req.body or {}, req.files)
        return self.message_payload(message)

    def apply_edit(self, message: Message, body: dict[str, Any], files: list[UploadedFile]) -> None:
        """Apply a PATCH body to a message, check it, and dispatch MESSAGE_UPDATE."""
        limits.check_message(body, creating=False)
        for key in ("content", "embeds", "components"):
            if key in body:
                setattr(
                    message, key, body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS and IS_COMPONENTS_V2 can change on edit; ephemeral stays as it was.
            message.flags = (message.flags & EPHEMERAL) | (int(body["flags"]) & ~EPHEMERAL)
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        channel = self.channels[message.channel_id]
        message.attachments = self._attachments(channel, body, files, message.attachments)
        if not (message.content or message.embeds or message.components or message.attachments):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        message.edited_at = self.clock.iso()
        self.message_event(message, "MESSAGE_UPDATE")

    async def delete_message(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        message = self.message(channel.id, req.snowflake("message_id"))
        if message.author_id != self.bot_user.id:
            self.require_bot(channel, "manage_messages")
        self.remove_message(message)
        return None

    def remove_message(self, message: Message) -> None:
        """Delete a message and dispatch MESSAGE_DELETE."""
        message.deleted = True
        data = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id:
            data["guild_id"] = str(message.guild_id)
        if not message.ephemeral:
            self.gateway.dispatch("MESSAGE_DELETE", data, guild_id=message.guild_id)

    async def react(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        message = self.message(channel.id, req.snowflake("message_id"))
        emoji = unquote(req.params["emoji"])
        if message.reaction(emoji) is None:
            self.require_bot(channel, "add_reactions", "read_message_history")
        else:
            self.require_bot(channel, "read_message_history")
        self.add_reaction(message, self.bot_user, emoji)
        return None

    async def unreact(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        message = self.message(channel.id, req.snowflake("message_id"))
        reaction = message.reaction(unquote(req.params["emoji"]))
        if reaction and self.bot_user.id in reaction.user_ids:
            reaction.user_ids.remove(self.bot_user.id)
        return None

    async def get_reactions(self, req: ApiRequest) -> Any:
        channel = self.channel(req.snowflake("channel_id"))
        message = self.message(channel.id, req.snowflake("message_id"))
        reaction = message.reaction(unquote(req.params["emoji"]))
        limit = min(int(req.query.get("limit", 25)), 100)
        after = int(req.query.get("after", 0))
        ids = sorted(u for u in (reaction.user_ids if reaction else []) if u > after)[:limit]
        return [self.users[u].payload() for u in ids]

    # -- threads -----------------------------------------------------------------------------------
    async def start_thread(self, req: ApiRequest) -> Any:
        parent = self.channel(req.snowflake("channel_id"))
        body = req.body or {}
        if parent.type == GUILD_FORUM:
            return await self._forum_post(parent, body, req.files)
        if parent.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        kind = int(body.get("type", PRIVATE_THREAD))
        self.require_bot(
            parent, "create_private_threads" if kind == PRIVATE_THREAD else "create_public_threads"
        )
        thread = self._new_thread(parent, body, kind)
        return self.channel_payload(thread)

    async def thread_from_message(self, req: ApiRequest) -> Any:
        parent = self.channel(req.snowflake("channel_id"))
        message = self.message(parent.id, req.snowflake("message_id"))
        self.require_bot(parent, "create_public_threads", "read_message_history")
        if message.id in self.channels:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        thread = self._new_thread(parent, req.body or {}, PUBLIC_THREAD, thread_id=message.id)
        return self.channel_payload(thread)

    def _check_thread_body(self, body: dict[str, Any]) -> None:
        errors = ErrorTree()
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            errors.add(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if body.get("auto_archive_duration") not in (None, 60, 1440, 4320, 10080):
            errors.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                "Value must be one of {60, 1440, 4320, 10080}.",
            )
        errors.raise_if_any()

    def _new_thread(
        self,
        parent: Channel,
        body: dict[str, Any],
        kind: int,
        *,
        thread_id: int | None = None,
        applied_tags: list[int] | None = None,
    ) -> Channel:
        self._check_thread_body(body)
        thread = Channel(
            thread_id or self.snowflakes.next(),
            kind,
            body["name"],
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            invitable=bool(body.get("invitable", True)),
            auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
            applied_tags=applied_tags or [],
            created_at=self.clock.iso(),
        )
        thread.member_joins[self.bot_user.id] = self.clock.iso()
        self.channels[thread.id] = thread
        self._channel_log[thread.id] = []
        payload = self.channel_payload(thread) | {"newly_created": True}
        self.gateway.dispatch("THREAD_CREATE", payload, guild_id=thread.guild_id)
        return thread

    async def _forum_post(self, forum: Channel, body: dict[str, Any], files: list[UploadedFile]) -> Any:
        self.require_bot(forum, "send_messages")
        starter = body.get("message")
        if not isinstance(starter, dict):
            errors = ErrorTree()
            errors.add(("message",), "BASE_TYPE_REQUIRED", "This field is required")
            errors.raise_if_any()
        assert isinstance(starter, dict)  # raise_if_any refused it otherwise
        limits.check_message(starter, file_count=len(files))
        known = {int(t["id"]): t for t in forum.available_tags}
        tags = [int(t) for t in body.get("applied_tags") or []]
        errors = ErrorTree()
        if len(tags) > 5:
            errors.too_many(("applied_tags",), 5)
        if any(t not in known for t in tags):
            errors.add(("applied_tags",), "FORUM_TAG_INVALID", "Unknown tag")
        errors.raise_if_any()
        if any(known[t]["moderated"] for t in tags):
            self.require_bot(forum, "manage_threads")
        thread = self._new_thread(forum, body, PUBLIC_THREAD, applied_tags=tags)
        message = self.build_message(thread, starter, files, author_id=self.bot_user.id, message_id=thread.id)
        self.store_message(message)
        self.message_event(message)
        return self.channel_payload(thread) | {"message": self.message_payload(message)}

    def _thread(self, req: ApiRequest) -> Channel:
        thread = self.channel(req.snowflake("channel_id"))
        if not thread.is_thread:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return thread

    async def list_thread_members(self, req: ApiRequest) -> Any:
        thread = self._thread(req)
        self.require_bot(thread)
        return [self.thread_member_payload(thread, u) for u in thread.member_joins]

    async def get_thread_member(self, req: ApiRequest) -> Any:
        thread = self._thread(req)
        user_id = req.snowflake("user_id")
        if user_id not in thread.member_joins:
            raise not_found(UNKNOWN_MEMBER, "Member")
        return self.thread_member_payload(thread, user_id)

    async def join_thread(self, req: ApiRequest) -> Any:
        thread = self._thread(req)
        self.require_bot(thread)
        self._join(thread, self.bot_user.id)
        return None

    async def add_thread_member(self, req: ApiRequest) -> Any:
        thread = self._thread(req)
        if thread.archived:
            raise DiscordError(400, THREAD_ARCHIVED, "Thread is archived")
        self.require_bot(thread, "send_messages_in_threads")
        user_id = req.snowflake("user_id")
        guild = self.guilds[thread.guild_id or 0]
        if user_id not in guild.members:
            raise not_found(UNKNOWN_MEMBER, "Member")
        if thread.type == PRIVATE_THREAD and self.bot_user.id not in thread.member_joins:
            self.require_bot(thread, "manage_threads")
        self._join(thread, user_id)
        return None

    def add_pinged_to_thread(self, message: Message) -> None:
        """Add the members a message really pinged to its private thread, as Discord does.

        In a private thread a mention the author is allowed to make is an invitation: the mentioned
        member joins the thread (if they can see its channel), so a ping the bot did not mean to allow
        can let someone into a conversation that was private.
        """
        thread = self.channels.get(message.channel_id)
        if thread is None or thread.type != PRIVATE_THREAD or thread.archived:
            return
        guild = self.guilds.get(thread.guild_id or 0)
        if guild is None or message.author_id not in thread.member_joins:
            return
        parent = self.channels.get(thread.parent_id or 0)
        for user_id in message.mention_user_ids:
            if user_id not in guild.members or user_id in thread.member_joins:
                continue
            if parent is None or self.permissions_for(guild, user_id, parent) & VIEW_CHANNEL:
                self._join(thread, user_id)

    def _join(self, thread: Channel, user_id: int) -> None:
        if user_id in thread.member_joins:
            return
        thread.member_joins[user_id] = self.clock.iso()
        guild = self.guilds[thread.guild_id or 0]
        added = self.thread_member_payload(thread, user_id)
        if user_id in guild.members:
            added["member"] = guild.members[user_id].payload()
        self.gateway.dispatch(
            "THREAD_MEMBERS_UPDATE",
            {
                "id": str(thread.id),
                "guild_id": str(guild.id),
                "member_count": min(len(thread.member_joins), 50),
                "added_members": [added],
            },
            guild_id=guild.id,
        )
        if user_id == self.bot_user.id:
            self.gateway.dispatch(
                "THREAD_MEMBER_UPDATE",
                self.thread_member_payload(thread, user_id) | {"guild_id": str(guild.id)},
                guild_id=guild.id,
            )

    async def leave_thread(self, req: ApiRequest) -> Any:
        thread = self._thread(req)
        self._leave(thread, self.bot_user.id)
        return None

    async def remove_thread_member(self, req: ApiRequest) -> Any:
        thread = self._thread(req)
        user_id = req.snowflake("user_id")
        if thread.owner_id != self.bot_user.id or thread.type != PRIVATE_THREAD:
            self.require_bot(thread, "manage_threads")
        if user_id not in thread.member_joins:
            raise not_found(UNKNOWN_MEMBER, "Member")
        self._leave(thread, user_id)
        return None

    def _leave(self, thread: Channel, user_id: int) -> None:
        if thread.member_joins.pop(user_id, None) is None:
            return
        self.gateway.dispatch(
            "THREAD_MEMBERS_UPDATE",
            {
                "id": str(thread.id),
                "guild_id": str(thread.guild_id),
                "member_count": min(len(thread.member_joins), 50),
                "removed_member_ids": [str(user_id)],
            },
            guild_id=thread.guild_id,
        )

    # -- application commands ----------------------------------------------------------------------
    def _check_application(self, req: ApiRequest) -> None:
        if req.snowflake("application_id") != self.application_id:
            raise DiscordError(403, 50001, "Missing Access")

    async def get_global_commands(self, req: ApiRequest) -> Any:
        self._check_application(req)
        return self.synced_commands.get(None, [])

    async def put_global_commands(self, req: ApiRequest) -> Any:
        self._check_application(req)
        return self._store_commands(None, req.body or [])

    async def get_guild_commands(self, req: ApiRequest) -> Any:
        self._check_application(req)
        return self.synced_commands.get(self._guild(req).id, [])

    async def put_guild_commands(self, req: ApiRequest) -> Any:
        self._check_application(req)
        return self._store_commands(self._guild(req).id, req.body or [])

    def _store_commands(self, guild_id: int | None, body: list[Any]) -> list[dict[str, Any]]:
        if not isinstance(body, list):
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]},
            )
        limits.check_commands(body)
        previous = {(c["type"], c["name"]): c for c in self.synced_commands.get(guild_id, [])}
        stored = []
        for command in body:
            kind = command.get("type", 1)
            old = previous.get((kind, command["name"]))
            record = {
                "id": old["id"] if old else str(self.snowflakes.next()),
                "application_id": str(self.application_id),
                "version": str(self.snowflakes.next()),
                "type": kind,
                "description": "",
                "default_member_permissions": None,
                "nsfw": False,
                "options": [],
                **command,
            }
            if guild_id is not None:
                record["guild_id"] = str(guild_id)
            stored.append(record)
        self.synced_commands[guild_id] = stored
        return stored
