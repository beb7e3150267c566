"""End to end: the real bot against the fake Discord — languages, admin checks, status, help."""

from __future__ import annotations

from bot.i18n import t
from bot.storage import guilds as guild_store


async def test_help_answers_in_arabic_after_the_guild_language_is_set(majlis):
    member = majlis.member("salma")
    english = await majlis.run(majlis.admin, "majlis language", language="en")
    assert english.ephemeral and "English" in english.content
    reply = await majlis.run(member, "help")
    assert reply.ephemeral and reply.embeds[0]["title"] == t("en", "help.title")

    await majlis.run(majlis.admin, "majlis language", language="ar")
    reply = await majlis.run(member, "help")
    assert reply.embeds[0]["title"] == t("ar", "help.title")


async def test_the_language_survives_a_restart(majlis):
    member = majlis.member("omar")
    await majlis.run(majlis.admin, "majlis language", language="en")
    await majlis.restart()
    reply = await majlis.run(member, "help")
    assert reply.embeds[0]["title"] == t("en", "help.title")


async def test_a_member_without_manage_server_is_refused_and_nothing_changes(majlis):
    member = majlis.member("hacker")
    # Discord hides /majlis from this member by default; a server's Integrations settings can show it
    # to everyone, and then only the run-time check stands between them and the settings.
    majlis.fake.enforce_default_permissions = False
    reply = await majlis.run(member, "majlis language", language="en")
    assert reply.ephemeral
    assert reply.content == t("ar", "error.missing_permission")
    settings = await guild_store.get_guild(majlis.bot.db, majlis.guild.id)
    assert settings is None or settings.language == "ar"


async def test_commands_are_synced_with_manage_server_default_and_no_arabic_localisation(majlis):
    synced = {c["name"]: c for c in majlis.fake.commands()}
    assert {"help", "majlis"} <= set(synced)
    assert int(synced["majlis"]["default_member_permissions"]) == 1 << 5  # Manage Server
    assert synced["majlis"].get("contexts") == [0] or synced["majlis"].get("dm_permission") is False
    assert synced["help"].get("default_member_permissions") is None


async def test_status_shows_language_and_unconfigured_features(majlis):
    reply = await majlis.run(majlis.admin, "majlis status")
    assert reply.callback_type == 5 and reply.ephemeral  # deferred privately before reading every feature
    embed = reply.embeds[0]
    assert embed["title"] == t("ar", "status.title")
    text = str(embed["fields"])
    # The zone by its Arabic name: UTC is "التوقيت العالمي" to an Arabic reader.
    assert "التوقيت العالمي" in text and t("ar", "status.not_configured") in text


async def test_disable_an_unconfigured_feature_says_so(majlis):
    reply = await majlis.run(majlis.admin, "majlis disable", feature="swaps")
    assert reply.ephemeral and reply.content == t(
        "ar", "admin.not_configured", feature=t("ar", "feature.swaps")
    )


async def test_a_member_own_language_overrides_the_guild(majlis):
    member = majlis.member("lina")
    await guild_store.set_member_language(majlis.bot.db, majlis.guild.id, member.id, "en")
    reply = await majlis.run(member, "help")
    assert reply.embeds[0]["title"] == t("en", "help.title")


async def test_the_bot_welcomes_a_new_guild_in_both_languages(majlis):
    guild = majlis.fake.create_guild("New freelancers", with_bot=False)
    await majlis.fake.add_bot_to_guild(guild)
    await majlis.fake.wait_for(lambda: any(m.content for m in majlis.fake.messages(guild.system_channel)))
    welcome = majlis.fake.messages(guild.system_channel)[0].content
    assert t("ar", "welcome") in welcome and t("en", "welcome") in welcome
    # Claimed before sending, so a re-join (or a restart) never welcomes twice.
    assert (await guild_store.get_guild(majlis.bot.db, guild.id)).welcomed


async def test_disable_stops_the_schedule_says_when_already_off_and_setup_turns_it_back_on(majlis):
    channel = majlis.fake.create_text_channel(majlis.guild, "intros")
    await majlis.run(majlis.admin, "majlis intros", options={"channel": channel})
    assert majlis.bot.scheduler.next_run(majlis.guild.id, "intros") is not None
    reply = await majlis.run(majlis.admin, "majlis disable", feature="intros")
    assert reply.ephemeral and reply.content == t("ar", "admin.disabled", feature=t("ar", "feature.intros"))
    assert majlis.bot.scheduler.next_run(majlis.guild.id, "intros") is None
    # A second disable says it is already off, not that it was never set up.
    reply = await majlis.run(majlis.admin, "majlis disable", feature="intros")
    assert reply.ephemeral and reply.content == t(
        "ar", "admin.already_disabled", feature=t("ar", "feature.intros")
    )
    status = await majlis.run(majlis.admin, "majlis status")
    assert t("ar", "status.disabled") in str(status.embeds[0]["fields"])
    await majlis.run(majlis.admin, "majlis intros", options={"channel": channel})
    config = await guild_store.get_feature(majlis.bot.db, majlis.guild.id, "intros")
    assert config.enabled and majlis.bot.scheduler.next_run(majlis.guild.id, "intros") is not None


async def test_the_bot_pings_nobody_unless_a_send_names_them(majlis):
    """The client's default covers every send that names no AllowedMentions: no one, no role, no everyone."""
    default = majlis.bot.allowed_mentions
    assert default is not None
    assert (default.everyone, default.users, default.roles, default.replied_user) == (
        False,
        False,
        False,
        False,
    )
    assert default.to_dict() == {"parse": []}
