"""`literal`: member text the bot shows never pings, pulls anyone into a thread, links or restyles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import literal, literal_parts
from tests.markup import active_markup, rendered

ZWSP = "\u200b"


_MARKUP_PIECES = st.sampled_from(
    [
        "<@1>",
        "<@!123456789012345678>",
        "<@&42>",
        "<#7>",
        "</swap offer:99>",
        "@everyone",
        "@HERE",
        "[Verify here](https://evil.example/x)",
        "[a](<https://x.example>)",
        "https://a.example/[x](https://evil.example)",
        "https://a_b.example/x_y",
        "# ",
        "## ",
        "-# ",
        "> ",
        ">>> ",
        "- ",
        "* ",
        "+ ",
        "1. ",
        "2) ",
        "**",
        "__",
        "~~",
        "||",
        "`",
        "```",
        "\\",
        "\n",
        " ",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        "@",
        "&",
        "!",
        "#",
        "123",
        ZWSP,
        "عربي",
    ]
)
MEMBER_TEXT = st.lists(st.one_of(_MARKUP_PIECES, st.text(max_size=8)), max_size=12).map("".join)


@settings(max_examples=200, deadline=None)
@given(MEMBER_TEXT)
def test_literal_text_has_no_active_mention_link_or_markdown(text):
    assert active_markup(literal(text)) == []


@settings(max_examples=200, deadline=None)
@given(MEMBER_TEXT.filter(lambda text: "://" not in text))
def test_literal_text_reads_exactly_as_typed(text):
    assert rendered(literal(text)) == text.replace(ZWSP, "")


@settings(max_examples=200, deadline=None)
@given(MEMBER_TEXT, st.integers(min_value=0, max_value=60))
def test_a_cut_literal_text_stays_inert(text, limit):
    assert active_markup(literal(text)[:limit]) == []


@pytest.mark.parametrize(
    "text",
    [
        "logo <@123>",
        "<@&5> <#6> @everyone @here",
        "[Verify here](https://evil.example/x)",
        "# Big\n- one\n1. two\n> quoted",
        "**bold** __u__ ||spoiler|| `code`",
    ],
)
def test_the_issue_examples_are_inert(text):
    assert active_markup(text)  # the checker sees the markup in the raw text...
    assert active_markup(literal(text)) == []  # ...and none once it is literal


def test_plain_links_stay_visible_and_whole():
    assert literal("my work: https://behance.net/my_name") == "my work: https://behance.net/my_name"
    shown = literal("[Verify here](https://evil.example/x)")
    assert "https://evil.example/x" in shown and "](" not in shown.replace("\\]\\(", "")


def test_plain_words_and_arabic_are_unchanged():
    assert literal("تصميم شعارات and Django 5") == "تصميم شعارات and Django 5"


# --- member text cut into Discord-sized messages ----------------------------------------------------

LONG_MEMBER_TEXT = st.lists(st.one_of(_MARKUP_PIECES, st.text(max_size=8)), max_size=400).map("".join)


@settings(max_examples=200, deadline=None)
@given(LONG_MEMBER_TEXT, st.integers(min_value=20, max_value=300), st.integers(min_value=1, max_value=300))
def test_member_text_cut_then_escaped_fits_renders_no_markup_and_reads_as_typed(text, limit, first):
    parts = literal_parts(text, limit, min(first, limit))
    assert all(len(part) <= limit for part in parts)
    assert len(parts[0]) <= min(first, limit) if parts else True
    for part in parts:
        assert active_markup(part) == [], part  # each part starts its own message (or line)
    if "://" not in text:  # a cut inside a link leaves two plain texts: compared without links
        assert "".join("".join(rendered(p) for p in parts).split()) == "".join(text.replace(ZWSP, "").split())


@pytest.mark.parametrize("text", ["a" + "#" * 993 + " HUGE HEADING", "- " * 661 + "z 1. first"])
def test_the_review_s_long_posts_are_cut_before_escaping(text):
    parts = literal_parts(text, 2000, first=1000)  # after a heading, in the same message
    assert len(parts) == 2 and all(len(part) <= 2000 for part in parts)
    assert all(active_markup(part) == [] for part in parts)
