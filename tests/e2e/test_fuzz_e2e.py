"""End to end: hostile text through every text option and modal — RTL and zero-width marks, 10k-character
inputs, markdown, mention injection, SQL-looking text. The bot never crashes (the fixture fails on an
ERROR log or a refused request), never stores beyond its limits, and never pings anyone it should not.

Mentions are aimed at real targets: the ids of a member, a role that member holds and a channel of the
test guild (ids that exist nowhere can never ping, so they would let a loose default pass). Inputs come
from hypothesis (bounded, derandomised) and are all sent to one running bot per test."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cooldowns import RATES, Rate
from bot.sandbox import InvalidInteraction
from bot.share import LESSON_MAX, STORY_MAX, TAGS_TEXT_MAX, TITLE_MAX
from tests.e2e.test_swaps_e2e import confirm_all
from tests.markup import MENTION_PATTERNS, plain, shown_text, user_mentions

EXAMPLES = 25
# Placeholders for the test guild's real ids, filled in by `aim` once the guild exists.
VICTIM, ROLE, CHANNEL = "\x1bVICTIM\x1b", "\x1bROLE\x1b", "\x1bCHANNEL\x1b"
MENTIONS = [
    f"<@{VICTIM}>",
    f"<@!{VICTIM}>",
    f"<@&{ROLE}>",
    f"<#{CHANNEL}>",
    f"@everyone <@&{ROLE}> hi <@{VICTIM}>",
    f"[Verify here](https://evil.example/{VICTIM}) <@{VICTIM}>",
]
NASTY = [
    *MENTIONS,
    "@everyone",
    "@here",
    "<@&123>",
    "<@1>",
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
    st.sampled_from(MENTIONS),
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


class Targets:
    """A real member (the victim), a real role they hold and a real channel of the test guild."""

    def __init__(self, majlis) -> None:
        # Hundreds of inputs from one member: the cooldowns (tested on their own) would refuse most.
        majlis.bot.cooldowns.rates = {bucket: Rate(10_000, rate.per) for bucket, rate in RATES.items()}
        self.role = majlis.fake.create_role(majlis.guild, "designers")
        self.victim = majlis.fake.create_user("victim", global_name="Victim")
        majlis.fake.add_member(majlis.guild, self.victim, roles=[self.role])
        self.channel = majlis.channel

    def aim(self, text: str) -> str:
        """Point a hostile text's mentions at the real member, role and channel."""
        return (
            text.replace(VICTIM, str(self.victim.id))
            .replace(ROLE, str(self.role.id))
            .replace(CHANNEL, str(self.channel.id))
        )

    def inputs(self, count: int = EXAMPLES, size: int = 1) -> list[tuple[str, ...]]:
        """Draw hostile inputs, aimed at this guild's real ids."""
        return [tuple(self.aim(text) for text in drawn) for drawn in hostile_inputs(count, size)]


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


def assert_nobody_unintended_pinged(majlis, victim, *, may_ping=()):
    """No message the bot sent pinged @everyone, a role, or a member who was not its subject.

    Every message also named whom it may ping: no `parse` of users, roles or everyone, only listed members
    (so a looser default such as `AllowedMentions(everyone=False)` fails here even where escaping hides it).
    """
    bot_id = majlis.fake.bot_user.id
    messages = [m for m in majlis.fake.stored_messages.values() if m.author_id == bot_id]
    assert messages
    for message in messages:
        assert not message.mention_everyone, message.content[:200]
        assert message.mention_role_ids == [], message.content[:200]
        assert victim.id not in message.mention_user_ids, message.content[:200]
        assert set(message.mention_user_ids) <= set(may_ping), message.content[:200]
        # Shown as text, not even rendered as a mention: the member's words are escaped.
        shown = shown_text(message)
        assert victim.id not in user_mentions(shown), shown[:300]
        assert not MENTION_PATTERNS["role mention"].search(plain(shown)), shown[:300]
        allowed = message.allowed_mentions
        assert allowed is not None, message.content[:200]
        assert not allowed.get("parse") and not allowed.get("roles"), (allowed, message.content[:200])
        assert {int(u) for u in allowed.get("users", [])} <= set(may_ping), message.content[:200]


async def count(majlis, table):
    row = await majlis.bot.db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
    return row["n"]


async def longest(majlis, table, column):
    row = await majlis.bot.db.fetchone(f"SELECT MAX(length({column})) AS n FROM {table}")
    return row["n"] or 0


