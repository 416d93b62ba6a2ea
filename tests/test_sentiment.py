"""helpers.sentiment: exact parity with vaderSentiment, labels, and the tone roll-ups."""

from __future__ import annotations

import importlib.util
import json
import random
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment import vaderSentiment
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from helpers import config, sentiment
from helpers.sentiment import (
    SCORE_COLUMNS,
    article_tone,
    extremes,
    label_sentiment,
    method_note,
    score_frame,
    score_sentences,
    tone_by_event,
)

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "sentiment"
REFERENCE = HERE / "reference" / "sentiment_seeds.json"


@pytest.fixture(scope="module")
def vader() -> SentimentIntensityAnalyzer:
    """A fresh analyzer from the package, independent of the module's cached one."""
    return SentimentIntensityAnalyzer()


def _expected(vader: SentimentIntensityAnalyzer, texts: list[str]) -> pd.DataFrame:
    rows = [vader.polarity_scores(t) for t in texts]
    return pd.DataFrame([[r[c] for c in SCORE_COLUMNS] for r in rows], columns=list(SCORE_COLUMNS))


def _assert_exact(texts: list[str], got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(SCORE_COLUMNS)
    assert len(got) == len(texts)
    diff = (got.to_numpy() != expected.to_numpy()).any(axis=1)
    bad = [
        (texts[i], got.iloc[i].tolist(), expected.iloc[i].tolist()) for i in np.flatnonzero(diff)
    ]
    assert not bad, f"{len(bad)} sentences differ from vaderSentiment, first: {bad[:3]}"


# --------------------------------------------------------------------------------------------------
# Deterministic sentence generator: mixes every construct VADER has a rule for.
# --------------------------------------------------------------------------------------------------

# Entries are "|"-separated because some are several words ("kind of", "kiss of death").
_VOCAB = {
    kind: entries.split("|")
    for kind, entries in {
        "lexicon": "good|bad|great|horrible|love|hate|happy|sad|killed|war|peace|failing|failed|"
        "attack|help|kind|doubt|death|bomb|shit|die|heart|ass|right|no|yeah|stop|fun|excellent|"
        "worst|best|lol|sux|badass|support|destroying|rescued|free|like|pretty",
        "neutral": "the|a|of|to|for|is|was|it|city|Kyiv|troops|on|and|at|this|kiss|bus|beating|"
        "cut|mustard|or|nor|in|red|42",
        "negation": "not|isn't|isnt|never|without|nor|none|don't|cannot|ain't|uh-uh|despite|"
        "rarely|seldom|nothing|wouldn't|NOT|Never|mayn't|couldn't've",
        "booster": "very|extremely|so|kind of|sort of|just enough|least|most|less|little|barely|"
        "kinda|VERY|Extremely|quite|really|hardly|utterly|at least|very least|never so|"
        "never this|without doubt|without a doubt",
        "idiom": "kiss of death|the bomb|the shit|to die for|bad ass|yeah right|beating heart|"
        "bus stop|cut the mustard|in the red|under the weather",
        "but": "but|BUT|But|but,",
        "emoticon": ":)|:(|:-)|:D|<3|:/|xD|;)|:-(|(:",
        "emoji": "😁|💘|☹|🙂|👍|☺️|👍🏽|💣|😡|a😁b",
        "unicode": "café|naïve|İstanbul|Straße|ﬁne|Ukraine’s|isn’t|“good”|—",
    }.items()
}
_PUNCT = ["", "", "", ".", ",", "!", "!!!", "?", "??", "?!", "...", ")", "'"]
_SEPARATORS = [" ", " ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u2009"]


def generated_sentences(count: int = 4000, seed: int = 20220224) -> list[str]:
    """``count`` sentences from a seeded generator (same list on every run)."""
    rng = random.Random(seed)
    kinds = list(_VOCAB)
    weights = [6, 5, 3, 3, 1, 1, 1, 1, 1]
    out = []
    for _ in range(count):
        words = []
        for _ in range(rng.randint(1, 18)):
            word = rng.choice(_VOCAB[rng.choices(kinds, weights)[0]])
            shape = rng.random()
            if shape < 0.12:
                word = word.upper()
            elif shape < 0.18:
                word = word.capitalize()
            words.append(word + rng.choice(_PUNCT))
        sentence = words[0]
        for word in words[1:]:
            sentence += rng.choice(_SEPARATORS) + word
        out.append(sentence)
    return out


def test_generator_is_deterministic_and_varied():
    first = generated_sentences(500)
    assert first == generated_sentences(500)
    assert len(set(first)) > 490
    joined = " ".join(first)
    for construct in ("not", "but", "kiss of death", "the bomb", "!!!", "?", ":)", "😁", "least"):
        assert construct in joined


# --------------------------------------------------------------------------------------------------
# Parity with the reference package
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_edge_cases_equal_vader(vader, engine):
    texts = json.loads((FIXTURES / "edge_cases.json").read_text(encoding="utf-8"))
    _assert_exact(texts, score_sentences(texts, engine=engine), _expected(vader, texts))


def test_generated_sentences_equal_vader(vader):
    texts = generated_sentences()
    expected = _expected(vader, texts)
    _assert_exact(texts, score_sentences(texts), expected)
    # the generator must actually reach the rules: most sentences carry sentiment, both signs
    assert (expected["compound"] > 0.05).mean() > 0.2
    assert (expected["compound"] < -0.05).mean() > 0.2


def test_generated_sentences_with_but_repeat_values_equal_vader(vader):
    # The reference's "but" rule looks sentiments up by value (list.index), so repeated words
    # before and after "but" take a quirky path; it must be reproduced, not fixed.
    rng = random.Random(7)
    texts = []
    for _ in range(600):
        left = " ".join(
            rng.choice(["good", "bad", "the", "very good", "not good"]) for _ in range(4)
        )
        right = " ".join(rng.choice(["good", "bad", "the", "NOT bad", "good!"]) for _ in range(4))
        texts.append(f"{left} {rng.choice(['but', 'BUT'])} {right} but {left}")
    _assert_exact(texts, score_sentences(texts), _expected(vader, texts))


def test_very_long_sentence_equals_vader(vader):
    text = " ".join(generated_sentences(600, seed=3))
    assert len(text.split()) > 4000
    _assert_exact([text], score_sentences([text]), _expected(vader, [text]))


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_unicode_equals_vader(vader, text):
    got = score_sentences([text]).iloc[0].tolist()
    ref = vader.polarity_scores(text)
    assert got == [ref[c] for c in SCORE_COLUMNS]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.lists(
        st.sampled_from([w for words in _VOCAB.values() for w in words] + ["!", "?", "but"]),
        max_size=12,
    )
)
def test_vocabulary_sequences_equal_vader(vader, words):
    text = " ".join(words)
    got = score_sentences([text]).iloc[0].tolist()
    ref = vader.polarity_scores(text)
    assert got == [ref[c] for c in SCORE_COLUMNS]


