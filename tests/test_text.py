"""Tests for helpers.text: sentences, word tokens, stems, stop words, top terms."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import text as T

TESTS_DIR = Path(__file__).resolve().parent
FIXTURES = TESTS_DIR / "fixtures" / "text"
REFERENCE = TESTS_DIR / "reference"


def _make_text_module():
    spec = importlib.util.spec_from_file_location("make_text", REFERENCE / "make_text.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sentences(text: str, **kwargs) -> list[str]:
    return [text[a:b] for a, b in T.sentence_spans(text, **kwargs)]


def _docs(*texts: str | None) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": list(texts)})


# ----------------------------------------------------------------------------------------------
# Reference outputs on the seeds


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("text_seeds_sentences.json", "build_sentences"),
        ("text_seeds_top_terms.json", "build_top_terms"),
    ],
)
def test_seed_reference_outputs_unchanged(filename: str, build: str) -> None:
    expected = json.loads((REFERENCE / filename).read_text(encoding="utf-8"))
    actual = getattr(_make_text_module(), build)()
    assert actual["documents_from"] == expected["documents_from"], (
        "the seed documents now come from a different source; "
        "run `python tests/reference/make_text.py` and review the diff"
    )
    assert actual == expected, "run `python tests/reference/make_text.py` and review the diff"


def test_seed_reference_offsets_point_into_documents() -> None:
    documents, _ = _make_text_module().seed_documents()
    texts = dict(zip(documents["doc_id"], documents["text"], strict=True))
    data = json.loads((REFERENCE / "text_seeds_sentences.json").read_text(encoding="utf-8"))
    for row in data["sentences"]:
        assert texts[row["doc_id"]][row["start"] : row["end"]] == row["text"]


# ----------------------------------------------------------------------------------------------
# Sentence boundaries: abbreviations, numbers, quotes, paragraphs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.N. Security Council met on Friday. The U.S. envoy spoke first.",
            ["The U.N. Security Council met on Friday.", "The U.S. envoy spoke first."],
        ),
        (
            "Maj. Gen. Igor Konashenkov said so. Sen. John Smith agreed.",
            ["Maj. Gen. Igor Konashenkov said so.", "Sen. John Smith agreed."],
        ),
        (
            "The delegation would wait until 3 p.m. local Belarusian time for an answer.",
            ["The delegation would wait until 3 p.m. local Belarusian time for an answer."],
        ),
        (
            "Talks began at 3 p.m. The delegation waited.",
            ["Talks began at 3 p.m.", "The delegation waited."],
        ),
        (
            "Resolution No. 12 was signed. Nos. 3 and 4 were not.",
            ["Resolution No. 12 was signed.", "Nos. 3 and 4 were not."],
        ),
        (
            "Former U.S. Presidents such as George W. Bush spoke. Rep. Jane Doe did not.",
            ["Former U.S. Presidents such as George W. Bush spoke.", "Rep. Jane Doe did not."],
        ),
        (
            "About 1.4 million people live there. It is 2.5 times larger.",
            ["About 1.4 million people live there.", "It is 2.5 times larger."],
        ),
        (
            "Lt. Col. Smith met Dr. Jones and Mrs. Brown at St. Peter's Square on Jan. 6. "
            "It rained.",
            [
                "Lt. Col. Smith met Dr. Jones and Mrs. Brown at St. Peter's Square on Jan. 6.",
                "It rained.",
            ],
        ),
        (
            "Acme Inc. and Widget Corp. merged. Shares rose.",
            ["Acme Inc. and Widget Corp. merged.", "Shares rose."],
        ),
        ("Why now? Nobody knows! Maybe later.", ["Why now?", "Nobody knows!", "Maybe later."]),
    ],
)
def test_news_abbreviations_and_numbers(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_abbreviation_before_a_name_does_not_split_documented_choice() -> None:
    # Documented trade-off: after "p.m."/"U.S." only a capitalised function word starts a new
    # sentence, so a sentence ending in an abbreviation merges with a following name.
    text = "He arrived at 3 p.m. Zelensky spoke later."
    assert _sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"We will defend it. Glory to Ukraine!" he said. Then he left.',
            ['"We will defend it.', 'Glory to Ukraine!" he said.', "Then he left."],
        ),
        (
            "“Ukraine’s forces are destroying the enemy. We ask civilians to stay home.” He left.",
            [
                "“Ukraine’s forces are destroying the enemy.",
                "We ask civilians to stay home.”",
                "He left.",
            ],
        ),
        (
            "He asked “why?” and left. Fine.",
            ["He asked “why?” and left.", "Fine."],
        ),
        (
            "She said: 'It is over.' Nobody answered.",
            ["She said: 'It is over.'", "Nobody answered."],
        ),
        (
            # scraped text without a space between the closing and the next opening quote
            "They took the stage for “Weekend Update.”“President Putin launched it,” Jost began.",
            [
                "They took the stage for “Weekend Update.”",
                "“President Putin launched it,” Jost began.",
            ],
        ),
    ],
)
def test_quotes_stay_with_their_sentence(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_line_breaks_are_hard_boundaries() -> None:
    text = "Russian forces surround Kyiv\n\nEven with the army closing in, Kyiv holds.\nNabih Bulos"
    assert _sentences(text) == [
        "Russian forces surround Kyiv",
        "Even with the army closing in, Kyiv holds.",
        "Nabih Bulos",
    ]


def test_paragraph_mode_joins_wrapped_lines() -> None:
    text = (FIXTURES / "wrapped_paragraphs.txt").read_text(encoding="utf-8")
    expected_paragraph = [
        "Kyiv braces for another night of shelling",
        "Residents of the capital spent the night in metro stations as air raid\n"
        "sirens sounded across the city.",
        "Officials said the U.N. had been asked\nfor help.",
        '"We will not leave," one resident said.',
        "“Our home is here.”",
    ]
    assert _sentences(text, line_breaks="paragraph") == expected_paragraph
    hard = _sentences(text)
    assert "sirens sounded across the city." in hard
    assert len(hard) > len(expected_paragraph)
    with pytest.raises(ValueError, match="line_breaks"):
        T.sentence_spans(text, line_breaks="soft")


def test_cyrillic_and_emoji() -> None:
    assert _sentences("Привет. Как дела? 👍 Всё хорошо!") == [
        "Привет.",
        "Как дела?",
        "👍 Всё хорошо!",
    ]
    assert _sentences("Слава Україні! 🇺🇦🇺🇦") == ["Слава Україні!", "🇺🇦🇺🇦"]


# ----------------------------------------------------------------------------------------------
# split_sentences frame contract


def test_split_sentences_frame_contract() -> None:
    docs = _docs("  First one. Second one.  ", "", "   \n\n  ", None, "Only")
    out = T.split_sentences(docs)
    assert list(out.columns) == ["doc_id", "sent_idx", "text", "start", "end"]
    assert out["doc_id"].tolist() == ["d0", "d0", "d4"]
    assert out["sent_idx"].tolist() == [0, 1, 0]
    assert out["text"].tolist() == ["First one.", "Second one.", "Only"]
    assert out[["start", "end"]].to_numpy().tolist() == [[2, 12], [13, 24], [0, 4]]
    assert str(out["sent_idx"].dtype) == "int64" and str(out["start"].dtype) == "int64"


def test_empty_and_whitespace_documents_give_no_sentences() -> None:
    out = T.split_sentences(_docs("", " \t\n\u2028 ", None))
    assert out.empty
    assert list(out.columns) == ["doc_id", "sent_idx", "text", "start", "end"]


def test_split_sentences_rejects_bad_input() -> None:
    with pytest.raises(KeyError, match="doc_id"):
        T.split_sentences(pd.DataFrame({"text": ["a"]}))
    with pytest.raises(TypeError, match="str"):
        T.split_sentences(pd.DataFrame({"doc_id": ["a"], "text": [3]}))


_ALPHABET = st.sampled_from(
    list("abcXYZ .,;!?\"'“”‘’()-…\n\t\r\u00a0\u2028")
    + ["U.S.", "p.m.", "Mr.", "Я", "ё", "👍", "🇺🇦"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_sentence_offsets_invariants(text: str) -> None:
    out = T.split_sentences(pd.DataFrame({"doc_id": ["x"], "text": [text]}))
    previous_end = 0
    for i, (sent_idx, sentence, start, end) in enumerate(
        out[["sent_idx", "text", "start", "end"]].itertuples(index=False)
    ):
        assert sent_idx == i
        assert text[start:end] == sentence
        assert sentence and sentence == sentence.strip()
        assert start >= previous_end
        assert text[previous_end:start].strip() == ""
        previous_end = end
    assert text[previous_end:].strip() == ""


# ----------------------------------------------------------------------------------------------
# Word tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ukraine’s army", ["Ukraine", "’s", "army"]),
        ("Ukraine's army", ["Ukraine", "'s", "army"]),
        ("“Don’t,” he said.", ["“", "Do", "n’t", ",", "”", "he", "said", "."]),
        ("He said \"no\" and 'yes'.", ["He", "said", '"', "no", '"', "and", "'", "yes", "'", "."]),
        ("I'm O'Brien", ["I", "'m", "O'Brien"]),
        ("the U.N.'s agency", ["the", "U.N.", "'s", "agency"]),
        (
            "The U.S. and U.N. met at 3 p.m. in D.C.",
            ["The", "U.S.", "and", "U.N.", "met", "at", "3", "p.m.", "in", "D.C", "."],
        ),
        ("Maj. Gen. Igor Konashenkov", ["Maj.", "Gen.", "Igor", "Konashenkov"]),
        ("George W. Bush", ["George", "W.", "Bush"]),
        ("150,000 troops, 1.4 million", ["150,000", "troops", ",", "1.4", "million"]),
        ("second-largest city -- twice...", ["second-largest", "city", "--", "twice", "..."]),
        ("Привет, мир! 👍🏽", ["Привет", ",", "мир", "!", "👍🏽"]),
    ],
)
def test_tokenize_spans_cases(text: str, expected: list[str]) -> None:
    spans = T.tokenize_spans(text)
    assert [tok for tok, _, _ in spans] == expected
    assert all(text[a:b] == tok for tok, a, b in spans)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_token_offsets_invariants(text: str) -> None:
    previous_end = 0
    for tok, start, end in T.tokenize_spans(text):
        assert text[start:end] == tok and tok
        assert start >= previous_end
        assert text[previous_end:start].strip() == ""
        previous_end = end
    assert text[previous_end:].strip() == ""


def test_tokenize_long_input_is_linear_enough() -> None:
    sentence = 'Zelensky said “we’re here,” and the U.S. said "no". '
    text = sentence * 5_000
    started = time.perf_counter()
    spans = T.tokenize_spans(text)
    elapsed = time.perf_counter() - started
    assert len(spans) == len(T.tokenize_spans(sentence)) * 5_000
    assert all(text[a:b] == tok for tok, a, b in spans[-50:])
    assert elapsed < 5


def test_normalize_is_lowercase_snowball_stem() -> None:
    assert T.normalize("Running") == "run"
    assert T.normalize("Ukrainian") == T.normalize("ukrainians")
    assert T.normalize("Invasion") == "invas"


def test_tokens_frame() -> None:
    sentences = T.split_sentences(_docs("Ukraine’s troops fought. 150,000 left!"))
    out = T.tokens(sentences)
    assert list(out.columns) == [
        "doc_id", "sent_idx", "token", "norm", "start", "end", "is_stop", "is_alpha"
    ]  # fmt: skip
    assert out["token"].tolist() == [
        "Ukraine",
        "’s",
        "troops",
        "fought",
        ".",
        "150,000",
        "left",
        "!",
    ]
    assert out["sent_idx"].tolist() == [0, 0, 0, 0, 0, 1, 1, 1]
    assert out["norm"].tolist()[:4] == ["ukrain", "’s", "troop", "fought"]
    assert out["is_stop"].tolist() == [False, True, False, False, False, False, False, False]
    assert out["is_alpha"].tolist() == [True, False, True, True, False, False, True, False]
    merged = out.merge(sentences, on=["doc_id", "sent_idx"], suffixes=("", "_sentence"))
    for row in merged.itertuples(index=False):
        assert row.text[row.start : row.end] == row.token
    assert T.tokens(sentences.iloc[0:0]).empty


# ----------------------------------------------------------------------------------------------
# Stop words, laziness, offline


def test_stopwords_are_the_snowball_list() -> None:
    words = T.stopwords()
    assert isinstance(words, frozenset) and len(words) == 174
    assert {"the", "and", "don't", "ourselves", "ought"} <= words
    assert not {"us", "will", "said", "one"} & words  # commented out in the Snowball source
    assert T.STOPWORDS is words
    header = T.STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()[:12]
    assert any("BSD" in line for line in header)


def test_import_does_no_file_io_and_nltk_download_is_never_called() -> None:
    code = (
        "import nltk\n"
        "def refuse(*a, **k): raise AssertionError('nltk.download called')\n"
        "nltk.download = refuse\n"
        "import helpers.text as T\n"
        "assert T.stopwords.cache_info().currsize == 0\n"
        "assert T.punkt_parameters.cache_info().currsize == 0\n"
        "import pandas as pd\n"
        "s = T.split_sentences(pd.DataFrame({'doc_id': ['a'], 'text': ['Hi there. Bye.']}))\n"
        "T.tokens(s); T.top_terms(s)\n"
        "assert T.punkt_parameters.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ----------------------------------------------------------------------------------------------
# Top terms


def test_top_terms_counts_stems_and_breaks_ties() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "source": ["x", "x", "y"],
            "text": [
                "Troops advanced. The troop advanced again, 150,000 of them!",
                "Russian troops shelled Kyiv.",
                "Kyiv, Kyiv and the Russian army.",
            ],
        }
    )
    out = T.top_terms(docs, n=10)
    assert list(out.columns) == ["term", "norm", "count", "doc_count"]
    rows = list(out.itertuples(index=False, name=None))
    # ties on count go to more documents, then to the stem in code point order
    assert rows == [
        ("Kyiv", "kyiv", 3, 2),
        ("Troops", "troop", 3, 2),  # "Troops", "troop", "troops" once each: code point order
        ("Russian", "russian", 2, 2),
        ("advanced", "advanc", 2, 1),
        ("army", "armi", 1, 1),
        ("shelled", "shell", 1, 1),
    ]
    by_source = T.top_terms(docs, n=2, by="source")
    assert by_source["doc_count"].tolist() == [2, 1]
    sentences = T.split_sentences(docs)
    assert T.top_terms(sentences, n=10).equals(out)
    assert T.top_terms(docs, n=0).empty
    with pytest.raises(KeyError, match="nope"):
        T.top_terms(docs, by="nope")


# ----------------------------------------------------------------------------------------------
# Punkt without NLTK's regex timeout wrapper gives NLTK's own boundaries


def _stock_punkt():
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    tokenizer = PunktSentenceTokenizer()  # NLTK's classes, patterns wrapped by nltk.redos
    tokenizer._params = T.punkt_parameters()
    return tokenizer


def test_unwrapped_punkt_equals_stock_punkt_on_seeds() -> None:
    stock = _stock_punkt()
    blocks = [
        block
        for path in sorted((TESTS_DIR.parent / "seeds").glob("*.txt"))
        for block in path.read_text(encoding="utf-8").splitlines()
        if block.strip()
    ]
    assert len(blocks) > 20
    for block in blocks:
        assert list(T._punkt().span_tokenize(block)) == list(stock.span_tokenize(block)), block
    # The fast tokenizer really bypasses the wrapper (else this test would compare NLTK to itself).
    assert type(T._punkt()._lang_vars.period_context_re()).__module__ != "nltk.redos"


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_unwrapped_punkt_equals_stock_punkt(text: str) -> None:
    assert list(T._punkt().span_tokenize(text)) == list(_stock_punkt().span_tokenize(text))