async def test_profile_options_survive_hostile_text(majlis):
    targets = Targets(majlis)
    victim = targets.victim
    fuzzer, partner = majlis.member("fuzzer"), majlis.member("partner")
    for about, skills, languages, timezone in targets.inputs(size=4):
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

    # The last words stay on the profile and reach an intro thread the victim is not in.
    hostile = targets.aim(MENTIONS[-1])
    await send(
        majlis, fuzzer, "profile set", about=hostile, skills=targets.aim(f"logo <@{VICTIM}>, <@&{ROLE}>")
    )
    intros = majlis.fake.create_text_channel(majlis.guild, "intros")
    await send(majlis, majlis.admin, "majlis intros", options={"channel": intros})
    for member in (fuzzer, partner):
        await send(majlis, member, "intros join")
    await send(majlis, majlis.admin, "majlis run", feature="intros")
    (thread,) = await majlis.fake.wait_for(lambda: majlis.fake.threads(intros))
    await majlis.fake.wait_for(lambda: any(m.embeds for m in majlis.fake.messages(thread)))
    assert victim.id not in thread.members
    assert_nobody_unintended_pinged(majlis, victim, may_ping={fuzzer.id, partner.id})


async def test_share_post_search_and_clients_survive_hostile_text(majlis):
    targets = Targets(majlis)
    victim = targets.victim
    fuzzer = majlis.member("fuzzer")
    forum = majlis.fake.create_forum_channel(majlis.guild, "experiences")
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(forum.id) is not None)
    await send(majlis, majlis.admin, "majlis share", forum=forum)
    for title, story, lesson, tags in targets.inputs(size=4):
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
    targets = Targets(majlis)
    victim = targets.victim
    fuzzer = majlis.member("fuzzer")
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    await send(majlis, majlis.admin, "majlis swaps", options={"channel": board})
    prompts = majlis.fake.create_text_channel(majlis.guild, "prompts")
    await send(majlis, majlis.admin, "majlis prompts", options={"channel": prompts})
    for offer, want, details in targets.inputs(size=3):
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
    queue = await send(majlis, majlis.admin, "majlis prompts-queue")
    suggestion = await majlis.bot.db.fetchone("SELECT id FROM prompt_suggestions ORDER BY id LIMIT 1")
    approved = await majlis.fake.click(
        queue.message, f"majlis:prompt:approve:{suggestion['id']}", user=majlis.admin
    )
    await approved.wait_done()
    await send(majlis, majlis.admin, "majlis run", feature="prompt")
    assert any(m.embeds for m in majlis.fake.messages(prompts))
    assert_nobody_unintended_pinged(majlis, victim)


async def test_help_threads_and_thank_you_notes_survive_hostile_text(majlis):
    targets = Targets(majlis)
    victim = targets.victim
    fuzzer, partner, helper = majlis.member("fuzzer"), majlis.member("partner"), majlis.member("helper")
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    await send(majlis, majlis.admin, "majlis swaps", options={"channel": board})
    skills = ["logo design", "wordpress development", "copywriting", "video editing", "seo", "translation"]
    notes = [targets.aim(text) for text in MENTIONS] + [texts[0] for texts in targets.inputs(count=4)[:4]]
    for number, note in enumerate(notes):
        give, want = skills[number % 6], skills[(number + 1) % 6]
        give = f"{give} <@{victim.id}>"  # a skill label that mentions the victim
        await send(majlis, fuzzer, "swap offer", offer=give, want=want, details=note[:500])
        request = await majlis.bot.db.fetchone(
            "SELECT id FROM swap_requests WHERE user_id = ? ORDER BY id DESC LIMIT 1", (fuzzer.id,)
        )
        post = next(
            m for m in majlis.fake.messages(board) if f"majlis:swaps:help:{request['id']}" in m.custom_ids()
        )
        pressed = await majlis.fake.click(post, f"majlis:swaps:help:{request['id']}", user=helper)
        await pressed.wait_done()
        await send(majlis, partner, "swap offer", offer=want, want=give)
        match = await majlis.bot.db.fetchone(
            "SELECT id, thread_id FROM swap_matches WHERE status = 'proposed' ORDER BY id DESC LIMIT 1"
        )
        if match is not None:
            thread = majlis.fake.channels[match["thread_id"]]
            await confirm_all(majlis, thread, match["id"], {fuzzer.id: fuzzer, partner.id: partner})
        await send(majlis, fuzzer, "swap done", id=request["id"], thanks=note[:300] or "x")
    assert await count(majlis, "swap_thanks") > 0 and await count(majlis, "swap_matches") > 0
    for thread in majlis.fake.threads(majlis.guild):
        assert victim.id not in thread.members
    assert_nobody_unintended_pinged(majlis, victim, may_ping={fuzzer.id, partner.id, helper.id})
