"""Errors a member can fix; the command tree turns them into short ephemeral replies."""

from __future__ import annotations

from typing import Any


class MajlisError(Exception):
    """A bad input or refused action, described by a message-catalogue key."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
