"""The demo's story: the real bot against the local fake Discord, through a compressed month.

Everything is driven as a Discord client would (slash commands, buttons, modals, messages,
reactions); time moves only when the story moves it (both clocks together), so a seed replays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.demo._stage import WAIT, Stage
from bot.demo.labels import say
from bot.demo.transcript import Transcript
from bot.sandbox.models import Channel, Message, User
from bot.storage import intros as intro_store

PROFILES_SHOWN = 3
ANSWERS = {
    "ar": (
        "أرفع السعر مع كل عميل جديد بنسبة صغيرة، وأكتب نطاق العمل بوضوح قبل البدء.",
        "تعلمت أن أطلب دفعة مقدّمة دائمًا، حتى من العملاء الذين أعرفهم.",
        "أخصّص ساعة كل جمعة لمراجعة دخلي ومصاريفي؛ غيّر ذلك طريقة تسعيري.",
        "العزلة أصعب من العمل نفسه؛ مكالمة أسبوعية مع زميل تنقذني.",
        "أرفض المشاريع التي لا أفهم هدفها، وهذا وفّر عليّ كثيرًا.",
        "أكتب عقدًا قصيرًا من صفحة واحدة لكل مشروع، مهما كان صغيرًا.",
    ),
    "en": (
        "I raise my rate a little with every new client and write the scope down before starting.",
        "Always ask for a deposit, even from clients you know.",
        "One hour every Friday to review income and costs changed how I price.",
        "Isolation is harder than the work; a weekly call with a peer saves me.",
        "I turn down projects whose goal I don't understand — it saved me a lot.",
        "A one-page contract for every project, however small.",
    ),
}
SUGGESTION = {
    "ar": "كيف تتعامل مع عميل يطلب تعديلات مجانية لا تنتهي؟",
    "en": "How do you handle a client who keeps asking for free revisions?",
}
CLEAN_STORY = {
    "ar": (
        "أول مشروع هوية بصرية بسعر عادل",
        "قبلت أول مشروع بسعر منخفض جدًا لأني خفت أن أخسر العميل، ثم أمضيت ثلاثة أسابيع في تعديلات.",
        "سعّر المشروع كاملًا، وحدّد عدد التعديلات في العرض.",
    ),
    "en": (
        "My first fairly priced brand project",
        "I took my first project far too cheap because I was "
        "afraid to lose the client, then spent three weeks on revisions.",
        "Price the whole project and put the number of revisions in the quote.",
    ),
}
RISKY_STORY = {
    "ar": (
        "عميل تأخر في الدفع ثلاثة أشهر",
        "عملت مع {client} على متجر إلكتروني، وتأخر الدفع ثلاثة أشهر. "
        "كتبت إلى المدير على finance@{domain} واتصلت بالرقم ٠٥٥٠١٢٣٤٥٦ مرات كثيرة.",
        "اطلب دفعة مقدّمة، ولا تسلّم الملفات النهائية قبل الدفع.",
    ),
    "en": (
        "A client who paid three months late",
        "I built an online shop for {client} and they paid three "
        "months late. I wrote to finance@{domain} and called +966 55 012 3456 many times.",
        "Ask for a deposit and hand over final files only after payment.",
    ),
}
CLIENTS = ("Nakheel Foods", "Riyadh Dental Clinic")
REACTIONS = ("👍", "🔥", "❤️", "💡")
CHECKIN_ANSWERS = ("met", "met", "met", "not_yet", "couldnt")
SWAP_DIRECT = (("logo design", "wordpress development"), ("wordpress development", "logo design"))
SWAP_CYCLE = (("seo", "video editing"), ("video editing", "copywriting"), ("copywriting", "seo"))
SKILL_NAMES = {
    "logo design": {"ar": "تصميم الشعارات", "en": "Logo design"},
    "wordpress development": {"ar": "ووردبريس", "en": "WordPress"},
    "seo": {"ar": "تحسين محركات البحث", "en": "SEO"},
    "video editing": {"ar": "المونتاج", "en": "Video editing"},
    "copywriting": {"ar": "كتابة الإعلانات", "en": "Copywriting"},
}


@dataclass
class DemoResult:
    """What a demo run produced."""

    transcript: Transcript
    lang: str
    html_path: Path | None = None
    chart_path: Path | None = None
    violations: list[Any] = field(default_factory=list)
    paced_seconds: float = 0.0  # real seconds the bot waited on its pacer


class Demo(Stage):
    """One run of the story: the fake Discord, the real bot, the members and what they saw."""

    async def due_times(self) -> list[datetime]:
        """Return when the scheduled features and the pending check-ins run next."""
        scheduler = self.live.scheduler
        times = [scheduler.next_run(self.guild.id, feature) for feature in ("intros", "prompts", "digest")]
        times.extend(r.checkin_at for r in await intro_store.pending_checkins(self.live.db))
        return [when for when in times if when is not None]

    async def run_due(self) -> None:
        """Run every scheduled job that is due, then let the members react to what appeared."""
        prompt_threads = set(self.thread_ids("prompts"))
        now = self.bot_time.now()
        due_checkins = [r for r in await intro_store.pending_checkins(self.live.db) if r.checkin_at <= now]
        fired = await self.live.scheduler.fire_due()
        if fired:
            await self.settle()
            with contextlib.suppress(TimeoutError):
                await self.fake.wait_for(lambda: self.quiet_after_prompt(prompt_threads), timeout=5)
            self.report_new()
            for thread_id in set(self.thread_ids("prompts")) - prompt_threads:
                self.answer_prompt(self.fake.channels[thread_id])
        await self.run_checkins(due_checkins)

    def quiet_after_prompt(self, before: set[int]) -> bool:
        """Say whether a prompt that fell due has its answers thread (or no prompt fell due)."""
        config_due = self.live.scheduler.next_run(self.guild.id, "prompts")
        return (
            config_due is None
            or config_due > self.bot_time.now()
            or bool(set(self.thread_ids("prompts")) - before)
        )

    def thread_ids(self, channel_key: str) -> list[int]:
        """Return the ids of a demo channel's threads."""
        channel = self.channels.get(channel_key)
        return [t.id for t in self.fake.threads(channel)] if channel else []

    async def run_checkins(self, due: list[Any]) -> None:
        """Let members answer the check-ins that fell due (the scheduler just posted them)."""
        for stored in due:
            groups = [g for g in await intro_store.round_groups(self.live.db, stored.round_id) if g.thread_id]
            threads = [g.thread_id for g in groups if g.thread_id is not None]

            def all_asked(threads: list[int] = threads) -> bool:
                return all(self.checkin_message(thread_id) for thread_id in threads)

            await self.fake.wait_for(all_asked, timeout=WAIT)
            self.report_new(threads_shown=1)
            counts = {"met": 0, "not_yet": 0, "couldnt": 0}
            for number, (group, thread_id) in enumerate(zip(groups, threads, strict=True)):
                message = self.checkin_message(thread_id)
                assert message is not None
                for member_id in group.members:
                    user = self.fake.users[member_id]
                    if self.guild.members.get(member_id) is None:
                        continue  # left the server
                    answer = self.rng.choice(CHECKIN_ANSWERS)
                    custom_id = f"majlis:intros:checkin:{group.group_id}:{answer}"
                    if message.component(custom_id) is None:
                        continue
                    await self.click(user, message, custom_id, show=number == 0)
                    counts[answer] += 1
            self.transcript.note(say(self.lang, "checkins", **counts))
        self.report_new(threads_shown=1)

    def checkin_message(self, thread_id: int) -> Message | None:
        """Return the check-in question in an intro thread, once posted."""
        for message in self.fake.messages(thread_id):
            # The intro itself has a "We met" button too; the check-in is the one asking "not yet?".
            if any(
                c.startswith("majlis:intros:checkin:") and c.endswith(":not_yet")
                for c in message.custom_ids()
            ):
                return message
        return None

    def answer_prompt(self, thread: Channel) -> None:
        """Some members answer the week's prompt; others react to the answers."""
        present = [u for u in self.users.values() if u.id in self.guild.members]
        writers = self.rng.sample(present, k=min(5, len(present)))
        answers = self.rng.sample(ANSWERS[self.lang], k=len(writers))
        posted = []
        for writer, text in zip(writers, answers, strict=True):
            message = self.say_as(writer, thread, text)
            self.transcript.action(
                self.name(writer), f"{say(self.lang, 'typed')} ({self.place_of(message)}): {text}"
            )
            posted.append(message)
        for message in posted:
            for reader in self.rng.sample(present, k=self.rng.randint(0, 6)):
                if reader.id != message.author_id:
                    self.fake.add_reaction(message, reader, self.rng.choice(REACTIONS))
        self.transcript.note(say(self.lang, "answers", count=len(posted)))

    # --- the story ----------------------------------------------------------------------------

    async def play(self) -> None:
        """Play the whole month."""
        self.transcript.heading(say(self.lang, "title", count=len(self.community)))
        self.transcript.heading(say(self.lang, "setup"))
        await self.set_up_server()
        await self.fill_profiles()
        await self.suggest_a_prompt()
        week_one = self.bot_time.now()
        for week in range(1, self.weeks + 1):
            start = week_one + timedelta(weeks=week - 1)
            self.transcript.heading(say(self.lang, "week", week=week, when=start.strftime("%Y-%m-%d")))
            await self.advance_to(start + timedelta(days=2, hours=3))  # past Sunday's prompt and round
            if week == 1:
                await self.share_experiences()
                await self.advance_to(start + timedelta(days=3, hours=3))
                await self.swap_skills()
            if week == min(2, self.weeks):
                await self.leave_server()
            if week == min(3, self.weeks):
                await self.finish_swap()
            await self.advance_to(start + timedelta(days=7))
        # The last digest runs the day before the next prompt: let it happen.
        await self.advance_to(week_one + timedelta(weeks=self.weeks, hours=6))
        self.transcript.heading(say(self.lang, "end"))
        await self.wrap_up()

    async def set_up_server(self) -> None:
        """The admin picks the language and turns every feature on."""
        fake, admin = self.fake, self.admin
        await self.invoke(admin, "majlis language", language=self.lang)
        self.channels["intros"] = fake.create_text_channel(self.guild, "intros")
        self.channels["prompts"] = fake.create_text_channel(self.guild, "prompts")
        self.channels["swaps"] = fake.create_text_channel(self.guild, "swaps")
        self.channels["experiences"] = fake.create_forum_channel(self.guild, "experiences")
        await fake.wait_for(lambda: self.live.get_channel(self.channels["experiences"].id) is not None)
        await self.invoke(
            admin,
            "majlis intros",
            options={"channel": self.channels["intros"], "weekday": 6, "hour": 10, "timezone": "Asia/Riyadh"},
        )
        await self.invoke(
            admin, "majlis prompts", options={"channel": self.channels["prompts"], "weekday": 6, "hour": 9}
        )
        await self.invoke(admin, "majlis swaps", options={"channel": self.channels["swaps"]})
        await self.invoke(admin, "majlis share", forum=self.channels["experiences"])
        self.report_new()

    async def fill_profiles(self) -> None:
        """Every member fills in a profile; most join the intros."""
        for index, person in enumerate(self.community):
            user = self.users[person.username]
            show = index < PROFILES_SHOWN
            if index == PROFILES_SHOWN:
                # Searched before the crowd arrives: `/profile find` orders ties by a wall-clock stamp.
                await self.invoke(user, "profile find", field=self.community[0].field)
            await self.invoke(
                user,
                "profile set",
                show=show,
                field=person.field,
                skills=", ".join(person.skills),
                timezone=person.timezone,
                languages=person.languages,
                about=person.about,
            )
            if person.joins_intros:
                await self.invoke(user, "intros join", show=show)
        self.transcript.note(say(self.lang, "more_profiles", count=len(self.community) - PROFILES_SHOWN))
        first, second = (self.users[p.username] for p in self.community[:2])
        await self.invoke(second, "profile show", member=first)
        await self.invoke(self.admin, "majlis run", feature="intros", dry_run=True)

    async def suggest_a_prompt(self) -> None:
        """A member suggests a prompt; the admin approves it, so it goes first."""
        author = self.users[self.community[2].username]
        await self.invoke(author, "prompt suggest", text=SUGGESTION[self.lang])
        queue = await self.invoke(self.admin, "majlis prompts-queue")
        approve = next(
            (
                c
                for c in (queue.message.custom_ids() if queue.message else [])
                if c.startswith("majlis:prompt:approve:")
            ),
            None,
        )
        if approve is not None and queue.message is not None:
            await self.click(self.admin, queue.message, approve)

    async def share_experiences(self) -> None:
        """One clean story, and one the privacy check catches (client name, e-mail, phone) and masks."""
        self.transcript.heading(say(self.lang, "share"))
        forum = self.channels["experiences"]
        clean_author, careful = (self.users[p.username] for p in self.community[3:5])
        title, story, lesson = CLEAN_STORY[self.lang]
        opened = await self.invoke(clean_author, "share post")
        await self.submit(
            clean_author,
            opened,
            {"majlis:share:title": title, "majlis:share:story": story, "majlis:share:lesson": lesson},
        )
        await self.fake.wait_for(lambda: len(self.fake.threads(forum)) >= 1, timeout=WAIT)
        self.report_new()
        if self.has_command("privacy clients"):
            opened = await self.invoke(careful, "privacy clients")
            if opened.modal is not None:
                await self.submit(careful, opened, {"majlis:privacy:clients": "\n".join(CLIENTS)})
        title, story, lesson = RISKY_STORY[self.lang]
        opened = await self.invoke(careful, "share post")
        draft = await self.submit(
            careful,
            opened,
            {
                "majlis:share:title": title,
                "majlis:share:story": story.format(client=CLIENTS[0], domain="nakheel.sa"),
                "majlis:share:lesson": lesson,
            },
        )
        mask = next(
            (c for c in (draft.message.custom_ids() if draft.message else []) if c.endswith(":mask")), None
        )
        if mask is not None and draft.message is not None:
            await self.click(careful, draft.message, mask)
            await self.fake.wait_for(lambda: len(self.fake.threads(forum)) >= 2, timeout=WAIT)
        self.report_new()
        await self.invoke(
            self.users[self.community[5].username],
            "share search",
            query="دفعة" if self.lang == "ar" else "deposit",
        )

    async def offer(self, user: User, give: str, want: str) -> int | None:
        """Post a swap offer; return its request id (read from its board card's button)."""
        board = self.channels["swaps"]
        before = {m.id for m in self.fake.messages(board)}
        await self.invoke(
            user, "swap offer", offer=SKILL_NAMES[give][self.lang], want=SKILL_NAMES[want][self.lang]
        )
        for message in self.fake.messages(board):
            if message.id not in before:
                for custom_id in message.custom_ids():
                    if found := re.fullmatch(r"majlis:swaps:help:(\d+)", custom_id):
                        return int(found.group(1))
        return None

    async def swap_skills(self) -> None:
        """A direct swap and a three-way cycle; everyone confirms."""
        self.transcript.heading(say(self.lang, "swaps"))
        board = self.channels["swaps"]
        people = [self.users[p.username] for p in self.community[6:11]]
        self.swap_requests: dict[int, int] = {}
        for user, (give, want) in zip(people[:2], SWAP_DIRECT, strict=True):
            request = await self.offer(user, give, want)
            if request is not None:
                self.swap_requests[user.id] = request
        await self.settle()
        for user, (give, want) in zip(people[2:], SWAP_CYCLE, strict=True):
            await self.offer(user, give, want)
        await self.settle()
        self.report_new(threads_shown=2)
        for thread in self.fake.threads(board):
            await self.confirm_swap(thread)
        self.report_new(threads_shown=2)

    async def confirm_swap(self, thread: Channel) -> None:
        """Each member of a proposed swap presses their own Confirm button."""
        proposal = next(
            (
                m
                for m in self.fake.messages(thread)
                if any(c.startswith("majlis:swaps:match:") for c in m.custom_ids())
            ),
            None,
        )
        if proposal is None:
            return
        notes = len(self.fake.messages(thread))
        for custom_id in [c for c in proposal.custom_ids() if c.endswith(":confirm")]:
            label = (proposal.component(custom_id) or {}).get("label", "")
            owner = next(
                (
                    self.fake.users[u]
                    for u in thread.members
                    if u in self.people and self.name(self.fake.users[u]) in label
                ),
                None,
            )
            if owner is not None:
                await self.click(owner, proposal, custom_id)
        # The last confirmation is announced in a follow-up: wait for it before time moves on.
        await self.fake.wait_for(lambda: len(self.fake.messages(thread)) > notes, timeout=WAIT)

    async def finish_swap(self) -> None:
        """The direct swap is done; its owner thanks the partner."""
        self.transcript.heading(say(self.lang, "swap_done"))
        owner = self.users[self.community[6].username]
        request = getattr(self, "swap_requests", {}).get(owner.id)
        if request is None:
            return
        thanks = "شكرًا، الموقع رائع!" if self.lang == "ar" else "Thank you, the site looks great!"
        await self.invoke(owner, "swap done", id=request, thanks=thanks)
        self.report_new()

    async def leave_server(self) -> None:
        """One member leaves the server."""
        leaver = self.users[self.community[-1].username]
        self.leaver = leaver
        self.fake.remove_member(self.guild, leaver)
        await self.fake.wait_for(
            lambda: (g := self.live.get_guild(self.guild.id)) is not None and g.get_member(leaver.id) is None,
            timeout=WAIT,
        )
        self.transcript.note(say(self.lang, "leaves", who=self.name(leaver)))

    async def wrap_up(self) -> None:
        """Members look at their intros and data; the admin looks at status and stats."""
        first = self.users[self.community[0].username]
        await self.invoke(first, "intros status")
        await self.invoke(first, "profile show")
        for person in (self.community[1], next(p for p in self.community if not p.dms_open)):
            if self.has_command("privacy export"):
                await self.invoke(self.users[person.username], "privacy export")
        self.report_new()
        await self.invoke(self.admin, "majlis status")
        stats = await self.invoke(self.admin, "majlis stats", weeks=max(self.weeks, 1))
        charts = [a for a in stats.attachments if a.filename.endswith(".png")]
        self.chart = charts[0].data if charts else None


