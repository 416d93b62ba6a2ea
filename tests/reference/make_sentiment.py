"""Regenerate tests/reference/sentiment_seeds.json: VADER scores of every seed sentence.

Run ``python tests/reference/make_sentiment.py`` (or ``make references``) and review the diff.
The scores come from the vaderSentiment package itself (``engine="reference"``), so the file
pins the reference numbers that helpers.sentiment's fast engine must reproduce.

Sentences come from helpers.corpus + helpers.text.split_sentences when those exist; until then
from the raw seed files with a plain regex split. The file records which was used, and the tests
score the stored sentence texts, so a change in splitting alters this file, not the tests' verdict.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd

from helpers import config
from helpers.sentiment import SCORE_COLUMNS, score_sentences, vader_version

OUTPUT = Path(__file__).resolve().parent / "sentiment_seeds.json"

_DATE_HEADER = re.compile(r"^ date \d{4}-\d{2}-\d{2}\s*")
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital/opening.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])")


def _documents() -> tuple[pd.DataFrame, str]:
    try:
        from helpers.corpus import load_corpus
    except ImportError:
        rows = []
        for path in sorted(config.SEEDS_DIR.glob("*.txt")):
            text = _DATE_HEADER.sub("", path.read_text(encoding="utf-8"))
            rows.append({"doc_id": path.stem, "text": text})
        return pd.DataFrame(rows), "raw seed files minus the date header"
    return load_corpus(config.SEEDS_DIR).documents, "helpers.corpus.load_corpus"


def _simple_split(documents: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for doc_id, text in zip(documents["doc_id"], documents["text"], strict=True):
        idx = 0
        for line in text.splitlines():
            for sentence in _SENTENCE_END.split(line):
                if sentence.strip():
                    rows.append({"doc_id": doc_id, "sent_idx": idx, "text": sentence.strip()})
                    idx += 1
    return pd.DataFrame(rows, columns=["doc_id", "sent_idx", "text"])


def seed_sentences() -> tuple[pd.DataFrame, dict[str, str]]:
    """The seeds' sentences (doc_id, sent_idx, text) and a note of how they were obtained."""
    documents, loaded_by = _documents()
    try:
        from helpers.text import split_sentences
    except ImportError:
        sentences, split_by = _simple_split(documents), "regex split on . ! ? (fallback)"
    else:
        sentences, split_by = split_sentences(documents), "helpers.text.split_sentences"
    return sentences[["doc_id", "sent_idx", "text"]], {"documents": loaded_by, "split": split_by}


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
