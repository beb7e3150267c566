"""Intros without Discord: eligibility, round inputs, the intro embed, the pacer, stats and the chart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import intros as logic
from bot.charts import shape, stats_chart
from bot.i18n import t
from bot.matching import Reason
from bot.pacer import PRUNE_EVERY, Limit, Pacer
from bot.storage.profiles import Profile

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def member(uid, *, opted_in=True, paused_until=None, priority=False):
    return logic.IntroMember(uid, opted_in, paused_until, priority)


# --- eligibility -----------------------------------------------------------------------------


def test_eligible_members_are_opted_in_unpaused_and_present():
    members = [
        member(1),
        member(2, opted_in=False),
        member(3, paused_until=NOW + timedelta(days=1)),
        member(4, paused_until=NOW - timedelta(seconds=1)),  # the pause ended by itself
        member(5),  # left the guild
        member(6),  # not in the member cache
    ]
    result = logic.select_eligible(members, NOW, departed={5}, present={1, 3, 4, 5})
    assert result.eligible == (1, 4)
    assert result.excluded == {3: "paused", 5: "departed", 6: "absent"}


def test_unknown_presence_trusts_the_store():
    result = logic.select_eligible([member(1), member(2)], NOW, departed={2}, present=None)
    assert result.eligible == (1,)


@pytest.mark.parametrize("weeks", [0, 13, -1])
def test_pause_out_of_range_is_refused(weeks):
    with pytest.raises(ValueError):
        logic.pause_until(NOW, weeks)


def test_pause_ends_after_the_weeks():
    assert logic.pause_until(NOW, 3) == NOW + timedelta(weeks=3)


# --- round inputs --------------------------------------------------------------------------


def test_recent_pairs_count_rounds_ago_from_the_newest():
    rounds = [[(1, 2), (3, 4, 5)], [(1, 3)], [(1, 2)]]
    pairs = logic.recent_pairs(rounds)
    assert pairs[frozenset((1, 2))] == 1
    assert pairs[frozenset((4, 5))] == 1
    assert pairs[frozenset((1, 3))] == 2
    assert frozenset((2, 3)) not in pairs


def test_again_pairs_need_both_sides_and_avoid_pairs_one():
    requests = [(1, 2), (2, 1), (3, 4)]
    assert logic.mutual_pairs(requests) == frozenset({frozenset((1, 2))})
    assert logic.any_pairs(requests) == frozenset({frozenset((1, 2)), frozenset((3, 4))})


def test_stood_up_members_go_first():
    groups = [
        {1: "couldnt", 2: "met"},  # 1 said the partner did not show
        {3: "met", 4: None},  # 3 answered, the partner never did
        {5: None, 6: None},  # nobody answered: no signal
        {7: "met", 8: "met"},
    ]
    assert logic.stood_up(groups) == {1, 3}


def test_round_seed_is_stable_and_per_occurrence():
    assert logic.round_seed(1, NOW) == logic.round_seed(1, NOW)
    assert logic.round_seed(1, NOW) != logic.round_seed(1, NOW + timedelta(weeks=1))
    assert logic.round_seed(1, NOW) != logic.round_seed(2, NOW)


def test_checkin_is_half_the_cadence_later():
    assert logic.checkin_time(NOW, 1) == NOW + timedelta(days=3, hours=12)
    assert logic.checkin_time(NOW, 4) == NOW + timedelta(weeks=2)


def test_icebreakers_differ_within_a_round_and_skip_recent_ones():
    ids = [f"ib-{i}" for i in range(10)]
    picked = logic.pick_icebreakers(ids, ["ib-0", "ib-1"], 5, seed=7)
    assert len(set(picked)) == 5
    assert not {"ib-0", "ib-1"} & set(picked)


def test_thread_names_are_deterministic_and_within_discord_limits():
    assert logic.thread_name(12, 2, "en") == logic.thread_name(12, 2, "en")
    assert logic.thread_name(12, 2, "en") != logic.thread_name(12, 3, "en")
    assert len(logic.thread_name(10**15, 10**6, "ar")) <= 100


# --- the intro message ---------------------------------------------------------------------


def profile(uid, **kw):
    return Profile(guild_id=1, user_id=uid, **kw)


def test_local_window_shifts_into_each_members_time():
    assert logic.local_window(("06:00", "14:00"), 180) == ("09:00", "17:00")
    assert logic.local_window(("22:00", "02:00"), 60) == ("23:00", "03:00")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_intro_embed_shows_each_member_reasons_window_and_icebreaker(lang):
    members = [
        logic.GroupMember(
            11,
            "Salma",
            profile(
                11, field="design", timezone="Asia/Riyadh", skills=("logo-design",), about="Brand designer"
            ),
        ),
        logic.GroupMember(12, "Omar", profile(12, field="design", timezone="Africa/Cairo")),
    ]
    reasons = (Reason("same_field", ("design",)), Reason("overlapping_hours", ("07:00", "14:00")))
    embed = logic.intro_embed(members, reasons, "Icebreaker?", lang=lang, now=NOW, round_id=3, position=0)
    names = [f["name"] for f in embed["fields"]]
    assert "Salma" in names[0] and "Omar" in names[1]
    assert "Brand designer" in embed["fields"][0]["value"]
    assert t(lang, "intros.shared") in names and t(lang, "intros.window") in names
    window = next(f["value"] for f in embed["fields"] if f["name"] == t(lang, "intros.window"))
    assert "10:00" in window and "<@11>" in window  # Riyadh is UTC+3
    assert "09:00" in window  # Cairo is UTC+2 in March
    assert embed["fields"][-1]["value"] == "Icebreaker?"
    assert embed["footer"]["text"] == logic.group_marker(3, 0, lang)
    assert embed["title"] == t(lang, "intros.title")


def test_intro_embed_without_profiles_says_not_set():
    embed = logic.intro_embed(
        [logic.GroupMember(1, "A", None), logic.GroupMember(2, "B", None)],
        (),
        None,
        lang="en",
        now=NOW,
        round_id=1,
        position=0,
    )
    assert t("en", "intros.unset") in embed["fields"][0]["value"]
    assert len(embed["fields"]) == 2


def test_mentions_name_exactly_the_group():
    line = logic.mention_line([1, 2, 3], "en")
    assert "<@1>" in line and "<@3>" in line
    dm = logic.dm_intro_content(2, [1, 2, 3], "ar")
    assert "<@1>" in dm and "<@3>" in dm and "<@2>" not in dm


# --- stats ---------------------------------------------------------------------------------


def summary(i, groups, met, answered, repeats):
    return logic.RoundSummary(i, NOW + timedelta(weeks=i), groups, met, answered, repeats, groups * 2)


def test_summarize_rates():
    stats = logic.summarize([summary(1, 10, 4, 8, 1), summary(0, 10, 2, 2, 0)], never_matched=3)
    assert stats.intros_made == 20
    assert stats.met_rate == pytest.approx(0.6)
    assert stats.repeat_rate == pytest.approx(0.05)
    assert [r.round_id for r in stats.rounds] == [0, 1]
    assert logic.percent(stats.met_rate) == "60%"
    assert logic.percent(logic.summarize([], 0).met_rate) == "—"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_chart_is_a_png(lang):
    png = stats_chart(logic.summarize([summary(i, 5 + i, i, 5, 0) for i in range(4)], 1), lang, 8)
    assert png.startswith(b"\x89PNG")
    assert len(png) > 5000


def _render(text: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 1), dpi=60)
    canvas = FigureCanvasAgg(figure)
    figure.text(0.05, 0.4, text, family="DejaVu Sans", fontsize=18)
    canvas.draw()
    return bytes(canvas.buffer_rgba())


def test_the_chart_draws_arabic_joined_and_right_to_left():
    import arabic_reshaper
    from bidi import get_display

    word = "التعارف في آخر 8 أسابيع"
    joined = arabic_reshaper.reshape(word)  # presentation forms, in logical order
    drawn = _render(shape(word))
    # What the chart draws is the joined letter forms laid out right to left...
    assert drawn == _render(joined)
    # ...not reversed a second time, and never isolated letters.
    assert drawn != _render(get_display(joined))
    assert drawn != _render(" ".join(word))
    assert shape("Intros 8") == "Intros 8"


# --- the pacer -----------------------------------------------------------------------------


class FakeTime:
    """A monotonic clock that sleeping moves forward, so pacing is tested without waiting."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    async def sleep(self, seconds):
        self.now += seconds