# Tokens that reach every rule of the fast engine's shortcuts and fallbacks: boosters and
# dampeners, negations (with straight and curly apostrophes, any case), "no", "least", "kind of",
# idioms and booster n-grams, "but", emoticons, emojis, and characters whose lower-casing is odd
# (U+0130 lengthens, final sigma depends on context, Kelvin sign lower-cases to ASCII).
_RULE_TOKENS = sorted(
    {w for words in _VOCAB.values() for word in words for w in word.split()}
    | set(vaderSentiment.BOOSTER_DICT)
    | set(vaderSentiment.NEGATE)
    | {w for key in vaderSentiment.SPECIAL_CASES for w in key.split()}
    | {"no", "or", "nor", "at", "very", "least", "this", "so", "never", "without", "doubt"}
    | {"kind", "of", "sort", "just", "enough", "but", "good", "bad", "war", "killed", "lol"}
    | {"DON'T", "Isn'T", "n't", "N'T", "can\u2019t", "İyi", "İ", "ΟΔΟΣ", "Σ", "\u212aill"}
    | {"😁", "💔", "☹", "👍🏽", "♥", "xoxo", ":-(", "(:", "\u00a9", "\U0001f600good"}
)
_AFFIXES = [
    "",
    "",
    "",
    "",
    ".",
    ",",
    "!",
    "!!",
    "?",
    "???",
    "'",
    '"',
    "(",
    ")",
    "...",
    "-",
    "\u2019",
]


