"""Score an event taxonomy against the hand-labelled evaluation set.

    python tests/eval/evaluate.py [--taxonomy PATH] [--split tune|heldout|all] [--misses]

eval_set.csv has one row per sentence: id, split (tune / heldout, fixed by a hash of the text
when the set was written, before the taxonomy was tuned), kind (conflict / unrelated), events
(space-separated expected event ids; empty for unrelated text) and text. Recall and precision
are per sentence: an event counts as found when detect_events reports it for that sentence.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.events import Taxonomy, detect_events, load_taxonomy

EVAL_SET = Path(__file__).resolve().parent / "eval_set.csv"
# The event types the quality target is set on (what coders called strike/explosion, civilian
# casualty, civilian infrastructure damage, ground battle, military presence).
TARGET_EVENTS = (
    "strike",
    "civilian_harm",
    "infrastructure_damage",
    "ground_combat",
    "troop_movement",
)
RECALL_TARGET = 0.80
FALSE_FIRE_TARGET = 0.08


@dataclass(frozen=True)
class Scores:
    """Evaluation of one taxonomy on one part of the evaluation set."""

    per_event: pd.DataFrame  # one row per event id: n_expected, n_detected, tp, recall, precision
    target_recall: float  # mean recall over TARGET_EVENTS
    false_fire_rate: float  # share of unrelated sentences with any event detected
    n_sentences: int
    n_unrelated: int
    details: pd.DataFrame  # one row per sentence: id, kind, text, expected, detected


def load_eval_set(split: str = "all") -> pd.DataFrame:
    """The evaluation sentences of ``split`` ("tune", "heldout" or "all"), in file order."""
    frame = pd.read_csv(EVAL_SET, dtype=str, keep_default_na=False)
    if split != "all":
        frame = frame[frame["split"] == split].reset_index(drop=True)
    return frame


def evaluate(taxonomy: Taxonomy, frame: pd.DataFrame) -> Scores:
    """Per-event recall/precision and the false-fire rate of ``taxonomy`` on ``frame``."""
    sentences = pd.DataFrame({"doc_id": frame["id"], "sent_idx": 0, "text": frame["text"]})
    hits = detect_events(sentences, taxonomy)
    detected = hits.groupby("doc_id")["event"].agg(set).to_dict()
    expected = {i: set(e.split()) for i, e in zip(frame["id"], frame["events"], strict=True)}
    rows = []
    for event in taxonomy.ids:
        exp = {i for i, s in expected.items() if event in s}
        det = {i for i, s in detected.items() if event in s}
        tp = len(exp & det)
        rows.append(
            {
                "event": event,
                "n_expected": len(exp),
                "n_detected": len(det),
                "tp": tp,
                "recall": tp / len(exp) if exp else float("nan"),
                "precision": tp / len(det) if det else float("nan"),
            }
        )
    per_event = pd.DataFrame(rows)
    target = per_event.set_index("event").loc[list(TARGET_EVENTS), "recall"]
    unrelated = frame.loc[frame["kind"] == "unrelated", "id"]
    fired = sum(1 for i in unrelated if detected.get(i))
    details = frame[["id", "kind", "text"]].assign(
        expected=[" ".join(sorted(expected[i])) for i in frame["id"]],
        detected=[" ".join(sorted(detected.get(i, ()))) for i in frame["id"]],
    )
    return Scores(
        per_event=per_event,
        target_recall=float(target.mean()),
        false_fire_rate=fired / len(unrelated) if len(unrelated) else 0.0,
        n_sentences=len(frame),
        n_unrelated=len(unrelated),
        details=details,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxonomy", default=None, help="taxonomy YAML (default: shipped one)")
    parser.add_argument("--split", default="all", choices=["tune", "heldout", "all"])
    parser.add_argument("--misses", action="store_true", help="list misses and false hits")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy(args.taxonomy)
    splits = ["tune", "heldout"] if args.split == "all" else [args.split]
    ok = True
    for split in splits:
        frame = load_eval_set(split)
        started = time.perf_counter()
        scores = evaluate(taxonomy, frame)
        elapsed = time.perf_counter() - started
        print(f"\n== {split}: {scores.n_sentences} sentences ({scores.n_unrelated} unrelated)")
        with pd.option_context("display.width", 120, "display.precision", 2):
            print(scores.per_event.to_string(index=False))
        print(
            f"mean recall over {', '.join(TARGET_EVENTS)}: {scores.target_recall:.3f} "
            f"(target >= {RECALL_TARGET})"
        )
        print(
            f"false-fire rate on unrelated text: {scores.false_fire_rate:.3f} "
            f"(target < {FALSE_FIRE_TARGET})"
        )
        print(f"scored in {elapsed:.2f} s")
        ok &= scores.target_recall >= RECALL_TARGET and scores.false_fire_rate < FALSE_FIRE_TARGET
        if args.misses:
            d = scores.details
            for row in d.itertuples():
                exp, det = set(row.expected.split()), set(row.detected.split())
                if exp != det:
                    print(f"  {row.id} missed={sorted(exp - det)} extra={sorted(det - exp)}")
                    print(f"      {row.text}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
