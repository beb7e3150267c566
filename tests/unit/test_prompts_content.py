"""The prompts feature's pure parts: checked text, schedules across DST, the digest's ranking, the builders."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import MajlisError
from bot.i18n import t
from bot.prompts import (
    Answer,
    check_prompt_text,
    digest_weekday,
    first_occurrences,
    guess_language,
    top_answers,
)
from bot.schedule import WeeklySchedule
from bot.storage.prompts import Suggestion
from cogs.prompts._content import (
    digest_embed,
    failure_text,
    post_footer,
    post_marker,
    prompt_embed,
    queue_embed,
    thread_name,
)
from cogs.prompts._views import queue_view

LONDON = ZoneInfo("Europe/London")
CAIRO = ZoneInfo("Africa/Cairo")


# -- suggestion text --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "short?", "ما رأيك؟"])
def test_too_short_prompts_are_refused(text):
    with pytest.raises(MajlisError) as caught:
        check_prompt_text(text)
    assert caught.value.key == "prompts.too_short"


def test_too_long_prompts_are_refused_with_their_length():
    with pytest.raises(MajlisError) as caught:
        check_prompt_text("x" * 301)
    assert caught.value.key == "prompts.too_long" and caught.value.params["length"] == 301
    assert check_prompt_text("x" * 300).text == "x" * 300


def test_spaces_are_tidied_and_the_key_ignores_case_and_arabic_spelling():
    checked = check_prompt_text("  How   do you   price\n\n a  logo?  ")
    assert checked.text == "How do you price\na logo?"
    assert checked.language == "en"
    assert (
        check_prompt_text("كيف تُسعّر الشعار يا أصدقاء؟").key
        == check_prompt_text("كيف تسعر الشعار يا اصدقاء").key
    )
    assert (
        check_prompt_text("HOW DO YOU PRICE A LOGO?").key == check_prompt_text("how do you price a logo").key
    )


def test_language_is_guessed_from_the_letters_unless_given():
    assert guess_language("كيف تجد عملاءك الأوائل عبر LinkedIn؟") == "ar"
    assert guess_language("Which tool do you use for invoices?") == "en"
    assert guess_language("12345 ???") == "en"
    assert check_prompt_text("Which tool do you use?", "ar").language == "ar"


# -- schedules ----------------------------------------------------------------------------------------


def test_the_digest_is_the_day_before_the_prompt():
    assert digest_weekday(6) == 5  # Sunday -> Saturday
    assert digest_weekday(0) == 6  # Monday -> Sunday
    assert [digest_weekday(d) for d in range(7)] == [6, 0, 1, 2, 3, 4, 5]


def test_first_digest_comes_six_days_after_the_first_prompt():
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    prompt, digest = first_occurrences(6, 10, ZoneInfo("Asia/Riyadh"), now)
    assert prompt == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # Sunday 10:00 in Riyadh (UTC+3)
    assert digest == prompt + timedelta(days=6)


@pytest.mark.parametrize(
    ("tz", "start"),
    [
        (LONDON, datetime(2026, 3, 20, tzinfo=UTC)),  # clocks go forward on 29 March 2026
        (LONDON, datetime(2026, 10, 15, tzinfo=UTC)),  # and back on 25 October 2026
        (CAIRO, datetime(2026, 4, 10, tzinfo=UTC)),  # Egypt's summer time starts the last Friday of April
    ],
)
def test_prompts_and_digests_stay_at_the_local_hour_across_a_dst_change(tz, start):
    prompts = WeeklySchedule(6, 10, tz)
    digests = WeeklySchedule(digest_weekday(6), 10, tz)
    moment, offsets = start, set()
    for _ in range(5):
        moment = prompts.next_after(moment)
        local = moment.astimezone(tz)
        assert (local.weekday(), local.hour, local.minute) == (6, 10, 0)
        offsets.add(local.utcoffset())
        digest = digests.next_after(moment - timedelta(days=7))
        assert digest < moment and digest.astimezone(tz).hour == 10
        assert digest.astimezone(tz).date() == local.date() - timedelta(days=1)
    assert len(offsets) == 2, "the five weeks cross a DST change"


def test_weekly_prompts_are_a_week_apart_in_utc_except_across_the_change():
    schedule = WeeklySchedule(6, 10, LONDON)
    before = schedule.next_after(datetime(2026, 3, 20, tzinfo=UTC))
    after = schedule.next_after(before)
    assert after - before == timedelta(days=7, hours=-1)  # the local hour lost on 29 March


# -- the digest's ranking --------------------------------------------------------------------------


def answer(message_id, reactions, author=1):
    return Answer(message_id, author, reactions, f"https://discord.com/channels/1/2/{message_id}")


def test_top_answers_are_the_most_reacted_with_earlier_answers_winning_ties():
    answers = [answer(1, 2), answer(2, 5), answer(3, 0), answer(4, 2), answer(5, 1)]
    assert [a.message_id for a in top_answers(answers)] == [2, 1, 4]
    assert [a.message_id for a in top_answers(answers, limit=5)] == [2, 1, 4, 5]


def test_answers_without_reactions_are_never_top():
    assert top_answers([answer(1, 0), answer(2, 0)]) == []


# -- builders ---------------------------------------------------------------------------------------


def test_thread_names_fit_discord_limit():
    assert thread_name("Which tool?") == "💬 Which tool?"
    long = thread_name("word " * 60)
    assert len(long) == 100 and long.endswith("…") and "\n" not in thread_name("a\nb")


def test_the_post_credits_the_author_without_text_mentions_and_marks_itself():
    embed = prompt_embed("en", "How do you say no?", 12, credited_user_id=77)
    assert embed.title == t("en", "prompts.post_title")
    assert "How do you say no?" in embed.description
    assert any(f.value == "<@77>" for f in embed.fields)
    assert embed.footer.text in post_marker(12).footers
    assert embed.footer.text not in post_marker(1).footers
    assert post_footer("ar", 12) in post_marker(12).footers
    uncredited = prompt_embed("ar", "سؤال", 3)
    assert not any("<@" in f.value for f in uncredited.fields)
    assert uncredited.title == t("ar", "prompts.post_title")


def test_the_digest_links_the_thread_the_top_answers_and_shared_threads():
    embed = digest_embed(
        "en",
        prompt_text="Which tool?",
        thread_url="https://discord.com/channels/1/500",
        answer_count=4,
        top=[answer(9, 3, author=42)],
        shared=[("https://discord.com/channels/1/700", "My first contract")],
    )
    assert "https://discord.com/channels/1/500" in embed.description and "(4)" in embed.description
    top, shared = embed.fields
    assert "<@42>" in top.value and "https://discord.com/channels/1/2/9" in top.value and "3" in top.value
    assert "My first contract" in shared.value and "https://discord.com/channels/1/700" in shared.value


def test_a_digest_of_shared_threads_only_has_no_question_line():
    embed = digest_embed(
        "ar",
        prompt_text=None,
        thread_url=None,
        answer_count=0,
        top=[],
        shared=[("https://discord.com/channels/1/7", "تجربتي")],
    )
    assert embed.description is None and len(embed.fields) == 1


def suggestion(sid):
    return Suggestion(
        sid,
        1,
        100 + sid,
        f"Prompt number {sid}?",
        "en",
        "member",
        "pending",
        datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_the_queue_page_has_a_row_of_buttons_per_suggestion_and_a_page_switcher():
    items = [suggestion(i) for i in (4, 5, 6, 7)]
    embed = queue_embed("en", items, 1, 3, 10)
    assert [f.name for f in embed.fields] == [t("en", "prompts.queue_item", number=i) for i in (4, 5, 6, 7)]
    assert "<@104>" in embed.fields[0].value and embed.footer.text == t(
        "en", "prompts.queue_page", page=2, pages=3
    )
    view = queue_view("en", items, 1, 3)
    ids = [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    assert ids[:2] == ["majlis:prompt:approve:4", "majlis:prompt:reject:4"]
    assert ids[-2:] == ["majlis:prompt:queue:0", "majlis:prompt:queue:2"]
    assert len(set(ids)) == len(ids) and max(item.row for item in view.children) <= 4
    assert view.timeout is None


def test_an_empty_queue_says_so_and_has_no_buttons():
    embed = queue_embed("ar", [], 0, 1, 0)
    assert embed.description == t("ar", "prompts.queue_empty")
    assert queue_view("ar", [], 0, 1) is None


def test_failures_are_explained_in_the_admin_language():
    assert failure_text("en", "missing:send_messages,embed_links") == t(
        "en", "prompts.failure.missing", permissions="Send Messages, Embed Links"
    )
    assert failure_text("ar", "channel_missing") == t("ar", "prompts.failure.channel_missing")
    assert failure_text("en", "thread_failed:500") == t("en", "prompts.failure.thread_failed")
    assert failure_text("en", "http:503") == t("en", "prompts.failure.http", detail="http:503")
