"""End to end: a member's words shown by the bot are data, never markup.

Each test puts real mentions (members and roles of the test guild), masked links and markdown into one
path where member text reaches Discord, and checks what people would see: nobody is pinged or pulled
into a private thread who should not be, and nothing renders as a link under the bot's name.
"""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import t
from bot.storage import swaps as swap_store
from tests.e2e.test_intros_e2e import run_round, setup_intros
from tests.e2e.test_prompts_e2e import say
from tests.e2e.test_share_e2e import setup_forum
from tests.e2e.test_share_e2e import submit as share_submit
from tests.e2e.test_swaps_e2e import confirm_all, direct_pair
from tests.markup import active_markup, assert_inert_member_text, shown_text

EVIL_LINK = "[Verify here](https://evil.example/x)"


def hostile(majlis, outsider, role) -> str:
    """Text that pings a real member and a real role, links, and restyles — if shown raw."""
    return f"<@{outsider.id}> <@&{role.id}> @everyone {EVIL_LINK} # big"


async def open_channel(majlis, feature, name):
    channel = majlis.fake.create_text_channel(majlis.guild, name)
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(channel.id) is not None)
    reply = await majlis.run(majlis.admin, f"majlis {feature}", options={"channel": channel})
    assert reply.ephemeral
    return channel


async def press(majlis, message, custom_id, user):
    interaction = await majlis.fake.click(message, custom_id, user=user)
    await interaction.wait_done()
    return interaction


def every_message(majlis):
    return list(majlis.fake.stored_messages.values())


async def test_swap_offer_want_and_details_never_ping_or_pull_anyone_into_the_help_thread(majlis):
    board = await open_channel(majlis, "swaps", "swaps")
    amal, helper, outsider = majlis.member("amal"), majlis.member("hadi"), majlis.member("outsider")
    role = majlis.fake.create_role(majlis.guild, "designers")
    await majlis.run(
        amal,
        "swap offer",
        offer=f"logo <@{outsider.id}>",
        want=f"seo <@&{role.id}>",
        details=hostile(majlis, outsider, role),
    )
    (request,) = await swap_store.list_requests(majlis.bot.db, majlis.guild.id)
    (post,) = majlis.fake.messages(board)
    assert_inert_member_text(post, may_mention={amal.id})
    assert "evil.example/x" in shown_text(post)  # the link is still there, as a visible URL

    opened = await press(majlis, post, f"majlis:swaps:help:{request.id}", helper)
    assert opened.ephemeral
    (thread,) = majlis.fake.threads(board)
    assert set(thread.members) == {majlis.fake.bot_user.id, amal.id, helper.id}  # not the outsider
    (intro,) = majlis.fake.messages(thread)
    assert_inert_member_text(intro, may_mention={amal.id, helper.id})
    assert {int(u) for u in intro.allowed_mentions["users"]} == {amal.id, helper.id}

    listed = await majlis.run(helper, "swap list")
    assert_inert_member_text(listed.message, may_mention={amal.id})
    for message in every_message(majlis):
        assert_inert_member_text(message, may_mention={amal.id, helper.id})


async def test_a_thank_you_note_pings_only_the_thanked_partner(majlis):
    board = await open_channel(majlis, "swaps", "swaps")
    outsider = majlis.member("outsider")
    role = majlis.fake.create_role(majlis.guild, "designers")
    amal, badr, mine, _, thread = await direct_pair(majlis, board)
    (match_id,) = [r["id"] for r in await majlis.bot.db.fetchall("SELECT id FROM swap_matches")]
    await confirm_all(majlis, thread, match_id, {amal.id: amal, badr.id: badr})
    note = f"<@{outsider.id}> <@{outsider.id}> <@&{role.id}> {EVIL_LINK}"
    reply = await majlis.run(amal, "swap done", id=mine.id, thanks=note)
    assert reply.ephemeral and reply.content == t(
        "ar", "swaps.done_thanked", id=mine.id, partners=f"<@{badr.id}>"
    )
    thanks = await majlis.fake.wait_for(
        lambda: next((m for m in majlis.fake.messages(thread) if "💐" in m.content), None)
    )
    assert thanks.mention_user_ids == [badr.id]
    assert outsider.id not in thread.members
    assert_inert_member_text(thanks, may_mention={amal.id, badr.id})
    assert active_markup(thanks.content.split(": ", 1)[1]) == []


