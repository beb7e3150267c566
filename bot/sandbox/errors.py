"""Discord's JSON errors, as the fake serves them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# JSON error codes the fake serves (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN_ROUTE = 0
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_APPLICATION_COMMAND = 10063
UNAUTHORIZED = 40001
ALREADY_ACKNOWLEDGED = 40060
CANNOT_EDIT_OTHERS_MESSAGE = 50005
EMPTY_MESSAGE = 50006
CANNOT_MESSAGE_USER = 50007
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035
THREAD_ARCHIVED = 50083

# Codes that mean the bot broke Discord's contract (as opposed to meeting a world it cannot control,
# like closed DMs or a channel deleted under it); these are recorded in ``FakeDiscord.violations``.
CONTRACT_CODES = frozenset(
    {
        UNKNOWN_ROUTE,
        UNAUTHORIZED,
        ALREADY_ACKNOWLEDGED,
        EMPTY_MESSAGE,
        INVALID_FORM_BODY,
        UNKNOWN_INTERACTION,
        CANNOT_EDIT_OTHERS_MESSAGE,
    }
)


class DiscordError(Exception):
    """Refuse a request the way Discord does: an HTTP status plus a JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """Return the JSON body Discord sends for this error."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def not_found(code: int, what: str) -> DiscordError:
    """Build a 404 "Unknown <what>" error."""
    return DiscordError(404, code, f"Unknown {what}")


def missing_permissions() -> DiscordError:
    """Build the 403 Discord sends when the bot lacks a permission."""
    return DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")


@dataclass
class ErrorTree:
    """Collect field errors into Discord's nested ``errors`` tree for a 50035 "Invalid Form Body"."""

    tree: dict[str, Any] = field(default_factory=dict)

    def add(self, path: tuple[str | int, ...] | list[str | int], code: str, message: str) -> None:
        """Record one field error at ``path`` (keys and list indices)."""
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: tuple[str | int, ...] | list[str | int], limit: int) -> None:
        """Record a string over its length limit."""
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def too_many(self, path: tuple[str | int, ...] | list[str | int], limit: int) -> None:
        """Record a list over its size limit."""
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def raise_if_any(self) -> None:
        """Raise a 400 50035 when any field error was recorded."""
        if self.tree:
            raise DiscordError(400, INVALID_FORM_BODY, "Invalid Form Body", self.tree)


@dataclass(frozen=True)
class Violation:
    """One thing the bot did that real Discord would have refused, or a route it does not have."""

    method: str
    path: str
    status: int
    code: int
    message: str
    detail: Any = None

    def __str__(self) -> str:
        detail = f" {self.detail}" if self.detail else ""
        return f"{self.method} {self.path} -> {self.status} {self.code} {self.message}{detail}"


@dataclass(frozen=True)
class ServedError:
    """One non-2xx response the fake served (violations and expected refusals alike)."""

    method: str
    path: str
    status: int
    code: int
    message: str