@st.composite
def _rule_sentences(draw) -> str:
    tokens = []
    for _ in range(draw(st.integers(0, 14))):
        word = draw(st.sampled_from(_RULE_TOKENS))
        shape = draw(st.sampled_from(["same", "same", "upper", "title", "lower"]))
        word = {"upper": word.upper(), "title": word.title(), "lower": word.lower()}.get(
            shape, word
        )
        tokens.append(draw(st.sampled_from(_AFFIXES)) + word + draw(st.sampled_from(_AFFIXES)))
    separators = st.sampled_from([" ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000"])
    out = draw(st.sampled_from(["", " "]))
    for k, token in enumerate(tokens):
        out += (draw(separators) if k else "") + token
    return out


@settings(max_examples=800, derandomize=True, deadline=None)
@given(_rule_sentences())
def test_rule_word_sentences_equal_vader(vader, text):
    got = score_sentences([text]).iloc[0].tolist()
    ref = vader.polarity_scores(text)
    assert got == [ref[c] for c in SCORE_COLUMNS]


def test_benchmark_corpus_sentences_equal_vader(vader):
    # Seed sentences with fresh numbers and place names: the word cache misses on every name.
    sys.path.insert(0, str(config.REPO_ROOT / "benchmarks"))
    from corpus_gen import make_corpus

    from helpers.text import split_sentences

    docs = make_corpus(170, seed=5)
    texts = split_sentences(docs[["doc_id", "text"]])["text"].tolist()
    assert len(texts) >= 4000
    _assert_exact(texts, score_sentences(texts), _expected(vader, texts))


def test_both_fast_engine_routes_are_exercised(monkeypatch, vader):
    # The shortcut (lexicon valence as is) and the full sentiment_valence transcription must both
    # run on the generated sentences, or the parity tests would not be testing one of them.
    fast = sentiment._FastVader(vader)
    full_calls = []
    transcription = fast._valence

    def counting(*args):
        full_calls.append(args[2])
        return transcription(*args)

    monkeypatch.setattr(fast, "_valence", counting)
    texts = generated_sentences(1000, seed=5)
    got = [list(fast.scores(t)) for t in texts]
    expected = _expected(vader, texts).to_numpy().tolist()
    assert got == expected
    n_scored = sum(
        1 for t in texts for w in t.split() if w.strip(string.punctuation).lower() in vader.lexicon
    )
    assert 200 < len(full_calls) < n_scored - 200


def test_caches_stay_bounded_and_exact(monkeypatch, vader):
    monkeypatch.setattr(sentiment, "_WORD_CACHE_SIZE", 50)
    monkeypatch.setattr(sentiment, "_SCORE_CACHE_SIZE", 20)
    fast = sentiment._FastVader(vader)
    texts = generated_sentences(600, seed=9)
    got = [list(fast.scores(t)) for t in texts + texts[::-1]]
    expected = _expected(vader, texts + texts[::-1]).to_numpy().tolist()
    assert got == expected
    # cleared once over the limit, then refilled by at most one sentence's words
    longest = max(len(t.split()) for t in texts)
    assert 0 < len(fast._words) <= 51 + longest and 0 < len(fast._scored_cache) <= 21
    assert fast.polarity_scores(texts[0]) == vader.polarity_scores(texts[0])


def test_unicode_facts_the_fast_engine_relies_on(vader):
    fast = sentiment._FastVader(vader)
    emoji_chars = [k for k in vader.emojis if len(k) == 1]
    # the replacement pass is skipped for ASCII text and when the emoji pattern finds nothing
    assert not any(c.isascii() or c.isspace() for c in emoji_chars)
    assert all(fast._emoji_re.fullmatch(c) for c in emoji_chars)
    # str.isupper of a stripped word equals that of its token: punctuation has no case
    assert not any(c.isupper() or c.islower() or c.lower() != c for c in string.punctuation)
    # a lowered word contains "n't" only where its text matches [nN]'[tT]
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char not in "nNtT'":
            assert not set(char.lower()) & set("n't"), hex(code)


