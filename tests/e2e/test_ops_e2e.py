"""Running Majlis on a server: `majlis check` against the fake, one bot per database, catch-up backups."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
import pytest

from bot import cli
from bot.check import run_check
from bot.client import MajlisBot
from bot.config import Settings
from bot.readiness import BITS, INVITE_PERMISSIONS, permission_value
from bot.runlock import DatabaseInUse
from bot.storage import to_db_time


def _settings(majlis) -> Settings:
    return Settings(
        token=majlis.fake.bot_token, db_path=majlis.db_path, log_level=logging.INFO, dev_guild=None
    )


async def test_check_names_the_application_the_intent_the_invite_and_every_channel_the_bot_cannot_use(majlis):
    fake = majlis.fake
    intros = fake.create_text_channel(majlis.guild, "intros")
    swaps = fake.create_text_channel(majlis.guild, "swaps")
    await majlis.run(majlis.admin, "majlis intros", options={"channel": intros})
    await majlis.run(majlis.admin, "majlis swaps", options={"channel": swaps})

    report = await run_check(_settings(majlis))
    text = report.render()
    assert report.failures == 0, text
    assert f"application id {fake.application_id}" in text
    assert "Server Members intent is enabled" in text
    invite = (
        f"https://discord.com/oauth2/authorize?client_id={fake.application_id}"
        "&scope=bot+applications.commands&permissions=377957239808"
    )
    assert f"info  invite: {invite}\n" in text
    assert f"ok    server Freelancers ({majlis.guild.id}): 2 configured channel(s) usable" in text
    assert "a running Majlis holds it" in text
    assert text.endswith("ready\n")

    fake.application_flags = 0  # the owner switched Server Members off in the portal
    fake.deny_bot(majlis.guild, "create_private_threads", channel=intros)
    fake.deny_bot(majlis.guild, "send_messages_in_threads", channel=intros)
    fake.delete_channel(swaps)
    report = await run_check(_settings(majlis))
    text = report.render()
    assert report.failures == 3, text
    assert "FAIL  intent: Server Members intent is off" in text
    subject = f"FAIL  server Freelancers ({majlis.guild.id})"
    assert (
        f"{subject}: intros: channel {intros.id} lacks Create Private Threads, Send Messages in Threads"
        in text
    )
    assert f"{subject}: swaps: channel {swaps.id} no longer exists" in text
    assert text.endswith("NOT ready (3 problem(s))\n")


async def test_check_says_when_discord_refuses_the_token(majlis):
    settings = Settings(token="not-the-token", db_path=majlis.db_path, log_level=logging.INFO, dev_guild=None)
    report = await run_check(settings)
    assert report.failures == 1 and "the token was refused" in report.render()
    majlis.fake.violations.clear()  # a wrong token is what this test is about


def test_the_invite_integer_is_discords_value_of_the_listed_permissions():
    assert permission_value(INVITE_PERMISSIONS) == 377957239808
    for name, bit in BITS.items():
        assert getattr(discord.Permissions(bit), name), name


async def test_restore_and_migrate_refuse_while_the_bot_runs_and_a_second_bot_is_refused(
    majlis, monkeypatch, capsys
):
    monkeypatch.setenv("MAJLIS_DB", str(majlis.db_path))
    monkeypatch.delenv("MAJLIS_BACKUP_DIR", raising=False)
    made = await majlis.bot.get_cog("Maintenance").backup()
    before = majlis.db_path.read_bytes()
    assert cli.main(["restore", str(made)]) == 1
    assert (
        capsys.readouterr().err.strip()
        == f"majlis restore: Majlis is running on {majlis.db_path}: stop it first"
    )
    assert majlis.db_path.read_bytes() == before
    assert cli.main(["migrate"]) == 1

    second = MajlisBot(_settings(majlis), guild_ready_timeout=0.05)
    with pytest.raises(DatabaseInUse):
        await second.login(majlis.fake.bot_token)
    await second.close()

    await majlis.stop()
    assert cli.main(["restore", str(made)]) == 0
    assert "the replaced database is kept as" in capsys.readouterr().out


async def test_a_backup_missed_while_the_bot_was_down_runs_when_it_starts(majlis):
    backups = majlis.db_path.parent / "backups"
    assert not list(backups.glob("majlis-daily-*.db"))  # a new database needs none yet
    await majlis.stop()
    # The bot has served this guild since long before the last 03:00 UTC, and was down then.
    from bot.storage import Database

    db = Database(majlis.db_path)
    await db.open()
    await db.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)",
        (majlis.guild.id, to_db_time(majlis.clock.now() - timedelta(days=3))),
    )
    await db.close()
    await majlis.start()
    found = await majlis.fake.wait_for(lambda: list(backups.glob("majlis-daily-*.db")), timeout=15)
    assert len(found) == 1


async def test_a_bot_whose_server_members_intent_is_off_cannot_connect(fake, tmp_path):
    fake.application_flags = 0
    settings = Settings(
        token=fake.bot_token, db_path=tmp_path / "m.db", log_level=logging.INFO, dev_guild=None
    )
    bot = MajlisBot(settings, guild_ready_timeout=0.05)
    await bot.login(fake.bot_token)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await bot.connect(reconnect=False)
    await bot.close()
