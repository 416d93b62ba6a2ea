"""Regenerate tests/reference/text_seeds_*.json: sentences and top terms of the seed articles.

Run ``python tests/reference/make_text.py`` and review the diff: a change in sentence splitting
or tokenisation shows up here before it reaches events, sentiment or the reports.

Documents come from ``helpers.corpus.load_corpus`` (cleaned text, what is analysed); if that module
is missing, from the raw seed files minus the `` date YYYY-MM-DD`` header. Each file records which
source was used, and tests/test_text.py rebuilds from the same source and compares.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from helpers import config
from helpers.corpus import load_corpus
from helpers.text import split_sentences, top_terms

REFERENCE_DIR = Path(__file__).resolve().parent
SENTENCES_OUTPUT = REFERENCE_DIR / "text_seeds_sentences.json"
TOP_TERMS_OUTPUT = REFERENCE_DIR / "text_seeds_top_terms.json"


def seed_documents() -> tuple[pd.DataFrame, str]:
    """The seed documents (doc_id, text) and a note of where they came from."""
    documents = load_corpus(config.SEEDS_DIR).documents
    return documents[["doc_id", "text"]], "helpers.corpus.load_corpus"


def build_sentences() -> dict:
    documents, source = seed_documents()
    sentences = split_sentences(documents)
    records = [
        {"doc_id": str(d), "sent_idx": int(i), "start": int(a), "end": int(b), "text": str(t)}
        for d, i, t, a, b in sentences[["doc_id", "sent_idx", "text", "start", "end"]].itertuples(
            index=False
        )
    ]
    return {
        "generator": "tests/reference/make_text.py",
        "documents_from": source,
        "n_sentences": len(records),
        "sentences": records,
    }


def build_top_terms(n: int = 30) -> dict:
    documents, source = seed_documents()
    terms = top_terms(documents, n=n)
    return {
        "generator": "tests/reference/make_text.py",
        "documents_from": source,
        "n": n,
        "terms": [
            {"term": str(t), "norm": str(s), "count": int(c), "doc_count": int(k)}
            for t, s, c, k in terms.itertuples(index=False)
        ],
    }


def _write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    sentences = build_sentences()
    _write(SENTENCES_OUTPUT, sentences)
    print(f"wrote {SENTENCES_OUTPUT} ({sentences['n_sentences']} sentences)")
    terms = build_top_terms()
    _write(TOP_TERMS_OUTPUT, terms)
    print(f"wrote {TOP_TERMS_OUTPUT} ({len(terms['terms'])} terms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
