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

import math
import re
import string
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from importlib import metadata
from itertools import chain
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


# What polarity_scores returns for a text with no words, and for words none of which is scored
# (score_valence with an empty list, and with n zero sentiments: total = n, neu = n / n).
_NO_WORDS = (0.0, 0.0, 0.0, 0.0)
_ALL_NEUTRAL = (0.0, 0.0, 1.0, 0.0)

# Words of the tokens seen (token -> stripped, lower-cased word); cleared when full so memory stays
# bounded on huge corpora (fresh numbers and place names would otherwise accumulate forever).
_WORD_CACHE_SIZE = 200_000
# Scores by (non-zero sentiments, word count, capped ! and ? counts): all score_valence depends on.
_SCORE_CACHE_SIZE = 100_000


class _FastVader:
    """``SentimentIntensityAnalyzer.polarity_scores`` with its per-word work cut to the bone.

    The reference walks every word through every rule and lower-cases the whole sentence again
    for every lexicon word. Here, with the reason each step is exact:

    * Words: the text is split once and each token's word (``_strip_punc_if_word``, then
      ``.lower()``, as every rule sees it) comes from a bounded token -> word cache, so a repeated
      token costs one dict hit. The emoji pass runs only if a token holds an emoji character
      (they are not whitespace, so the text holds one only if a token does); the replaced text is
      then split again, as the reference splits the replaced text.
    * Only lexicon words can score non-zero (the reference appends 0 for every other word and for
      booster words), so their positions are found with C-level set and list operations; a text
      without one scores like any all-neutral text.
    * A lexicon word none of whose three preceding words is a booster, negation or other rule
      word, and which forms no idiom / booster n-gram with its neighbours, keeps its lexicon
      valence (plus the ALL-CAPS increment): every other rule adds 0.0 or does nothing. Other
      words go through :meth:`_valence`, a line-for-line transcription of ``sentiment_valence``.
    * Zero sentiments change neither ``sum`` (adding 0 to a float sum leaves it as it is; a zero
      sum stays 0.0) nor the positive / negative sums, so the contrastive-"but" rule and the final
      scoring run over the non-zero sentiments only, in word order, and count the zeros as
      neutrals, with the float operations of ``_but_check`` and ``score_valence`` in their order.
      The final scores depend only on those sentiments, the word count and the capped "!" / "?"
      counts, so they are cached by that key.

    A word's ALL-CAPS test uses the unstripped token: stripping ``string.punctuation`` (no cased
    characters) cannot change ``str.isupper``.
    """

    def __init__(self, analyzer: _vs.SentimentIntensityAnalyzer) -> None:
        self._analyzer = analyzer
        self._lexicon = analyzer.lexicon
        # polarity_scores tests one character at a time, so multi-character keys never match.
        self._emojis = {k: v for k, v in analyzer.emojis.items() if len(k) == 1}
        # Any emoji key, or any character beyond the BMP (a false alarm there only costs a pass
        # that changes nothing): re scans such a class fast, unlike one listing every key.
        bmp = sorted(k for k in self._emojis if ord(k) <= 0xFFFF)
        self._emoji_re = re.compile("[" + "".join(map(re.escape, bmp)) + "\U00010000-\U0010ffff]")
        self._booster = _vs.BOOSTER_DICT
        self._negate = frozenset(_vs.NEGATE)
        self._special = _vs.SPECIAL_CASES
        # Booster words score 0 whatever the lexicon says (polarity_scores skips them).
        self._scored = frozenset(self._lexicon).difference(self._booster)
        # Words that change a lexicon word's valence from 1-3 positions before it: boosters
        # (scalar_inc_dec), negations (_negation_check; "n't" words are tested separately),
        # "no" (the no-rule), "never"/"so"/"this" (the x1.25 rules), "without" (with "doubt"),
        # "least" (_least_check).
        self._context = (
            frozenset(self._booster)
            | self._negate
            | {"no", "never", "so", "this", "without", "least"}
        )
        # _special_idioms_check only changes valence when a 2- or 3-word sequence around the word
        # equals a multi-word SPECIAL_CASES or BOOSTER_DICT key, so the sequence's first two words
        # are one of these pairs (words never contain spaces: they come from str.split).
        self._idiom_pairs = frozenset(
            tuple(key.split(" ")[:2]) for key in (*self._special, *self._booster) if " " in key
        )
        # At least one word of every pair, the rarer where a pair holds a very common word: a
        # sentence without any of these has no idiom n-gram anywhere.
        common = {"the", "of", "to", "for"}
        self._pair_words = frozenset(
            w for pair in self._idiom_pairs for w in (set(pair) - common or pair)
        )
        # A sentence containing none of these (and no "n't" word) leaves every lexicon word at
        # its lexicon valence; "kind" (of) and "but" are here so that one set operation also
        # finds polarity_scores' "kind of" rule and the contrast rule.
        self._rule_words = self._context | self._pair_words | {"kind", "but"}
        # Only N/n, T/t and the apostrophe lower-case to a string containing n, ' or t (the tests
        # check all of Unicode), so a lowered word containing "n't" comes from text matching this.
        self._nt = re.compile("[nN]'[tT]")
        self._words: dict[str, str] = {}
        self._scored_cache: dict[tuple, tuple[float, float, float, float]] = {}

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
        compound, pos, neu, neg = self.scores(text)
        return {"neg": neg, "neu": neu, "pos": pos, "compound": compound}

    def scores(self, text: str) -> tuple[float, float, float, float]:
        """``(compound, pos, neu, neg)`` exactly as ``polarity_scores`` rounds them."""
        # polarity_scores strips the text; str.split and str.count ignore the edges anyway.
        raw = text.split()
        if not raw:
            return _NO_WORDS
        lower = list(map(self._words.get, raw))
        # Emoji characters are not whitespace, so a text holds one only if a token does; cached
        # tokens hold none, so only the new ones are searched.
        if None in lower and self._fill_words(raw, lower):
            text = self._replace_emojis(text)
            raw = text.split()
            lower = list(map(self._words.get, raw))
            if None in lower:
                self._fill_words(raw, lower)
        hits = self._scored.intersection(lower)
        if not hits:
            return _ALL_NEUTRAL
        return self._score_hits(text, raw, lower, hits)

    def _fill_words(self, raw: list[str], lower: list[str | None]) -> bool:
        """Fill in (and cache) the words of the tokens missing from the cache.

        A word is SentiText._strip_punc_if_word of its token, lower-cased as every rule does.
        Returns whether a token holds an emoji; such tokens are not cached.
        """
        words = self._words
        if len(words) > _WORD_CACHE_SIZE:
            words.clear()
        punct = string.punctuation
        emoji = False
        k = -1
        for _ in range(lower.count(None)):
            k = lower.index(None, k + 1)
            token = raw[k]
            stripped = token.strip(punct)
            word = (token if len(stripped) <= 2 else stripped).lower()
            lower[k] = word
            # No emoji key is ASCII.
            if token.isascii() or self._emoji_re.search(token) is None:
                words[token] = word
            else:
                emoji = True
        return emoji

    def _score_hits(
        self, text: str, raw: list[str], lower: list[str], hits: set[str]
    ) -> tuple[float, float, float, float]:
        n = len(lower)
        if len(hits) == 1:
            (word,) = hits
            at = lower.index(word)
            positions = [at]
            for _ in range(lower.count(word) - 1):
                at = lower.index(word, at + 1)
                positions.append(at)
        else:
            positions = []
            for word in hits:
                at = -1
                for _ in range(lower.count(word)):
                    at = lower.index(word, at + 1)
                    positions.append(at)
            positions.sort()

        lexicon = self._lexicon
        rules = self._rule_words.intersection(lower)
        has_nt = "'" in text and self._nt.search(text) is not None
        cap_diff = None
        if not rules and not has_nt:
            # No rule word anywhere (nor "kind", nor "but"): each keeps its lexicon valence.
            nonzero = []
            for i in positions:
                valence = lexicon[lower[i]]
                if raw[i].isupper():
                    if cap_diff is None:
                        cap_diff = self._cap_diff(raw)
                    if cap_diff:
                        valence = valence + _vs.C_INCR if valence > 0 else valence - _vs.C_INCR
                nonzero.append(valence)
            return self._score_cached(nonzero, n, text)

        pairs = self._idiom_pairs if not self._pair_words.isdisjoint(rules) else None
        valences: list[tuple[int, float]] = []
        for i in positions:
            item = lower[i]
            # polarity_scores gives "kind" followed by "of" 0 before any lexicon rule.
            if item == "kind" and i < n - 1 and lower[i + 1] == "of":
                continue
            window = lower[i - 3 : i] if i > 3 else lower[:i]
            if (
                item == "no"
                or not rules.isdisjoint(window)
                or (has_nt and "n't" in " ".join(window))
                or (
                    # adjacent pairs starting at i-3 .. i+1 (fewer at the sentence's end)
                    pairs is not None
                    and i > 2
                    and not pairs.isdisjoint(
                        zip(lower[i - 3 : i + 2], lower[i - 2 : i + 3], strict=False)
                    )
                )
            ):
                if cap_diff is None:
                    cap_diff = self._cap_diff(raw)
                valence = self._valence(raw, lower, i, cap_diff, pairs is not None)
            else:
                valence = lexicon[item]
                if raw[i].isupper():
                    if cap_diff is None:
                        cap_diff = self._cap_diff(raw)
                    if cap_diff:
                        valence = valence + _vs.C_INCR if valence > 0 else valence - _vs.C_INCR
            valences.append((i, valence))

        at = [i for i, valence in valences if valence != 0]
        nonzero = [valence for _, valence in valences if valence != 0]
        if "but" in rules:
            _but_check(at, nonzero, lower.index("but"))
        return self._score_cached(nonzero, n, text)

    def _score_cached(
        self, nonzero: list[float], n: int, text: str
    ) -> tuple[float, float, float, float]:
        ep_count = text.count("!")
        qm_count = text.count("?")
        # everything score_valence's result depends on (its ! and ? effects stop growing at 4)
        key = (
            tuple(nonzero),
            n,
            ep_count if ep_count < 4 else 4,
            qm_count if qm_count < 4 else 4,
        )
        scored = self._scored_cache.get(key)
        if scored is None:
            if len(self._scored_cache) > _SCORE_CACHE_SIZE:
                self._scored_cache.clear()
            scored = _score_valence(nonzero, n - len(nonzero), ep_count, qm_count)
            self._scored_cache[key] = scored
        return scored

    @staticmethod
    def _cap_diff(raw: list[str]) -> bool:
        # allcap_differential
        n_upper = sum(map(str.isupper, raw))
        return 0 < len(raw) - n_upper < len(raw)

    def _valence(
        self, raw: list[str], lower: list[str], i: int, is_cap_diff: bool, idioms: bool
    ) -> float:
        # SentimentIntensityAnalyzer.sentiment_valence for a word known to be in the lexicon.
        # scalar_inc_dec is 0.0 for a non-booster word; idioms=False means the sentence holds no
        # idiom / booster n-gram, so _special_idioms_check would change nothing.
        lexicon = self._lexicon
        item_lower = lower[i]
        n = len(lower)
        valence = lexicon[item_lower]
        if item_lower == "no" and i != n - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[item_lower] * _vs.N_SCALAR
        if raw[i].isupper() and is_cap_diff:
            if valence > 0:
                valence += _vs.C_INCR
            else:
                valence -= _vs.C_INCR

        for start_i in range(0, 3):
            j = i - (start_i + 1)
            if i > start_i and lower[j] not in lexicon:
                if lower[j] in self._booster:
                    s = self._scalar_inc_dec(raw[j], lower[j], valence, is_cap_diff)
                else:
                    s = 0.0
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = self._negation_check(valence, lower, start_i, i)
                if start_i == 2 and idioms:
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


