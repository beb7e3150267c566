"""End to end: `/privacy export|forget`, purging guilds that removed the bot, and the daily backup."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta

from bot.backup import integrity_ok
from bot.i18n import t
from bot.share import ShareDraft
from bot.storage import intros as intros_store
from bot.storage import privacy as privacy_store
from bot.storage import profiles as profile_store
from bot.storage import share as share_store
from bot.storage import swaps as swaps_store
from bot.storage.maintenance import tables_with_column

CONFIRM, CANCEL = "majlis:privacy:forget:confirm", "majlis:privacy:forget:cancel"
CLIENTS = "majlis:privacy:clients"


async def open_board(majlis):
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    reply = await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})
    assert reply.ephemeral
    return board


async def intro_round(majlis, users):
    """Run one delivered intro round for these members, each answering "met"."""
    channel = majlis.fake.create_text_channel(majlis.guild, "intros")
    for user in users:
        await profile_store.save_profile(
            majlis.bot.db, majlis.guild.id, user.id, field="design", timezone="Asia/Riyadh", languages=["ar"]
        )
        await intros_store.join(majlis.bot.db, majlis.guild.id, user.id, majlis.clock.now())
    await majlis.run(majlis.admin, "majlis intros", options={"channel": channel, "timezone": "Asia/Riyadh"})
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    runner = majlis.bot.get_cog("Intros").runner
    while any(not task.done() for task in runner.deliveries.values()):
        await asyncio.gather(*runner.deliveries.values(), return_exceptions=True)
    round_ = await intros_store.latest_round(majlis.bot.db, majlis.guild.id)
    for group in await intros_store.round_groups(majlis.bot.db, round_.round_id):
        for user_id in group.members:
            await intros_store.record_answer(
                majlis.bot.db, group.group_id, user_id, "met", majlis.clock.now()
            )
    return channel


async def fill_in(majlis, user):
    """Give a member data in every feature: profile, client list, a swap request, an indexed post."""
    await majlis.run(
        user, "profile set", field="design", skills="logo design, branding", about="I draw logos"
    )
    opened = await majlis.fake.invoke(majlis.guild, user, "privacy clients", channel=majlis.channel)
    await opened.response()
    saved = await majlis.fake.submit_modal(opened, {CLIENTS: "Acme Foods\nNile Tours"})
    await saved.wait_done()
    await majlis.run(user, "swap offer", offer="logo design", want="copywriting", details="Two logos a month")
    prompts = majlis.fake.create_text_channel(majlis.guild, "prompts")
    await majlis.run(majlis.admin, "majlis prompts", options={"channel": prompts})
    suggested = await majlis.run(user, "prompt suggest", text="How do you price a rush job?")
    assert suggested.content == t("ar", "prompts.suggested")
    await share_store.save_post(
        majlis.bot.db,
        guild_id=majlis.guild.id,
        user_id=user.id,
        thread_id=424242,
        draft=ShareDraft("Late invoice", "A client paid late.", "Ask for a deposit."),
        fields=["design"],
        masked=False,
        now=majlis.clock.now(),
    )


def exported(message) -> dict:
    [attachment] = message.attachments
    assert attachment.filename.endswith(".json")
    return json.loads(attachment.data.decode("utf-8"))


async def test_export_arrives_by_dm_with_every_member_data_table(majlis):
    """The member gets a DM with a JSON file; the ephemeral reply says so."""
    salma, omar = majlis.member("salma"), majlis.member("omar")
    await open_board(majlis)
    await intro_round(majlis, [salma, omar])
    await fill_in(majlis, salma)

    reply = await majlis.run(salma, "privacy export")

    assert reply.ephemeral and reply.content == t("ar", "privacy.export_sent")
    [dm] = majlis.fake.dm_messages(salma)
    assert dm.content == t("ar", "privacy.export_dm", guild=majlis.guild.name)
    export = exported(dm)
    assert export["schema_version"] == privacy_store.EXPORT_SCHEMA_VERSION
    assert export["member"] == {"user_id": salma.id, "name": "Salma"}
    # Every table with a guild and a user column is in the file, derived from the live schema.
    tables = await privacy_store.member_data_tables(majlis.bot.db)
    assert set(tables) == set(export["tables"])
    assert set(tables) <= set(await tables_with_column(majlis.bot.db, "guild_id"))
    for table in (
        "profiles",
        "member_skills",
        "intro_members",
        "intro_group_members",
        "client_names",
        "swap_requests",
        "prompt_suggestions",
        "shared_posts",
        "search_documents",
    ):
        assert export["tables"][table], f"{table} is empty in the export"
    assert export["profile"]["about"] == "I draw logos"
    assert export["share"]["client_names"] == ["Acme Foods", "Nile Tours"]
    [met] = export["intros"]["history"]
    assert met["answer"] == "met" and met["partners"] == [{"user_id": omar.id, "name": "Omar"}]
    assert export["tables"]["swap_requests"][0]["details"] == "Two logos a month"
    assert majlis.fake.dm_messages(omar) == [] or all(
        not m.attachments for m in majlis.fake.dm_messages(omar)
    )


async def test_export_with_closed_dms_is_an_ephemeral_attachment(majlis):
    """A member whose DMs are closed sees the file in the ephemeral reply, and no one else can."""
    lina = majlis.member("lina", dms_open=False)
    await majlis.run(lina, "profile set", about="Translator")

    reply = await majlis.run(lina, "privacy export")

    assert reply.ephemeral and reply.content == t("ar", "privacy.export_here")
    assert exported(reply.message)["tables"]["profiles"][0]["about"] == "Translator"


async def test_forget_asks_first_only_the_member_may_press_and_cancel_keeps_everything(majlis):
    """The member sees a warning saying shared threads stay in Discord; cancelling deletes nothing."""
    salma, intruder = majlis.member("salma"), majlis.member("intruder")
    await majlis.run(salma, "profile set", about="I draw logos")
    before = await privacy_store.rows_about(majlis.bot.db, majlis.guild.id, salma.id)

    ask = await majlis.run(salma, "privacy forget")
    assert ask.ephemeral and ask.content == t("ar", "privacy.forget_confirm")
    assert set(ask.message.custom_ids()) == {CONFIRM, CANCEL}

    refused = await majlis.fake.click(ask.message, CONFIRM, user=intruder)
    await refused.wait_done()
    assert refused.ephemeral and refused.content == t("ar", "privacy.not_yours")
    assert await privacy_store.rows_about(majlis.bot.db, majlis.guild.id, salma.id) == before

    cancelled = await majlis.fake.click(ask.message, CANCEL, user=salma)
    await cancelled.wait_done()
    await majlis.fake.wait_for(lambda: ask.message.content == t("ar", "privacy.forget_cancelled"))
    assert ask.message.components == []
    assert await privacy_store.rows_about(majlis.bot.db, majlis.guild.id, salma.id) == before


async def test_the_confirmation_times_out_and_nothing_is_deleted(majlis):
    """Left unanswered, the warning turns into "timed out, nothing deleted" without buttons."""
    salma = majlis.member("salma")
    await majlis.run(salma, "profile set", about="I draw logos")
    majlis.bot.get_cog("Privacy").forget_timeout = 0.2
    ask = await majlis.run(salma, "privacy forget")
    await majlis.fake.wait_for(lambda: ask.message.content == t("ar", "privacy.forget_expired"))
    assert ask.message.components == []
    assert (await profile_store.get_profile(majlis.bot.db, majlis.guild.id, salma.id)).about == "I draw logos"


async def test_forget_erases_the_member_everywhere_and_partners_keep_their_counts(majlis):
    """After confirming: the reply says it is done, the board post says withdrawn, search finds nothing."""
    salma, omar = majlis.member("salma"), majlis.member("omar")
    board = await open_board(majlis)
    await intro_round(majlis, [salma, omar])
    await fill_in(majlis, salma)
    gid = majlis.guild.id
    assert (await share_store.search(majlis.bot.db, gid, "deposit")).hits
    omar_met = await intros_store.peers_met(majlis.bot.db, gid, omar.id)
    assert omar_met == 1
    [request] = await swaps_store.list_requests(majlis.bot.db, gid)

    ask = await majlis.run(salma, "privacy forget")
    done = await majlis.fake.click(ask.message, CONFIRM, user=salma)
    await done.wait_done()
    await majlis.fake.wait_for(lambda: ask.message.content.startswith(t("ar", "privacy.forgotten")))

    assert await privacy_store.rows_about(majlis.bot.db, gid, salma.id) == {}
    assert await intros_store.peers_met(majlis.bot.db, gid, omar.id) == omar_met
    assert await profile_store.get_profile(majlis.bot.db, gid, salma.id) is None
    assert (await share_store.search(majlis.bot.db, gid, "deposit")).hits == []
    assert await swaps_store.list_requests(majlis.bot.db, gid) == []
    post = majlis.fake.message(board.id, request.board_message_id)
    assert post.embeds[0]["description"] == t("ar", "privacy.board_withdrawn") and post.components == []
    found = await majlis.run(omar, "profile find", field="design")
    assert f"<@{salma.id}>" not in found.content + json.dumps(found.embeds)
    # The next round is without her.
    assert [m.user_id for m in await intros_store.list_members(majlis.bot.db, gid)] == [omar.id]


async def test_a_guild_that_removed_the_bot_is_purged_after_30_days_unless_it_came_back(majlis):
    """31 days after the bot is kicked, the guild's rows are gone; a guild that re-added it keeps them."""
    salma = majlis.member("salma")
    await majlis.run(salma, "profile set", about="I draw logos")
    other = majlis.fake.create_guild("Second server")
    majlis.fake.add_member(other, salma)
    await majlis.fake.wait_for(lambda: majlis.bot.get_guild(other.id) is not None)
    await profile_store.save_profile(majlis.bot.db, other.id, salma.id, about="Also here")

    majlis.fake.remove_bot_from_guild(majlis.guild)
    majlis.fake.remove_bot_from_guild(other)
    await majlis.fake.wait_for(lambda: removed(majlis, other.id) and removed(majlis, majlis.guild.id))
    majlis.clock.advance(timedelta(days=10))
    await majlis.fake.add_bot_to_guild(other)  # re-added within 30 days
    await majlis.fake.wait_for(lambda: majlis.bot.get_guild(other.id) is not None)
    await majlis.fake.wait_for(lambda: not removed(majlis, other.id))
    majlis.clock.advance(timedelta(days=21))

    purged = await majlis.bot.get_cog("Maintenance").purge()

    assert purged == [majlis.guild.id]
    assert await profile_store.get_profile(majlis.bot.db, majlis.guild.id, salma.id) is None
    assert await majlis.bot.db.fetchone("SELECT 1 FROM guilds WHERE guild_id = ?", (majlis.guild.id,)) is None
    assert (await profile_store.get_profile(majlis.bot.db, other.id, salma.id)).about == "Also here"


