"""Build a round of peer introductions: who meets whom, and why.

`scoring` says how good an introduction is and why (pair weights, reasons, vectorised profiles);
`pairing` finds the best pairs (exact matching, in blocks at scale); `solving` grows them into the
round's groups under the hard rules.
"""

from bot.matching.pairing import BlockEdges, solve_block, solve_blocks
from bot.matching.scoring import (
    MODES,
    UNITS_PER_POINT,
    Candidate,
    Group,
    MatchInput,
    MatchResult,
    Reason,
    group_reasons,
    meeting_window_utc,
    pair_reasons,
    pair_weight,
    working_hours_overlap,
)
from bot.matching.solving import match_members, plan_group_sizes

__all__ = [
    "MODES",
    "UNITS_PER_POINT",
    "BlockEdges",
    "Candidate",
    "Group",
    "MatchInput",
    "MatchResult",
    "Reason",
    "group_reasons",
    "match_members",
    "meeting_window_utc",
    "pair_reasons",
    "pair_weight",
    "plan_group_sizes",
    "solve_block",
    "solve_blocks",
    "working_hours_overlap",
]
