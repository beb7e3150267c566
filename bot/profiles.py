"""A member's profile: what they tell peers about their work (stored by bot.storage.profiles)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

ABOUT_MAX = 300
SKILLS_MAX = 15
LANGUAGES_MAX = 6


@dataclass(frozen=True)
class Profile:
    """What a member tells peers about their work."""

    guild_id: int
    user_id: int
    field: str | None = None
    timezone: str | None = None
    languages: tuple[str, ...] = ()
    about: str | None = None
    skills: tuple[str, ...] = ()  # canonical skill keys, in the member's order
    discoverable: bool = False
    # How the guild first typed the unshipped ones among `skills`: shown instead of their keys.
    skill_labels: dict[str, str] = dataclass_field(default_factory=dict, compare=False, hash=False)
