"""`bot.delivery` against stand-ins for discord.py objects: what it asks for, under which pacer bucket.

The end-to-end crash tests drive it through the fake Discord; these pin each call's arguments and the
look-back rules without one, so `make mutate` can measure them with unit tests alone.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import discord
import pytest

from bot.delivery import LOOKBACK, THREAD_WEEK, Delivery, Marker

BOT_ID = 42


class Pacer:
    """Records each bucket a request waited on."""

    def __init__(self):
        self.buckets = []

    async def acquire(self, bucket=None):
        self.buckets.append(bucket)


def _delivery(**bot):
    pacer = Pacer()
    client = SimpleNamespace(user=SimpleNamespace(id=BOT_ID), **bot)
    return Delivery(client, pacer), pacer


def _not_found():
    return discord.NotFound(SimpleNamespace(status=404, reason="Not Found"), "gone")


def _thread(name, *, parent=5, owner=BOT_ID, id=1):
    return SimpleNamespace(id=id, name=name, parent_id=parent, owner_id=owner)


def test_the_bot_knows_itself_only_once_logged_in():
    assert _delivery()[0].me == BOT_ID
    assert Delivery(SimpleNamespace(user=None)).me is None


async def test_its_own_thread_is_found_in_the_channel_cache_without_a_request():
    delivery, pacer = _delivery()
    mine = _thread("Intro 7", id=3)
    channel = SimpleNamespace(
        id=5,
        threads=[_thread("Intro 7", owner=99), _thread("Intro 7", parent=6), _thread("Other"), mine],
        guild=None,
    )
    assert await delivery.find_own_thread(channel, "Intro 7") is mine
    assert pacer.buckets == []


async def test_its_own_thread_is_looked_up_among_the_guilds_active_threads_under_any_name():
    delivery, pacer = _delivery()
    mine = _thread("مقدمة 7", id=3)

    async def active_threads():
        return [_thread("Intro 7", owner=99), mine]

    channel = SimpleNamespace(id=5, threads=[], guild=SimpleNamespace(active_threads=active_threads))
    assert await delivery.find_own_thread(channel, ["Intro 7", "مقدمة 7"]) is mine
    assert pacer.buckets == [None]

    async def none():
        return [_thread("Intro 8")]

    channel.guild = SimpleNamespace(active_threads=none)
    assert await delivery.find_own_thread(channel, "Intro 7") is None


async def test_its_own_message_is_the_newest_with_the_marker_among_the_last_lookback():
    delivery, pacer = _delivery()
    asked = {}
    marker = Marker.footer("Prompt #3")

    def message(author, footer):
        embed = discord.Embed(title="x")
        embed.set_footer(text=footer)
        return SimpleNamespace(author=SimpleNamespace(id=author), embeds=[embed], components=[])

    theirs, other, mine = message(7, "Prompt #3"), message(BOT_ID, "Prompt #2"), message(BOT_ID, "Prompt #3")

    async def history(limit):
        asked["limit"] = limit
        for m in (theirs, other, mine):
            yield m

    channel = SimpleNamespace(history=history)
    assert await delivery.find_own_message(channel, marker) is mine
    assert asked == {"limit": LOOKBACK} and pacer.buckets == [None]
    assert await delivery.find_own_message(channel, Marker.footer("Prompt #9")) is None


async def test_a_recorded_thread_comes_from_the_cache_else_is_fetched_else_is_gone():
    cached = _thread("t", id=8)
    archived = discord.Thread.__new__(discord.Thread)

    async def fetch_channel(thread_id):
        if thread_id == 9:
            return archived
        if thread_id == 10:
            return SimpleNamespace(id=10)  # a channel, not a thread
        raise _not_found()

    delivery, pacer = _delivery(fetch_channel=fetch_channel)
    guild = SimpleNamespace(get_thread=lambda thread_id: cached if thread_id == 8 else None)
    assert await delivery.get_thread(guild, 8) is cached
    assert pacer.buckets == []
    assert await delivery.get_thread(guild, 9) is archived
    assert await delivery.get_thread(guild, 10) is None
    assert await delivery.get_thread(guild, 11) is None
    assert pacer.buckets == [None, None, None]


async def test_a_private_thread_is_invite_only_archives_after_a_week_and_waits_on_thread_creation():
    delivery, pacer = _delivery()
    made = {}

    async def create_thread(**options):
        made.update(options)
        return "thread"

    channel = SimpleNamespace(guild=SimpleNamespace(id=77), create_thread=create_thread)
    assert await delivery.open_private_thread(channel, "Intro 7", reason="round") == "thread"
    assert made == {
        "name": "Intro 7",
        "type": discord.ChannelType.private_thread,
        "invitable": False,
        "auto_archive_duration": THREAD_WEEK,
        "reason": "round",
    }
    assert THREAD_WEEK == 7 * 24 * 60
    assert pacer.buckets == ["thread_create:77"]


async def test_a_thread_on_a_message_is_opened_on_that_message():
    delivery, pacer = _delivery()
    made = {}

    class Partial:
        def __init__(self, message_id):
            made["message_id"] = message_id

        async def create_thread(self, **options):
            made.update(options)
            return "thread"

    channel = SimpleNamespace(guild=SimpleNamespace(id=77), get_partial_message=Partial)
    assert await delivery.open_message_thread(channel, 123, "Lesson") == "thread"
    assert made == {"message_id": 123, "name": "Lesson", "auto_archive_duration": THREAD_WEEK}
    await delivery.open_message_thread(channel, 124, "Lesson", auto_archive_duration=1440)
    assert made["auto_archive_duration"] == 1440
    assert pacer.buckets == ["thread_create:77", "thread_create:77"]


async def test_members_are_added_once_each_and_those_who_left_are_returned(caplog):
    caplog.set_level(logging.INFO, logger="bot.delivery")
    delivery, pacer = _delivery()
    added = []

    async def add_user(user):
        if user.id == 3:
            raise _not_found()
        added.append(user.id)

    thread = SimpleNamespace(id=1, add_user=add_user)
    assert await delivery.add_members(thread, [1, 3, 2, 1]) == [3]
    assert added == [1, 2]
    assert [r.getMessage() for r in caplog.records] == ["member 3 left before joining thread 1"]
    assert pacer.buckets == [None, None, None]


async def test_messages_are_sent_and_edited_under_their_channels_bucket():
    sent, edited = [], []

    class Partial:
        def __init__(self, message_id):
            self.message_id = message_id

        async def edit(self, **fields):
            edited.append((self.message_id, fields))
            return "edited"

    messageable = SimpleNamespace(get_partial_message=Partial)
    asked = []

    def get_partial_messageable(channel_id):
        asked.append(channel_id)
        return messageable

    delivery, pacer = _delivery(get_partial_messageable=get_partial_messageable)

    async def send(content, **options):
        sent.append((content, options))
        return "message"

    assert await delivery.send(SimpleNamespace(id=5, send=send), "hi", embed="e") == "message"
    assert sent == [("hi", {"embed": "e"})]
    assert await delivery.edit(6, 60, content="new") == "edited"
    assert edited == [(60, {"content": "new"})] and asked == [6]
    assert pacer.buckets == ["channel_message:5", "channel_message:6"]
    # Something to send to that has no id of its own still gets its message out.
    assert await delivery.send(SimpleNamespace(send=send), "bye") == "message"
    assert pacer.buckets[-1] == "channel_message:None"


@pytest.mark.parametrize("cached", [True, False])
async def test_a_dm_channel_is_reused_or_opened_under_the_dm_opening_limit(cached):
    async def create_dm():
        return "new dm"

    user = SimpleNamespace(dm_channel=None, create_dm=create_dm)

    async def fetch_user(user_id):
        assert user_id == 9
        return user

    def get_user(user_id):
        assert user_id == 9
        return user if cached else None

    delivery, pacer = _delivery(get_user=get_user, fetch_user=fetch_user)
    assert await delivery.dm_channel(9) == "new dm"
    assert pacer.buckets == (["dm_open"] if cached else [None, "dm_open"])
    user.dm_channel = "open dm"
    assert await delivery.dm_channel(9) == "open dm"


def test_a_button_marker_skips_components_without_an_id_or_without_children():
    marker = Marker.button("majlis:prompts:")
    link = SimpleNamespace(url="https://example.org")  # a link button has no custom_id
    message = SimpleNamespace(
        embeds=[],
        components=[SimpleNamespace(), SimpleNamespace(children=[link, SimpleNamespace(custom_id=None)])],
    )
    assert not marker.matches(message)
    message.components.append(SimpleNamespace(children=[SimpleNamespace(custom_id="majlis:prompts:12")]))
    assert marker.matches(message)
