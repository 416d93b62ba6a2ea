"""Tables that describe a loaded corpus: date provenance, cleaning audit, lengths, row labels.

These are the numbers a methods section reports; notebook 01 shows them, the other notebooks use
:func:`doc_labels` to name articles in figures.
"""

from __future__ import annotations

import pandas as pd

from .text import tokenize_spans

__all__ = ["date_provenance", "audit_summary", "lengths", "doc_labels"]

_DATE_SOURCES = {
    "header": "' date YYYY-MM-DD' header line of the file",
    "column": "date column of the table",
    "sidecar": "metadata sidecar (metadata_path)",
    "none": "no date: kept in totals, left out of time series",
}


def date_provenance(documents: pd.DataFrame) -> pd.DataFrame:
    """Where the articles' dates come from.

    Returns
    -------
    DataFrame
        One row per ``date_source`` present: ``date_source``, ``meaning``, ``articles``,
        ``first`` and ``last`` date (empty for undated articles).
    """
    grouped = documents.groupby("date_source", sort=True)
    out = grouped.agg(articles=("doc_id", "size"), first=("date", "min"), last=("date", "max"))
    out = out.reset_index()
    out.insert(1, "meaning", out["date_source"].map(_DATE_SOURCES).fillna(""))
    for column in ("first", "last"):
        out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
    return out


def audit_summary(audit: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Cleaning rules applied across the corpus.

    Parameters
    ----------
    audit
        ``Corpus.audit``: one row per (doc_id, rule) with ``count`` and ``chars_removed``.
    documents
        ``Corpus.documents`` (for the share of characters removed).

    Returns
    -------
    DataFrame
        One row per rule, most characters removed first: ``rule``, ``articles`` (articles it
        fired in), ``times`` (total applications), ``chars_removed`` and ``share_of_raw_chars``
        (characters removed over all raw characters, as a fraction).
    """
    raw_chars = int(documents["raw_text"].str.len().sum()) if len(documents) else 0
    out = (
        audit.groupby("rule", sort=True)
        .agg(
            articles=("doc_id", "nunique"),
            times=("count", "sum"),
            chars_removed=("chars_removed", "sum"),
        )
        .reset_index()
        .sort_values(["chars_removed", "rule"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    out["share_of_raw_chars"] = (out["chars_removed"] / raw_chars).round(4) if raw_chars else 0.0
    return out


def lengths(documents: pd.DataFrame) -> pd.DataFrame:
    """Length of each article's cleaned text.

    Returns
    -------
    DataFrame
        One row per article: ``doc_id``, ``date``, ``n_chars``, ``n_words`` (NLTK word tokens
        that contain a letter or digit, i.e. punctuation excluded).
    """
    n_words = [
        sum(1 for token, _, _ in tokenize_spans(text) if any(ch.isalnum() for ch in token))
        for text in documents["text"]
    ]
    return pd.DataFrame(
        {
            "doc_id": documents["doc_id"].to_numpy(),
            "date": documents["date"].to_numpy(),
            "n_chars": documents["text"].str.len().to_numpy(),
            "n_words": n_words,
        }
    )


def doc_labels(documents: pd.DataFrame, *, width: int = 48) -> pd.Series:
    """A short label per article for figure axes: ``"2022-02-26 · Headline…"``.

    Undated articles read ``"undated · …"``; articles without a title use their doc_id.
    Returns a Series indexed by ``doc_id``.
    """
    labels = []
    for doc_id, date, title in zip(
        documents["doc_id"],
        documents["date"],
        documents.get("title", [""] * len(documents)),
        strict=True,
    ):
        name = str(title).strip() if isinstance(title, str) and title.strip() else str(doc_id)
        if len(name) > width:
            name = name[: width - 1].rstrip() + "…"
        day = "undated" if pd.isna(date) else pd.Timestamp(date).strftime("%Y-%m-%d")
        labels.append(f"{day} · {name}")
    return pd.Series(labels, index=documents["doc_id"].to_numpy(), name="label")
