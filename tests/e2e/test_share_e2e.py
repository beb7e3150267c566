"""End to end: `/share post|search`, `/majlis share` and `/privacy clients` against the fake Discord."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import t
from bot.storage import privacy as privacy_store
from bot.storage import profiles as profile_store
from bot.storage import share as share_store
from tests.markup import rendered

TITLE, STORY, LESSON, TAGS = (
    "majlis:share:title",
    "majlis:share:story",
    "majlis:share:lesson",
    "majlis:share:tags",
)
CLIENTS = "majlis:privacy:clients"


def draft_button(message, action: str) -> str:
    return next(
        c for c in message.custom_ids() if c.startswith("majlis:share:draft:") and c.endswith(f":{action}")
    )


async def stored(majlis, user) -> list:
    """Every stored row about a member's sharing, to compare before and after a rejected input."""
    rows = []
    for table in ("shared_posts", "share_drafts", "client_names", "search_documents"):
        found = await majlis.bot.db.fetchall(
            f"SELECT * FROM {table} WHERE guild_id = ? AND user_id = ? ORDER BY 1", (majlis.guild.id, user.id)
        )
        rows.append([tuple(r) for r in found])
    return rows


async def setup_forum(majlis, *, tags=()):
    forum = majlis.fake.create_forum_channel(majlis.guild, "experiences", tags=tags)
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(forum.id) is not None)
    reply = await majlis.run(majlis.admin, "majlis share", forum=forum)
    assert reply.ephemeral and t("ar", "share.configured", forum=f"<#{forum.id}>") in reply.content
    return forum


async def open_modal(majlis, user):
    opened = await majlis.fake.invoke(majlis.guild, user, "share post", channel=majlis.channel)
    await opened.response()
    assert opened.modal is not None, opened.content
    return opened


async def submit(
    majlis,
    user,
    *,
    title="Pricing my first logo",
    story="I charged too little.",
    lesson="Quote per project, not per hour.",
    tags="",
):
    opened = await open_modal(majlis, user)
    values = {TITLE: title, STORY: story, LESSON: lesson}
    if tags:
        values[TAGS] = tags
    submitted = await majlis.fake.submit_modal(opened, values)
    await submitted.wait_done()
    return submitted


def posts_in(majlis, forum):
    return majlis.fake.threads(forum)


async def test_a_clean_post_becomes_a_tagged_forum_thread_and_is_stored(majlis):
    salma = majlis.member("salma")
    forum = await setup_forum(majlis)
    reply = await submit(majlis, salma, tags="design")
    assert reply.ephemeral
    await majlis.fake.wait_for(lambda: posts_in(majlis, forum))
    thread = posts_in(majlis, forum)[0]
    assert thread.name == "Pricing my first logo"
    starter = majlis.fake.messages(thread)[0]
    assert "I charged too little." in starter.content and f"<@{salma.id}>" in starter.content
    # The "design" tag did not exist: the bot created it and applied it.
    names = {int(tag["id"]): tag["name"] for tag in forum.available_tags}
    assert [names[i] for i in thread.applied_tags] == ["التصميم"]
    assert f"/{thread.id}" in reply.content and t("ar", "share.posted", link="").strip() in reply.content
    post = await share_store.get_post_by_thread(majlis.bot.db, thread.id)
    assert post is not None and post.user_id == salma.id and post.field == "design" and not post.masked
    assert await share_store.count_drafts(majlis.bot.db, majlis.guild.id, salma.id) == 0


async def test_an_existing_tag_is_reused_and_the_profile_field_is_the_default(majlis):
    omar = majlis.member("omar")
    forum = await setup_forum(majlis, tags=["Programming", "Design"])
    await profile_store.save_profile(majlis.bot.db, majlis.guild.id, omar.id, field="programming")
    opened = await open_modal(majlis, omar)
    tags_input = next(c for c in _inputs(opened.modal) if c["custom_id"] == TAGS)
    assert tags_input.get("value") == "البرمجة"  # prefilled with the profile field
    submitted = await majlis.fake.submit_modal(
        opened, {TITLE: "Legacy code", STORY: "A story.", LESSON: "A lesson."}
    )
    await submitted.wait_done()
    await majlis.fake.wait_for(lambda: posts_in(majlis, forum))
    thread = posts_in(majlis, forum)[0]
    programming = next(int(tag["id"]) for tag in forum.available_tags if tag["name"] == "Programming")
    assert thread.applied_tags == [programming]
    assert len(forum.available_tags) == 2  # nothing created


