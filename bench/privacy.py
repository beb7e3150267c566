"""Benchmark the client-privacy check on the labelled corpora: what it catches, what it leaks, and its cost.

Two corpora in one format, `{"cases": [{"id", "lang", "clients", "text", "expected": [{"kind", "text"}]}]}`:
`tests/data/privacy_corpus.json` (split=dev, written with the scanner) and `tests/data/privacy_eval.json`
(split=eval, written by someone who had not read the scanner, and never tuned against).

An expected text counts at every place it occurs in the post. Findings are matched to expected
details by character overlap, whatever kind either is (a phone
masked as a card is still hidden); `kind_agreement` says how often the kinds also agree.
- precision: findings that overlap an expected detail / all findings
- recall: expected details that some finding overlaps / all expected details
- clean_flag_rate: clean posts (nothing expected) with any finding / clean posts
- leak_rate: posts with details where, after masking, any expected character is still visible / such posts
- partial_masks: expected details masked in part only (worse than a miss: it looks handled)
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.client_details import Finding, FindingKind, scan_for_client_details

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SPLITS = {"dev": DATA / "privacy_corpus.json", "eval": DATA / "privacy_eval.json"}
POST_CHARS = 2000
ADVERSARIAL_CHARS = 4000
TIMING_ROUNDS = 200


@dataclass
class Score:
    """Counts over a corpus, overall and per kind."""

    cases: int = 0
    findings: int = 0
    true_findings: int = 0
    expected: int = 0
    found: int = 0
    kind_agree: int = 0
    clean_posts: int = 0
    clean_flagged: int = 0
    detail_posts: int = 0
    leaked_posts: int = 0
    partial_masks: int = 0
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (case id, kind, text)
    false_alarms: list[tuple[str, str, str]] = field(default_factory=list)
    partials: list[tuple[str, str, str]] = field(default_factory=list)

    def kind(self, name: str) -> Counter[str]:
        """Return the counters of one kind."""
        return self.by_kind.setdefault(name, Counter())

    @property
    def precision(self) -> float:
        """Share of findings that overlap an expected detail."""
        return self.true_findings / self.findings if self.findings else 1.0

    @property
    def recall(self) -> float:
        """Share of expected details that a finding overlaps."""
        return self.found / self.expected if self.expected else 1.0


def load(split: str) -> list[dict[str, Any]]:
    """Read one corpus's cases; an absent file is an empty corpus."""
    path = SPLITS[split]
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8"))["cases"])


def expected_spans(case: dict[str, Any]) -> list[tuple[int, int, str]]:
    """Place each expected text at every place it occurs in the post.

    A label names a detail, not one occurrence of it: a client named twice is two spans to mask, and
    a finding on the second mention is as right as one on the first.
    """
    spans: dict[tuple[int, int], str] = {}
    text = case["text"]
    for item in case["expected"]:
        wanted = item["text"]
        start = text.find(wanted)
        if start < 0:
            raise ValueError(f"{case['id']}: expected text not in the post: {wanted!r}")
        spans.setdefault((start, start + len(wanted)), item["kind"])
        start = text.find(wanted, start + len(wanted))
        while start >= 0:
            end = start + len(wanted)
            # Further mentions as words of their own ("Sara", not the "Sara" in "Sarah").
            if not (text[start - 1 : start].isalnum() or text[end : end + 1].isalnum()):
                spans.setdefault((start, end), item["kind"])
            start = text.find(wanted, end)
    return [(start, end, kind) for (start, end), kind in sorted(spans.items())]


def scan(case: dict[str, Any]) -> list[Finding]:
    """Run the check on one case as the bot does."""
    return scan_for_client_details(case["text"], case.get("clients", ()))


def score(cases: Iterable[dict[str, Any]]) -> Score:
    """Score the check over labelled cases."""
    result = Score()
    for case in cases:
        result.cases += 1
        findings = scan(case)
        spans = expected_spans(case)
        covered: set[int] = set()
        for f in findings:
            covered.update(range(f.start, f.end))
        for f in findings:
            overlapping = [s for s in spans if f.start < s[1] and s[0] < f.end]
            result.findings += 1
            result.kind(f.kind.value)["findings"] += 1
            if overlapping:
                result.true_findings += 1
                result.kind(f.kind.value)["true_findings"] += 1
            else:
                result.false_alarms.append((case["id"], f.kind.value, f.text))
        leaked = False
        for start, end, kind in spans:
            counts = result.kind(kind)
            result.expected += 1
            counts["expected"] += 1
            hits = [f for f in findings if f.start < end and start < f.end]
            if hits:
                result.found += 1
                counts["found"] += 1
                result.kind_agree += any(f.kind.value == kind for f in hits)
            else:
                result.misses.append((case["id"], kind, case["text"][start:end]))
            chars = [i for i in range(start, end) if not case["text"][i].isspace()]
            visible = sum(1 for i in chars if i not in covered)
            if visible:
                leaked = True
                if visible < len(chars):
                    result.partial_masks += 1
                    counts["partial"] += 1
                    result.partials.append((case["id"], kind, case["text"][start:end]))
        if spans:
            result.detail_posts += 1
            result.leaked_posts += leaked
        else:
            result.clean_posts += 1
            result.clean_flagged += bool(findings)
    return result


