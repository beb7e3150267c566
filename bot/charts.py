"""The `/majlis stats` chart: a PNG readable at a glance, with Arabic shaped and ordered right to left."""

from __future__ import annotations

import io
import re

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.i18n import t
from bot.intros import IntroStats

# DejaVu Sans (shipped with matplotlib) has Arabic glyphs.
FONT_FAMILY = "DejaVu Sans"
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]\ufe0f?")
BAR_COLOUR = "#2E8B57"
MET_COLOUR = "#E0A030"


def shape(text: str) -> str:
    """Return text ready to draw in the chart.

    matplotlib 3.11+ lays out complex scripts itself (libraqm): it joins Arabic letters and orders
    the line right to left. Pre-shaping with arabic-reshaper + python-bidi, as older versions
    needed, would now reverse the line a second time — a unit test renders both to prove it.
    """
    return text


def stats_chart(stats: IntroStats, lang: str, weeks: int) -> bytes:
    """Draw intros made and met per round as a PNG, titled and labelled in `lang`."""
    rounds = stats.rounds
    labels = [r.scheduled_for.strftime("%d/%m") for r in rounds]
    groups = [r.groups for r in rounds]
    met = [r.met_groups for r in rounds]
    # A bare Figure with its own Agg canvas: no pyplot global state, safe in a long-running bot.
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(rounds)))
    # Arabic reads right to left: the oldest round sits on the right, time runs leftwards.
    if lang == "ar":
        axes.invert_xaxis()
    width = 0.38
    axes.bar(
        [p - width / 2 for p in positions],
        groups,
        width,
        color=BAR_COLOUR,
        label=shape(t(lang, "intros.stats.legend_groups")),
    )
    axes.bar(
        [p + width / 2 for p in positions],
        met,
        width,
        color=MET_COLOUR,
        label=shape(t(lang, "intros.stats.legend_met")),
    )
    for p, value in zip(positions, groups, strict=True):
        axes.annotate(str(value), (p - width / 2, value), ha="center", va="bottom", fontsize=9)
    axes.set_xticks(positions, labels)
    axes.set_title(shape(t(lang, "intros.stats.chart_title", weeks=weeks)), fontsize=14, family=FONT_FAMILY)
    axes.set_xlabel(shape(t(lang, "intros.stats.axis_round")), family=FONT_FAMILY)
    axes.set_ylabel(shape(t(lang, "intros.stats.axis_groups")), family=FONT_FAMILY)
    locator = axes.yaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):  # the default AutoLocator is one
        locator.set_params(integer=True)
    if not rounds:
        axes.text(
            0.5,
            0.5,
            shape(t(lang, "intros.stats.no_rounds")),
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=13,
            family=FONT_FAMILY,
        )
        axes.set_xticks([])
    axes.spines[["top", "right"]].set_visible(False)
    # Headroom above the tallest bar keeps the legend off the data.
    axes.set_ylim(0, max([*groups, 1]) * 1.3)
    axes.legend(prop={"family": FONT_FAMILY}, loc="upper center", ncols=2, frameon=False)
    parts = [
        t(lang, "intros.stats.prompts_answered", count=stats.prompts_answered),
        t(lang, "intros.stats.swaps_done", count=stats.swaps_done),
    ]
    # The chart font has no emoji: drop them rather than draw empty boxes.
    footer = shape("   ·   ".join(_EMOJI.sub("", part).strip() for part in parts))
    figure.text(0.5, 0.01, footer, ha="center", va="bottom", fontsize=11, family=FONT_FAMILY)
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
