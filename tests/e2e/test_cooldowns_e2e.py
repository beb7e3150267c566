"""End to end: per-member cooldowns on every command that writes or fans out, on the bot's clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cooldowns import RATES, Rate, wait_text
from bot.i18n import t
from bot.storage import swaps as swap_store
from tests.e2e.test_intros_e2e import run_round, setup_intros


def cooldown_text(lang, seconds):
    return t(lang, "error.cooldown", wait=wait_text(lang, seconds))


async def use(majlis, user, command, options):
    """Invoke a command and wait for its final answer (a modal is an answer too)."""
    interaction = await majlis.fake.invoke(majlis.guild, user, command, channel=majlis.channel, **options)
    await interaction.response()
    if interaction.modal is None:
        await interaction.wait_done()
    return interaction


async def open_channel(majlis, feature, channel):
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(channel.id) is not None)
    option = "forum" if feature == "share" else "channel"
    reply = await majlis.run(majlis.admin, f"majlis {feature}", options={option: channel})
    assert reply.ephemeral


async def setup_for(majlis, command):
    """Configure what a command needs to succeed, and return a function giving its n-th options."""
    peer = majlis.member("peer")
    if command in ("share post", "share search"):
        await open_channel(majlis, "share", majlis.fake.create_forum_channel(majlis.guild, "experiences"))
    if command == "swap offer":
        await open_channel(majlis, "swaps", majlis.fake.create_text_channel(majlis.guild, "swaps"))
    if command == "prompt suggest":
        await open_channel(majlis, "prompts", majlis.fake.create_text_channel(majlis.guild, "prompts"))
    if command == "intros again":
        await open_channel(majlis, "intros", majlis.fake.create_text_channel(majlis.guild, "intros"))
    skills = ["logo design", "seo", "copywriting", "translation"]
    return {
        "share post": lambda n: {},
        "share search": lambda n: {"query": f"pricing {n}"},
        "swap offer": lambda n: {"offer": skills[n], "want": skills[n + 1]},
        "prompt suggest": lambda n: {"text": f"How do you find your clients, take {n}?"},
        "profile set": lambda n: {"about": f"about {n}"},
        "profile find": lambda n: {"skill": "logo design"},
        "intros again": lambda n: {"member": peer},
        "intros avoid": lambda n: {"member": peer},
        "privacy export": lambda n: {},
    }[command]


@pytest.mark.parametrize(
    ("command", "bucket"),
    [
        ("share post", "share.post"),
        ("share search", "share.search"),
        ("swap offer", "swap.offer"),
        ("prompt suggest", "prompt.suggest"),
        ("profile set", "profile.set"),
        ("profile find", "profile.find"),
        ("intros again", "intros.lists"),
        ("intros avoid", "intros.lists"),
        ("privacy export", "privacy.export"),
    ],
)
async def test_each_writing_or_searching_command_has_a_per_member_cooldown(majlis, command, bucket):
    options = await setup_for(majlis, command)
    majlis.bot.cooldowns.rates[bucket] = Rate(1, timedelta(minutes=1))
    salma, other = majlis.member("salma"), majlis.member("other")
    first = await use(majlis, salma, command, options(0))
    assert first.modal is not None or first.content != cooldown_text("ar", 60)
    second = await majlis.run(salma, command, **options(1))
    assert second.ephemeral and second.content == cooldown_text("ar", 60)
    elsewhere = await use(majlis, other, command, options(2))
    assert elsewhere.content != cooldown_text("ar", 60)  # another member is not held back
    majlis.clock.advance(timedelta(minutes=1))
    third = await use(majlis, salma, command, options(2))
    assert third.modal is not None or not (third.content or "").startswith(cooldown_text("ar", 1)[:6])


async def test_profile_set_allows_a_burst_then_says_how_long_to_wait_in_the_members_language(majlis):
    salma = majlis.member("salma")
    rate = RATES["profile.set"]
    await majlis.run(salma, "profile set", language="en")
    for n in range(rate.uses - 1):
        reply = await majlis.run(salma, "profile set", about=f"about {n}")
        assert reply.content != cooldown_text("en", rate.per.total_seconds())
    refused = await majlis.run(salma, "profile set", about="one too many")
    assert refused.ephemeral and refused.content == cooldown_text("en", rate.per.total_seconds())
    assert refused.content == "Easy — try again in 5 minutes."
    stored = await majlis.bot.db.fetchone("SELECT about FROM profiles WHERE user_id = ?", (salma.id,))
    assert stored["about"] == f"about {rate.uses - 2}"  # the refused change was not stored
    majlis.clock.advance(rate.per)
    accepted = await majlis.run(salma, "profile set", about="later")
    assert accepted.content != refused.content


async def test_refused_input_does_not_use_up_the_cooldown(majlis):
    salma = majlis.member("salma")
    majlis.bot.cooldowns.rates["profile.set"] = Rate(1, timedelta(minutes=5))
    bad = await majlis.run(salma, "profile set", timezone="Mars/Olympus")
    assert bad.ephemeral and "Mars" in bad.content
    good = await majlis.run(salma, "profile set", timezone="Asia/Riyadh")
    assert good.content != cooldown_text("ar", 300)


async def test_i_can_help_is_limited_per_member_and_opens_no_thread_when_refused(majlis):
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    await open_channel(majlis, "swaps", board)
    amal, badr, helper = majlis.member("amal"), majlis.member("badr"), majlis.member("hadi")
    skills = ["logo design", "seo", "copywriting", "translation", "video editing"]
    for author in (amal, badr):
        for n in range(3):
            await majlis.run(author, "swap offer", offer=skills[n], want=skills[n + 1])
    requests = await swap_store.list_requests(majlis.bot.db, majlis.guild.id)
    assert len(requests) == 6
    rate = RATES["swap.help"]
    replies = []
    for request in requests:
        post = next(
            m for m in majlis.fake.messages(board) if f"majlis:swaps:help:{request.id}" in m.custom_ids()
        )
        pressed = await majlis.fake.click(post, f"majlis:swaps:help:{request.id}", user=helper)
        await pressed.wait_done()
        replies.append(pressed.content)
    assert replies[-1] == cooldown_text("ar", rate.per.total_seconds())
    assert len(majlis.fake.threads(board)) == rate.uses == 5


async def test_admins_are_not_throttled_on_majlis_commands(majlis):
    for _ in range(25):
        reply = await majlis.run(majlis.admin, "majlis status")
        assert not (reply.content or "").startswith(cooldown_text("ar", 1)[:6])
    for group in majlis.bot.tree.get_commands():
        if group.name == "majlis":
            for command in group.walk_commands():
                assert not command.checks, command.qualified_name


async def test_the_meet_again_button_shares_the_intros_cooldown(majlis):
    channel, (amal, _) = await setup_intros(majlis, 2)
    await run_round(majlis)
    (thread,) = majlis.fake.threads(channel)
    (intro,) = [m for m in majlis.fake.messages(thread) if m.embeds]
    again = next(c for c in intro.custom_ids() if c.startswith("majlis:intros:again:"))
    majlis.bot.cooldowns.rates["intros.lists"] = Rate(1, timedelta(minutes=1))
    first = await majlis.fake.click(intro, again, user=amal)
    await first.wait_done()
    assert first.content != cooldown_text("ar", 60)
    second = await majlis.fake.click(intro, again, user=amal)
    await second.wait_done()
    assert second.ephemeral and second.content == cooldown_text("ar", 60)


async def test_the_meet_again_button_in_a_dm_intro_is_counted_too(majlis):
    _, (amal, _) = await setup_intros(majlis, 2, delivery="dm")
    await run_round(majlis)
    (intro,) = [m for m in majlis.fake.dm_messages(amal) if m.embeds]
    again = next(c for c in intro.custom_ids() if c.startswith("majlis:intros:again:"))
    majlis.bot.cooldowns.rates["intros.lists"] = Rate(1, timedelta(minutes=1))
    first = await majlis.fake.click(intro, again, user=amal)
    await first.wait_done()
    assert first.content != cooldown_text("ar", 60)
    second = await majlis.fake.click(intro, again, user=amal)
    await second.wait_done()
    assert second.ephemeral and second.content == cooldown_text("ar", 60)
    # The same bucket as the guild's commands: /intros again is held back as well.
    third = await majlis.run(amal, "intros again", member=majlis.member("peer"))
    assert third.content == cooldown_text("ar", 60)