def paced(limits, clock):
    return Pacer(limits, margin=0.0, clock=clock, sleep=clock.sleep)


def test_pacer_allows_a_burst_then_waits_a_whole_window():
    clock = FakeTime()
    pacer = paced({"global": Limit(100, 1.0), "thread_create": Limit(3, 10.0)}, clock)

    async def scenario():
        times = []
        for _ in range(7):
            await pacer.acquire("thread_create:1")
            times.append(clock.now)
        await pacer.acquire("thread_create:2")  # another guild's bucket is not held up
        return times

    times = asyncio.run(scenario())
    assert times == [0, 0, 0, 10, 10, 10, 20]
    assert clock.now == 20


def test_pacer_scales_time():
    clock = FakeTime()
    pacer = Pacer(
        {"global": Limit(100, 1.0), "b": Limit(1, 300.0)},
        margin=0.0,
        clock=clock,
        sleep=clock.sleep,
        time_scale=0.001,
    )

    async def scenario():
        await pacer.acquire("b")
        await pacer.acquire("b")

    asyncio.run(scenario())
    assert clock.now == pytest.approx(0.3)


@given(st.lists(st.floats(min_value=0, max_value=0.05), min_size=1, max_size=40))
def test_paced_requests_never_exceed_a_limit_in_any_window(gaps):
    clock = FakeTime()
    pacer = paced({"global": Limit(1000, 1.0), "bucket": Limit(4, 0.1)}, clock)

    async def scenario():
        times = []
        for gap in gaps:
            clock.now += gap
            await pacer.acquire("bucket")
            times.append(clock.now)
        return times

    times = asyncio.run(scenario())
    for i, start in enumerate(times):
        assert len([x for x in times[i:] if x < start + 0.1 - 1e-9]) <= 4


