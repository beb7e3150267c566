"""End-to-end tests of the fake Discord with a throwaway discord.py bot."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from bot.sandbox import FakeDiscord, InvalidInteraction
from tests.sandbox.conftest import SPEC_PATH

pytestmark = pytest.mark.e2e


async def test_bot_logs_in_syncs_and_caches_the_guild(fake, world, bot):
    guild, alice, _, chan = world
    cached = bot.get_guild(guild.id)
    assert cached is not None and cached.get_member(alice.id) is not None
    assert cached.get_channel(chan.id).name == "intros"
    synced = {c["name"]: c for c in fake.commands()}
    assert {"profile", "slow", "panel", "story", "twice", "late", "dm"} <= set(synced)
    assert synced["profile"]["options"][0]["name"] == "set"
    paths = [(m, p) for m, p, _ in fake.requests]
    assert ("GET", "/users/@me") in paths and ("GET", "/gateway/bot") in paths


async def test_subcommand_with_options_answers_ephemerally(fake, world, bot):
    guild, alice, bob, chan = world
    it = await fake.invoke(
        guild, alice, "profile set", channel=chan, skills="logo", level="senior", years=7, member=bob
    )
    callback = await it.response()
    assert callback["type"] == 4
    assert it.content == f"skills=logo level=senior years=7 member={bob.id} tz=None"
    assert it.ephemeral
    assert fake.messages(chan) == []  # ephemeral replies are not in the channel's history


async def test_invoke_refuses_what_a_client_could_not_send(fake, world, bot):
    guild, alice, _, _ = world
    with pytest.raises(InvalidInteraction, match="choices"):
        await fake.invoke(guild, alice, "profile set", skills="x", level="expert")
    with pytest.raises(InvalidInteraction, match="outside"):
        await fake.invoke(guild, alice, "profile set", skills="x", years=61)
    with pytest.raises(InvalidInteraction, match="needs option"):
        await fake.invoke(guild, alice, "profile set")
    with pytest.raises(InvalidInteraction, match="no /nope"):
        await fake.invoke(guild, alice, "nope")


async def test_deferred_response_is_completed_by_the_followup(fake, world, bot):
    guild, alice, _, chan = world
    it = await fake.invoke(guild, alice, "slow", channel=chan)
    assert (await it.response())["type"] == 5
    final = await it.wait_done()
    assert final.content == "done" and not it.ephemeral
    assert [m.content for m in fake.messages(chan)] == ["done"]


async def test_button_click_reaches_the_view_and_edit_updates_the_message(fake, world, bot):
    guild, alice, _, chan = world
    it = await fake.invoke(guild, alice, "panel", channel=chan)
    await it.response()
    panel = it.message
    assert panel.custom_ids() == ["panel:hello", "panel:edit"]
    hello = await fake.click(panel, "panel:hello", user=alice)
    await hello.response()
    assert hello.content == "hello alice" and hello.ephemeral
    edit = await fake.click(panel, "panel:edit", user=alice)
    assert (await edit.response())["type"] == 7
    assert fake.messages(chan)[0].content == "edited" and fake.messages(chan)[0].components == []
    with pytest.raises(InvalidInteraction):
        await fake.click(panel, "panel:hello", user=alice)


async def test_modal_opens_and_submits(fake, world, bot):
    guild, alice, _, chan = world
    it = await fake.invoke(guild, alice, "story", channel=chan)
    assert (await it.response())["type"] == 9
    assert it.modal["title"] == "Share a story"
    submitted = await fake.submit_modal(it, {"title": "First client", "story": "It went well"})
    await submitted.response()
    assert submitted.content == "First client|It went well"
    with pytest.raises(InvalidInteraction, match="required"):
        await fake.submit_modal(it, {"title": "only a title"})


async def test_autocomplete_returns_the_bots_choices(fake, world, bot):
    guild, alice, _, _ = world
    choices = await fake.autocomplete(guild, alice, "profile set", "timezone", "Riy", skills="x")
    assert choices == [{"name": "Asia/Riyadh", "value": "Asia/Riyadh"}]


async def test_second_acknowledgement_is_refused_with_40060(fake, world, bot):
    guild, alice, _, chan = world
    it = await fake.invoke(guild, alice, "twice", channel=chan)
    await it.response()
    await fake.wait_for(lambda: bot.refusals)
    assert bot.refusals[0].code == 40060 and bot.refusals[0].status == 400
    assert [v.code for v in fake.violations] == [40060]
    fake.violations.clear()


async def test_acknowledgement_after_the_deadline_gets_10062(fake, world, bot):
    guild, alice, _, chan = world
    it = await fake.invoke(guild, alice, "late", channel=chan)
    fake.advance_time(3.5)
    bot.gate.set()
    await fake.wait_for(lambda: bot.refusals)
    assert isinstance(bot.refusals[0], discord.NotFound) and bot.refusals[0].code == 10062
    assert it.callback is None
    assert [v.code for v in fake.violations] == [10062]
    fake.violations.clear()


async def test_content_over_2000_characters_is_refused(fake, world, bot):
    _, _, _, chan = world
    with pytest.raises(discord.HTTPException) as refused:
        await bot.get_channel(chan.id).send("x" * 2001)
    assert refused.value.status == 400 and refused.value.code == 50035
    assert "content" in fake.violations[0].detail
    await bot.get_channel(chan.id).send("x" * 2000)
    assert len(fake.messages(chan)) == 1
    fake.violations.clear()


async def test_empty_message_and_embed_limits_are_refused(fake, world, bot):
    _, _, _, chan = world
    channel = bot.get_channel(chan.id)
    with pytest.raises(discord.HTTPException) as empty:
        await channel.send()
    assert empty.value.code == 50006
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send(embed=discord.Embed(description="d" * 4097))
    assert too_long.value.code == 50035
    assert "embeds" in str(fake.violations[-1].detail)
    assert fake.messages(chan) == []
    fake.violations.clear()


async def test_arabic_localisation_is_refused_at_sync(fake, world, bot):
    payload = [{"name": "majlis", "description": "Settings", "type": 1, "name_localizations": {"ar": "مجلس"}}]
    with pytest.raises(discord.HTTPException) as refused:
        await bot.http.bulk_upsert_global_commands(fake.application_id, payload=payload)
    assert refused.value.code == 50035
    assert "ar" in str(fake.violations[-1].detail)
    fake.violations.clear()


@pytest.mark.skipif(SPEC_PATH is None, reason="Discord OpenAPI spec not available")
async def test_openapi_validation_catches_a_wrong_type(fake, world):
    _, _, _, chan = world
    headers = {"Authorization": f"Bot {fake.bot_token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        url = f"{fake.url}/api/v10/channels/{chan.id}/messages"
        async with session.post(
            url, json={"content": "hi", "embeds": [{"title": 5}]}, headers=headers
        ) as resp:
            body = await resp.json()
            assert resp.status == 400 and body["code"] == 50035
        async with session.post(url, json={"content": "hi"}) as resp:
            assert resp.status == 401
    assert "embeds/0/title" in fake.violations[0].detail[0]
    assert fake.messages(chan) == []
    fake.violations.clear()


async def test_unknown_route_is_a_violation(fake, world, bot):
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/nowhere/{x}", x=1))
    assert fake.violations[0].path == "/nowhere/1"
    fake.violations.clear()


async def test_injected_429_is_absorbed_by_discord_py(fake, world, bot):
    _, _, _, chan = world
    fake.inject_error("POST", "/channels/*/messages", status=429, count=1, retry_after=0.01)
    await bot.get_channel(chan.id).send("after a rate limit")
    assert fake.served_429 == 1
    assert [m.content for m in fake.messages(chan)] == ["after a rate limit"]


async def test_route_buckets_slow_the_bot_down_without_errors(fake, world, bot):
    _, _, _, chan = world
    fake.rate_limiter.time_scale = 0.02  # a 5 s window lasts 0.1 s
    fake.enable_rate_limits()
    channel = bot.get_channel(chan.id)
    for i in range(8):
        await channel.send(f"m{i}")
    assert [m.content for m in fake.messages(chan)] == [f"m{i}" for i in range(8)]
    # discord.py read X-RateLimit-Remaining: 0 and waited for the window instead of earning 429s.
    assert fake.served_429 == 0
    assert fake.rate_limiter.rules[2].name == "message-create"


async def test_gateway_disconnect_resumes_and_keeps_working(fake, world, bot):
    guild, alice, _, chan = world
    await fake.disconnect_gateway()
    await fake.wait_for(lambda: fake.gateway.resumed >= 1)
    assert fake.gateway.identified == 1
    it = await fake.invoke(guild, alice, "slow", channel=chan)
    assert (await it.wait_done()).content == "done"


async def test_closed_dms_refuse_with_50007(fake, world, bot):
    guild, alice, bob, chan = world
    it = await fake.invoke(guild, alice, "dm", channel=chan, member=bob)
    await it.response()
    assert it.content == "closed 50007"
    open_dm = await fake.invoke(guild, bob, "dm", channel=chan, member=alice)
    await open_dm.response()
    assert [m.content for m in fake.dm_messages(alice)] == ["hi from the bot"]


async def test_threads_forum_posts_reactions_and_permissions(fake, world, bot):
    guild, alice, _, chan = world
    forum = fake.create_forum_channel(guild, "experiences", tags=["design", "code"])
    forum_channel = await fake.wait_for(lambda: bot.get_channel(forum.id))
    post = await forum_channel.create_thread(
        name="First client", content="my story", applied_tags=[forum_channel.available_tags[1]]
    )
    [stored_post] = fake.threads(forum)
    assert stored_post.applied_tags == [int(forum.available_tags[1]["id"])]
    assert [m.content for m in fake.messages(post.thread.id)] == ["my story"]
    await forum_channel.edit(available_tags=[*forum_channel.available_tags, discord.ForumTag(name="law")])
    assert [t["name"] for t in forum.available_tags] == ["design", "code", "law"]

    channel = bot.get_channel(chan.id)
    thread = await channel.create_thread(
        name="pair", type=discord.ChannelType.private_thread, invitable=False
    )
    await thread.add_user(discord.Object(alice.id))
    [stored] = fake.threads(chan)
    assert stored.type == 12 and not stored.invitable and alice.id in stored.members
    message = await channel.send("react to me", file=discord.File(__file__, filename="story.py"))
    await message.add_reaction("👍")
    stored_message = fake.messages(chan)[0]
    fake.add_reaction(stored_message, alice, "👍")
    assert stored_message.reaction("👍").count == 2
    assert stored_message.attachments[0].filename == "story.py" and stored_message.attachments[0].data
    fake.deny_bot(guild, "CREATE_PRIVATE_THREADS", channel=chan)
    await fake.wait_for(lambda: not channel.permissions_for(channel.guild.me).create_private_threads)
    with pytest.raises(discord.Forbidden) as refused:
        await bot.http.start_thread_without_message(chan.id, name="nope", auto_archive_duration=1440, type=12)
    assert refused.value.code == 50013
    assert fake.violations == []


async def test_guild_events_reach_the_bots_cache(fake, world, bot):
    guild, alice, _, _ = world
    carol = fake.create_user("carol")
    fake.add_member(guild, carol)
    cached = bot.get_guild(guild.id)
    await fake.wait_for(lambda: cached.get_member(carol.id))
    fake.remove_member(guild, alice)
    await fake.wait_for(lambda: cached.get_member(alice.id) is None)
    doomed = fake.create_text_channel(guild, "doomed")
    await fake.wait_for(lambda: cached.get_channel(doomed.id))
    fake.delete_channel(doomed)
    await fake.wait_for(lambda: cached.get_channel(doomed.id) is None)
    with pytest.raises(discord.NotFound) as gone:
        await bot.http.send_message(doomed.id, params=discord.http.handle_message_parameters(content="hi"))
    assert gone.value.code == 10003


async def test_command_hidden_from_members_without_permission(fake, world):
    guild, alice, _, _ = world
    fake.enforce_default_permissions = True
    fake.synced_commands[None] = [
        {
            "id": "1",
            "name": "admin",
            "type": 1,
            "description": "d",
            "options": [],
            "default_member_permissions": str(1 << 5),
        }
    ]
    with pytest.raises(InvalidInteraction, match="hidden"):
        await fake.invoke(guild, alice, "admin")
    manager = fake.create_user("manager")
    fake.add_member(guild, manager, manage_guild=True)
    it = await fake.invoke(guild, manager, "admin")
    assert it.type == 2


async def test_bot_joining_a_guild_later_fires_guild_join(fake, world, bot):
    joined = []

    async def on_guild_join(guild):
        joined.append(guild.id)

    bot.add_listener(on_guild_join)
    newcomers = fake.create_guild("Newcomers", with_bot=False)
    assert bot.get_guild(newcomers.id) is None
    await fake.add_bot_to_guild(newcomers)
    await fake.wait_for(lambda: joined)
    assert joined == [newcomers.id] and bot.get_guild(newcomers.id).system_channel.name == "general"


async def test_time_scale_and_deadline_are_configurable():
    fake = FakeDiscord(interaction_deadline=2.0, time_scale=0.5)
    assert fake.interaction_deadline * fake.time_scale == 1.0
    await fake.start()
    try:
        assert fake.url.startswith("http://127.0.0.1:")
    finally:
        await fake.stop()


async def test_a_ping_in_a_private_thread_adds_the_member_only_when_allowed(fake, world, bot):
    _, alice, bob, chan = world
    thread = await bot.get_channel(chan.id).create_thread(
        name="pair", type=discord.ChannelType.private_thread, invitable=False
    )
    await thread.add_user(discord.Object(alice.id))
    [stored] = fake.threads(chan)
    await thread.send(f"hi <@{alice.id}>, not <@{bob.id}>", allowed_mentions=discord.AllowedMentions.none())
    await thread.send(
        f"<@{bob.id}>", allowed_mentions=discord.AllowedMentions(users=[discord.Object(alice.id)])
    )
    assert bob.id not in stored.members
    assert [m.mention_user_ids for m in fake.messages(stored)] == [[], []]
    await thread.send(f"<@{bob.id}>", allowed_mentions=discord.AllowedMentions(users=True))
    assert fake.messages(stored)[-1].mention_user_ids == [bob.id]
    assert bob.id in stored.members  # a ping the bot allowed invited bob in
    assert fake.violations == []


async def test_role_and_everyone_pings_follow_allowed_mentions(fake, world, bot):
    guild, _, _, chan = world
    role = fake.create_role(guild, "designers")
    channel = bot.get_channel(chan.id)
    await channel.send(f"<@&{role.id}> @everyone", allowed_mentions=discord.AllowedMentions.none())
    await channel.send(f"<@&{role.id}> @everyone", allowed_mentions=discord.AllowedMentions(everyone=False))
    quiet, loud = fake.messages(chan)
    assert not quiet.mention_everyone and quiet.mention_role_ids == []
    assert not loud.mention_everyone and loud.mention_role_ids == [role.id]
