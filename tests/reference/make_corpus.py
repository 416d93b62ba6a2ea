"""Regenerate tests/reference/corpus_seeds.json and corpus_seeds_audit.csv from the seeds.

Run ``python tests/reference/make_corpus.py`` and review the diff: the JSON holds, per seed, the
cleaned text that is analysed, the title, date and date source, plus the ledger; the CSV holds
the cleaning audit (characters removed per document and rule). tests/test_corpus.py compares a
fresh load against these files, so any change in cleaning shows up as a reviewed diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers import config
from helpers.corpus import Corpus, load_corpus

HERE = Path(__file__).resolve().parent
SEEDS_JSON = HERE / "corpus_seeds.json"
SEEDS_AUDIT_CSV = HERE / "corpus_seeds_audit.csv"


def _day(value: pd.Timestamp) -> str | None:
    return None if pd.isna(value) else value.date().isoformat()


def seeds_reference(corpus: Corpus) -> dict[str, object]:
    """The JSON-able reference content of a loaded seeds corpus."""
    documents = [
        {
            "doc_id": row.doc_id,
            "source": row.source,
            "date": _day(row.date),
            "date_source": row.date_source,
            "title": row.title,
            "n_chars": int(row.n_chars),
            "text": row.text,
        }
        for row in corpus.documents.itertuples(index=False)
    ]
    ledger = [
        {
            "source": row.source,
            "record": row.record,
            "status": row.status,
            "reason": row.reason,
            "doc_id": row.doc_id,
            "date": _day(row.date),
        }
        for row in corpus.ledger.itertuples(index=False)
    ]
    return {"documents": documents, "ledger": ledger}


def main() -> None:
    corpus = load_corpus(config.SEEDS_DIR)
    payload = json.dumps(seeds_reference(corpus), ensure_ascii=False, indent=2) + "\n"
    SEEDS_JSON.write_text(payload, encoding="utf-8")
    corpus.audit.to_csv(SEEDS_AUDIT_CSV, index=False, lineterminator="\n")
    print(f"wrote {SEEDS_JSON.name} ({len(corpus.documents)} documents) and {SEEDS_AUDIT_CSV.name}")


if __name__ == "__main__":
    main()