def test_seed_sentences_equal_vader(vader):
    make = _load_make_script()
    sentences, _ = make.seed_sentences()
    texts = sentences["text"].tolist()
    assert len(texts) > 50
    _assert_exact(texts, score_sentences(texts), _expected(vader, texts))


def _load_make_script():
    spec = importlib.util.spec_from_file_location(
        "make_sentiment", HERE / "reference" / "make_sentiment.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_file_matches_current_scores(vader):
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    records = pd.DataFrame(data["sentences"])
    assert data["n_sentences"] == len(records) > 50
    stored = records[list(SCORE_COLUMNS)].reset_index(drop=True)
    texts = records["text"].tolist()
    _assert_exact(texts, score_sentences(texts), stored)
    _assert_exact(texts, score_sentences(texts, engine="reference"), stored)
    _assert_exact(texts, _expected(vader, texts), stored)


# --------------------------------------------------------------------------------------------------
# score_sentences contract
# --------------------------------------------------------------------------------------------------


def test_one_row_per_input_in_order_with_fresh_index():
    texts = pd.Series(["Great news!", "", "Terrible war.", "Great news!"], index=[10, 3, 7, 1])
    got = score_sentences(texts)
    assert got.index.equals(pd.RangeIndex(4))
    assert got.dtypes.tolist() == [np.float64] * 4
    assert got.loc[0, "compound"] > 0 > got.loc[2, "compound"]
    assert got.loc[1].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert got.loc[0].tolist() == got.loc[3].tolist()


def test_empty_input_gives_empty_frame():
    got = score_sentences([])
    assert got.empty and list(got.columns) == list(SCORE_COLUMNS)


@pytest.mark.parametrize("bad", [None, float("nan"), 3])
def test_non_text_is_refused_with_position(bad):
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        score_sentences(["fine", bad])


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        score_sentences(["x"], engine="nltk")


def test_process_pool_gives_identical_rows(monkeypatch):
    monkeypatch.setattr(sentiment, "PARALLEL_MIN_SENTENCES", 1)
    texts = generated_sentences(300, seed=11) * 2
    assert score_sentences(texts, n_jobs=2).equals(score_sentences(texts))
    with pytest.raises(ValueError, match="n_jobs"):
        score_sentences(texts, n_jobs=0)


def test_analyzer_built_lazily_once(monkeypatch):
    code = (
        "import helpers.sentiment as s; "
        "print(s._reference_analyzer.cache_info().currsize, s._fast_analyzer.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0"]

    built = []

    class Counting(SentimentIntensityAnalyzer):
        def __init__(self):
            built.append(1)
            super().__init__()

    monkeypatch.setattr(sentiment._vs, "SentimentIntensityAnalyzer", Counting)
    sentiment._reference_analyzer.cache_clear()
    sentiment._fast_analyzer.cache_clear()
    try:
        score_sentences(["good"])
        score_sentences(["bad"], engine="reference")
        score_sentences(["ugly"])
        assert built == [1]
    finally:
        sentiment._reference_analyzer.cache_clear()
        sentiment._fast_analyzer.cache_clear()


def test_fast_engine_only_for_the_transcribed_release(monkeypatch):
    assert sentiment.vader_version() == sentiment.FAST_ENGINE_VADER_VERSION
    assert isinstance(sentiment._fast_analyzer(), sentiment._FastVader)
    monkeypatch.setattr(sentiment, "vader_version", lambda: "3.4.0")
    sentiment._fast_analyzer.cache_clear()
    try:
        assert isinstance(sentiment._fast_analyzer(), SentimentIntensityAnalyzer)
    finally:
        sentiment._fast_analyzer.cache_clear()


def test_score_frame_attaches_scores_date_and_title():
    sentences = pd.DataFrame(
        {"doc_id": ["b", "a", "b"], "sent_idx": [0, 0, 1], "text": ["Good.", "Bad.", "Fine."]},
        index=[5, 6, 7],
    )
    documents = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "date": pd.to_datetime(["2022-02-25", "2022-02-26"]),
            "title": ["A", "B"],
        }
    )
    got = score_frame(sentences, documents)
    assert got.index.equals(pd.RangeIndex(3))
    assert list(got.columns) == ["doc_id", "sent_idx", "text", "date", "title", *SCORE_COLUMNS]
    assert got["title"].tolist() == ["B", "A", "B"]
    assert got["date"].tolist() == list(pd.to_datetime(["2022-02-26", "2022-02-25", "2022-02-26"]))
    assert got[list(SCORE_COLUMNS)].equals(score_sentences(["Good.", "Bad.", "Fine."]))


