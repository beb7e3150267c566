"""The pure side of experience sharing: drafts, the privacy verdict, masking, tags and search text."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.client_details import Finding, FindingKind
from bot.errors import MajlisError
from bot.share import (
    LESSON_MAX,
    MESSAGE_MAX,
    QUERY_MAX,
    STORY_MAX,
    TAGS_MAX,
    TITLE_MAX,
    ShareDraft,
    check_draft,
    client_name_from,
    compose_post,
    describe_findings,
    finding_choices,
    fts_query,
    index_text,
    make_snippet,
    mask_draft,
    parse_tags,
    post_fields,
    search_tokens,
    split_message,
    tag_matches_field,
    tag_name_for,
    validate_draft,
    validate_query,
)
from tests.markup import plain

# --- validating a draft -------------------------------------------------------------------------------


def test_a_draft_is_trimmed():
    draft = validate_draft("  Late payment  ", " story ", " lesson\n", " design ")
    assert draft == ShareDraft("Late payment", "story", "lesson", "design")


@pytest.mark.parametrize("part", ["title", "story", "lesson"])
def test_an_empty_part_is_refused(part):
    values = {"title": "t", "story": "s", "lesson": "l"} | {part: "   "}
    with pytest.raises(MajlisError) as caught:
        validate_draft(**values)
    assert caught.value.key == f"share.empty_{part}"


@pytest.mark.parametrize(
    ("part", "limit"), [("title", TITLE_MAX), ("story", STORY_MAX), ("lesson", LESSON_MAX)]
)
def test_an_overlong_part_is_refused_and_its_exact_limit_accepted(part, limit):
    base = {"title": "t", "story": "s", "lesson": "l"}
    validate_draft(**(base | {part: "x" * limit}))
    with pytest.raises(MajlisError) as caught:
        validate_draft(**(base | {part: "x" * (limit + 1)}))
    assert caught.value.key == f"share.too_long_{part}"
    assert caught.value.params == {"limit": limit, "length": limit + 1}


def test_tags_accept_keys_and_names_in_either_language():
    assert parse_tags("design, البرمجة، Marketing") == ["design", "programming", "marketing"]
    assert parse_tags("تصميم") == ["design"]  # without the article
    assert parse_tags("#Business") == ["business"]
    assert parse_tags("design, Design, التصميم") == ["design"]
    assert parse_tags("  ") == []


def test_an_unknown_tag_is_refused_by_name():
    with pytest.raises(MajlisError) as caught:
        validate_draft("t", "s", "l", "design, cooking")
    assert caught.value.key == "share.unknown_tag" and caught.value.params == {"tag": "cooking"}


def test_more_than_five_tags_is_refused():
    with pytest.raises(MajlisError) as caught:
        parse_tags("programming, design, writing, marketing, video, data")
    assert caught.value.key == "share.too_many_tags" and caught.value.params == {"limit": TAGS_MAX}


def test_the_profile_field_is_the_default_tag():
    assert post_fields(ShareDraft("t", "s", "l", ""), "design") == ["design"]
    assert post_fields(ShareDraft("t", "s", "l", "marketing"), "design") == ["marketing"]
    assert post_fields(ShareDraft("t", "s", "l", ""), None) == []


# --- the privacy check and masking ---------------------------------------------------------------------


def test_a_clean_draft_passes():
    report = check_draft(
        ShareDraft("Pricing a logo", "I raised my rates by 20%.", "Ask for a deposit."), ["Acme"]
    )
    assert report.clean and report.findings() == []


def test_findings_are_reported_per_part():
    draft = ShareDraft("Working with Acme", "Mail me at sara@acme-corp.com", "Nothing about them.")
    report = check_draft(draft, ["Acme"])
    assert not report.clean
    assert [(f.kind, f.text) for f in report.title] == [(FindingKind.CLIENT, "Acme")]
    assert [(f.kind, f.text) for f in report.story] == [(FindingKind.EMAIL, "sara@acme-corp.com")]
    assert report.lesson == ()


def test_masking_hides_every_finding_in_the_authors_language():
    draft = ShareDraft("Working with Acme", "Mail me at sara@acme-corp.com", "Acme paid late.")
    report = check_draft(draft, ["Acme"])
    english = mask_draft(draft, report, "en")
    assert english == ShareDraft("Working with [client]", "Mail me at [email]", "[client] paid late.")
    arabic = mask_draft(draft, report, "ar")
    assert arabic.title == "Working with [عميل]" and "[بريد]" in arabic.story
    assert check_draft(english, ["Acme"]).clean


def test_an_arabic_client_name_is_found_with_different_spelling_and_masked():
    draft = ShareDraft("تجربة", "عملت مع مؤسسة الأمل للتجارة وتأخّر الدفع", "اطلب دفعة مقدمة")
    report = check_draft(draft, ["مؤسسة الامل"])
    assert [f.kind for f in report.story] == [FindingKind.CLIENT]
    assert "الأمل" not in mask_draft(draft, report, "ar").story


def test_a_masked_title_stays_within_the_thread_name_limit():
    title = "ab " * 33  # 99 characters, each "ab" a client name the mask makes longer
    draft = ShareDraft(title.strip(), "s", "l")
    masked = mask_draft(draft, check_draft(draft, ["ab"]), "en")
    assert len(masked.title) <= TITLE_MAX and masked.title.startswith("[client]")


def test_findings_are_described_with_their_kind_and_text():
    draft = ShareDraft("t", "Call +966 50 123 4567 or see https://acme.example.com/brief", "l")
    text = describe_findings(check_draft(draft), "en")
    assert "Phone number" in text and "+966 50 123 4567" in text
    assert "Link" in text and "https://acme.example.com/brief" in text
    assert "رقم هاتف" in describe_findings(check_draft(draft), "ar")


def test_finding_choices_list_each_text_once_within_discords_limits():
    story = "x@y.com and X@Y.com " + " ".join(f"a{i}@b.com" for i in range(30)) + " " + "k" * 120 + ".com"
    choices = finding_choices(check_draft(ShareDraft("t", story, "l")), "en")
    assert len(choices) == 25
    assert len({c.value for c in choices}) == 25 and all(len(c.value) <= 100 for c in choices)
    assert choices[0].label == "E-mail address: x@y.com"
    assert all(len(c.label) <= 100 for c in choices)


def test_ignored_texts_are_left_out_in_any_spelling():
    draft = ShareDraft("t", "@lina_draws and lina@example.com", "l")
    report = check_draft(draft, ignored=["@Lina_Draws"])
    assert [f.text for f in report.findings()] == ["lina@example.com"]


@pytest.mark.parametrize(
    ("kind", "text", "name"),
    [
        (FindingKind.HANDLE, "@brightleaf_studio", "brightleaf_studio"),
        (FindingKind.URL, "https://shop.brightleaf.com.sa/ar/x", "brightleaf"),
        (FindingKind.EMAIL, "sara@brightpath.agency", "brightpath"),
        (FindingKind.PHONE, "0551234567", None),
        (FindingKind.CLIENT, "Acme", None),
    ],
)
def test_the_client_name_a_finding_points_at(kind, text, name):
    assert client_name_from(Finding(kind, 0, len(text), text)) == name


def test_a_long_list_of_findings_is_cut_with_a_count():
    story = " ".join(f"user{i}@mail.com" for i in range(20))
    text = describe_findings(check_draft(ShareDraft("t", story, "l")), "en", limit=15)
    assert text.count("user") == 15 and "5 more" in text


# --- the post as it goes to the forum ------------------------------------------------------------------


def test_a_post_credits_the_author_and_names_its_fields():
    post = compose_post(ShareDraft("My title", "The story.", "The lesson."), 42, ["design"], "en")
    assert post.thread_name == "My title"
    assert len(post.messages) == 1
    body = post.messages[0]
    assert "The story." in body and "The lesson." in body and "<@42>" in body and "Design" in body


def test_a_long_post_is_split_into_discord_sized_messages():
    story = ("word " * 390).strip()  # 1949 characters
    post = compose_post(ShareDraft("t", story, "x" * LESSON_MAX), 1, [], "ar")
    assert len(post.messages) == 2
    assert all(len(m) <= MESSAGE_MAX for m in post.messages)
    joined = " ".join(post.messages)
    assert joined.count("word") == 390 and "x" * LESSON_MAX in joined


@given(st.text(min_size=0, max_size=6000))
def test_split_message_keeps_every_non_space_character_within_the_limit(text):
    chunks = split_message(text, 300)
    assert all(1 <= len(c) <= 300 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


# --- forum tags -----------------------------------------------------------------------------------------


def test_tag_names_fit_discords_twenty_characters():
    for key in (
        "programming",
        "design",
        "writing",
        "marketing",
        "video",
        "data",
        "business",
        "teaching",
        "other",
    ):
        for lang in ("ar", "en"):
            name = tag_name_for(key, lang)
            assert 1 <= len(name) <= 20
            assert tag_matches_field(name, key)
    assert tag_name_for("business", "en") == "Business"
    assert tag_name_for("design", "ar") == "التصميم"


def test_existing_tags_match_fields_in_any_language():
    assert tag_matches_field("Design", "design")
    assert tag_matches_field("تصميم", "design")
    assert tag_matches_field("التصميم", "design")
    assert not tag_matches_field("Design", "marketing")
    assert not tag_matches_field("Random", "design")


# --- search text ---------------------------------------------------------------------------------------


def test_arabic_is_normalised_the_same_way_on_both_sides():
    docs = ["تجربتي مع الفاتورةِ المتأخّرة وأسعار التصميم", "something else entirely"]
    for query in ("فاتوره", "الفاتورة", "اسعار", "أسعار", "المتأخرة", "تصميم", "الفاتوره المتاخره"):
        assert _matches(fts_query(query), docs) == [0], query


def test_the_article_and_its_prefixes_are_dropped_but_short_words_kept():
    assert search_tokens("والتسعير بالعقد للعميل التسويق") == ["تسعير", "عقد", "عميل", "تسويق"]
    assert search_tokens("الم") == ["الم"]  # too short to be "ال" + a word
    assert search_tokens("Pricing, CONTRACTS!") == ["pricing", "contracts"]


def _matches(expression: str, documents: list[str]) -> list[int]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5 (body)")
    conn.executemany(
        "INSERT INTO f (rowid, body) VALUES (?, ?)", [(i, index_text(d)) for i, d in enumerate(documents)]
    )
    return [r[0] for r in conn.execute("SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid", (expression,))]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "price*",
        "a AND",
        "NOT pricing",
        "NEAR(a b)",
        "pricing OR",
        "(pricing",
        "col:pricing",
        "^pricing",
        "pricing -late",
        "'; DROP TABLE f; --",
        "{title}: x",
        "AND OR NOT",
    ],
)
def test_user_syntax_never_breaks_the_fts_query(query):
    expression = fts_query(query)
    if expression is None:
        return
    _matches(expression, ["pricing my work", "late payment", "and or not near"])


def test_fts_operators_in_a_query_are_plain_words():
    docs = ["pricing my work", "late payment", "pricing and late payment"]
    assert _matches(fts_query("pricing AND late"), docs) == [2]
    assert _matches(fts_query("NOT pricing"), docs) == []  # "not" is a word to find, not an operator
    assert _matches(fts_query("pric"), docs) == [0, 2]  # prefix
    assert _matches(fts_query("pricing late", any_term=True), docs) == [0, 1, 2]


def test_a_query_with_no_words_has_no_expression():
    assert fts_query("*** !!! ---") is None


@given(st.text(max_size=60))
def test_any_text_gives_a_valid_fts_expression(query):
    expression = fts_query(query)
    if expression is not None:
        _matches(expression, ["anything at all", "عميل جديد"])


def test_the_query_is_validated():
    assert validate_query("  تسعير  ") == "تسعير"
    for bad, key in (
        ("", "share.search_empty"),
        ("   ", "share.search_empty"),
        ("x" * (QUERY_MAX + 1), "share.search_too_long"),
        ("?!*", "share.search_no_terms"),
    ):
        with pytest.raises(MajlisError) as caught:
            validate_query(bad)
        assert caught.value.key == key
    assert validate_query("x" * QUERY_MAX)


def test_a_snippet_centres_on_the_match_and_bolds_it():
    text = "بداية طويلة " * 30 + "ثم تأخّرت الفاتورةُ شهرين كاملين " + "نهاية " * 30
    snippet = make_snippet(text, "فاتوره", width=120)
    assert "**الفاتورةُ**" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 160


def test_a_snippet_escapes_markdown_and_survives_no_match():
    snippet = make_snippet("use *bold* and `code` here", "nothing")
    assert "\\*bold\\*" in snippet and "\\`code\\`" in snippet
    assert make_snippet("Pricing_matters", "pricing").startswith("**")


@pytest.mark.parametrize(
    "story", ["a" + "#" * 993 + " HUGE HEADING", "- " * 661 + "z 1. first", "a" + "#" * 1400]
)
def test_a_long_post_is_cut_before_escaping_so_no_message_starts_with_live_markup(story):
    draft = ShareDraft(title="Pricing", story=story, lesson="Ask for a deposit first.")
    post = compose_post(draft, 1, ["design"], "en")
    assert len(post.messages) >= 2 and all(len(m) <= MESSAGE_MAX for m in post.messages)
    for message in post.messages:
        heading_free = plain(message).replace("**The story**", "").replace("**What I learned**", "")
        assert not re.search(r"^\s*(#|-#|>|[-*+]\s|\d+[.)])", heading_free, re.MULTILINE), message