async def run_demo(
    *,
    lang: str = "ar",
    seed: int = 7,
    weeks: int = 4,
    members: int = 40,
    out_dir: Path | None = Path("demo-out"),
) -> DemoResult:
    """Play the month against the fake Discord; write the HTML page and stats chart to ``out_dir``."""
    if lang not in ("ar", "en"):
        raise ValueError(f"unknown language {lang!r}")
    with tempfile.TemporaryDirectory(prefix="majlis-demo-") as scratch:
        demo = Demo(lang=lang, seed=seed, weeks=weeks, members=members, db_path=Path(scratch) / "majlis.db")
        await demo.open()
        try:
            await demo.play()
        finally:
            await demo.close()
        result = DemoResult(
            demo.transcript, lang, violations=list(demo.fake.violations), paced_seconds=demo.pacer.waited
        )
        if out_dir is not None:
            await asyncio.to_thread(write_outputs, demo, result, out_dir)
        return result


def write_outputs(demo: Demo, result: DemoResult, out_dir: Path) -> None:
    """Write the stats chart and the server's HTML page into ``out_dir`` (blocking file work)."""
    from bot.demo.page import render_page

    out_dir.mkdir(parents=True, exist_ok=True)
    if demo.chart is not None:
        result.chart_path = out_dir / "stats.png"
        result.chart_path.write_bytes(demo.chart)
        demo.transcript.note(say(result.lang, "chart", path=result.chart_path))
    result.html_path = render_page(
        demo.fake, demo.guild, result.lang, out_dir, demo.names(), result.chart_path
    )
    demo.transcript.note(say(result.lang, "page", path=result.html_path))
