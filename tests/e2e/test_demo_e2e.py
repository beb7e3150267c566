"""End to end: the demo plays a (short) month against the fake Discord and shows every feature."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from bot.demo import run_demo
from bot.demo.__main__ import main
from bot.demo.transcript import render, wants_colour
from bot.i18n import t


class _Page(HTMLParser):
    """Collect the page's root attributes and its images."""

    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, str | None] = {}
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.root = dict(attrs)
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")


async def test_one_week_in_arabic_shows_every_feature_and_writes_the_page(tmp_path, error_log):
    result = await run_demo(lang="ar", seed=3, weeks=1, members=14, out_dir=tmp_path)
    text = result.transcript.text()
    assert result.violations == []
    assert result.paced_seconds < 0.5  # Discord's windows are shrunk: the demo never sits out a real one
    assert "/profile set" in text and t("ar", "profile.saved") in text  # profiles
    assert (
        t("ar", "intros.checkin.recorded", answer=t("ar", "intros.answer.met")) in text
    )  # intros + check-in
    assert t("ar", "prompts.post_title") in text  # the weekly prompt
    # The privacy check showed the author what it found; the posted thread has it masked.
    findings = [
        e for e in result.transcript.entries if e.audience and "finance@nakheel.sa" in "\n".join(e.lines)
    ]
    posted = [
        e for e in result.transcript.entries if e.kind == "message" and e.place.startswith("#experiences")
    ]
    assert findings and len(posted) == 2
    assert all("nakheel" not in "\n".join(e.lines).casefold() for e in posted)
    assert "/swap offer" in text and text.count("/swap offer") == 5  # a direct swap and a three-way cycle
    assert t("ar", "prompts.digest_title") in text  # the digest
    assert t("ar", "intros.stats.title", weeks=1) in text  # stats
    # Written in the guild's language, with the server as a right-to-left page and the chart beside it.
    assert t("ar", "intros.stats.title", weeks=1) in text and t("en", "prompts.post_title") not in text
    page = _Page()
    page.feed(result.html_path.read_text(encoding="utf-8"))
    assert page.root.get("dir") == "rtl" and page.root.get("lang") == "ar"
    assert result.chart_path is not None and result.chart_path.read_bytes().startswith(b"\x89PNG")
    assert "stats.png" in page.images and all((tmp_path / src).exists() for src in page.images)


async def test_the_same_seed_replays_the_same_month(tmp_path, error_log):
    first = await run_demo(lang="en", seed=11, weeks=1, members=12, out_dir=tmp_path)
    second = await run_demo(lang="en", seed=11, weeks=1, members=12, out_dir=tmp_path)
    assert first.transcript.text() == second.transcript.text()
    assert t("en", "prompts.digest_title") in first.transcript.text()


async def test_colour_only_on_a_terminal_without_no_color(tmp_path, error_log):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wants_colour(Terminal(), env={}) is True
    assert wants_colour(Terminal(), env={"NO_COLOR": "1"}) is False
    assert wants_colour(io.StringIO(), env={}) is False
    result = await run_demo(lang="en", seed=5, weeks=1, members=12, out_dir=None)
    assert "\x1b[" in render(result.transcript, colour=True)
    assert "\x1b[" not in result.transcript.text()
    assert result.html_path is None


def test_the_command_line_refuses_a_bad_language(capsys):
    try:
        main(["--lang", "fr"])
    except SystemExit as exit_:
        assert exit_.code == 2
    else:
        raise AssertionError("--lang fr was accepted")
    assert "invalid choice" in capsys.readouterr().err
