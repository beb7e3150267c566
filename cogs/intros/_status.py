"""What `/intros status`, `/majlis status` and `/majlis stats` show (the data path, without Discord replies)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot import intros as logic
from bot.i18n import format_when, local_when, t
from bot.storage import Database
from bot.storage import intros as store


async def member_status_lines(
    db: Database,
    guild_id: int,
    user_id: int,
    *,
    lang: str,
    now: datetime,
    next_round: datetime | None,
    tz: tzinfo,
) -> list[str]:
    """Return a member's `/intros status`: taking part, next round, current group, peers met, pause."""
    lines: list[str] = []
    member = await store.get_member(db, guild_id, user_id)
    if member is None or not member.opted_in:
        lines.append(t(lang, "intros.status.not_joined"))
    elif logic.is_paused(member, now):
        assert member.paused_until is not None
        lines.append(
            t(
                lang,
                "intros.status.paused",
                **local_when(member.paused_until, lang, tz, now=now, key="until"),
            )
        )
    else:
        lines.append(t(lang, "intros.status.joined"))
    if next_round is not None:
        lines.append(
            t(
                lang,
                "intros.status.next_round",
                **local_when(next_round, lang, tz, now=now),
            )
        )
    else:
        lines.append(t(lang, "intros.status.no_schedule"))
    group = await store.current_group(db, guild_id, user_id)
    latest = await store.latest_round(db, guild_id)
    if group is not None and (latest is None or group.round_id == latest.round_id):
        others = " ".join(f"<@{uid}>" for uid in group.members if uid != user_id)
        if group.state != "posted":
            lines.append(t(lang, "intros.status.group_pending", members=others))
        elif group.delivery == "dm" or group.thread_id is None:
            lines.append(t(lang, "intros.status.group_dm", members=others))
        else:
            lines.append(
                t(lang, "intros.status.group_thread", members=others, thread=f"<#{group.thread_id}>")
            )
    elif latest is not None and (
        reason := await store.last_unmatched_reason(db, guild_id, user_id, latest.round_id)
    ):
        lines.append(t(lang, "intros.status.unmatched", reason=t(lang, f"intros.unmatched.{reason}")))
    else:
        lines.append(t(lang, "intros.status.no_group"))
    introduced = await store.peers_introduced(db, guild_id, user_id)
    peers = t(lang, "intros.status.introduced", count=introduced)
    if introduced:
        met = await store.peers_met(db, guild_id, user_id)
        peers += " " + t(
            lang, "intros.status.met_all" if met == introduced else "intros.status.met", count=met
        )
    lines.append(peers)
    if member is not None and member.opted_in and member.priority:
        lines.append(t(lang, "intros.status.priority"))
    return lines


async def admin_status_lines(db: Database, guild_id: int, lang: str, tz: tzinfo) -> list[str]:
    """Return the intros lines of `/majlis status`: members, the last round's delivery, closed DMs."""
    lines = [t(lang, "intros.fstatus.members", count=len(await store.list_members(db, guild_id)))]
    latest = await store.latest_round(db, guild_id)
    if latest is None:
        lines.append(t(lang, "intros.fstatus.no_round"))
        return lines
    counts = await store.delivery_counts(db, latest.round_id)
    assert counts is not None
    lines.append(
        t(
            lang,
            "intros.fstatus.last_round",
            when=format_when(counts.scheduled_for, lang, tz),
            groups=counts.groups,
            posted=counts.posted,
            failed=counts.failed,
            pending=counts.pending,
        )
    )
    if counts.closed_dms:
        lines.append(t(lang, "intros.fstatus.closed_dms", count=counts.closed_dms))
    if counts.failed:
        errors = [
            g.error for g in await store.round_groups(db, latest.round_id) if g.state == "failed" and g.error
        ]
        if errors:
            lines.append(t(lang, "intros.fstatus.failed_error", error=failure_reason(errors[0], lang)))
    return lines


# Failures are stored as the bot met them ("403: direct messages closed"); admins read them in their language.
_KNOWN_FAILURES = {
    "403: direct messages closed": "intros.failure.dms_closed",
    "intros channel not found": "intros.failure.channel_missing",
    "404: intro thread deleted": "intros.failure.thread_deleted",
}


def failure_reason(error: str, lang: str) -> str:
    """Word a stored delivery failure for an admin: known causes in words, others by Discord's status code."""
    if error in _KNOWN_FAILURES:
        return t(lang, _KNOWN_FAILURES[error])
    code = error.partition(":")[0].strip()
    if code.isdigit():
        return t(lang, "intros.failure.http", code=code)
    return t(lang, "intros.failure.other")