def posts_of(cases: list[dict[str, Any]], chars: int) -> list[tuple[str, list[str]]]:
    """Glue cases into posts of about `chars` characters (with their clients), for timing."""
    posts: list[tuple[str, list[str]]] = []
    text, clients = "", []
    for case in cases * (1 + chars * 20 // max(1, sum(len(c["text"]) for c in cases))):
        text += case["text"] + "\n"
        clients += case.get("clients", [])
        if len(text) >= chars:
            posts.append((text[:chars], clients))
            text, clients = "", []
    return posts[:50]


def timings_ms(posts: list[tuple[str, list[str]]], rounds: int = TIMING_ROUNDS) -> tuple[float, float]:
    """The median and 99th-percentile CPU time of one scan, in milliseconds.

    CPU time of this thread (`time.thread_time`), so other work on a shared machine does not count.
    """
    for text, clients in posts:
        scan_for_client_details(text, clients)  # warm: the suffix list loads on first use
    times = []
    for i in range(rounds):
        text, clients = posts[i % len(posts)]
        started = time.thread_time()
        scan_for_client_details(text, clients)
        times.append((time.thread_time() - started) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def adversarial_posts(chars: int = ADVERSARIAL_CHARS) -> list[tuple[str, list[str]]]:
    """Texts built to make a naive scanner slow: digit runs, separators, @ and dots, many near-names."""
    pieces = [
        "1 -",
        "1 - ",
        "0",
        "12 ",
        "+1 ",
        "SA03 ",
        "a@",
        "@a ",
        "a.",
        "a. ",
        "x@y.",
        "[at] ",
        "4111 ",
        "٠٥ ",
    ]
    posts: list[tuple[str, list[str]]] = [((piece * chars)[:chars], []) for piece in pieces]
    names = [f"شركة {i}" for i in range(100)]
    posts.append((("شركة " * chars)[:chars], names))
    return posts


def figures(split: str, cases: list[dict[str, Any]]) -> list[str]:
    """The bench lines for one split: overall, then one per kind."""
    result = score(cases)
    p50, p99 = timings_ms(posts_of(cases, POST_CHARS)) if cases else (0.0, 0.0)
    clean_rate = result.clean_flagged / result.clean_posts if result.clean_posts else 0.0
    leak_rate = result.leaked_posts / result.detail_posts if result.detail_posts else 0.0
    agreement = result.kind_agree / result.found if result.found else 1.0
    lines = [
        f"bench privacy split={split} cases={result.cases} precision={result.precision:.3f} "
        f"recall={result.recall:.3f} clean_flag_rate={clean_rate:.3f} leak_rate={leak_rate:.3f} "
        f"partial_masks={result.partial_masks} p99_ms={p99:.2f} p50_ms={p50:.2f} post_chars={POST_CHARS} "
        f"kind_agreement={agreement:.3f}"
    ]
    for kind in FindingKind:
        counts = result.kind(kind.value)
        recall = counts["found"] / counts["expected"] if counts["expected"] else 1.0
        precision = counts["true_findings"] / counts["findings"] if counts["findings"] else 1.0
        lines.append(
            f"bench privacy split={split} kind={kind.value} expected={counts['expected']} "
            f"recall={recall:.3f} findings={counts['findings']} precision={precision:.3f} "
            f"partial_masks={counts['partial']}"
        )
    return lines


def main() -> None:
    """Print the figures for the dev and eval corpora and the cost on adversarial text."""
    for split in SPLITS:
        cases = load(split)
        if not cases:
            print(f"bench privacy split={split} cases=0 (no corpus)")
            continue
        for line in figures(split, cases):
            print(line)
    adversarial = adversarial_posts()
    p50, p99 = timings_ms(adversarial, rounds=20 * len(adversarial))
    print(
        f"bench privacy adversarial chars={ADVERSARIAL_CHARS} posts={len(adversarial)} "
        f"p99_ms={p99:.2f} p50_ms={p50:.2f}"
    )
