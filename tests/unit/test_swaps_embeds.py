"""Swap embeds and skill input: pure builders, no Discord."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import MajlisError
from bot.i18n import t
from bot.storage.swaps import MatchMember, SwapMatch, SwapRequest
from cogs.swaps import skill_key
from cogs.swaps._embeds import board_embed, list_embed, match_embed, page_count, skill_name
from cogs.swaps._views import board_view, match_view

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def request(
    request_id=1, user_id=10, offer="logo design", want="wordpress development", status="open", **extra
):
    return SwapRequest(
        id=request_id,
        guild_id=5,
        user_id=user_id,
        offer=offer,
        want=want,
        details=extra.get("details"),
        status=status,
        created_at=NOW,
        expires_at=NOW + timedelta(days=30),
    )


def test_skill_key_unifies_arabic_and_english_names():
    assert skill_key("تصميم شعارات") == skill_key("Logo Design") == "logo design"
    assert skill_key("  Custom Skill  ") == "custom skill"


@pytest.mark.parametrize(("text", "key"), [("   ", "swaps.skill_empty"), ("x" * 51, "swaps.skill_too_long")])
def test_skill_key_refuses_empty_or_long_text(text, key):
    with pytest.raises(MajlisError) as refused:
        skill_key(text)
    assert refused.value.key == key


def test_board_embed_shows_skills_in_the_reader_language_and_the_status():
    arabic = board_embed(request(details="Two logos"), "ar")
    assert skill_name("logo design", "ar") in arabic.description
    assert "<@10>" in arabic.description
    fields = {f.name: f.value for f in arabic.fields}
    assert fields[t("ar", "swaps.board.details")] == "Two logos"
    assert fields[t("ar", "swaps.board.status")] == t("ar", "swaps.status.open")
    assert t("ar", "swaps.board.expires") in fields

    done = board_embed(request(status="done"), "en")
    fields = {f.name: f.value for f in done.fields}
    assert fields["Status"] == t("en", "swaps.status.done")
    assert "Expires" not in fields  # only open requests expire


def test_the_board_button_is_disabled_once_the_request_moves_on():
    (open_button,) = board_view(request(), "en").children
    assert not open_button.item.disabled and open_button.item.custom_id == "majlis:swaps:help:1"
    (closed_button,) = board_view(request(status="closed"), "en").children
    assert closed_button.item.disabled and closed_button.item.label == t("en", "swaps.status.closed")


def test_match_embed_says_who_offers_what_to_whom_around_the_cycle():
    requests = {
        1: request(1, 10, "logo design", "seo"),
        2: request(2, 11, "seo", "python"),
        3: request(3, 12, "python", "logo design"),
    }
    match = SwapMatch(
        id=7,
        guild_id=5,
        kind="cycle3",
        status="proposed",
        members=(
            MatchMember(0, 3, 12, None),
            MatchMember(1, 1, 10, "confirmed"),
            MatchMember(2, 2, 11, None),
        ),
    )
    embed = match_embed(match, requests, "en")
    lines = embed.description.split("\n")[-3:]
    assert lines == [
        t("en", "swaps.match.gives", giver="<@12>", skill=skill_name("python", "en"), receiver="<@10>"),
        t("en", "swaps.match.gives", giver="<@10>", skill=skill_name("logo design", "en"), receiver="<@11>"),
        t("en", "swaps.match.gives", giver="<@11>", skill=skill_name("seo", "en"), receiver="<@12>"),
    ]
    view = match_view(match, {10: "Amal"}, "en")
    states = {item.item.custom_id: item.item.disabled for item in view.children}
    assert states["majlis:swaps:match:7:1:confirm"] is True  # Amal answered already
    assert states["majlis:swaps:match:7:0:confirm"] is False
    assert len(states) == 6


def test_list_pages():
    assert [page_count(n) for n in (0, 1, 6, 7, 12, 13)] == [1, 1, 1, 2, 2, 3]
    embed = list_embed([request(1), request(2, 11)], "en", title="Open", page=0, total=2)
    assert embed.description.count("\n") == 1 and "<@11>" in embed.description
    empty = list_embed([], "en", title="Open", page=0, total=0)
    assert empty.description == t("en", "swaps.list.empty")


def test_a_forgotten_member_is_named_neutrally_on_the_board_and_in_lists():
    forgotten = request(user_id=-4242, status="closed")
    for lang in ("ar", "en"):
        shown = (
            board_embed(forgotten, lang).description
            + list_embed([forgotten], lang, title="t", page=0, total=1).description
        )
        assert "<@-" not in shown and "-4242" not in shown
        assert t(lang, "swaps.former_member") in shown