# --- the intro embed within Discord's limits ---------------------------------------------------


def _longest_member(uid):
    # 15 skills of 50 characters, a 300-character Arabic about, a 32-character name: the longest allowed.
    skills = tuple(f"مهارة طويلة جدا في التصميم والبرمجة والكتابة رقم{n:02d}"[:50] for n in range(15))
    about = ("أعمل مستقلًا في تصميم الهويات البصرية منذ عشر سنوات، " * 10)[:300]
    profile = Profile(
        guild_id=1,
        user_id=uid,
        field="design",
        timezone="Asia/Riyadh",
        languages=("ar", "en"),
        about=about,
        skills=skills,
    )
    return logic.GroupMember(uid, "ن" * 32, profile)


@pytest.mark.parametrize("size", [5, 7])
def test_the_longest_groups_still_fit_one_embed(size):
    # Five is the largest real group (four plus an odd member); seven forces the details to shrink.
    members = [_longest_member(uid) for uid in range(1, size + 1)]
    skills = members[0].profile.skills
    reasons = [
        Reason("same_field", ("design",)),
        Reason("shared_skills", skills[:6]),
        Reason("complementary_skills", skills[6:12]),
        Reason("shared_language", ("ar", "en")),
        Reason("overlapping_hours", ("06:00", "14:00")),
        Reason("again", ()),
    ]
    for lang in ("ar", "en"):
        embed = logic.intro_embed(members, reasons, "س" * 400, lang=lang, now=NOW, round_id=12, position=3)
        assert logic.embed_size(embed) <= logic.EMBED_TOTAL_MAX
        assert embed["color"] == logic.INTRO_COLOUR
        # Every member is still introduced, with the shared reasons and the icebreaker.
        assert sum(1 for f in embed["fields"] if f["name"].strip("\u2068\u2069") == "ن" * 32) == size
        assert any(f["name"] == t(lang, "intros.icebreaker") for f in embed["fields"])


def test_a_short_group_keeps_every_detail():
    member_ = _longest_member(1)
    embed = logic.intro_embed(
        [member_, _longest_member(2)], [], None, lang="ar", now=NOW, round_id=1, position=0
    )
    assert member_.profile.about in embed["fields"][0]["value"]


def test_pacer_drops_the_buckets_of_channels_it_no_longer_writes_to():
    clock = FakeTime()
    pacer = paced({"global": Limit(10_000, 1.0), "channel_message": Limit(5, 5.0)}, clock)

    async def scenario():
        for channel in range(1_000):  # one message to each of a thousand channels, over time
            await pacer.acquire(f"channel_message:{channel}")
            await clock.sleep(0.1)

    asyncio.run(scenario())
    # Only the channels written to within the last window (5 s = 50 sends) can still be held back.
    assert len(pacer) <= 50 + PRUNE_EVERY
