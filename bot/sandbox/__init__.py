"""A local fake Discord (REST + gateway) that the real bot connects to in tests and demos."""

from bot.sandbox.errors import DiscordError, ServedError, Violation
from bot.sandbox.fake import FakeDiscord, RecordedRequest
from bot.sandbox.interactions import FakeInteraction, InvalidInteraction
from bot.sandbox.models import Attachment, Channel, Guild, Member, Message, Reaction, Role, User

__all__ = [
    "Attachment",
    "Channel",
    "DiscordError",
    "FakeDiscord",
    "FakeInteraction",
    "Guild",
    "InvalidInteraction",
    "Member",
    "Message",
    "Reaction",
    "RecordedRequest",
    "Role",
    "ServedError",
    "User",
    "Violation",
]
