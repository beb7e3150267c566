"""Benchmark the client-privacy check on the labelled corpus: precision, recall and speed."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from bot.privacy import scan_for_client_details

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "privacy_corpus.json"
ROUNDS = 5


def main() -> None:
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
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
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for example in corpus:
            scan_for_client_details(example["text"], example["clients"])
    ms_per_post = (time.perf_counter() - started) * 1000 / (ROUNDS * len(corpus))
    precision = true_pos / max(1, true_pos + false_pos)
    recall = true_pos / max(1, true_pos + false_neg)
    print(
        f"bench privacy examples={len(corpus)} precision={precision:.3f} recall={recall:.3f} "
        f"ms_per_post={ms_per_post:.2f}"
    )
