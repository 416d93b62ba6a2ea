"""Sentences and word tokens, with NLTK and no downloads."""

from __future__ import annotations

from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import NLTKWordTokenizer

__all__ = ["tokenize_spans", "normalize"]

_WORD_TOKENIZER = NLTKWordTokenizer()
_STEMMER = SnowballStemmer("english")


def tokenize_spans(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of ``text`` with their character offsets.

    Returns
    -------
    list of (token, start, end)
        ``text[start:end] == token`` for every token (NLTK's Treebank-style word tokenizer).
    """
    return [(text[a:b], a, b) for a, b in _WORD_TOKENIZER.span_tokenize(text)]


@lru_cache(maxsize=200_000)
def normalize(token: str) -> str:
    """The normalised form used for matching and counting: lowercase Snowball (English) stem."""
    return _STEMMER.stem(token.lower())