# --------------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------------


def test_labels_follow_authors_convention_at_the_boundaries():
    assert config.POS_THRESHOLD == 0.05 and config.NEG_THRESHOLD == -0.05
    assert label_sentiment(0.05) == "positive"
    assert label_sentiment(0.0499) == "neutral"
    assert label_sentiment(0.0) == "neutral"
    assert label_sentiment(-0.0499) == "neutral"
    assert label_sentiment(-0.05) == "negative"
    assert label_sentiment(-1.0) == "negative"


def test_labels_vectorised_and_custom_thresholds():
    values = pd.Series([0.3, 0.1, -0.1, -0.3], index=list("wxyz"))
    got = label_sentiment(values, pos_threshold=0.2, neg_threshold=-0.2)
    assert got.index.equals(values.index)
    assert got.tolist() == ["positive", "neutral", "neutral", "negative"]
    assert label_sentiment(np.array([0.06, -0.06])).tolist() == ["positive", "negative"]


def test_labels_refuse_bad_thresholds_and_missing_scores():
    with pytest.raises(ValueError, match="neg_threshold"):
        label_sentiment(0.0, pos_threshold=0.1, neg_threshold=0.1)
    with pytest.raises(ValueError, match="missing"):
        label_sentiment(np.array([0.1, np.nan]))


# --------------------------------------------------------------------------------------------------
# Roll-ups on a tiny constructed frame (values worked out by hand in the comments)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def scored() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["d2", "d1", "d1", "d1", "d2", "d3"],
            "sent_idx": [0, 0, 1, 2, 1, 0],
            "text": ["war", "peace", "war", "meh", "calm", "war"],
            "compound": [-0.6, 0.5, -0.6, 0.0, 0.05, -0.05],
            "date": pd.to_datetime(
                ["2022-02-26", "2022-02-25", "2022-02-25", "2022-02-25", "2022-02-26", None]
            ),
            "title": ["T2", "T1", "T1", "T1", "T2", "T3"],
        }
    )


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["d1", "d1", "d1", "d2", "d2", "d3", "d9"],
            "sent_idx": [1, 1, 1, 0, 1, 0, 0],
            "event": [
                "shelling",
                "shelling",
                "casualties",
                "shelling",
                "diplomacy",
                "shelling",
                "x",
            ],
            "match": ["war", "war", "war", "war", "calm", "war", "?"],
            "start": [0, 0, 0, 0, 0, 0, 0],
            "end": [3, 3, 3, 3, 4, 3, 1],
        }
    )


def test_article_tone_hand_computed(scored):
    got = article_tone(scored)
    assert got["doc_id"].tolist() == ["d1", "d2", "d3"]
    assert list(got.columns) == [
        "doc_id",
        "date",
        "n_sentences",
        "mean_compound",
        "share_negative",
        "share_positive",
    ]
    assert got["n_sentences"].tolist() == [3, 2, 1]
    # d1: (0.5 - 0.6 + 0) / 3; d2: (-0.6 + 0.05) / 2; d3: -0.05
    assert got["mean_compound"].tolist() == pytest.approx([-0.1 / 3, -0.275, -0.05])
    # d1: one of three <= -0.05 and one >= 0.05; d2: -0.6 negative, 0.05 positive; d3: -0.05
    assert got["share_negative"].tolist() == pytest.approx([1 / 3, 0.5, 1.0])
    assert got["share_positive"].tolist() == pytest.approx([1 / 3, 0.5, 0.0])
    assert got["date"].tolist()[:2] == list(pd.to_datetime(["2022-02-25", "2022-02-26"]))
    assert pd.isna(got["date"].iloc[2])


def test_article_tone_thresholds_and_no_date(scored):
    got = article_tone(scored.drop(columns="date"), pos_threshold=0.4, neg_threshold=-0.5)
    assert "date" not in got.columns
    # d2 now: -0.6 negative, 0.05 neutral; d3: -0.05 neutral
    assert got["share_negative"].tolist() == pytest.approx([1 / 3, 0.5, 0.0])
    assert got["share_positive"].tolist() == pytest.approx([1 / 3, 0.0, 0.0])