async def test_profile_about_and_skills_are_literal_on_the_card_in_find_and_in_the_intro(majlis):
    channel, (amal, badr) = await setup_intros(majlis, 2)
    outsider = majlis.member("outsider")
    role = majlis.fake.create_role(majlis.guild, "designers")
    reply = await majlis.run(
        amal,
        "profile set",
        about=hostile(majlis, outsider, role),
        skills=f"logo <@{outsider.id}>, {EVIL_LINK}",
    )
    assert reply.ephemeral
    card = await majlis.run(badr, "profile show", member=amal)
    assert_inert_member_text(card.message)
    assert "evil.example/x" in shown_text(card.message)
    found = await majlis.run(badr, "profile find", skill="logo")
    assert_inert_member_text(found.message, may_mention={amal.id})

    await run_round(majlis)
    (thread,) = majlis.fake.threads(channel)
    assert set(thread.members) == {majlis.fake.bot_user.id, amal.id, badr.id}
    (intro,) = [m for m in majlis.fake.messages(thread) if m.embeds]
    assert "evil.example/x" in shown_text(intro)
    assert_inert_member_text(intro, may_mention={amal.id, badr.id})


async def test_a_suggested_prompt_is_literal_in_the_queue_the_weekly_post_and_the_digest(majlis):
    prompts = await open_channel(majlis, "prompts", "prompts")
    huda, reader, outsider = majlis.member("huda"), majlis.member("reader"), majlis.member("outsider")
    role = majlis.fake.create_role(majlis.guild, "designers")
    text = f"How do you price? {hostile(majlis, outsider, role)}"
    reply = await majlis.run(huda, "prompt suggest", text=text)
    assert reply.ephemeral
    (row,) = await majlis.bot.db.fetchall("SELECT id FROM prompt_suggestions")
    queue = await majlis.run(majlis.admin, "majlis prompts-queue")
    assert_inert_member_text(queue.message, may_mention={huda.id})
    await press(majlis, queue.message, f"majlis:prompt:approve:{row['id']}", majlis.admin)

    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    (post,) = [m for m in majlis.fake.messages(prompts) if m.embeds]
    assert_inert_member_text(post, may_mention={huda.id})
    assert "evil.example/x" in shown_text(post)
    (thread,) = majlis.fake.threads(prompts)
    answer = say(majlis, thread, reader, "An answer")
    majlis.fake.add_reaction(answer, huda, "🔥")
    majlis.clock.advance(timedelta(days=6))
    before = len(majlis.fake.messages(prompts))
    await majlis.run(majlis.admin, "majlis run", feature="digest")
    digest = majlis.fake.messages(prompts)[before]
    assert "evil.example/x" in shown_text(digest)
    assert_inert_member_text(digest, may_mention={reader.id})
    for message in every_message(majlis):
        assert outsider.id not in message.mention_user_ids and not message.mention_role_ids


async def test_a_shared_post_and_its_search_result_are_literal(majlis):
    forum = await setup_forum(majlis)
    amal, reader, outsider = majlis.member("amal"), majlis.member("reader"), majlis.member("outsider")
    role = majlis.fake.create_role(majlis.guild, "designers")
    words = f"<@{outsider.id}> <@&{role.id}> @everyone [Verify here](evil) # big **pricing**"
    submitted = await share_submit(
        majlis, amal, title=f"Pricing {words}"[:100], story=f"I charged too little. {words}", lesson=words
    )
    assert submitted.ephemeral
    (thread,) = majlis.fake.threads(forum)
    assert outsider.id not in thread.members
    assert "\\# big" in shown_text(majlis.fake.messages(thread)[0])  # a heading typed by a member stays text
    for message in majlis.fake.messages(thread):
        assert_inert_member_text(message, may_mention={amal.id})
    found = await majlis.run(reader, "share search", query="pricing")
    assert str(thread.id) in shown_text(found.message)
    assert_inert_member_text(found.message, may_mention={amal.id})


async def test_a_nickname_and_a_client_name_echoed_back_are_literal(majlis):
    """The 'no profile yet' answer and the 'name too long' refusal show member text as typed, never as markup."""
    viewer = majlis.member("viewer")
    sneaky = majlis.fake.create_user("sneaky", global_name="[x](https://evil.example) **big**")
    majlis.fake.add_member(majlis.guild, sneaky)
    await majlis.fake.wait_for(
        lambda: majlis.bot.get_guild(majlis.guild.id).get_member(sneaky.id) is not None
    )
    reply = await majlis.run(viewer, "profile show", member=sneaky)
    assert reply.ephemeral and active_markup(reply.content) == [], reply.content
    opened = await majlis.fake.invoke(majlis.guild, viewer, "privacy clients", channel=majlis.channel)
    await opened.response()
    refused = await majlis.fake.submit_modal(opened, {"majlis:privacy:clients": "**Acme** " + "x" * 200})
    await refused.wait_done()
    assert refused.ephemeral and active_markup(refused.content) == [], refused.content
