"""`literal`: member text the bot shows never pings, pulls anyone into a thread, links or restyles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import literal
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
