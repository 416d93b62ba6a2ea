"""Regenerate tests/reference/sentiment_seeds.json: VADER scores of every seed sentence.

Run ``python tests/reference/make_sentiment.py`` (or ``make references``) and review the diff.
The scores come from the vaderSentiment package itself (``engine="reference"``), so the file
pins the reference numbers that helpers.sentiment's fast engine must reproduce.

Sentences come from helpers.corpus.load_corpus + helpers.text.split_sentences. The tests score
the stored sentence texts, so a change in splitting alters this file, not the tests' verdict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from helpers import config
from helpers.corpus import load_corpus
from helpers.sentiment import SCORE_COLUMNS, score_sentences, vader_version
from helpers.text import split_sentences

OUTPUT = Path(__file__).resolve().parent / "sentiment_seeds.json"


def seed_sentences() -> tuple[pd.DataFrame, dict[str, str]]:
    """The seeds' sentences (doc_id, sent_idx, text) and a note of how they were obtained."""
    documents = load_corpus(config.SEEDS_DIR).documents
    sentences = split_sentences(documents)[["doc_id", "sent_idx", "text"]]
    return sentences, {
        "documents": "helpers.corpus.load_corpus",
        "split": "helpers.text.split_sentences",
    }


def build() -> dict:
    sentences, provenance = seed_sentences()
    scores = score_sentences(sentences["text"], engine="reference")
    records = []
    for (doc_id, sent_idx, text), row in zip(
        sentences.itertuples(index=False), scores.itertuples(index=False), strict=True
    ):
        record = {"doc_id": str(doc_id), "sent_idx": int(sent_idx), "text": str(text)}
        record.update({c: float(v) for c, v in zip(SCORE_COLUMNS, row, strict=True)})
        records.append(record)
    return {
        "generator": "tests/reference/make_sentiment.py",
        "vaderSentiment": vader_version(),
        "sentences_from": provenance,
        "n_sentences": len(records),
        "sentences": records,
    }


def main() -> int:
    data = build()
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({data['n_sentences']} sentences)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
