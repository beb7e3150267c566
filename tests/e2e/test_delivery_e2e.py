"""Every feature's own sends go through the bot's one `Delivery`, paced by its one `Pacer`."""

from __future__ import annotations

from bot.pacer import Pacer
from bot.storage import intros as intro_store
from bot.storage import profiles as profile_store


class CountingPacer(Pacer):
    """A pacer that remembers which buckets each request counted against."""

    def __init__(self) -> None:
        super().__init__(time_scale=0.001)
        self.buckets: list[str] = []

    async def acquire(self, *names: str) -> None:
        self.buckets.extend(names or ("global",))
        await super().acquire(*names)


async def test_intros_swaps_and_prompts_share_the_bots_one_pacer(majlis):
    pacer = majlis.bot.delivery.pacer = CountingPacer()
    db, gid = majlis.bot.db, majlis.guild.id
    intros = majlis.fake.create_text_channel(majlis.guild, "intros")
    board = majlis.fake.create_text_channel(majlis.guild, "swaps")
    prompts = majlis.fake.create_text_channel(majlis.guild, "prompts")
    await majlis.run(majlis.admin, "majlis intros", options={"channel": intros})
    await majlis.run(majlis.admin, "majlis swaps", options={"channel": board})
    await majlis.run(majlis.admin, "majlis prompts", options={"channel": prompts})
    amal, badr = majlis.member("amal"), majlis.member("badr")
    for user in (amal, badr):
        await profile_store.save_profile(db, gid, user.id, field="design")
        await intro_store.join(db, gid, user.id, majlis.clock.now())

    await majlis.run(amal, "swap offer", offer="Logo design", want="WordPress")
    await majlis.run(badr, "swap offer", offer="WordPress", want="Logo design")
    assert f"channel_message:{board.id}" in pacer.buckets  # the board posts
    assert pacer.buckets.count(f"thread_create:{gid}") == 1  # the proposal's private thread

    await majlis.run(majlis.admin, "majlis run", feature="intros")
    await majlis.bot.get_cog("Intros").runner.deliver((await intro_store.latest_round(db, gid)).round_id)
    assert pacer.buckets.count(f"thread_create:{gid}") == 2  # and the intro group's

    await majlis.run(majlis.admin, "majlis run", feature="prompt")
    assert f"channel_message:{prompts.id}" in pacer.buckets
    assert pacer.buckets.count(f"thread_create:{gid}") == 3  # and the answers thread
