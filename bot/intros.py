"""Peer introductions without Discord: who takes part, the round's inputs, intro and check-in content, stats."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.i18n import LANGUAGES, group_address, t
from bot.icebreakers import pick_icebreaker
from bot.matching import Candidate, Reason
from bot.profile_card import field_label, join_list, language_name, local_time_label, skill_names
from bot.profiles import Profile
from bot.text import clip, isolate, literal
from bot.timezones import hhmm, utc_offset_minutes

REPEAT_WINDOW = 12  # rounds: a pair that met within this many rounds is not grouped again while avoidable
PAUSE_WEEKS = range(1, 13)
EVERY_WEEKS = (1, 2, 4)
GROUP_SIZES = (2, 3, 4)
MATCH_MODES = ("same_field", "mixed")
DELIVERIES = ("thread", "dm")
ANSWERS = ("met", "not_yet", "couldnt")
# Saturday first, as the week starts in much of the Arab world (Python weekday: Monday = 0).
WEEKDAYS_SATURDAY_FIRST = (5, 6, 0, 1, 2, 3, 4)
DEFAULT_WEEKDAY = 6  # Sunday
DEFAULT_HOUR = 10
ICEBREAKER_MEMORY = 30  # icebreakers not repeated within the guild's last this-many groups
INTRO_COLOUR = 0x2E8B57
THREAD_NAME_MAX = 100


@dataclass(frozen=True)
class IntroMember:
    """A member's intros settings: opted in or not, paused until when, first in line or not."""

    user_id: int
    opted_in: bool
    paused_until: datetime | None = None
    priority: bool = False


@dataclass(frozen=True)
class Eligibility:
    """Who takes part in a round, and why the others don't."""

    eligible: tuple[int, ...]
    excluded: dict[int, str] = field(default_factory=dict)  # user id -> "paused" | "departed" | "absent"


def pause_until(now: datetime, weeks: int) -> datetime:
    """Return when a pause of `weeks` weeks ends; weeks must be 1–12."""
    if weeks not in PAUSE_WEEKS:
        raise ValueError("pause weeks must be between 1 and 12")
    return now + timedelta(weeks=weeks)


def is_paused(member: IntroMember, now: datetime) -> bool:
    """Tell whether a member's pause is still running (a pause ends by itself)."""
    return member.paused_until is not None and member.paused_until > now


def select_eligible(
    members: Iterable[IntroMember],
    now: datetime,
    departed: set[int],
    present: set[int] | None,
) -> Eligibility:
    """Keep opted-in, unpaused, still-present members (`present` None = presence unknown, trust the store)."""
    eligible, excluded = [], {}
    for member in members:
        if not member.opted_in:
            continue
        if member.user_id in departed:
            excluded[member.user_id] = "departed"
        elif present is not None and member.user_id not in present:
            excluded[member.user_id] = "absent"
        elif is_paused(member, now):
            excluded[member.user_id] = "paused"
        else:
            eligible.append(member.user_id)
    return Eligibility(tuple(sorted(eligible)), excluded)


def candidate_for(profile: Profile | None, user_id: int, now: datetime, priority: bool) -> Candidate:
    """Turn a member's profile into what the matcher weighs."""
    if profile is None:
        return Candidate(member_id=user_id, field=None, priority=priority)
    offset = None
    if profile.timezone:
        try:
            offset = utc_offset_minutes(profile.timezone, now)
        except (ValueError, KeyError):  # a zone removed from tzdata since it was stored
            offset = None
    return Candidate(
        member_id=user_id,
        field=profile.field,
        skills=frozenset(profile.skills),
        utc_offset_minutes=offset,
        languages=frozenset(profile.languages),
        priority=priority,
    )


