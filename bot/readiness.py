"""What `majlis check` decides, without Discord: permissions per feature, the invite URL, channel access.

Permissions are computed Discord's way from raw REST payloads (the guild's roles, the bot's member
roles, the channel's overwrites), so the check needs no gateway connection and no cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Discord's permission bits for the names Majlis uses (developer docs, "Permissions").
BITS: dict[str, int] = {
    "administrator": 1 << 3,
    "manage_channels": 1 << 4,
    "view_channel": 1 << 10,
    "send_messages": 1 << 11,
    "manage_messages": 1 << 13,
    "embed_links": 1 << 14,
    "attach_files": 1 << 15,
    "read_message_history": 1 << 16,
    "manage_threads": 1 << 34,
    "create_public_threads": 1 << 35,
    "create_private_threads": 1 << 36,
    "send_messages_in_threads": 1 << 38,
}
# As the Discord client names them.
READABLE: dict[str, str] = {
    "administrator": "Administrator",
    "manage_channels": "Manage Channels",
    "view_channel": "View Channels",
    "send_messages": "Send Messages",
    "manage_messages": "Manage Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "read_message_history": "Read Message History",
    "manage_threads": "Manage Threads",
    "create_public_threads": "Create Public Threads",
    "create_private_threads": "Create Private Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}
# What each configured feature needs in its channel (the same lists the cogs check when configured).
FEATURE_NEEDS: dict[str, tuple[str, ...]] = {
    "intros": ("view_channel", "create_private_threads", "send_messages_in_threads"),
    "prompts": (
        "view_channel",
        "send_messages",
        "embed_links",
        "create_public_threads",
        "send_messages_in_threads",
        "read_message_history",
    ),
    "digest": ("view_channel", "send_messages", "embed_links"),
    "swaps": (
        "view_channel",
        "send_messages",
        "embed_links",
        "create_private_threads",
        "send_messages_in_threads",
    ),
    "share": ("view_channel", "send_messages"),
}
# The invite asks for exactly these (README "Inviting the bot"); Manage Channels stays optional.
INVITE_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "attach_files",
    "read_message_history",
    "create_public_threads",
    "create_private_threads",
    "send_messages_in_threads",
)
# Application flags (GET /applications/@me): the Server Members intent, for verified and unverified bots.
GATEWAY_GUILD_MEMBERS = 1 << 14
GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15


def permission_value(names: Iterable[str]) -> int:
    """Return the permission integer of a list of permission names."""
    value = 0
    for name in names:
        value |= BITS[name]
    return value


def invite_url(application_id: int) -> str:
    """Return the invite link with the scopes and permission integer Majlis needs."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={permission_value(INVITE_PERMISSIONS)}"
    )


def members_intent_enabled(application_flags: int) -> bool:
    """Tell whether the Developer Portal has the Server Members intent switched on."""
    return bool(application_flags & (GATEWAY_GUILD_MEMBERS | GATEWAY_GUILD_MEMBERS_LIMITED))


def channel_permissions(
    guild: Mapping[str, Any], member: Mapping[str, Any], channel: Mapping[str, Any], user_id: int
) -> int:
    """Compute a member's permissions in a channel from REST payloads, the way Discord does."""
    guild_id = int(guild["id"])
    if int(guild.get("owner_id") or 0) == user_id:
        return _ALL
    roles = {int(r["id"]): int(r.get("permissions") or 0) for r in guild.get("roles", ())}
    member_roles = {int(r) for r in member.get("roles", ())}
    base = roles.get(guild_id, 0)
    for role_id in member_roles:
        base |= roles.get(role_id, 0)
    if base & BITS["administrator"]:
        return _ALL
    overwrites = {int(o["id"]): o for o in channel.get("permission_overwrites") or ()}
    everyone = overwrites.get(guild_id)
    if everyone is not None:
        base = (base & ~int(everyone["deny"])) | int(everyone["allow"])
    allow = deny = 0
    for role_id in member_roles:
        found = overwrites.get(role_id)
        if found is not None and int(found.get("type", 0)) == 0:
            allow |= int(found["allow"])
            deny |= int(found["deny"])
    base = (base & ~deny) | allow
    own = overwrites.get(user_id)
    if own is not None and int(own.get("type", 1)) == 1:
        base = (base & ~int(own["deny"])) | int(own["allow"])
    if not base & BITS["view_channel"]:
        return 0  # a channel you cannot see grants nothing else
    return base


_ALL = (1 << 53) - 1


@dataclass(frozen=True)
class ChannelProblem:
    """A configured channel the bot cannot use, and what it lacks."""

    feature: str
    channel_id: int
    missing: tuple[str, ...]  # permission names; empty with `gone`
    gone: bool = False

    def describe(self) -> str:
        """Say it in one line, permission names as Discord shows them."""
        if self.gone:
            return f"{self.feature}: channel {self.channel_id} no longer exists (reconfigure the feature)"
        names = ", ".join(READABLE.get(n, n) for n in self.missing)
        return f"{self.feature}: channel {self.channel_id} lacks {names}"


def missing_in(feature: str, permissions: int) -> tuple[str, ...]:
    """Return what `feature` needs in its channel that `permissions` does not grant."""
    return tuple(
        name for name in FEATURE_NEEDS.get(feature, ("view_channel",)) if not permissions & BITS[name]
    )
