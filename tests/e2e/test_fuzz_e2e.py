"""End to end: hostile text through every text option and modal — RTL and zero-width marks, 10k-character
inputs, markdown, mention injection, SQL-looking text. The bot never crashes (the fixture fails on an
ERROR log or a refused request), never stores beyond its limits, and never pings anyone it should not.

Inputs come from hypothesis (bounded, derandomised) and are all sent to one running bot per test."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox import InvalidInteraction
from bot.share import LESSON_MAX, STORY_MAX, TAGS_TEXT_MAX, TITLE_MAX

EXAMPLES = 25
NASTY = [
    "@everyone",
    "@here",
    "<@&123>",
    "<@1>",
    "<@!1>",
    "<#1>",
    "@everyone <@&1> hi",
    "\u200f\u202eevil\u202c\u200e",
    "\u200b\u200c\u200d\u2060\ufeff",
    "\u2066عربي\u2069 mixed",
    "'; DROP TABLE profiles; --",
    '" OR 1=1 --',
    'NEAR(a b) AND * OR "',
    "**bold** __u__ ||spoiler|| `code` > quote",
    "```\ncode block\n```",
    "[link](https://example.com)",
    "x" * 10_000,
    "ﷺ" * 3000,
    "\n\n\n",
    " ",
    "-",
    "😀" * 500,
    "%s %d {0} {name}",
    "\x00\x01",
    "ـــــــ",
    "a,b,,,;,c",
    "UTC+99",
    "Mars/Olympus",
]
_pieces = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200),
    st.text(alphabet="\u200b\u200f\u202e\u2066@<>&#*_`|~-,:;'\"ابةىءـ ", max_size=80),
)
HOSTILE = st.lists(_pieces, min_size=1, max_size=4).map("".join)


def hostile_inputs(count: int = EXAMPLES, size: int = 1) -> list[tuple[str, ...]]:
    """Draw `count` tuples of hostile strings with hypothesis (reproducible, no shrinking needed)."""
    drawn: list[tuple[str, ...]] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.tuples(*[HOSTILE] * size))
    def collect(values: tuple[str, ...]) -> None:
        drawn.append(values)

    collect()
    # The named nasties always go through, whatever hypothesis drew.
    drawn += [tuple(NASTY[(i + j) % len(NASTY)] for j in range(size)) for i in range(len(NASTY))]
    return drawn


async def send(majlis, user, command, **options):
    """Invoke a command and wait for the answer; input Discord itself would refuse is skipped."""
    try:
        interaction = await majlis.fake.invoke(majlis.guild, user, command, channel=majlis.channel, **options)
    except InvalidInteraction:
        return None
    await interaction.wait_done()
    return interaction


async def submit(majlis, user, command, values):
    """Open a command's modal and submit it; values Discord would refuse are skipped."""
    opened = await majlis.fake.invoke(majlis.guild, user, command, channel=majlis.channel)
    await opened.response()
    if opened.modal is None:
        return opened
    try:
        submitted = await majlis.fake.submit_modal(opened, values)
    except InvalidInteraction:
        return None
    await submitted.wait_done()
    return submitted


def assert_nobody_unintended_pinged(majlis, victim):
    """No message the bot sent pinged @everyone, a role, or a member who was not its subject."""
    messages = list(majlis.fake.stored_messages.values())
    assert messages
    for message in messages:
        assert not message.mention_everyone, message.content[:200]
        assert message.mention_role_ids == [], message.content[:200]
        assert victim.id not in message.mention_user_ids, message.content[:200]


async def count(majlis, table):
    row = await majlis.bot.db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
    return row["n"]


async def longest(majlis, table, column):
    row = await majlis.bot.db.fetchone(f"SELECT MAX(length({column})) AS n FROM {table}")
    return row["n"] or 0


async def test_profile_options_survive_hostile_text(majlis):
    victim = majlis.member("victim")
    fuzzer = majlis.member("fuzzer")
    for about, skills, languages, timezone in hostile_inputs(size=4):
        for options in (
            {"about": about},
            {"skills": skills},
            {"languages": languages},
            {"timezone": timezone},
        ):
            reply = await send(majlis, fuzzer, "profile set", **options)
            assert reply is None or reply.ephemeral
        await send(majlis, fuzzer, "profile find", skill=skills[:100])
        await send(majlis, victim, "profile show", member=fuzzer)
    assert await count(majlis, "profiles") == 1  # the fuzz really reached the store
    assert await longest(majlis, "profiles", "about") <= 300
    assert await longest(majlis, "member_skills", "skill_key") <= 50
    assert await longest(majlis, "profiles", "timezone") <= 64
    row = await majlis.bot.db.fetchone("SELECT languages FROM profiles WHERE user_id = ?", (fuzzer.id,))
    assert row is None or len(row["languages"]) <= 200
    assert_nobody_unintended_pinged(majlis, victim)


async def test_share_post_search_and_clients_survive_hostile_text(majlis):
    victim = majlis.member("victim")
    fuzzer = majlis.member("fuzzer")
    forum = majlis.fake.create_forum_channel(majlis.guild, "experiences")
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(forum.id) is not None)
    await send(majlis, majlis.admin, "majlis share", forum=forum)
    for title, story, lesson, tags in hostile_inputs(size=4):
        # Cut to the modal's limits, as Discord's client does; the bot's own checks get the rest.
        values = {
            "majlis:share:title": title[:TITLE_MAX] or "t",
            "majlis:share:story": story[:STORY_MAX] or "s",
            "majlis:share:lesson": lesson[:LESSON_MAX] or "l",
            "majlis:share:tags": tags[:TAGS_TEXT_MAX],
        }
        await submit(majlis, fuzzer, "share post", values)
        await send(majlis, victim, "share search", query=title[:200] or "x")
        await submit(majlis, fuzzer, "privacy clients", {"majlis:privacy:clients": story[:4000]})
    assert await count(majlis, "shared_posts") + await count(majlis, "share_drafts") > 0
    assert await longest(majlis, "shared_posts", "title") <= 100
    assert await longest(majlis, "client_names", "name") <= 80
    assert 0 < await count(majlis, "client_names") <= 100
    assert_nobody_unintended_pinged(majlis, victim)


async def test_swaps_and_prompt_suggestions_survive_hostile_text(majlis):
    victim = majlis.member("victim")
    fuzzer = majlis.member("fuzzer")
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    await send(majlis, majlis.admin, "majlis swaps", options={"channel": board})
    prompts = majlis.fake.create_text_channel(majlis.guild, "prompts")
    await send(majlis, majlis.admin, "majlis prompts", options={"channel": prompts})
    for offer, want, details in hostile_inputs(size=3):
        await send(majlis, fuzzer, "swap offer", offer=offer[:100], want=want[:100], details=details[:500])
        await send(majlis, victim, "swap list", skill=offer[:100])
        await send(majlis, fuzzer, "prompt suggest", text=details[:300])
        await majlis.fake.autocomplete(majlis.guild, fuzzer, "swap offer", "offer", offer[:100])
    assert await count(majlis, "swap_requests") > 0 and await count(majlis, "prompt_suggestions") > 0
    assert await longest(majlis, "swap_requests", "details") <= 500
    assert await longest(majlis, "swap_requests", "offer_key") <= 100
    assert await longest(majlis, "prompt_suggestions", "text") <= 300
    await send(majlis, fuzzer, "swap mine")
    await send(majlis, fuzzer, "privacy export")
    assert_nobody_unintended_pinged(majlis, victim)