def test_article_tone_refuses_conflicting_dates(scored):
    scored.loc[1, "date"] = pd.Timestamp("2022-03-01")
    with pytest.raises(ValueError, match="d1"):
        article_tone(scored)


def test_tone_by_event_hand_computed(scored, events):
    got = tone_by_event(scored, events)
    assert got["event"].tolist() == ["casualties", "diplomacy", "shelling"]
    # shelling: (d1,1) -0.6 counted once despite two hits, (d2,0) -0.6, (d3,0) -0.05;
    # casualties shares sentence (d1,1) with shelling and counts it too; d9 is not scored.
    assert got["n_sentences"].tolist() == [1, 1, 3]
    assert got["n_articles"].tolist() == [1, 1, 3]
    assert got["mean_compound"].tolist() == pytest.approx([-0.6, 0.05, -1.25 / 3])
    assert got["share_negative"].tolist() == pytest.approx([1.0, 0.0, 1.0])
    assert got["share_positive"].tolist() == pytest.approx([0.0, 1.0, 0.0])


@pytest.mark.parametrize("typed", [True, False])
def test_tone_by_event_and_extremes_with_no_hits(scored, events, typed):
    # an untyped empty frame (float columns) is what a hand-built "no events" table looks like
    none = events.iloc[0:0] if typed else pd.DataFrame({"doc_id": [], "sent_idx": [], "event": []})
    assert (extremes(scored, none)["events"] == "").all()
    got = tone_by_event(scored, none)
    assert got.empty
    assert list(got.columns) == [
        "event",
        "n_sentences",
        "n_articles",
        "mean_compound",
        "share_negative",
        "share_positive",
    ]


def test_extremes_order_ties_and_events(scored, events):
    got = extremes(scored, events, n=2)
    # distinct text: the three "war" sentences collapse to the first, (d1,1); 0.0 is not extreme
    assert got["direction"].tolist() == ["negative", "positive", "positive"]
    assert got["rank"].tolist() == [1, 1, 2]
    assert got[["doc_id", "sent_idx"]].values.tolist() == [["d1", 1], ["d1", 0], ["d2", 1]]
    assert got["events"].tolist() == ["casualties,shelling", "", "diplomacy"]
    assert list(got.columns) == [
        "direction",
        "rank",
        "doc_id",
        "date",
        "title",
        "sent_idx",
        "text",
        "compound",
        "events",
    ]


def test_extremes_columns_and_tie_break(scored, events):
    got = extremes(scored, events, n=2, distinct=False)
    neg = got[got["direction"] == "negative"]
    pos = got[got["direction"] == "positive"]
    # -0.6 twice: (d1,1) before (d2,0) by doc_id
    assert list(zip(neg["doc_id"], neg["sent_idx"], strict=True)) == [("d1", 1), ("d2", 0)]
    assert neg["events"].tolist() == ["casualties,shelling", "shelling"]
    # positives: 0.5 (d1,0) then 0.05 (d2,1); the 0.0 sentence is never an extreme
    assert list(zip(pos["doc_id"], pos["sent_idx"], strict=True)) == [("d1", 0), ("d2", 1)]
    assert pos["events"].tolist() == ["", "diplomacy"]
    assert pos["title"].tolist() == ["T1", "T2"]


def test_extremes_distinct_text_and_short_lists(scored):
    got = extremes(scored, n=5)
    neg = got[got["direction"] == "negative"]
    # the three "war" sentences collapse to the first, (d1,1); neutral 0.0 is excluded
    assert neg[["doc_id", "sent_idx"]].values.tolist() == [["d1", 1]]
    assert got[got["direction"] == "positive"]["text"].tolist() == ["peace", "calm"]
    assert (got["events"] == "").all()
    assert extremes(scored, n=0).empty


def test_method_note_states_thresholds():
    note = method_note(0.1, -0.2)
    assert "compound >= 0.1" in note and "compound <= -0.2" in note and "mean" in note
    assert sentiment.METHOD == method_note()
