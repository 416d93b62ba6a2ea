"""Synthetic news corpora for benchmarks: seed sentences made unique, or syndicated copies.

Every sentence of the three seed articles is a template. An article is 18-36 templates drawn with
a seeded generator, each made unique by replacing its numbers with fresh ones and appending a
place name built from a running counter ("... near Vorakimet."), so no cache, de-duplication or
memoisation of whole sentences can help. Sentences are grouped 1-3 per line, like paragraphs of
scraped copy. Same arguments, same corpus (byte for byte).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers import config, corpus, text

_SYLLABLES = [
    "ka", "vo", "ri", "me", "lan", "tos", "bu", "zhe", "dar", "ni", "pol", "sk", "ve", "ta", "mir",
    "go", "ro", "dne", "ki", "sha", "lu", "tyn", "be", "rez",
]  # fmt: skip
_NUMBER = re.compile(r"\d+")
_END = re.compile(r"[.!?\"'”’)]*$")


def _name(n: int) -> str:
    parts = []
    n += len(_SYLLABLES) ** 2  # at least three syllables
    while n:
        n, r = divmod(n, len(_SYLLABLES))
        parts.append(_SYLLABLES[r])
    return "".join(parts).capitalize()


def seed_sentences() -> list[str]:
    """The sentences of the seed corpus, in order (the templates)."""
    docs = corpus.load_corpus(config.SEEDS_DIR).documents
    return text.split_sentences(docs)["text"].tolist()


def _unique(template: str, counter: int, rng: np.random.Generator) -> str:
    body = _NUMBER.sub(lambda m: str(int(rng.integers(2, 99_999))), template)
    end = _END.search(body).start()
    return f"{body[:end]} near {_name(counter)}{body[end:] or '.'}"


def make_corpus(n_articles: int, *, seed: int = 0, copies: int = 1) -> pd.DataFrame:
    """A documents frame (doc_id, date, text) of ``n_articles`` synthetic articles.

    Parameters
    ----------
    n_articles
        Rows of the returned frame.
    seed
        Seed of the generator (same seed, same corpus).
    copies
        Syndication: each distinct article appears ``copies`` times (different doc_id and date,
        same text), as wire copy does; ``1`` makes every article (and sentence) unique.

    Returns
    -------
    DataFrame
        One row per article: ``doc_id`` (str), ``date`` (datetime64[ns], Feb-Mar 2022),
        ``text`` (str, ~3 kB, 18-36 sentences).
    """
    templates = seed_sentences()
    rng = np.random.default_rng(seed)
    n_distinct = -(-n_articles // copies)
    counter = 0
    # Built in Arrow batches so a 200,000-article corpus never exists twice in memory.
    batches, texts = [], []
    for _ in range(n_distinct):
        picks = rng.integers(0, len(templates), size=int(rng.integers(18, 37)))
        sentences = []
        for i in picks:
            sentences.append(_unique(templates[i], counter, rng))
            counter += 1
        lines, i = [], 0
        while i < len(sentences):
            k = int(rng.integers(1, 4))
            lines.append(" ".join(sentences[i : i + k]))
            i += k
        texts.append("\n".join(lines))
        if len(texts) == 10_000:
            batches.append(pa.array(texts, type=pa.large_string()))
            texts = []
    batches.append(pa.array(texts, type=pa.large_string()))
    distinct = pa.chunked_array(batches, type=pa.large_string())
    if copies > 1:
        distinct = distinct.take(np.repeat(np.arange(n_distinct), copies)[:n_articles])
    days = rng.integers(0, 59, size=n_articles)
    dates = pd.Timestamp("2022-02-01") + pd.to_timedelta(days, unit="D")
    return pd.DataFrame(
        {
            "doc_id": pd.Series([f"a{i:07d}" for i in range(n_articles)], dtype="str"),
            "date": dates.astype("datetime64[ns]"),
            "text": pd.Series(pd.arrays.ArrowStringArray(distinct), dtype="str"),
        }
    )
