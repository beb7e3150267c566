"""Interactions: what a Discord client sends (commands, clicks, modals, autocomplete) and the bot's answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox import limits
from bot.sandbox.errors import (
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    DiscordError,
    ErrorTree,
    not_found,
)
from bot.sandbox.models import (
    EPHEMERAL,
    LOADING,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
    iter_components,
)
from bot.sandbox.rest import ApiRequest, RestRoutes

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = (
    1,
    4,
    5,
    6,
    7,
    8,
    9,
)
_ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, MODAL, 12},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL, 12},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}
FOLLOWUP_WINDOW = 15 * 60.0
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11


class InvalidInteraction(Exception):
    """Raised when a test asks for something no Discord client could send."""


@dataclass(eq=False)
class FakeInteraction:
    """One interaction the fake sent to the bot, and everything the bot answered."""

    id: int
    token: str
    type: int
    user: User
    guild: Guild | None
    channel: Channel
    data: dict[str, Any]
    created_at: float
    source_message: Message | None = None
    callback: dict[str, Any] | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    refusals: list[DiscordError] = field(default_factory=list)
    acknowledged: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def callback_type(self) -> int | None:
        """Return the type of the bot's initial callback (4 message, 5 defer, 9 modal, ...)."""
        return self.callback["type"] if self.callback else None

    @property
    def message(self) -> Message | None:
        """Return the message the response created or updated (the original response)."""
        return self.original

    @property
    def content(self) -> str:
        """Return the original response's content."""
        return self.original.content if self.original else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Return the original response's embeds."""
        return self.original.embeds if self.original else []

    @property
    def components(self) -> list[dict[str, Any]]:
        """Return the original response's components."""
        return self.original.components if self.original else []

    @property
    def attachments(self) -> list[Attachment]:
        """Return the original response's attachments."""
        return self.original.attachments if self.original else []

    @property
    def ephemeral(self) -> bool:
        """Say whether the original response is ephemeral."""
        return bool(self.original and self.original.ephemeral)

    async def response(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109 -- the driver API takes timeouts
        """Wait until the bot acknowledges (its callback) and return the callback body."""
        try:
            await asyncio.wait_for(self.acknowledged.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"the bot did not answer interaction {self.id} within {timeout}s"
                f" (refusals: {[str(r) for r in self.refusals]})"
            ) from None
        assert self.callback is not None
        return self.callback

    async def wait_done(self, timeout: float = 5.0) -> Message | None:  # noqa: ASYNC109 -- as above
        """Wait until the original response is final (a deferred one edited) and return it."""
        await self.response(timeout)
        try:
            await asyncio.wait_for(self.done.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"the deferred response of interaction {self.id} was never completed"
            ) from None
        return self.original


class InteractionDriver(RestRoutes):
    """Send interactions to the bot and serve its callbacks and webhook follow-ups."""

    interactions: dict[int, FakeInteraction]
    enforce_default_permissions: bool
    interaction_deadline: float
    time_scale: float

    # -- what the tests call ------------------------------------------------------------------------
    async def invoke(
        self,
        guild: Guild | None,
        user: User,
        command: str,
        *,
        channel: Channel | None = None,
        locale: str = "en-US",
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> FakeInteraction:
        """Run a slash command as ``user`` would (``"profile set"`` names a subcommand)."""
        channel = self._where(guild, user, channel)
        values = {**(options or {}), **kwargs}
        data = self._command_data(guild, user, channel, command, values)
        return self._send_interaction(APPLICATION_COMMAND, data, guild, user, channel, locale)

    async def autocomplete(
        self,
        guild: Guild | None,
        user: User,
        command: str,
        option: str,
        typed: str,
        *,
        channel: Channel | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,  # noqa: ASYNC109
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """Type ``typed`` into ``option`` and return the choices the bot suggests."""
        channel = self._where(guild, user, channel)
        values = {**(options or {}), **kwargs}
        data = self._command_data(guild, user, channel, command, values, focused=(option, typed))
        interaction = self._send_interaction(AUTOCOMPLETE, data, guild, user, channel, locale)
        await interaction.response(timeout)
        return interaction.choices or []

    async def click(
        self,
        message: Message,
        custom_id: str,
        *,
        user: User,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Press a button (or choose ``values`` in a select) on a stored message."""
        current = self.stored_messages.get(message.id, message)
        if current.deleted:
            raise InvalidInteraction("the message was deleted")
        component = current.component(custom_id)
        if component is None:
            raise InvalidInteraction(
                f"no component {custom_id!r} on message {current.id}: {current.custom_ids()}"
            )
        if component.get("disabled"):
            raise InvalidInteraction(f"component {custom_id!r} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in limits.SELECT_TYPES:
            data["values"] = self._select_values(component, values or [])
        channel = self.channels[current.channel_id]
        guild = self.guilds.get(current.guild_id or 0)
        return self._send_interaction(MESSAGE_COMPONENT, data, guild, user, channel, locale, message=current)

    async def submit_modal(
        self,
        opened_by: FakeInteraction,
        values: dict[str, str],
        *,
        user: User | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Fill in and submit the modal the bot opened; ``values`` are keyed by text input custom_id."""
        modal = opened_by.modal
        if modal is None:
            raise InvalidInteraction("the bot did not open a modal for this interaction")
        rows = [self._submitted(top, values) for top in modal.get("components", [])]
        known = {c.get("custom_id") for c in iter_components(modal.get("components", []))}
        unknown = set(values) - known
        if unknown:
            raise InvalidInteraction(f"the modal has no inputs {sorted(unknown)}")
        data = {"custom_id": modal["custom_id"], "components": [r for r in rows if r is not None]}
        return self._send_interaction(
            MODAL_SUBMIT,
            data,
            opened_by.guild,
            user or opened_by.user,
            opened_by.channel,
            locale,
            message=opened_by.source_message,
        )

    def interaction(self, interaction_id: int) -> FakeInteraction:
        """Return a sent interaction by id."""
        return self.interactions[interaction_id]

    # -- building interactions ---------------------------------------------------------------------
    def _where(self, guild: Guild | None, user: User, channel: Channel | None) -> Channel:
        if channel is not None:
            return channel
        if guild is None:
            return self.dm_channel(user)
        if guild.system_channel is None:
            raise InvalidInteraction(f"{guild.name} has no system channel; pass channel=")
        return guild.system_channel

    def _find_command(self, guild: Guild | None, name: str) -> dict[str, Any]:
        pools = ([self.synced_commands.get(guild.id, [])] if guild else []) + [
            self.synced_commands.get(None, [])
        ]
        for pool in pools:
            for command in pool:
                if command.get("type", 1) == 1 and command["name"] == name:
                    return command
        raise InvalidInteraction(f"the bot synced no /{name} command here")

    def _check_visible(
        self, command: dict[str, Any], guild: Guild | None, user: User, channel: Channel
    ) -> None:
        contexts = command.get("contexts")
        context = 0 if guild else 1
        if contexts is not None and context not in contexts:
            raise InvalidInteraction(f"/{command['name']} is not available in this context")
        if guild is None and (command.get("dm_permission") is False or "guild_id" in command):
            raise InvalidInteraction(f"/{command['name']} is guild-only")
        required = command.get("default_member_permissions")
        if self.enforce_default_permissions and guild is not None and required not in (None, ""):
            need = int(required)
            have = self.permissions_for(guild, user.id, channel)
            if have & need != need:
                raise InvalidInteraction(f"/{command['name']} is hidden from members without {need}")

    def _command_data(
        self,
        guild: Guild | None,
        user: User,
        channel: Channel,
        path: str,
        values: dict[str, Any],
        focused: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        if guild is not None and user.id not in guild.members:
            raise InvalidInteraction(f"{user.username} is not a member of {guild.name}")
        names = path.split()
        command = self._find_command(guild, names[0])
        self._check_visible(command, guild, user, channel)
        resolved: dict[str, dict[str, Any]] = {}
        definitions = command.get("options") or []
        nest: list[dict[str, Any]] = []
        holder = nest
        for name in names[1:]:
            group = next((o for o in definitions if o["name"] == name and o["type"] in (1, 2)), None)
            if group is None:
                raise InvalidInteraction(f"/{path}: no subcommand {name!r}")
            entry: dict[str, Any] = {"name": name, "type": group["type"], "options": []}
            holder.append(entry)
            holder = entry["options"]
            definitions = group.get("options") or []
        if any(o["type"] in (1, 2) for o in definitions):
            raise InvalidInteraction(f"/{path} needs a subcommand")
        holder.extend(self._leaf_options(path, definitions, values, guild, channel, resolved, focused))
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": nest}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _leaf_options(
        self,
        path: str,
        definitions: list[dict[str, Any]],
        values: dict[str, Any],
        guild: Guild | None,
        channel: Channel,
        resolved: dict[str, dict[str, Any]],
        focused: tuple[str, str] | None,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in definitions}
        unknown = set(values) - set(by_name)
        if unknown:
            raise InvalidInteraction(f"/{path} has no options {sorted(unknown)}; it has {sorted(by_name)}")
        built = []
        for definition in definitions:
            name = definition["name"]
            if focused and name == focused[0]:
                if not definition.get("autocomplete"):
                    raise InvalidInteraction(f"/{path} {name} has no autocomplete")
                built.append({"name": name, "type": definition["type"], "value": focused[1], "focused": True})
                continue
            if name not in values:
                if definition.get("required") and not focused:
                    raise InvalidInteraction(f"/{path} needs option {name!r}")
                continue
            value = self._option_value(path, definition, values[name], guild, channel, resolved)
            built.append({"name": name, "type": definition["type"], "value": value})
        if focused and focused[0] not in by_name:
            raise InvalidInteraction(f"/{path} has no option {focused[0]!r}")
        return built

    def _option_value(
        self,
        path: str,
        definition: dict[str, Any],
        value: Any,
        guild: Guild | None,
        channel: Channel,
        resolved: dict[str, dict[str, Any]],
    ) -> Any:
        kind, name = definition["type"], definition["name"]
        where = f"/{path} {name}"
        if kind == STRING:
            if not isinstance(value, str):
                raise InvalidInteraction(f"{where} takes text")
            if len(value) > definition.get("max_length", 6000) or len(value) < definition.get(
                "min_length", 0
            ):
                raise InvalidInteraction(f"{where}: length {len(value)} outside the option's bounds")
        elif kind in (INTEGER, NUMBER):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or (kind == INTEGER and not isinstance(value, int))
            ):
                raise InvalidInteraction(f"{where} takes a number")
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise InvalidInteraction(f"{where}: {value} outside {low}..{high}")
        elif kind == BOOLEAN:
            if not isinstance(value, bool):
                raise InvalidInteraction(f"{where} takes true/false")
        elif kind in (USER, MENTIONABLE) and isinstance(value, User | Member):
            user = value.user if isinstance(value, Member) else value
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            if guild is not None and user.id in guild.members:
                member = self.member_payload(guild, user.id, channel)
                member.pop("user")
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        elif kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        elif kind == CHANNEL and isinstance(value, Channel):
            allowed = definition.get("channel_types")
            if allowed and value.type not in allowed:
                raise InvalidInteraction(f"{where} does not accept channel type {value.type}")
            payload = self.channel_payload(value)
            slim: dict[str, Any] = {
                k: payload[k] for k in ("id", "name", "type", "parent_id", "thread_metadata") if k in payload
            }
            if guild is not None:
                slim["permissions"] = str(self.permissions_for(guild, self.bot_user.id, value))
            resolved.setdefault("channels", {})[str(value.id)] = slim
            return str(value.id)
        elif kind == ATTACHMENT and isinstance(value, tuple):
            filename, blob = value
            attachment = Attachment(
                self.snowflakes.next(),
                filename,
                blob,
                url=f"{self.url}/attachments/{channel.id}/0/{filename}",
            )
            resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.payload()
            return str(attachment.id)
        else:
            raise InvalidInteraction(f"{where}: cannot send {value!r} for option type {kind}")
        choices = definition.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise InvalidInteraction(f"{where}: {value!r} is not one of the choices")
        return value

    def _select_values(self, component: dict[str, Any], values: list[str]) -> list[str]:
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise InvalidInteraction(f"select {component['custom_id']!r} takes {low}..{high} values")
        if component["type"] == limits.STRING_SELECT:
            offered = {o["value"] for o in component.get("options", [])}
            if not set(values) <= offered:
                raise InvalidInteraction(f"select {component['custom_id']!r} offers only {sorted(offered)}")
        return list(values)

    def _submitted(self, top: dict[str, Any], values: dict[str, str]) -> dict[str, Any] | None:
        def answer(component: dict[str, Any]) -> dict[str, Any]:
            custom_id = component.get("custom_id") or ""
            if component.get("type") == limits.TEXT_INPUT:
                value = values.get(custom_id, "")
                if component.get("required", True) and not value:
                    raise InvalidInteraction(f"modal input {custom_id!r} is required")
                if value and not component.get("min_length", 0) <= len(value) <= component.get(
                    "max_length", 4000
                ):
                    raise InvalidInteraction(f"modal input {custom_id!r}: length {len(value)} out of bounds")
                return {"type": 4, "custom_id": custom_id, "value": value, "id": component.get("id", 0)}
            chosen: Any = values.get(custom_id, [])
            return {
                "type": component.get("type"),
                "custom_id": custom_id,
                "component_type": component.get("type"),
                "values": list(chosen) if isinstance(chosen, list | tuple) else [chosen],
            }

        if top.get("type") == limits.ACTION_ROW:
            return {"type": 1, "components": [answer(c) for c in top.get("components", [])]}
        if top.get("type") == limits.LABEL and isinstance(top.get("component"), dict):
            return {"type": limits.LABEL, "id": top.get("id", 0), "component": answer(top["component"])}
        return None

    def _send_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        guild: Guild | None,
        user: User,
        channel: Channel,
        locale: str,
        *,
        message: Message | None = None,
    ) -> FakeInteraction:
        interaction_id = self.snowflakes.next()
        token = f"fake-interaction-token-{interaction_id}"
        interaction = FakeInteraction(
            interaction_id, token, kind, user, guild, channel, data, self.clock.now(), source_message=message
        )
        self.interactions[interaction_id] = interaction
        channel_payload = self.channel_payload(channel)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id),
            "context": 0 if guild else 1,
        }
        if guild is not None:
            if user.id not in guild.members:
                raise InvalidInteraction(f"{user.username} is not a member of {guild.name}")
            channel_payload["permissions"] = str(self.permissions_for(guild, user.id, channel))
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                    "guild_locale": guild.preferred_locale,
                    "member": self.member_payload(guild, user.id, channel),
                    "app_permissions": str(self.permissions_for(guild, self.bot_user.id, channel)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                }
            )
        else:
            payload.update(
                {
                    "user": user.payload(),
                    "app_permissions": str(self._dm_permissions()),
                    "authorizing_integration_owners": {"0": "0"},
                }
            )
        payload["channel"] = channel_payload
        if message is not None:
            payload["message"] = self.message_payload(message)
        self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id if guild else None)
        return interaction

    def _dm_permissions(self) -> int:
        from bot.sandbox.world import permission_bits

        return permission_bits(
            "view_channel",
            "send_messages",
            "embed_links",
            "attach_files",
            "add_reactions",
            "read_message_history",
            "use_external_emojis",
        )

    # -- REST: the bot's answers -------------------------------------------------------------------
    def _interaction_for(self, req: ApiRequest, *, by_id: bool) -> FakeInteraction:
        if by_id:
            interaction = self.interactions.get(req.snowflake("interaction_id"))
            if interaction is None or interaction.token != req.params["token"]:
                raise not_found(UNKNOWN_INTERACTION, "interaction")
            return interaction
        for interaction in self.interactions.values():
            if interaction.token == req.params["token"]:
                if req.snowflake("application_id") != self.application_id:
                    break
                return interaction
        raise not_found(UNKNOWN_WEBHOOK, "Webhook")

    async def interaction_callback(self, req: ApiRequest) -> Any:
        interaction = self._interaction_for(req, by_id=True)
        try:
            return self._callback(interaction, req)
        except DiscordError as refusal:
            interaction.refusals.append(refusal)
            raise

    def _callback(self, interaction: FakeInteraction, req: ApiRequest) -> Any:
        if interaction.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged")
        if self.clock.now() - interaction.created_at > self.interaction_deadline * self.time_scale:
            raise not_found(UNKNOWN_INTERACTION, "interaction")
        body = req.body if isinstance(req.body, dict) else {}
        kind = body.get("type")
        data = body.get("data") or {}
        if kind not in _ALLOWED_CALLBACKS.get(interaction.type, set()) or (
            kind in (DEFERRED_UPDATE, UPDATE_MESSAGE) and interaction.source_message is None
        ):
            errors = ErrorTree()
            errors.add(
                ("type",),
                "INTERACTION_CALLBACK_TYPE_INVALID",
                f"Callback type {kind} is not valid for interaction type {interaction.type}",
            )
            errors.raise_if_any()
        if kind == CHANNEL_MESSAGE:
            limits.check_message(data, file_count=len(req.files))
            interaction.original = self._interaction_message(interaction, data, req)
        elif kind == DEFERRED_MESSAGE:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            interaction.original = self._interaction_message(
                interaction, {"flags": flags}, req, empty_ok=True
            )
        elif kind == DEFERRED_UPDATE:
            interaction.original = interaction.source_message
        elif kind == UPDATE_MESSAGE:
            assert interaction.source_message is not None
            self.apply_edit(interaction.source_message, data, req.files)
            interaction.original = interaction.source_message
        elif kind == AUTOCOMPLETE_RESULT:
            limits.check_autocomplete(data)
            interaction.choices = list(data.get("choices") or [])
        elif kind == MODAL:
            limits.check_modal(data)
            interaction.modal = data
        interaction.callback = body
        interaction.acknowledged.set()
        if kind != DEFERRED_MESSAGE:
            interaction.done.set()
        if req.query.get("with_response") not in ("1", "true", "True"):
            return None
        original = interaction.original
        response: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": kind == DEFERRED_MESSAGE,
                "response_message_ephemeral": bool(original and original.ephemeral),
            }
        }
        if original is not None and kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE, UPDATE_MESSAGE):
            response["interaction"]["response_message_id"] = str(original.id)
            response["resource"] = {"type": kind, "message": self.message_payload(original)}
        else:
            response["resource"] = {"type": kind}
        return response

    def _interaction_message(
        self, interaction: FakeInteraction, data: dict[str, Any], req: ApiRequest, *, empty_ok: bool = False
    ) -> Message:
        message = self.build_message(interaction.channel, data, req.files, author_id=self.bot_user.id)
        if empty_ok:
            message.flags = int(data["flags"])
        message.type = 20 if interaction.type == APPLICATION_COMMAND else 0
        message.webhook_id = self.application_id
        message.interaction_id = interaction.id
        message.interaction_metadata = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": interaction.user.payload(),
            "authorizing_integration_owners": {"0": str(interaction.guild.id) if interaction.guild else "0"},
        }
        if interaction.type == APPLICATION_COMMAND:
            message.interaction_metadata["name"] = interaction.data.get("name")
        self.store_message(message)
        self.message_event(message)
        self.add_pinged_to_thread(message)
        return message

    def _followable(self, interaction: FakeInteraction) -> None:
        if interaction.callback is None:
            raise not_found(UNKNOWN_WEBHOOK, "Webhook")
        if self.clock.now() - interaction.created_at > FOLLOWUP_WINDOW * self.time_scale:
            raise DiscordError(401, 50027, "Invalid Webhook Token")

    async def followup_send(self, req: ApiRequest) -> Any:
        interaction = self._interaction_for(req, by_id=False)
        self._followable(interaction)
        body = req.body if isinstance(req.body, dict) else {}
        limits.check_message(body, file_count=len(req.files))
        original = interaction.original
        if original is not None and original.flags & LOADING:
            # After a "thinking" defer, Discord turns the first follow-up into the original response.
            self.apply_edit(original, body, req.files)
            original.flags &= ~LOADING
            interaction.done.set()
            message = original
        else:
            message = self._interaction_message(interaction, body, req)
            interaction.followups.append(message)
        if req.query.get("wait") in ("1", "true", "True"):
            return self.message_payload(message)
        return None

    def _webhook_message(self, interaction: FakeInteraction, message_id: str) -> Message:
        if message_id == "@original":
            if interaction.original is None or interaction.original.deleted:
                raise not_found(UNKNOWN_MESSAGE, "Message")
            return interaction.original
        for message in [interaction.original, *interaction.followups]:
            if message is not None and str(message.id) == message_id and not message.deleted:
                return message
        raise not_found(UNKNOWN_MESSAGE, "Message")

    async def webhook_get(self, req: ApiRequest) -> Any:
        interaction = self._interaction_for(req, by_id=False)
        self._followable(interaction)
        return self.message_payload(self._webhook_message(interaction, req.params["message_id"]))

    async def webhook_edit(self, req: ApiRequest) -> Any:
        interaction = self._interaction_for(req, by_id=False)
        self._followable(interaction)
        message = self._webhook_message(interaction, req.params["message_id"])
        body = req.body if isinstance(req.body, dict) else {}
        was_loading = bool(message.flags & LOADING)
        message.flags &= ~LOADING
        try:
            self.apply_edit(message, body, req.files)
        except DiscordError:
            if was_loading:
                message.flags |= LOADING
            raise
        if message is interaction.original:
            interaction.done.set()
        return self.message_payload(message)

    async def webhook_delete(self, req: ApiRequest) -> Any:
        interaction = self._interaction_for(req, by_id=False)
        self._followable(interaction)
        message = self._webhook_message(interaction, req.params["message_id"])
        self.remove_message(message)
        if message is interaction.original:
            interaction.done.set()
        return None
