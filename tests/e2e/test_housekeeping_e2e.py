"""End to end: housekeeping that must happen even when the bot missed the event that asks for it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.storage import guilds as guild_store
from bot.storage import profiles as profile_store
from bot.storage import swaps as swap_store


def removed_at(majlis, guild_id):
    """Read the guild's removal mark from a second connection (WAL: readers never wait)."""
    conn = sqlite3.connect(majlis.db_path)
    try:
        row = conn.execute("SELECT removed_at FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


async def test_a_guild_that_removed_the_bot_while_it_was_offline_is_purged(majlis):
    fake = majlis.fake
    salma = majlis.member("salma")
    other = fake.create_guild("Second server")
    fake.add_member(other, salma)
    await fake.wait_for(lambda: majlis.bot.get_guild(other.id) is not None)
    prompts = fake.create_text_channel(other, "prompts")
    await profile_store.save_profile(majlis.bot.db, other.id, salma.id, about="Also here")
    await guild_store.configure_feature(
        majlis.bot.db, other.id, "prompts", channel_id=prompts.id, weekday=6, hour=10
    )
    assert await majlis.bot.scheduler.reschedule(other.id, "prompts") is not None

    await majlis.stop()
    fake.remove_bot_from_guild(other)  # nobody is connected to hear it
    await majlis.start()
    await fake.wait_for(lambda: removed_at(majlis, other.id) is not None)
    assert removed_at(majlis, majlis.guild.id) is None  # the guild it is still in is untouched
    assert majlis.bot.scheduler.next_run(other.id, "prompts") is None  # no run for a guild it left

    majlis.clock.advance(timedelta(days=31))
    assert await majlis.bot.get_cog("Maintenance").purge() == [other.id]
    assert await profile_store.get_profile(majlis.bot.db, other.id, salma.id) is None


async def test_a_guild_that_re_added_the_bot_while_it_was_offline_keeps_its_data_and_schedules(majlis):
    fake = majlis.fake
    prompts = fake.create_text_channel(majlis.guild, "prompts")
    await majlis.run(majlis.admin, "majlis prompts", options={"channel": prompts})
    due = majlis.bot.scheduler.next_run(majlis.guild.id, "prompts")
    fake.remove_bot_from_guild(majlis.guild)
    await fake.wait_for(lambda: removed_at(majlis, majlis.guild.id) is not None)
    assert majlis.bot.scheduler.next_run(majlis.guild.id, "prompts") is None  # stopped with the removal

    await majlis.stop()
    await fake.add_bot_to_guild(majlis.guild)  # re-added while the bot was offline: no event reaches it
    await majlis.start()
    await fake.wait_for(lambda: removed_at(majlis, majlis.guild.id) is None)
    await fake.wait_for(lambda: majlis.bot.scheduler.next_run(majlis.guild.id, "prompts") is not None)
    assert majlis.bot.scheduler.next_run(majlis.guild.id, "prompts") == due
    majlis.clock.advance(timedelta(days=31))
    assert await majlis.bot.get_cog("Maintenance").purge() == []


async def test_a_late_member_leave_does_not_cancel_the_purge(majlis):
    salma = majlis.member("salma")
    await majlis.run(salma, "profile set", about="I draw logos")
    majlis.fake.remove_bot_from_guild(majlis.guild)
    await majlis.fake.wait_for(lambda: removed_at(majlis, majlis.guild.id) is not None)
    # The member's leave was queued before the removal and handled after it.
    await guild_store.mark_member_left(majlis.bot.db, majlis.guild.id, salma.id, majlis.clock.now())
    await guild_store.set_member_language(majlis.bot.db, majlis.guild.id, salma.id, "en")
    assert removed_at(majlis, majlis.guild.id) is not None
    majlis.clock.advance(timedelta(days=31))
    assert await majlis.bot.get_cog("Maintenance").purge() == [majlis.guild.id]


async def test_swap_expiry_reminders_wait_while_swaps_are_disabled(majlis):
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})
    amal = majlis.member("amal")
    await majlis.run(amal, "swap offer", offer="Logo design", want="WordPress")
    await majlis.run(majlis.admin, "majlis disable", feature="swaps")
    swaps = majlis.bot.get_cog("Swaps")

    majlis.clock.advance(timedelta(days=27, hours=1))
    assert await swaps.board.sweep() == (0, 0)
    assert majlis.fake.dm_messages(amal) == []
    assert "swaps:sweep" in majlis.bot.scheduler.once_keys()
    job_due = majlis.bot.scheduler._once["swaps:sweep"][0]
    assert job_due > majlis.clock.now() + timedelta(days=2)  # at the expiry, not a busy retry

    await majlis.run(
        majlis.admin, "majlis swaps", options={"channel": board}
    )  # back on: the sweep is due now
    await majlis.bot.scheduler.fire_due()
    await majlis.fake.wait_for(lambda: majlis.fake.dm_messages(amal))
    assert await swaps.board.sweep() == (0, 0)
    assert len(majlis.fake.dm_messages(amal)) == 1


async def test_locks_and_delivery_maps_hold_only_work_in_progress(majlis):
    fake = majlis.fake
    intros = fake.create_text_channel(majlis.guild, "intros")
    await majlis.run(majlis.admin, "majlis intros", options={"channel": intros})
    users = [majlis.member(f"m{i}") for i in range(4)]
    for user in users:
        await majlis.run(user, "intros join")
    await majlis.run(majlis.admin, "majlis run", feature="intros")
    intros_cog = majlis.bot.get_cog("Intros")
    runner = intros_cog.runner
    await fake.wait_for(lambda: all(task.done() for task in runner.deliveries.values()))
    await fake.wait_for(lambda: not runner.deliveries)

    board = fake.create_text_channel(majlis.guild, "swaps")
    await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})
    await majlis.run(users[0], "swap offer", offer="Logo design", want="WordPress")
    (request,) = await swap_store.list_requests(majlis.bot.db, majlis.guild.id)
    post = next(m for m in fake.messages(board) if f"majlis:swaps:help:{request.id}" in m.custom_ids())
    for helper in users[1:]:
        pressed = await fake.click(post, f"majlis:swaps:help:{request.id}", user=helper)
        await pressed.wait_done()
    prompts = fake.create_text_channel(majlis.guild, "prompts")
    await majlis.run(majlis.admin, "majlis prompts", options={"channel": prompts})
    await majlis.run(majlis.admin, "majlis run", feature="prompt")

    swaps = majlis.bot.get_cog("Swaps")
    assert len(intros_cog._round_locks) == 0
    assert len(swaps._help_locks) == 0 and len(swaps.board._locks) == 0
    assert len(majlis.bot.get_cog("Prompts")._locks) == 0
