"""Benchmark the client-privacy check on the labelled corpus: precision, recall and speed."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.client_details import scan_for_client_details

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "privacy_corpus.json"
ROUNDS = 5


def score(corpus: list[dict[str, Any]]) -> tuple[float, float]:
    """Return the privacy check's (precision, recall) over labelled examples, finding by finding."""
    true_pos = false_pos = false_neg = 0
    for example in corpus:
        got = Counter(
            (f.kind.value, f.text) for f in scan_for_client_details(example["text"], example["clients"])
        )
        want = Counter((item["kind"], item["text"]) for item in example["expected"])
        hits = sum((got & want).values())
        true_pos += hits
        false_pos += sum(got.values()) - hits
        false_neg += sum(want.values()) - hits
    return true_pos / max(1, true_pos + false_pos), true_pos / max(1, true_pos + false_neg)


def main() -> None:
    """Print precision, recall and time per post over the labelled corpus."""
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    precision, recall = score(corpus)
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for example in corpus:
            scan_for_client_details(example["text"], example["clients"])
    ms_per_post = (time.perf_counter() - started) * 1000 / (ROUNDS * len(corpus))
    print(
        f"bench privacy examples={len(corpus)} precision={precision:.3f} recall={recall:.3f} "
        f"ms_per_post={ms_per_post:.2f}"
    )
