"""The exactly-once rule and message markers of `bot.delivery`, without Discord."""

from __future__ import annotations

from types import SimpleNamespace

import discord

from bot.delivery import Delivery, Marker


async def test_a_step_never_begun_is_recorded_before_it_is_sent():
    log = []

    async def record():
        log.append("record")

    async def send():
        log.append("send")
        return "message"

    async def find():
        log.append("find")

    assert await Delivery.send_once(record=record, send=send, find=find) == "message"
    assert log == ["record", "send"]  # nothing to look for: no earlier attempt


async def test_a_begun_step_returns_what_the_earlier_attempt_made_without_sending_again():
    log = []

    async def record():
        log.append("record")

    async def send():
        log.append("send")

    async def find():
        log.append("find")
        return "earlier message"

    assert await Delivery.send_once(begun=True, record=record, send=send, find=find) == "earlier message"
    assert log == ["find"]


async def test_a_begun_step_that_left_nothing_is_recorded_again_and_sent():
    log = []

    async def record():
        log.append("record")

    async def send():
        log.append("send")
        return "message"

    async def find():
        log.append("find")

    assert await Delivery.send_once(begun=True, record=record, send=send, find=find) == "message"
    assert log == ["find", "record", "send"]


def _message(*, footer=None, custom_ids=(), content=""):
    """What `Marker.matches` reads of a discord.Message: content, embeds and component rows."""
    embed = discord.Embed(title="x")
    if footer:
        embed.set_footer(text=footer)
    row = SimpleNamespace(children=[SimpleNamespace(custom_id=c) for c in custom_ids])
    return SimpleNamespace(content=content, embeds=[embed], components=[row])


def test_markers_recognise_a_footer_in_any_language_or_a_button_prefix():
    marker = Marker.footer("سؤال الأسبوع رقم 12", "Prompt #12")
    assert marker.matches(_message(footer="Prompt #12"))
    assert marker.matches(_message(footer="سؤال الأسبوع رقم 12"))
    assert not marker.matches(_message(footer="Prompt #1"))
    button = Marker.button("majlis:intros:checkin:7:not_yet")
    assert button.matches(
        _message(custom_ids=["majlis:intros:checkin:7:met", "majlis:intros:checkin:7:not_yet"])
    )
    assert not button.matches(_message(custom_ids=["majlis:intros:checkin:7:met"]))  # the intro's own button
    assert not button.matches(_message(footer="Prompt #12"))


def test_a_content_marker_matches_only_the_exact_text_in_any_language():
    marker = Marker.content("مرحبا <@1>", "Hello <@1>")
    assert marker.matches(_message(content="Hello <@1>"))
    assert marker.matches(_message(content="مرحبا <@1>"))
    assert not marker.matches(_message(content="Hello <@1> and more"))
    assert not marker.matches(_message(footer="Hello <@1>"))
    assert not Marker.footer("x").matches(_message(content=""))