def round_seed(guild_id: int, scheduled_for: datetime) -> int:
    """Derive a round's seed from the guild and occurrence, so a round can be replayed."""
    digest = hashlib.sha256(f"{guild_id}:{scheduled_for.astimezone(UTC).isoformat()}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def checkin_time(scheduled_for: datetime, every_weeks: int) -> datetime:
    """Return when to ask "Did you meet?": half the cadence after the round."""
    return scheduled_for + timedelta(weeks=every_weeks) / 2


def recent_pairs(rounds_newest_first: Sequence[Iterable[Sequence[int]]]) -> dict[frozenset[int], int]:
    """Map each pair grouped in recent rounds to how many rounds ago they met (1 = last round)."""
    found: dict[frozenset[int], int] = {}
    for ago, groups in enumerate(rounds_newest_first, start=1):
        for members in groups:
            for a, b in itertools.combinations(sorted(members), 2):
                found.setdefault(frozenset((a, b)), ago)
    return found


def mutual_pairs(requests: Iterable[tuple[int, int]]) -> frozenset[frozenset[int]]:
    """Return the pairs where each asked for the other (`again` requests, `(asker, asked)`)."""
    asked = set(requests)
    return frozenset(frozenset((a, b)) for a, b in asked if a != b and (b, a) in asked)


def any_pairs(requests: Iterable[tuple[int, int]]) -> frozenset[frozenset[int]]:
    """Return every pair where one side asked (avoid requests are binding either way)."""
    return frozenset(frozenset((a, b)) for a, b in requests if a != b)


def stood_up(groups: Iterable[Mapping[int, str | None]]) -> set[int]:
    """Return members stood up last round: they answered "couldnt", or answered while no partner ever did."""
    found: set[int] = set()
    for answers in groups:
        for member, answer in answers.items():
            partners = [a for m, a in answers.items() if m != member]
            if answer == "couldnt" or (answer is not None and all(a is None for a in partners)):
                found.add(member)
    return found


def pick_icebreakers(ids: Sequence[str], used_recently: Sequence[str], count: int, seed: int) -> list[str]:
    """Pick one icebreaker per group, none used recently in the guild, the groups of a round all different."""
    used = list(used_recently)
    picked = []
    for index in range(count):
        choice = pick_icebreaker(ids, used[-ICEBREAKER_MEMORY:], seed + index)
        picked.append(choice)
        used.append(choice)
    return picked


def thread_name(round_id: int, position: int, lang: str) -> str:
    """Name a group's private thread; deterministic, so a resumed delivery can find it again."""
    return t(lang, "intros.thread_name", round=round_id, group=position + 1)[:THREAD_NAME_MAX]


# --- the intro message -------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupMember:
    """What the intro message shows about one member."""

    user_id: int
    name: str
    profile: Profile | None


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def local_window(window_utc: tuple[str, str], offset_minutes: int) -> tuple[str, str]:
    """Shift a UTC "HH:MM"–"HH:MM" window into a member's local time."""
    start, end = (_minutes(x) for x in window_utc)
    if end <= start:  # the matcher writes a window crossing midnight as end < start after wrapping
        end += 1440
    return hhmm(start + offset_minutes), hhmm(end + offset_minutes)


def reason_lines(
    reasons: Sequence[Reason],
    lang: str,
    address: str | None = None,
    skill_labels: Mapping[str, str] | None = None,
) -> list[str]:
    """Say what a group shares, in the reader's language (the meeting window is shown on its own)."""
    lines = []
    for reason in reasons:
        if reason.kind in ("same_field", "mixed_fields"):
            names = [field_label(key, lang) or key for key in reason.detail]
            lines.append(t(lang, f"intros.reason.{reason.kind}", fields=join_list(names, lang)))
        elif reason.kind in ("shared_skills", "complementary_skills"):
            lines.append(
                t(
                    lang,
                    f"intros.reason.{reason.kind}",
                    skills=join_list(skill_names(reason.detail[:6], lang, labels=skill_labels), lang),
                )
            )
        elif reason.kind == "shared_language":
            lines.append(
                t(
                    lang,
                    "intros.reason.shared_language",
                    languages=join_list([language_name(c, lang) for c in reason.detail], lang),
                )
            )
        elif reason.kind == "overlapping_hours":
            lines.append(t(lang, "intros.reason.overlapping_hours", address=address))
        elif reason.kind == "again":
            lines.append(t(lang, "intros.reason.again", address=address))
    return lines


def meeting_window_lines(
    reasons: Sequence[Reason], members: Sequence[GroupMember], now: datetime, lang: str
) -> list[str]:
    """Show the suggested meeting window in each member's own local time."""
    window = next((r.detail for r in reasons if r.kind == "overlapping_hours" and len(r.detail) == 2), None)
    if window is None:
        return []
    lines = []
    for member in members:
        if member.profile is None or not member.profile.timezone:
            continue
        offset = utc_offset_minutes(member.profile.timezone, now)
        start, end = local_window((window[0], window[1]), offset)
        lines.append(t(lang, "intros.window_line", member=f"<@{member.user_id}>", start=start, end=end))
    return lines


EMBED_TOTAL_MAX = 6000  # Discord refuses an embed whose texts add up to more
# (about characters, skills) per member, tried in order until the whole intro fits in one embed.
_MEMBER_DETAIL_STEPS = ((300, 8), (160, 5), (80, 3), (0, 2))


def embed_size(embed: Mapping[str, Any]) -> int:
    """Count the characters Discord adds up against an embed's 6,000 limit."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "") + len(
        (embed.get("author") or {}).get("name") or ""
    )
    return size + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", ()))


def intro_embed(
    members: Sequence[GroupMember],
    reasons: Sequence[Reason],
    icebreaker: str | None,
    *,
    lang: str,
    now: datetime,
    round_id: int,
    position: int,
    address: str | None = None,
) -> dict[str, Any]:
    """Build the intro message's embed (Discord embed data) within Discord's limits.

    `lang` is the reader (the guild's language in a thread, the member in a DM); `address` is the
    group's form (dual or plural) when the embed speaks to the whole group.
    """
    for about_limit, skills_shown in _MEMBER_DETAIL_STEPS:
        embed = _intro_embed(
            members,
            reasons,
            icebreaker,
            lang=lang,
            now=now,
            round_id=round_id,
            position=position,
            address=address,
            about_limit=about_limit,
            skills_shown=skills_shown,
        )
        if embed_size(embed) <= EMBED_TOTAL_MAX:
            break
    return embed


def _intro_embed(
    members: Sequence[GroupMember],
    reasons: Sequence[Reason],
    icebreaker: str | None,
    *,
    lang: str,
    now: datetime,
    round_id: int,
    position: int,
    address: str | None,
    about_limit: int,
    skills_shown: int,
) -> dict[str, Any]:
    unset = t(lang, "intros.unset")
    fields = []
    for member in members:
        profile = member.profile
        parts = [
            t(
                lang,
                "intros.member.field",
                value=(field_label(profile.field, lang) if profile else None) or unset,
            ),
            t(
                lang,
                "intros.member.skills",
                value=join_list(
                    skill_names(profile.skills[:skills_shown], lang, labels=profile.skill_labels), lang
                )
                if profile and profile.skills
                else unset,
            ),
            t(
                lang,
                "intros.member.local_time",
                value=(local_time_label(profile.timezone, now, lang) if profile else None) or unset,
            ),
        ]
        if profile and profile.about and about_limit:
            parts.append(t(lang, "intros.member.about", value=literal(clip(profile.about, about_limit))))
        fields.append(
            {
                "name": clip(isolate(literal(member.name)), 256),
                "value": clip("\n".join(parts), 1024),
                "inline": False,
            }
        )
    if len(members) > 2:
        # "You asked to meet again" is for the two who asked; a third member must not learn it.
        reasons = [r for r in reasons if r.kind != "again"]
    labels = {k: v for m in members if m.profile for k, v in m.profile.skill_labels.items()}
    shared = reason_lines(reasons, lang, address, labels)
    if shared:
        fields.append(
            {
                "name": t(lang, "intros.shared", address=address),
                "value": clip("\n".join(f"• {x}" for x in shared), 1024),
                "inline": False,
            }
        )
    window = meeting_window_lines(reasons, members, now, lang)
    if window:
        fields.append(
            {
                "name": t(lang, "intros.window", address=address),
                "value": clip("\n".join(window), 1024),
                "inline": False,
            }
        )
    if icebreaker:
        fields.append(
            {"name": t(lang, "intros.icebreaker"), "value": clip(icebreaker, 1024), "inline": False}
        )
    return {
        "type": "rich",
        "title": t(lang, "intros.title", address=address),
        "description": t(lang, "intros.description", address=address, count=len(members) - 1),
        "color": INTRO_COLOUR,
        "fields": fields[:25],
        "footer": {"text": group_marker(round_id, position, lang)},
    }


def group_marker(round_id: int, position: int, lang: str) -> str:
    """Return the footer that identifies a group's message (how a resumed delivery recognises it)."""
    return t(lang, "intros.footer", round=round_id, group=position + 1)


def group_markers(round_id: int, position: int) -> set[str]:
    """Return the footer in every language (a member may change language between a crash and a resume)."""
    # The untranslated footer rounds delivered before the footer came from the catalogue still carry.
    return {f"Majlis · {round_id}-{position + 1}"} | {
        group_marker(round_id, position, lang) for lang in LANGUAGES
    }


def mention_line(user_ids: Sequence[int], lang: str) -> str:
    """Return the intro's content: a greeting mentioning exactly the group's members."""
    return t(
        lang,
        "intros.greeting",
        address=group_address(len(user_ids)),
        members=" ".join(f"<@{uid}>" for uid in user_ids),
    )


def dm_intro_content(recipient: int, user_ids: Iterable[int], lang: str) -> str:
    """Return a direct message's content naming the recipient's partners, addressed to the recipient."""
    others = [uid for uid in user_ids if uid != recipient]
    return t(lang, "intros.dm_greeting", members=" ".join(f"<@{uid}>" for uid in others), count=len(others))


# --- stats ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundSummary:
    """One round's numbers for `/majlis stats`."""

    round_id: int
    scheduled_for: datetime
    groups: int  # delivered introductions
    met_groups: int  # groups where someone answered "met"
    answered_groups: int
    repeat_groups: int
    members: int


@dataclass(frozen=True)
class IntroStats:
    """Participation over a period."""

    rounds: tuple[RoundSummary, ...]
    intros_made: int
    met_rate: float | None  # of groups with an answer, the share that met
    repeat_rate: float | None
    never_matched: int  # opted-in members never placed in any group
    prompts_answered: int = 0  # answers in weekly prompt threads, counted at digest time
    swaps_done: int = 0


def summarize(rounds: Sequence[RoundSummary], never_matched: int) -> IntroStats:
    """Add up rounds into the stats shown to admins."""
    groups = sum(r.groups for r in rounds)
    answered = sum(r.answered_groups for r in rounds)
    met = sum(r.met_groups for r in rounds)
    repeats = sum(r.repeat_groups for r in rounds)
    return IntroStats(
        rounds=tuple(sorted(rounds, key=lambda r: r.scheduled_for)),
        intros_made=groups,
        met_rate=met / answered if answered else None,
        repeat_rate=repeats / groups if groups else None,
        never_matched=never_matched,
    )


def percent(value: float | None) -> str:
    """Format a rate as a whole percentage, or a dash when there is nothing to divide."""
    return "—" if value is None else f"{round(value * 100)}%"
