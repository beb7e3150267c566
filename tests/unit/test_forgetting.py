"""Taking a forgotten member out of the bot's messages: pure edits of message data."""

from __future__ import annotations

from bot.forgetting import Scrub

SALMA, OMAR, THREAD = 111, 222, 333444


def test_an_intro_keeps_the_others_and_names_her_a_former_member():
    scrub = Scrub(user_id=SALMA, former="a former member", field=0)
    content = f"Meet each other: <@{OMAR}> <@{SALMA}>"
    embeds = [
        {
            "title": "Intro",
            "fields": [
                {"name": "Salma", "value": "Design\nI draw logos"},
                {"name": "Omar", "value": "Writing"},
                {"name": "Good hours", "value": f"<@{SALMA}>: 10:00–12:00\n<@{OMAR}>: 11:00–13:00"},
            ],
        }
    ]
    assert scrub.names_them(content, embeds)
    new_content, new_embeds = scrub.apply(content, embeds)
    assert new_content == f"Meet each other: <@{OMAR}> a former member"
    names = [f["name"] for f in new_embeds[0]["fields"]]
    assert names == ["Omar", "Good hours"] and "Salma" not in str(new_embeds)
    assert not scrub.names_them(new_content, new_embeds)
    assert embeds[0]["fields"][0]["name"] == "Salma"  # the input is not changed


def test_a_digest_drops_her_lines_and_her_threads_and_an_emptied_field():
    scrub = Scrub(user_id=SALMA, former="-", drop_lines=True, threads=(THREAD,))
    embeds = [
        {
            "description": "Last week's question",
            "fields": [
                {"name": "Top", "value": f"1. <@{SALMA}> — 3 — [read](x)\n2. <@{OMAR}> — 1 — [read](y)"},
                {"name": "Shared", "value": f"• [Quokka pricing](https://discord.com/channels/1/{THREAD})"},
                {"name": "Other", "value": f"• [Kept](https://discord.com/channels/1/{THREAD}5)"},
            ],
        }
    ]
    _, cleaned = scrub.apply(None, embeds)
    fields = cleaned[0]["fields"]
    assert [f["name"] for f in fields] == ["Top", "Other"]  # a longer thread id is someone else's
    assert fields[0]["value"] == f"2. <@{OMAR}> — 1 — [read](y)"


def test_a_message_without_her_is_left_alone():
    scrub = Scrub(user_id=SALMA, former="-", drop_lines=True, threads=(THREAD,))
    assert not scrub.names_them(f"<@{OMAR}> <@!{SALMA}0>", [{"description": "nothing"}])
    assert scrub.names_them(f"<@!{SALMA}>", [])