def removed(majlis, guild_id) -> bool:
    """Read the guild's removal mark from a second connection (WAL: readers never wait)."""
    conn = sqlite3.connect(majlis.db_path)
    try:
        row = conn.execute("SELECT removed_at FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
    finally:
        conn.close()
    return row is not None and row[0] is not None


async def test_the_daily_backup_through_the_running_bot_opens(majlis):
    """Nothing visible: the daily job writes a backup file that passes integrity_check and holds the data."""
    salma = majlis.member("salma")
    await majlis.run(salma, "profile set", about="I draw logos")

    path = await majlis.bot.get_cog("Maintenance").backup()

    assert path is not None and path.exists() and integrity_ok(path)
    conn = sqlite3.connect(path)
    try:
        about = conn.execute("SELECT about FROM profiles WHERE user_id = ?", (salma.id,)).fetchone()
    finally:
        conn.close()
    assert about == ("I draw logos",)


async def test_the_export_is_encoded_off_the_event_loop(majlis, monkeypatch):
    # A big member's export takes a while to encode: on the loop it would stall every other interaction.
    import threading

    salma = majlis.member("salma")
    await fill_in(majlis, salma)
    real = json.dumps
    threads = []

    def spy(obj, *args, **kwargs):
        if isinstance(obj, dict) and "schema_version" in obj:
            threads.append(threading.current_thread())
        return real(obj, *args, **kwargs)

    monkeypatch.setattr(json, "dumps", spy)
    reply = await majlis.run(salma, "privacy export")
    assert reply.content == t("ar", "privacy.export_sent")
    assert threads and all(thread is not threading.main_thread() for thread in threads)
