"""VADER tone per sentence, and its roll-ups per article and per event type.

The scores are those of the ``vaderSentiment`` package (Hutto & Gilbert 2014), the authors'
reference implementation: :func:`score_sentences` returns exactly (``==``) what
``SentimentIntensityAnalyzer().polarity_scores`` returns for each sentence. The default engine is a
faster transcription of that method (same lexicons, same rules, same float operations in the same
order, identical sentences scored once); ``engine="reference"`` calls the package itself, and the
tests hold the two equal on the seeds and on thousands of constructed sentences.

NLTK's copy of VADER is deliberately not used: its rules differ slightly and it needs a lexicon
download.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from importlib import metadata
from typing import Literal

import numpy as np
import pandas as pd
from vaderSentiment import vaderSentiment as _vs

from . import config

__all__ = [
    "SCORE_COLUMNS",
    "PARALLEL_MIN_SENTENCES",
    "FAST_ENGINE_VADER_VERSION",
    "METHOD",
    "method_note",
    "score_sentences",
    "score_frame",
    "label_sentiment",
    "article_tone",
    "tone_by_event",
    "extremes",
    "vader_version",
]

SCORE_COLUMNS: tuple[str, ...] = ("compound", "pos", "neu", "neg")

Engine = Literal["fast", "reference"]


def method_note(
    pos_threshold: float = config.POS_THRESHOLD, neg_threshold: float = config.NEG_THRESHOLD
) -> str:
    """One paragraph stating how tone is measured, for figure captions and report footers."""
    return " ".join(
        [
            "Tone: VADER (Hutto & Gilbert 2014, vaderSentiment package) scores each sentence;",
            "its compound score runs from -1 (most negative) to +1 (most positive).",
            f"A sentence is negative if compound <= {neg_threshold:g} and positive if",
            f"compound >= {pos_threshold:g} (the VADER authors' convention is -0.05 / 0.05).",
            "An article's tone is the unweighted mean of its sentences' compound scores;",
            "share_negative / share_positive are the fractions of its sentences that are",
            "negative / positive. Event tone pools the sentences that mention the event",
            "(a sentence naming two event types counts for both).",
        ]
    )


METHOD: str = method_note()


# --------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _reference_analyzer() -> _vs.SentimentIntensityAnalyzer:
    # Built on first use, not at import: it reads two lexicon files.
    return _vs.SentimentIntensityAnalyzer()


# The release whose rules _FastVader transcribes. Any other installed release is scored by the
# package itself, so an upgrade can never make the two silently disagree.
FAST_ENGINE_VADER_VERSION = "3.3.2"


@lru_cache(maxsize=1)
def _fast_analyzer() -> _FastVader | _vs.SentimentIntensityAnalyzer:
    if vader_version() != FAST_ENGINE_VADER_VERSION:
        return _reference_analyzer()
    return _FastVader(_reference_analyzer())


class _FastVader:
    """``SentimentIntensityAnalyzer.polarity_scores`` without its per-word quadratic work.

    The reference lower-cases the whole sentence again for every lexicon word (in the negation and
    idiom checks) and rebuilds the text character by character to replace emojis. Here each word
    is lower-cased once and the emoji pass runs only when the sentence contains an emoji. Every
    rule below mirrors ``vaderSentiment.py`` 3.3.2 line for line (same comparisons, same float
    operations in the same order); the contrastive-"but" rule and the final scoring are the
    package's own functions, called as they are.
    """

    def __init__(self, analyzer: _vs.SentimentIntensityAnalyzer) -> None:
        self._analyzer = analyzer
        self._lexicon = analyzer.lexicon
        # polarity_scores tests one character at a time, so multi-character keys never match.
        self._emojis = {k: v for k, v in analyzer.emojis.items() if len(k) == 1}
        self._emoji_chars = frozenset(self._emojis)
        self._booster = _vs.BOOSTER_DICT
        self._negate = frozenset(_vs.NEGATE)
        self._special = _vs.SPECIAL_CASES

    def _replace_emojis(self, text: str) -> str:
        # Verbatim from polarity_scores (a list instead of string concatenation).
        out: list[str] = []
        prev_space = True
        for ch in text:
            if ch in self._emojis:
                if not prev_space:
                    out.append(" ")
                out.append(self._emojis[ch])
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out)

    def polarity_scores(self, text: str) -> dict[str, float]:
        if not self._emoji_chars.isdisjoint(text):
            text = self._replace_emojis(text)
        text = text.strip()

        punct = string.punctuation
        words = []
        for token in text.split():
            stripped = token.strip(punct)
            words.append(token if len(stripped) <= 2 else stripped)
        n = len(words)
        n_upper = sum(1 for w in words if w.isupper())
        is_cap_diff = 0 < n - n_upper < n
        lower = [w.lower() for w in words]

        lexicon = self._lexicon
        booster = self._booster
        sentiments: list[float] = []
        for i, item_lower in enumerate(lower):
            # Most words are not in the lexicon and score 0 whichever branch the reference takes
            # (booster words, "kind of", or no valence), so they skip the rule checks.
            if (
                item_lower not in lexicon
                or item_lower in booster
                or (i < n - 1 and item_lower == "kind" and lower[i + 1] == "of")
            ):
                sentiments.append(0)
            else:
                sentiments.append(self._valence(words, lower, i, is_cap_diff))

        if "but" in lower:
            sentiments = _vs.SentimentIntensityAnalyzer._but_check(words, sentiments)
        return self._analyzer.score_valence(sentiments, text)

    def _valence(self, words: list[str], lower: list[str], i: int, is_cap_diff: bool) -> float:
        # SentimentIntensityAnalyzer.sentiment_valence for a word known to be in the lexicon
        lexicon = self._lexicon
        item_lower = lower[i]
        n = len(words)
        valence = lexicon[item_lower]
        if item_lower == "no" and i != n - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[item_lower] * _vs.N_SCALAR
        if words[i].isupper() and is_cap_diff:
            if valence > 0:
                valence += _vs.C_INCR
            else:
                valence -= _vs.C_INCR

        for start_i in range(0, 3):
            j = i - (start_i + 1)
            if i > start_i and lower[j] not in lexicon:
                s = self._scalar_inc_dec(words[j], lower[j], valence, is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = self._negation_check(valence, lower, start_i, i)
                if start_i == 2:
                    valence = self._special_idioms_check(valence, lower, i)

        # _least_check
        if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
            if lower[i - 2] != "at" and lower[i - 2] != "very":
                valence = valence * _vs.N_SCALAR
        elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
            valence = valence * _vs.N_SCALAR
        return valence

    def _scalar_inc_dec(
        self, word: str, word_lower: str, valence: float, is_cap_diff: bool
    ) -> float:
        scalar = 0.0
        if word_lower in self._booster:
            scalar = self._booster[word_lower]
            if valence < 0:
                scalar *= -1
            if word.isupper() and is_cap_diff:
                if valence > 0:
                    scalar += _vs.C_INCR
                else:
                    scalar -= _vs.C_INCR
        return scalar

    def _negated(self, word_lower: str) -> bool:
        # vaderSentiment.negated([word]) for one already lower-cased word
        return word_lower in self._negate or "n't" in word_lower

    def _negation_check(self, valence: float, lower: list[str], start_i: int, i: int) -> float:
        if start_i == 0:
            if self._negated(lower[i - 1]):
                valence = valence * _vs.N_SCALAR
        if start_i == 1:
            if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
                valence = valence * 1.25
            elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
                pass
            elif self._negated(lower[i - 2]):
                valence = valence * _vs.N_SCALAR
        if start_i == 2:
            # The reference's operator precedence, kept: (never and so/this at -2) or so/this at -1.
            if (
                lower[i - 3] == "never"
                and (lower[i - 2] == "so" or lower[i - 2] == "this")
                or (lower[i - 1] == "so" or lower[i - 1] == "this")
            ):
                valence = valence * 1.25
            elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
                pass
            elif self._negated(lower[i - 3]):
                valence = valence * _vs.N_SCALAR
        return valence

    def _special_idioms_check(self, valence: float, lower: list[str], i: int) -> float:
        special = self._special
        onezero = f"{lower[i - 1]} {lower[i]}"
        twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
        twoone = f"{lower[i - 2]} {lower[i - 1]}"
        threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
        threetwo = f"{lower[i - 3]} {lower[i - 2]}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in special:
                valence = special[seq]
                break
        n = len(lower)
        if n - 1 > i:
            zeroone = f"{lower[i]} {lower[i + 1]}"
            if zeroone in special:
                valence = special[zeroone]
        if n - 1 > i + 1:
            zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in self._booster:
                valence = valence + self._booster[n_gram]
        return valence


def _as_texts(texts: Iterable[str] | pd.Series) -> list[str]:
    values = list(texts.tolist() if isinstance(texts, pd.Series) else texts)
    for position, value in enumerate(values):
        if not isinstance(value, str):
            kind = "missing" if value is None or pd.isna(value) else type(value).__name__
            raise TypeError(
                f"texts[{position}] is {kind} ({value!r}); score_sentences needs one str per "
                "sentence: drop or fill missing sentences first"
            )
    return values


def _scorer(engine: Engine):
    if engine == "fast":
        return _fast_analyzer().polarity_scores
    if engine == "reference":
        return _reference_analyzer().polarity_scores
    raise ValueError(f"engine must be 'fast' or 'reference', got {engine!r}")


def _score_unique(texts: list[str], engine: Engine) -> list[tuple[float, float, float, float]]:
    scorer = _scorer(engine)
    rows = []
    for text in texts:
        scores = scorer(text)
        rows.append((scores["compound"], scores["pos"], scores["neu"], scores["neg"]))
    return rows


# Below this many distinct sentences, starting worker processes costs more than it saves.
PARALLEL_MIN_SENTENCES = 20_000


def score_sentences(
    texts: Iterable[str] | pd.Series, *, engine: Engine = "fast", n_jobs: int = 1
) -> pd.DataFrame:
    """VADER scores of each text, one row per input in input order.

    Parameters
    ----------
    texts
        Sentences (any iterable of str; a Series' index is ignored). Missing values are refused.
    engine
        ``"fast"`` (default): a transcription of ``polarity_scores`` that is tested to give equal
        numbers (used only with vaderSentiment :data:`FAST_ENGINE_VADER_VERSION`; with any other
        release the package itself scores). ``"reference"``: call
        ``vaderSentiment.SentimentIntensityAnalyzer().polarity_scores`` itself.
    n_jobs
        Worker processes. With more than one and at least :data:`PARALLEL_MIN_SENTENCES` distinct
        texts, the distinct texts are scored in contiguous chunks by a process pool; results are
        the same as with ``n_jobs=1``.

    Returns
    -------
    DataFrame
        Index ``0..n-1``; one row per input text with float columns ``compound`` (normalised sum of
        valences, -1..1, rounded to 4 decimals by VADER), ``pos``, ``neu``, ``neg`` (proportions of
        the text's sentiment mass, 0..1, rounded to 3 decimals by VADER). A text with no words
        scores 0 everywhere. Identical texts are scored once and share their row values.
    """
    values = _as_texts(texts)
    _scorer(engine)
    if not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer, got {n_jobs!r}")

    # News copy repeats itself (wire stories, boilerplate): score each distinct sentence once.
    unique = list(dict.fromkeys(values))
    if n_jobs > 1 and len(unique) >= PARALLEL_MIN_SENTENCES:
        size = -(-len(unique) // (n_jobs * 4))
        chunks = [unique[i : i + size] for i in range(0, len(unique), size)]
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            parts = pool.map(_score_unique, chunks, [engine] * len(chunks))
            scored = [row for part in parts for row in part]
    else:
        scored = _score_unique(unique, engine)
    lookup = dict(zip(unique, scored, strict=True))
    array = np.array([lookup[text] for text in values], dtype=np.float64)
    return pd.DataFrame(array.reshape(len(values), len(SCORE_COLUMNS)), columns=list(SCORE_COLUMNS))


def score_frame(
    sentences: pd.DataFrame, documents: pd.DataFrame | None = None, *, engine: Engine = "fast"
) -> pd.DataFrame:
    """Attach VADER scores (and the article's date and title) to a sentence table.

    Parameters
    ----------
    sentences
        ``helpers.text.split_sentences`` output, or any frame with ``doc_id``, ``sent_idx`` and
        ``text``.
    documents
        Optional ``Corpus.documents``; its ``date`` and ``title`` columns (those present) are joined
        on ``doc_id`` unless ``sentences`` already has them.

    Returns
    -------
    DataFrame
        One row per sentence, in the input order with a fresh ``0..n-1`` index: the input's
        columns, then ``date`` / ``title`` when joined, then ``compound``, ``pos``, ``neu``,
        ``neg`` as in :func:`score_sentences`.
    """
    _require(sentences, ("doc_id", "sent_idx", "text"), "sentences")
    out = sentences.reset_index(drop=True)
    if documents is not None:
        _require(documents, ("doc_id",), "documents")
        extra = [c for c in ("date", "title") if c in documents.columns and c not in out.columns]
        if extra:
            if documents["doc_id"].duplicated().any():
                raise ValueError(
                    "documents has duplicate doc_id values; expected one row per article"
                )
            lookup = documents.set_index("doc_id")[extra]
            for column in extra:
                out[column] = out["doc_id"].map(lookup[column])
    scores = score_sentences(out["text"], engine=engine)
    for column in SCORE_COLUMNS:
        out[column] = scores[column].to_numpy()
    return out


# --------------------------------------------------------------------------------------------------
# Labels and roll-ups
# --------------------------------------------------------------------------------------------------


def _check_thresholds(pos_threshold: float, neg_threshold: float) -> None:
    if not neg_threshold < pos_threshold:
        raise ValueError(
            f"neg_threshold ({neg_threshold}) must be below pos_threshold ({pos_threshold})"
        )


def _require(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}")


def _compound(frame: pd.DataFrame) -> np.ndarray:
    compound = frame["compound"].to_numpy(dtype=np.float64)
    if np.isnan(compound).any():
        raise ValueError("compound has missing values; score every sentence before rolling up")
    return compound


def label_sentiment(
    compound: float | np.ndarray | pd.Series,
    pos_threshold: float = config.POS_THRESHOLD,
    neg_threshold: float = config.NEG_THRESHOLD,
) -> str | np.ndarray | pd.Series:
    """ "positive", "negative" or "neutral" for compound score(s).

    ``compound >= pos_threshold`` is positive, ``compound <= neg_threshold`` negative, anything
    between neutral (VADER authors' convention: 0.05 / -0.05).

    Returns
    -------
    str for a scalar, an object array for an array, a Series (same index) for a Series.
    """
    _check_thresholds(pos_threshold, neg_threshold)
    values = np.asarray(compound, dtype=np.float64)
    if np.isnan(values).any():
        raise ValueError("cannot label a missing compound score")
    labels = np.where(
        values >= pos_threshold,
        "positive",
        np.where(values <= neg_threshold, "negative", "neutral"),
    ).astype(object)
    if isinstance(compound, pd.Series):
        return pd.Series(labels, index=compound.index, name="label", dtype="str")
    if values.ndim == 0:
        return str(labels[()])
    return labels


def _tone_columns(
    frame: pd.DataFrame, keys: list[str], pos_threshold: float, neg_threshold: float
) -> pd.DataFrame:
    compound = _compound(frame)
    work = frame[keys].assign(
        compound=compound,
        negative=(compound <= neg_threshold).astype(np.float64),
        positive=(compound >= pos_threshold).astype(np.float64),
    )
    grouped = work.groupby(keys, sort=True, dropna=False)
    return grouped.agg(
        n_sentences=("compound", "size"),
        mean_compound=("compound", "mean"),
        share_negative=("negative", "mean"),
        share_positive=("positive", "mean"),
    )


def article_tone(
    scored_sentences: pd.DataFrame,
    *,
    pos_threshold: float = config.POS_THRESHOLD,
    neg_threshold: float = config.NEG_THRESHOLD,
) -> pd.DataFrame:
    """Tone of each article from its sentences' VADER scores.

    Method: an article's ``mean_compound`` is the unweighted mean of its sentences' compound
    scores (every sentence counts once, whatever its length); ``share_negative`` /
    ``share_positive`` are the fractions of its sentences with ``compound <= neg_threshold`` /
    ``compound >= pos_threshold``. :data:`METHOD` / :func:`method_note` state this for captions.

    Parameters
    ----------
    scored_sentences
        One row per sentence with ``doc_id`` and ``compound`` (e.g. :func:`score_frame` output);
        an optional ``date`` column (one date per article) is carried over.

    Returns
    -------
    DataFrame
        One row per article, sorted by ``doc_id``: ``doc_id``, ``date`` (if the input has it),
        ``n_sentences`` (int), ``mean_compound`` (-1..1), ``share_negative``, ``share_positive``
        (0..1, fractions of that article's sentences).
    """
    _check_thresholds(pos_threshold, neg_threshold)
    _require(scored_sentences, ("doc_id", "compound"), "scored_sentences")
    tone = _tone_columns(scored_sentences, ["doc_id"], pos_threshold, neg_threshold)
    if "date" in scored_sentences.columns:
        dates = scored_sentences.groupby("doc_id", sort=True)["date"]
        conflicting = dates.nunique()
        conflicting = conflicting[conflicting > 1]
        if len(conflicting):
            raise ValueError(
                f"articles with more than one date among their sentences: {list(conflicting.index)}"
            )
        tone.insert(0, "date", dates.first())
    return tone.reset_index()


def _sentence_events(events: pd.DataFrame) -> pd.DataFrame:
    """Distinct (doc_id, sent_idx, event): several hits of one event in a sentence count once."""
    _require(events, ("doc_id", "sent_idx", "event"), "events")
    return events[["doc_id", "sent_idx", "event"]].drop_duplicates()


def tone_by_event(
    scored_sentences: pd.DataFrame,
    events: pd.DataFrame,
    *,
    pos_threshold: float = config.POS_THRESHOLD,
    neg_threshold: float = config.NEG_THRESHOLD,
) -> pd.DataFrame:
    """Tone of the sentences that mention each event type.

    A sentence counts for every event type it mentions: a sentence naming both ``shelling`` and
    ``casualties`` enters both rows, so rows overlap and their ``n_sentences`` can sum to more than
    the number of sentences. Several hits of the same event in one sentence count once. Event hits
    whose sentence is not in ``scored_sentences`` (e.g. filtered out by date) are ignored.

    Parameters
    ----------
    scored_sentences
        One row per sentence with ``doc_id``, ``sent_idx``, ``compound``.
    events
        ``helpers.events.detect_events`` output (``doc_id``, ``sent_idx``, ``event``, ...).

    Returns
    -------
    DataFrame
        One row per event type with at least one scored sentence, sorted by ``event``: ``event``,
        ``n_sentences`` (sentences mentioning it), ``n_articles`` (distinct ``doc_id``),
        ``mean_compound`` (unweighted mean over those sentences, -1..1), ``share_negative``,
        ``share_positive`` (fractions of those sentences, 0..1).
    """
    _check_thresholds(pos_threshold, neg_threshold)
    _require(scored_sentences, ("doc_id", "sent_idx", "compound"), "scored_sentences")
    columns = [
        "event",
        "n_sentences",
        "n_articles",
        "mean_compound",
        "share_negative",
        "share_positive",
    ]
    hits = _sentence_events(events)
    sentences = scored_sentences[["doc_id", "sent_idx", "compound"]]
    if sentences.duplicated(["doc_id", "sent_idx"]).any():
        raise ValueError("scored_sentences has duplicate (doc_id, sent_idx) rows")
    joined = (
        hits.merge(sentences, on=["doc_id", "sent_idx"], how="inner", validate="many_to_one")
        if len(hits)
        else hits
    )
    if joined.empty:
        return pd.DataFrame(
            {
                "event": pd.Series([], dtype="str"),
                "n_sentences": pd.Series([], dtype=np.int64),
                "n_articles": pd.Series([], dtype=np.int64),
                **{c: pd.Series([], dtype=np.float64) for c in columns[3:]},
            }
        )
    tone = _tone_columns(joined, ["event"], pos_threshold, neg_threshold)
    tone.insert(1, "n_articles", joined.groupby("event", sort=True)["doc_id"].nunique())
    return tone.reset_index()[columns]


def extremes(
    scored_sentences: pd.DataFrame,
    events: pd.DataFrame | None = None,
    n: int = 5,
    *,
    distinct: bool = True,
) -> pd.DataFrame:
    """The most negative and the most positive sentences, as quotable evidence.

    Only sentences with ``compound < 0`` are candidates for the negative list and ``compound > 0``
    for the positive one, so a neutral sentence is never shown as an extreme. Ties in compound are
    broken by ``doc_id`` then ``sent_idx`` (ascending), so the selection is deterministic.

    Parameters
    ----------
    scored_sentences
        One row per sentence with ``doc_id``, ``sent_idx``, ``text``, ``compound``; optional
        ``date`` and ``title`` are carried over.
    events
        Optional ``helpers.events.detect_events`` output, to list each sentence's event types.
    n
        How many sentences per direction (at most).
    distinct
        Show each distinct sentence text once (its first occurrence by ``doc_id``, ``sent_idx``),
        since repeated wire copy would otherwise fill the list with one sentence.

    Returns
    -------
    DataFrame
        Up to ``2 * n`` rows: the negative ones first (most negative first), then the positive ones
        (most positive first). Columns ``direction`` ("negative"/"positive"), ``rank`` (1 = most
        extreme), ``doc_id``, ``date`` and ``title`` (if the input has them), ``sent_idx``,
        ``text``, ``compound``, ``events`` (comma-joined sorted event ids of that sentence, "" if
        none or no events given).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    _require(scored_sentences, ("doc_id", "sent_idx", "text", "compound"), "scored_sentences")
    base = [c for c in ("doc_id", "date", "title") if c in scored_sentences.columns]
    frame = scored_sentences[base + ["sent_idx", "text"]].assign(
        compound=_compound(scored_sentences)
    )
    frame = frame.sort_values(["doc_id", "sent_idx"], kind="stable")
    if distinct:
        frame = frame.drop_duplicates("text", keep="first")

    if events is not None and len(events):
        hits = _sentence_events(events).sort_values("event", kind="stable")
        joined = hits.groupby(["doc_id", "sent_idx"], sort=False)["event"].agg(",".join)
        keys = pd.MultiIndex.from_frame(frame[["doc_id", "sent_idx"]])
        frame["events"] = joined.reindex(keys).fillna("").to_numpy()
    else:
        frame["events"] = ""

    negative = frame[frame["compound"] < 0].sort_values(
        ["compound", "doc_id", "sent_idx"], ascending=[True, True, True], kind="stable"
    )
    positive = frame[frame["compound"] > 0].sort_values(
        ["compound", "doc_id", "sent_idx"], ascending=[False, True, True], kind="stable"
    )
    parts = []
    for direction, part in (("negative", negative.head(n)), ("positive", positive.head(n))):
        parts.append(
            part.assign(direction=direction, rank=np.arange(1, len(part) + 1, dtype=np.int64))
        )
    out = pd.concat(parts, ignore_index=True)
    out["events"] = out["events"].astype("str")
    return out[["direction", "rank"] + base + ["sent_idx", "text", "compound", "events"]]


def vader_version() -> str:
    """The installed vaderSentiment version (recorded next to scores in reports)."""
    return metadata.version("vaderSentiment")