def _inputs(modal):
    """The text inputs of a modal, whether laid out in action rows or labels."""
    found = []
    for top in modal["components"]:
        found.extend(top.get("components") or [top.get("component")])
    return [c for c in found if c]


async def test_client_details_are_shown_and_nothing_is_posted(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    await share_store.set_client_names(
        majlis.bot.db, majlis.guild.id, lina.id, ["Acme Foods"], majlis.clock.now()
    )
    reply = await submit(
        majlis,
        lina,
        title="A late invoice",
        story="Acme Foods paid late; write to ceo@acmefoods.com",
        lesson="Ask for a deposit.",
    )
    assert reply.ephemeral
    assert "ceo@acmefoods.com" in reply.content and "Acme Foods" in reply.content
    assert t("ar", "share.kind.email") in reply.content and t("ar", "share.kind.client") in reply.content
    assert {draft_button(reply.message, a) for a in ("edit", "mask", "cancel")}
    assert posts_in(majlis, forum) == []
    assert await share_store.count_drafts(majlis.bot.db, majlis.guild.id, lina.id) == 1


async def test_post_masked_hides_the_originals(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    await share_store.set_client_names(
        majlis.bot.db, majlis.guild.id, lina.id, ["Acme Foods"], majlis.clock.now()
    )
    await majlis.run(majlis.admin, "majlis language", language="en")
    reply = await submit(
        majlis,
        lina,
        title="Working with Acme Foods",
        story="Acme Foods paid late; write to ceo@acmefoods.com",
        lesson="Ask for a deposit.",
    )
    click = await majlis.fake.click(reply.message, draft_button(reply.message, "mask"), user=lina)
    await click.wait_done()
    await majlis.fake.wait_for(lambda: posts_in(majlis, forum))
    thread = posts_in(majlis, forum)[0]
    text = thread.name + "\n" + "\n".join(m.content for m in majlis.fake.messages(thread))
    text = rendered(text)  # as Discord shows it: the member's words are escaped
    assert "[email]" in text and "[client]" in text
    assert "ceo@acmefoods.com" not in text and "Acme" not in text
    await majlis.fake.wait_for(
        lambda: t("en", "share.posted_masked", link="").strip() in reply.message.content
    )
    post = await share_store.get_post_by_thread(majlis.bot.db, thread.id)
    assert post.masked and "Acme" not in post.story + post.title
    assert await share_store.count_drafts(majlis.bot.db, majlis.guild.id, lina.id) == 0
    # Stored text is the masked text, so search cannot reveal the client either.
    assert (await share_store.search(majlis.bot.db, majlis.guild.id, "acme")).total == 0


async def test_edit_reopens_the_modal_with_the_text_and_a_clean_edit_posts(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    reply = await submit(
        majlis,
        lina,
        title="Scope creep",
        story="Call me on +966 50 123 4567 to talk",
        lesson="Write the scope down.",
        tags="business",
    )
    click = await majlis.fake.click(reply.message, draft_button(reply.message, "edit"), user=lina)
    await click.response()
    values = {c["custom_id"]: c.get("value") for c in _inputs(click.modal)}
    assert values[TITLE] == "Scope creep" and values[STORY] == "Call me on +966 50 123 4567 to talk"
    assert values[LESSON] == "Write the scope down." and values[TAGS] == "business"
    assert posts_in(majlis, forum) == []
    edited = await majlis.fake.submit_modal(
        click,
        {
            TITLE: "Scope creep",
            STORY: "Talk it through on a call",
            LESSON: "Write the scope down.",
            TAGS: "business",
        },
    )
    await edited.wait_done()
    await majlis.fake.wait_for(lambda: posts_in(majlis, forum))
    assert "Talk it through" in majlis.fake.messages(posts_in(majlis, forum)[0])[0].content
    assert await share_store.count_drafts(majlis.bot.db, majlis.guild.id, lina.id) == 0


async def test_cancel_posts_nothing_and_deletes_the_draft(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    reply = await submit(majlis, lina, story="mail me: lina@example.com")
    click = await majlis.fake.click(reply.message, draft_button(reply.message, "cancel"), user=lina)
    await click.wait_done()
    assert reply.message.content == t("ar", "share.cancelled") and reply.message.components == []
    assert posts_in(majlis, forum) == []
    assert await share_store.count_drafts(majlis.bot.db, majlis.guild.id, lina.id) == 0


async def test_the_draft_buttons_work_after_a_restart_and_drafts_expire(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    first = await submit(majlis, lina, story="mail me: lina@example.com")
    second = await submit(majlis, lina, story="or call +966 50 123 4567")
    await majlis.restart()
    click = await majlis.fake.click(first.message, draft_button(first.message, "mask"), user=lina)
    await click.wait_done()
    await majlis.fake.wait_for(lambda: posts_in(majlis, forum))
    majlis.clock.advance(timedelta(days=1, minutes=1))
    late = await majlis.fake.click(second.message, draft_button(second.message, "mask"), user=lina)
    await late.wait_done()
    assert t("ar", "share.draft_gone") in (late.content + "".join(m.content for m in late.followups))
    assert len(posts_in(majlis, forum)) == 1


async def test_only_the_author_can_choose(majlis):
    lina, omar = majlis.member("lina"), majlis.member("omar")
    forum = await setup_forum(majlis)
    reply = await submit(majlis, lina, story="mail me: lina@example.com")
    click = await majlis.fake.click(reply.message, draft_button(reply.message, "mask"), user=omar)
    await click.wait_done()
    assert click.ephemeral and click.content == t("ar", "share.not_yours")
    assert posts_in(majlis, forum) == []
    assert await share_store.count_drafts(majlis.bot.db, majlis.guild.id, lina.id) == 1


async def test_privacy_clients_saves_a_list_the_check_uses(majlis):
    huda = majlis.member("huda")
    forum = await setup_forum(majlis)
    opened = await majlis.fake.invoke(majlis.guild, huda, "privacy clients", channel=majlis.channel)
    await opened.response()
    saved = await majlis.fake.submit_modal(opened, {CLIENTS: "مؤسسة الأمل\nGlobex\n\nglobex"})
    await saved.wait_done()
    assert saved.ephemeral and saved.content == t("ar", "privacy.clients_saved", count=2)
    assert await share_store.get_client_names(majlis.bot.db, majlis.guild.id, huda.id) == [
        "مؤسسة الأمل",
        "Globex",
    ]

    again = await majlis.fake.invoke(majlis.guild, huda, "privacy clients", channel=majlis.channel)
    await again.response()
    assert _inputs(again.modal)[0].get("value") == "مؤسسة الأمل\nGlobex"  # prefilled, only to her

    reply = await submit(
        majlis, huda, title="عميل صعب", story="عملت مع مؤسسة الامل وتأخر الدفع", lesson="اطلب دفعة مقدمة"
    )
    assert "مؤسسة الامل" in reply.content and t("ar", "share.kind.client") in reply.content
    assert posts_in(majlis, forum) == []


async def test_a_bad_client_list_changes_nothing(majlis):
    huda = majlis.member("huda")
    await share_store.set_client_names(
        majlis.bot.db, majlis.guild.id, huda.id, ["Globex"], majlis.clock.now()
    )
    opened = await majlis.fake.invoke(majlis.guild, huda, "privacy clients", channel=majlis.channel)
    await opened.response()
    saved = await majlis.fake.submit_modal(opened, {CLIENTS: "Globex\n" + "x" * 81})
    await saved.wait_done()
    assert (
        saved.ephemeral
        and t("ar", "privacy.clients_name_too_long", name="x" * 20 + "…", limit=80) == saved.content
    )
    assert await share_store.get_client_names(majlis.bot.db, majlis.guild.id, huda.id) == ["Globex"]


async def test_search_finds_an_arabic_post_by_a_different_spelling_and_an_english_one(majlis):
    salma, omar = majlis.member("salma"), majlis.member("omar")
    await setup_forum(majlis)
    await submit(
        majlis,
        salma,
        title="الفاتورةُ المتأخّرة",
        story="أرسلت الفاتورة ولم يدفع العميل إلا بعد شهرين",
        lesson="أطلب دفعة مقدّمة دائمًا",
        tags="design",
    )
    await submit(
        majlis,
        omar,
        title="Scope creep on a website",
        story="The client kept adding pages.",
        lesson="Write the scope into the contract.",
        tags="programming",
    )
    arabic = await majlis.run(omar, "share search", query="فاتوره متاخره")
    assert arabic.ephemeral and len(arabic.embeds) == 1
    found = arabic.embeds[0]["description"]
    assert (
        "الفاتورةُ المتأخّرة" in found
        and f"<@{salma.id}>" in found
        and "https://discord.com/channels/" in found
    )
    assert "Scope creep" not in found
    assert "**" in found  # the matched words are in bold in the snippet
    english = await majlis.run(salma, "share search", query="CONTRACT")
    assert "Scope creep on a website" in english.embeds[0]["description"]
    only_design = await majlis.run(salma, "share search", query="contract", field="design")
    assert only_design.content == t("ar", "share.search_none", query="contract")
    none = await majlis.run(salma, "share search", query="cryptocurrency")
    assert none.ephemeral and none.content == t("ar", "share.search_none", query="cryptocurrency")


async def test_search_pages_through_many_results(majlis):
    salma = majlis.member("salma")
    forum = await setup_forum(majlis)
    for i in range(7):
        majlis.clock.advance(timedelta(minutes=4))  # a pace the /share post cooldown allows
        await submit(
            majlis, salma, title=f"Pricing lesson {i}", story="About pricing.", lesson="Raise rates."
        )
    await majlis.fake.wait_for(lambda: len(posts_in(majlis, forum)) == 7)
    first = await majlis.run(salma, "share search", query="pricing")
    assert first.embeds[0]["footer"]["text"] == t("ar", "share.search_footer", page=1, pages=2, total=7)
    assert first.embeds[0]["description"].count("https://discord.com/channels/") == 5
    next_id = first.message.custom_ids()[-1]
    turned = await majlis.fake.click(first.message, next_id, user=salma)
    await turned.wait_done()
    assert first.message.embeds[0]["description"].count("https://discord.com/channels/") == 2
    assert first.message.embeds[0]["footer"]["text"] == t(
        "ar", "share.search_footer", page=2, pages=2, total=7
    )


async def test_forgotten_members_vanish_from_search(majlis):
    salma = majlis.member("salma")
    await setup_forum(majlis)
    await submit(majlis, salma, title="Pricing", story="About pricing.", lesson="Raise rates.")
    await share_store.forget_member(majlis.bot.db, majlis.guild.id, salma.id)
    reply = await majlis.run(salma, "share search", query="pricing")
    assert reply.content == t("ar", "share.search_none", query="pricing")


async def test_bad_input_is_refused_and_nothing_is_stored(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    before = await stored(majlis, lina)
    for values, expected in (
        ({TITLE: "t", STORY: "   ", LESSON: "l"}, t("ar", "share.empty_story")),
        ({TITLE: "t", STORY: "s", LESSON: "l", TAGS: "cooking"}, t("ar", "share.unknown_tag", tag="cooking")),
        (
            {
                TITLE: "t",
                STORY: "s",
                LESSON: "l",
                TAGS: "design, programming, writing, marketing, video, data",
            },
            t("ar", "share.too_many_tags", limit=5),
        ),
    ):
        opened = await open_modal(majlis, lina)
        reply = await majlis.fake.submit_modal(opened, values)
        await reply.wait_done()
        assert reply.ephemeral and reply.content == expected
    for query, key in (("   ", "share.search_empty"), ("x" * 201, "share.search_too_long")):
        reply = await majlis.run(lina, "share search", query=query)
        assert reply.ephemeral and reply.content == t("ar", key, limit=200)
    assert await stored(majlis, lina) == before
    assert posts_in(majlis, forum) == []


async def test_post_without_a_configured_forum_is_refused(majlis):
    lina = majlis.member("lina")
    reply = await majlis.run(lina, "share post")
    assert reply.ephemeral and reply.content == t("ar", "share.not_configured")
    assert await stored(majlis, lina) == [[], [], [], []]


async def test_without_permission_to_create_tags_the_post_goes_up_untagged_and_admins_are_told(majlis):
    salma = majlis.member("salma")
    forum = await setup_forum(majlis)
    majlis.fake.deny_bot(majlis.guild, "manage_channels", forum)
    await majlis.fake.wait_for(
        lambda: (
            not majlis.bot.get_channel(forum.id)
            .permissions_for(majlis.bot.get_guild(majlis.guild.id).me)
            .manage_channels
        )
    )
    reply = await submit(majlis, salma, tags="design")
    await majlis.fake.wait_for(lambda: posts_in(majlis, forum))
    assert posts_in(majlis, forum)[0].applied_tags == [] and forum.available_tags == []
    assert t("ar", "share.posted", link="").strip() in reply.content
    status = await majlis.run(majlis.admin, "majlis status")
    assert t("ar", "share.notice.no_tag_permission") in str(status.embeds[0]["fields"])
    assert t("ar", "share.status_posts", count=1) in str(status.embeds[0]["fields"])


async def test_configuring_a_forum_the_bot_cannot_post_in_is_refused(majlis):
    forum = majlis.fake.create_forum_channel(majlis.guild, "closed")
    majlis.fake.deny_bot(majlis.guild, "send_messages", forum)
    await majlis.fake.wait_for(lambda: majlis.bot.get_channel(forum.id) is not None)
    reply = await majlis.run(majlis.admin, "majlis share", forum=forum)
    assert reply.content == t("ar", "share.forum_no_permission", forum=f"<#{forum.id}>")
    config = await majlis.bot.db.fetchone("SELECT * FROM guild_features WHERE feature = 'share'")
    assert config is None


async def test_a_draft_full_of_long_links_still_gets_its_findings_and_choices(majlis):
    """A 1,500-character story of long links: the findings reply stays within Discord's 2,000 characters."""
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    links = [(f"https://portal-{i}.example-client-domain.com/projects/" + "a" * 200)[:132] for i in range(15)]
    story, lesson = " ".join(links[:11]), " ".join(links[11:14])[:400]
    title = links[14][:100]
    assert len(story) <= 1500
    reply = await submit(majlis, lina, title=title, story=story, lesson=lesson)
    assert reply.ephemeral and len(reply.content) <= 2000
    assert t("ar", "share.kind.url") in reply.content
    assert {draft_button(reply.message, a) for a in ("edit", "mask", "cancel")}
    assert posts_in(majlis, forum) == []


# --- the author's say on single findings -------------------------------------------------------------


def finding_menu(message, action: str) -> dict:
    custom_id = next(
        c for c in message.custom_ids() if c.startswith("majlis:share:draft:") and c.endswith(f":{action}")
    )
    return message.component(custom_id)


def option_for(message, action: str, text: str) -> tuple[str, str]:
    """The menu's custom id and the value of the option that shows `text`."""
    menu = finding_menu(message, action)
    value = next(o["value"] for o in menu["options"] if text in o["label"])
    return menu["custom_id"], value


async def choose(majlis, reply, action: str, text: str, user):
    custom_id, value = option_for(reply.message, action, text)
    click = await majlis.fake.click(reply.message, custom_id, user=user, values=[value])
    await click.wait_done()
    return click


async def thread_text(majlis, forum, reply) -> str:
    """The posted thread's text, once the bot has told the author it is posted."""
    await majlis.fake.wait_for(lambda: reply.message.content.startswith("✅"))
    thread = posts_in(majlis, forum)[0]
    return rendered(thread.name + "\n" + "\n".join(m.content for m in majlis.fake.messages(thread)))


async def test_not_a_client_detail_keeps_that_finding_and_masks_the_others(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    await majlis.run(majlis.admin, "majlis language", language="en")
    await share_store.set_client_names(
        majlis.bot.db, majlis.guild.id, lina.id, ["Acme Foods"], majlis.clock.now()
    )
    reply = await submit(
        majlis,
        lina,
        title="Late invoices",
        story="Acme Foods paid late. I post as @lina_draws about invoices; write to ceo@acmefoods.com",
        lesson="Ask for a deposit.",
    )
    # Three menus, then a row of three buttons: within Discord's five rows.
    assert [len(row["components"]) for row in reply.message.components] == [1, 1, 1, 3]
    assert {o["label"] for o in finding_menu(reply.message, "dismiss")["options"]} >= {
        "Account handle: @lina_draws",
        "E-mail address: ceo@acmefoods.com",
    }
    await choose(majlis, reply, "dismiss", "@lina_draws", lina)
    # Nothing is posted by a choice about one finding; the list is shown again without it.
    assert posts_in(majlis, forum) == []
    assert "@lina_draws" not in str(finding_menu(reply.message, "dismiss")["options"])
    assert "ceo@acmefoods.com" in reply.message.content
    assert t("en", "share.note_dismiss", words="").strip() in reply.message.content
    click = await majlis.fake.click(reply.message, draft_button(reply.message, "mask"), user=lina)
    await click.wait_done()
    text = await thread_text(majlis, forum, reply)
    assert "@lina_draws" in text and "[email]" in text and "[client]" in text
    assert "ceo@acmefoods.com" not in text and "Acme" not in text
    # Only for that post: the member's next post is checked as before.
    assert await share_store.get_ignored_words(majlis.bot.db, majlis.guild.id, lina.id) == []


async def test_always_ignore_is_kept_on_the_private_list_exported_and_forgotten(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    reply = await submit(majlis, lina, story="I draw as @lina_draws, ask lina@example.com")
    await choose(majlis, reply, "ignore", "@lina_draws", lina)
    assert await share_store.get_ignored_words(majlis.bot.db, majlis.guild.id, lina.id) == ["@lina_draws"]
    assert t("ar", "share.note_ignore", words="").strip() in reply.message.content
    assert "lina@example.com" in reply.message.content and posts_in(majlis, forum) == []
    # The next post: the word is not flagged again, and with nothing else found it is posted at once.
    later = await submit(majlis, lina, title="Drawings", story="Again @LINA_DRAWS everywhere.")
    assert t("ar", "share.posted", link="").strip() in later.content
    export = await privacy_store.export_member(majlis.bot.db, majlis.guild.id, lina.id, majlis.clock.now())
    assert export["share"]["ignored_words"] == ["@lina_draws"]
    await privacy_store.forget_member(majlis.bot.db, majlis.guild.id, lina.id, majlis.clock.now())
    assert await share_store.get_ignored_words(majlis.bot.db, majlis.guild.id, lina.id) == []


async def test_add_as_a_client_from_a_finding_catches_the_name_next_time(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    reply = await submit(majlis, lina, story="Their site brightleaf.studio/about was slow.")
    assert "brightleaf.studio/about" in reply.message.content
    await choose(majlis, reply, "client", "brightleaf.studio", lina)
    assert await share_store.get_client_names(majlis.bot.db, majlis.guild.id, lina.id) == ["brightleaf"]
    assert t("ar", "share.note_client", words="").strip() in reply.message.content
    assert posts_in(majlis, forum) == []
    # The name alone is now found in a new post.
    later = await submit(majlis, lina, title="Redesign", story="BrightLeaf asked for a redesign.")
    assert "BrightLeaf" in later.content and t("ar", "share.kind.client") in later.content
    # A client name offers no "add as a client" menu: nothing to add.
    assert not any(c.endswith(":client") for c in later.message.custom_ids())


async def test_only_the_author_can_choose_about_a_finding(majlis):
    lina, omar = majlis.member("lina"), majlis.member("omar")
    await setup_forum(majlis)
    reply = await submit(majlis, lina, story="mail me: lina@example.com")
    click = await choose(majlis, reply, "ignore", "lina@example.com", omar)
    assert click.ephemeral and click.content == t("ar", "share.not_yours")
    assert await share_store.get_ignored_words(majlis.bot.db, majlis.guild.id, omar.id) == []
    assert await share_store.get_ignored_words(majlis.bot.db, majlis.guild.id, lina.id) == []


async def test_dismissing_every_finding_still_waits_for_the_member_to_post(majlis):
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    reply = await submit(majlis, lina, story="mail me: lina@example.com")
    await choose(majlis, reply, "dismiss", "lina@example.com", lina)
    assert t("ar", "share.findings_cleared", note="").strip() in reply.message.content
    assert posts_in(majlis, forum) == []
    click = await majlis.fake.click(reply.message, draft_button(reply.message, "mask"), user=lina)
    await click.wait_done()
    assert "lina@example.com" in await thread_text(majlis, forum, reply)


async def test_a_story_of_repeated_numbers_is_checked_quickly_and_posted(majlis):
    """1,500 characters of "1 -" once took a second of phone parsing on the event loop; now it is posted."""
    lina = majlis.member("lina")
    forum = await setup_forum(majlis)
    story = ("1 - " * 400)[:1500].strip()
    reply = await submit(majlis, lina, title="Steps", story=story)
    assert t("ar", "share.posted", link="").strip() in reply.content
    assert len(posts_in(majlis, forum)) == 1