def _but_check(at: list[int], nonzero: list[float], bi: int) -> None:
    """``SentimentIntensityAnalyzer._but_check`` in place on the non-zero sentiments.

    ``nonzero[k]`` is the sentiment of word ``at[k]``; ``bi`` is the first "but". The reference
    walks every sentiment and finds each one's position by value (``list.index``), so a value
    equal to an earlier, already scaled one scales that one again; that quirk is kept. Its steps
    over zeros only replace the first zero by 0.0 (0 * 0.5 or 0 * 1.5), and no zero equals a
    non-zero value, so leaving the zeros out changes neither the lookups nor the results.
    """
    for sentiment in nonzero:
        k = nonzero.index(sentiment)
        if at[k] < bi:
            nonzero[k] = sentiment * 0.5
        elif at[k] > bi:
            nonzero[k] = sentiment * 1.5


def _score_valence(
    nonzero: list[float], n_zero: int, ep_count: int, qm_count: int
) -> tuple[float, float, float, float]:
    """``SentimentIntensityAnalyzer.score_valence`` from its non-zero sentiments, in order.

    The zeros are left out: adding 0 leaves every running sum unchanged and _sift_sentiment_scores
    only counts them (``n_zero``). ``ep_count`` / ``qm_count`` are the text's "!" / "?" counts.
    Operations and their order are the reference's, including the int start of ``sum`` and the int
    0 question-mark amplifier.
    """
    if not nonzero:
        return _ALL_NEUTRAL if n_zero else _NO_WORDS
    sum_s = float(sum(nonzero))
    # _punctuation_emphasis (_amplify_ep + _amplify_qm)
    if ep_count > 4:
        ep_count = 4
    ep_amplifier = ep_count * 0.292
    qm_amplifier = 0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    punct_emph_amplifier = ep_amplifier + qm_amplifier
    if sum_s > 0:
        sum_s += punct_emph_amplifier
    elif sum_s < 0:
        sum_s -= punct_emph_amplifier
    compound = _vs.normalize(sum_s)

    # _sift_sentiment_scores
    pos_sum = 0.0
    neg_sum = 0.0
    for sentiment_score in nonzero:
        if sentiment_score > 0:
            pos_sum += float(sentiment_score) + 1
        if sentiment_score < 0:
            neg_sum += float(sentiment_score) - 1

    if pos_sum > math.fabs(neg_sum):
        pos_sum += punct_emph_amplifier
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= punct_emph_amplifier
    total = pos_sum + math.fabs(neg_sum) + n_zero
    return (
        round(compound, 4),
        round(math.fabs(pos_sum / total), 3),
        round(math.fabs(n_zero / total), 3),
        round(math.fabs(neg_sum / total), 3),
    )


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
    if isinstance(getattr(scorer, "__self__", None), _FastVader):
        return list(map(scorer.__self__.scores, texts))
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
    width = len(SCORE_COLUMNS)
    array = np.fromiter(chain.from_iterable(scored), dtype=np.float64, count=width * len(unique))
    array = array.reshape(len(unique), width)
    if len(unique) != len(values):
        row = {text: k for k, text in enumerate(unique)}
        array = array[np.fromiter(map(row.__getitem__, values), dtype=np.intp, count=len(values))]
    return pd.DataFrame(array, columns=list(SCORE_COLUMNS))


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
