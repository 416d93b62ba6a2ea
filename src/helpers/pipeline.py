"""One entry point for the per-sentence analysis the notebooks share.

``analyze`` splits documents into sentences, scores each with VADER and finds event mentions, so
every notebook gets the same sentences, the same scores and the same hits.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import events as events_mod
from . import sentiment, text

__all__ = ["Analysis", "analyze"]


@dataclass(frozen=True)
class Analysis:
    """Per-sentence results for a set of documents.

    Attributes
    ----------
    sentences
        One row per sentence: ``doc_id``, ``sent_idx``, ``date``, ``text``, ``start``, ``end``
        (character offsets in the document's cleaned text), ``compound``, ``pos``, ``neu``, ``neg``
        (VADER, equal to ``vaderSentiment``'s ``polarity_scores``).
    events
        One row per (sentence, event) hit, as returned by :func:`helpers.events.detect_events`.
    """

    sentences: pd.DataFrame
    events: pd.DataFrame


def analyze(documents: pd.DataFrame, *, taxonomy=None) -> Analysis:
    """Sentences, tone and event hits for ``documents``.

    Parameters
    ----------
    documents
        ``Corpus.documents`` or any frame with ``doc_id``, ``text`` and optionally ``date``.
    taxonomy
        A :class:`helpers.events.Taxonomy`, a path to one, or None for the shipped default.

    Returns
    -------
    Analysis
    """
    missing = {"doc_id", "text"} - set(documents.columns)
    if missing:
        raise ValueError(f"analyze: documents lack column(s) {sorted(missing)}")
    if taxonomy is None or not isinstance(taxonomy, events_mod.Taxonomy):
        taxonomy = events_mod.load_taxonomy(taxonomy)
    sentences = text.split_sentences(documents[["doc_id", "text"]])
    scores = sentiment.score_sentences(sentences["text"].tolist())
    sentences = pd.concat([sentences.reset_index(drop=True), scores], axis=1)
    if "date" in documents.columns:
        dates = documents.set_index("doc_id")["date"]
        sentences.insert(2, "date", sentences["doc_id"].map(dates))
    else:
        sentences.insert(2, "date", pd.NaT)
    hits = events_mod.detect_events(sentences, taxonomy)
    return Analysis(sentences=sentences, events=hits)
