"""Regenerate tests/reference/events_seeds.json: default-taxonomy event hits on the seed sentences.

Run ``python tests/reference/make_events.py`` and review the diff. Sentences come from
helpers.corpus.load_corpus (cleaned text) + helpers.text.split_sentences. The file stores every
sentence text next to its hits and tests/test_events.py re-detects events on the stored
sentences, so a change in cleaning or splitting alters this file (when regenerated), while a
change in the taxonomy or the matcher fails the test until the new hits are reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers import config
from helpers.corpus import load_corpus
from helpers.events import detect_events, load_taxonomy
from helpers.text import split_sentences

OUTPUT = Path(__file__).resolve().parent / "events_seeds.json"


def seed_sentences() -> pd.DataFrame:
    """The seeds' sentences: doc_id, sent_idx, text (the analysed, cleaned text)."""
    documents = load_corpus(config.SEEDS_DIR).documents
    return split_sentences(documents)[["doc_id", "sent_idx", "text"]]


def hits_records(sentences: pd.DataFrame) -> list[dict]:
    """One JSON record per sentence with its hits under the default taxonomy."""
    hits = detect_events(sentences, load_taxonomy())
    by_sentence: dict[tuple[str, int], list[dict]] = {}
    for row in hits.itertuples(index=False):
        by_sentence.setdefault((row.doc_id, row.sent_idx), []).append(
            {
                "event": row.event,
                "match": row.match,
                "start": int(row.start),
                "end": int(row.end),
                "n_matches": int(row.n_matches),
            }
        )
    return [
        {
            "doc_id": str(doc_id),
            "sent_idx": int(sent_idx),
            "text": str(text),
            "hits": by_sentence.get((str(doc_id), int(sent_idx)), []),
        }
        for doc_id, sent_idx, text in sentences.itertuples(index=False)
    ]


def build() -> dict:
    taxonomy = load_taxonomy()
    return {
        "generator": "tests/reference/make_events.py",
        "taxonomy": "src/helpers/data/taxonomy.yml",
        "taxonomy_sha256": taxonomy.sha256,
        "sentences_from": "helpers.corpus.load_corpus + helpers.text.split_sentences",
        "sentences": hits_records(seed_sentences()),
    }


def main() -> None:
    OUTPUT.write_text(
        json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8", newline="\n"
    )
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
