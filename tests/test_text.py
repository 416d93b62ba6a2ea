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
from nltk.stem.snowball import SnowballStemmer

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
# Punkt without NLTK's regex timeout wrapper, and our PunktToken-free span_tokenize, give NLTK's
# own boundaries


def _stock_punkt(params=None):
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    tokenizer = PunktSentenceTokenizer()  # NLTK's classes, patterns wrapped by nltk.redos
    tokenizer._params = T.punkt_parameters() if params is None else params
    return tokenizer


def _reference_sentence_spans(text: str, line_breaks: str = "hard") -> list[tuple[int, int]]:
    """sentence_spans as first written: split on the separator, strip, cut at stock Punkt's ends."""
    stock = _stock_punkt()
    spans: list[tuple[int, int]] = []
    bounds = [0]
    for match in T._SEPARATORS[line_breaks].finditer(text):
        bounds += [match.start(), match.end()]
    bounds.append(len(text))
    for begin, stop in zip(bounds[::2], bounds[1::2], strict=True):
        block = text[begin:stop]
        chunk = block.strip()
        if not chunk:
            continue
        offset = begin + len(block) - len(block.lstrip())
        if set(".?!").isdisjoint(chunk.rstrip(T._ENDINGS)):
            spans.append((offset, offset + len(chunk)))
            continue
        n = len(chunk)
        ends = {T._after_closers(chunk, end) for _, end in stock.span_tokenize(chunk)}
        cuts = [c for c in sorted(ends) if 0 < c < n and not T._continues_quote(chunk, c)]
        previous = 0
        for cut in [*cuts, n]:
            piece = chunk[previous:cut]
            if piece.strip():
                start = offset + previous + len(piece) - len(piece.lstrip())
                spans.append((start, start + len(piece.strip())))
            previous = cut
    return spans


def _seed_blocks() -> list[str]:
    return [
        block
        for path in sorted((TESTS_DIR.parent / "seeds").glob("*.txt"))
        for block in path.read_text(encoding="utf-8").splitlines()
        if block.strip()
    ]


def test_unwrapped_punkt_equals_stock_punkt_on_seeds() -> None:
    stock = _stock_punkt()
    blocks = _seed_blocks()
    assert len(blocks) > 20
    for block in blocks:
        expected = list(stock.span_tokenize(block))
        assert list(T._punkt().span_tokenize(block)) == expected, block
        assert T._span_tokenize(block) == expected, block
    # The fast tokenizer really bypasses the wrapper (else this test would compare NLTK to itself).
    assert type(T._punkt()._lang_vars.period_context_re()).__module__ != "nltk.redos"


def test_span_tokenize_equals_stock_punkt_on_benchmark_corpus() -> None:
    sys.path.insert(0, str(TESTS_DIR.parent / "benchmarks"))
    from corpus_gen import make_corpus

    stock = _stock_punkt()
    texts = make_corpus(1000, seed=7)["text"].tolist()
    blocks = [line for text in texts for line in text.splitlines() if line.strip()]
    assert len(blocks) > 10_000
    assert [T._span_tokenize(b) for b in blocks] == [list(stock.span_tokenize(b)) for b in blocks]
    for text in texts[:200]:
        for line_breaks in ("hard", "paragraph"):
            expected = _reference_sentence_spans(text, line_breaks)
            assert T.sentence_spans(text, line_breaks=line_breaks) == expected


# Tokens around candidate sentence ends: ordinary words, initials, numbers, ellipses, quotes,
# brackets, hyphenated abbreviations, non-ASCII letters, and tokens that look like Punkt's own
# "##number##" type.
_PUNKT_OTHER_WORDS = [
    "Kyiv", "kyiv", "Kyiv.", "Zelensky", "said", "said.", "near", "Romirbuzhe.", "Я", "Київ.",
    "ёлка.", "İstanbul.", "ß.", "_.", "ǅ.", "J.", "j.", "W.", "Ü.", "3", "3.", "1.4", "1.4.",
    "150,000", "2022.", "-3.", ",5.", "1st.", "##number##.", "co-founder.", "ex-gen.", "Lt.-Gen.",
    "U.S.-led", "A.", "a.b.", "x..", "...", "..", "…", ". . .", ".", "?", "!", "?!", "!!", "?”",
    ".”", ".)", "--", "-", ",", ";", ":", "*", "@", "&", "#", "`", "\"", "'", "“", "”", "‘", "’",
    "«", "»", "(", ")", "[", "]", "{", "}", "👍", "🇺🇦", "e\u0301.",
]  # fmt: skip


def _abbreviation_forms(abbreviation: str) -> list[str]:
    a = abbreviation
    return [f"{a}.", f"{a.capitalize()}.", f"{a.upper()}.", a]


def _starter_forms(word: str) -> list[str]:
    return [word, word.capitalize(), word.upper(), f"{word}.", f"{word.capitalize()}."]


def _punkt_words() -> st.SearchStrategy[str]:
    params = T.punkt_parameters()
    abbrev = st.sampled_from(sorted(params.abbrev_types)).flatmap(
        lambda a: st.sampled_from(_abbreviation_forms(a))
    )
    starter = st.sampled_from(sorted(params.sent_starters)).flatmap(
        lambda w: st.sampled_from(_starter_forms(w))
    )
    return st.one_of(abbrev, starter, st.sampled_from(_PUNKT_OTHER_WORDS))


def test_span_tokenize_equals_stock_punkt_on_every_token_pair() -> None:
    # Exhaustive over pairs, which hypothesis's random texts may miss (e.g. "ex-gen. said").
    params = T.punkt_parameters()
    vocabulary = [
        *_PUNKT_OTHER_WORDS,
        *(f for a in sorted(params.abbrev_types)[::8] for f in _abbreviation_forms(a)),
        *(f for w in sorted(params.sent_starters)[::8] for f in _starter_forms(w)),
    ]
    stock = _stock_punkt()
    annotator = T._annotator()
    for first in vocabulary:
        for second in vocabulary:
            context = f"{first} {second}"
            assert annotator.context_has_break(context) == stock.text_contains_sentbreak(context)
            text = f"On {first} {second} x"
            assert T._span_tokenize(text) == list(stock.span_tokenize(text)), text


# Mostly single spaces (the common case the fast path reads off directly), plus everything the
# fallbacks exist for: no space, tabs, no-break spaces, line breaks, \x1c-\x1f (str.isspace()
# but not whitespace to the regex module), end of text.
_PUNKT_SEPARATORS = st.sampled_from(
    [" "] * 8 + ["", "", "  ", "\t", "\xa0", "\n", "\n\n", " \n", "\r\n", "\x1c", "\x1f", "\u2028"]
)


@st.composite
def _punkt_texts(draw) -> str:
    pieces = draw(st.lists(st.tuples(_punkt_words(), _PUNKT_SEPARATORS), max_size=40))
    return "".join(word + sep for word, sep in pieces)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_unwrapped_punkt_equals_stock_punkt(text: str) -> None:
    expected = list(_stock_punkt().span_tokenize(text))
    assert list(T._punkt().span_tokenize(text)) == expected
    assert T._span_tokenize(text) == expected


@settings(max_examples=1500, deadline=None)
@given(_punkt_texts())
def test_span_tokenize_equals_stock_punkt(text: str) -> None:
    assert T._span_tokenize(text) == list(_stock_punkt().span_tokenize(text))


@settings(max_examples=1000, deadline=None)
@given(_punkt_texts())
def test_context_decision_equals_stock_punkt(text: str) -> None:
    # Any text, not only the "word + end char + after_tok" contexts _span_tokenize builds.
    assert T._annotator().context_has_break(text) == _stock_punkt().text_contains_sentbreak(text)


@settings(max_examples=500, deadline=None)
@given(_punkt_texts(), st.sampled_from(["hard", "paragraph"]))
def test_sentence_spans_equal_the_reference_implementation(text: str, line_breaks: str) -> None:
    assert T.sentence_spans(text, line_breaks=line_breaks) == _reference_sentence_spans(
        text, line_breaks
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join), st.sampled_from(["hard", "paragraph"]))
def test_sentence_spans_equal_the_reference_on_odd_characters(text: str, line_breaks: str) -> None:
    assert T.sentence_spans(text, line_breaks=line_breaks) == _reference_sentence_spans(
        text, line_breaks
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        ".",
        "Kyiv.",
        "Kyiv. ",
        "Kyiv.  The end.",
        "Kyiv.\tThe end.",
        "Kyiv.\xa0The end.",
        "Kyiv.\x1fThe end. Kyiv.\x1f",
        "Kyiv.\nThe end.",
        "met the Gen. The end.",
        "met the Gen.\tThe end.",
        "the U.S. President. He left at 3 p.m. The talks",
        "J. Smith. J. he said. A. The end.",
        "No. 5 said. 3. The count. 1.4. Then",
        "Why?! no. Really?” he said. Glory!!! The end.",
        "(Kyiv.) Next. “Kyiv.” Next. ‘Kyiv.’ next. Kyiv.”“Next",
        "a. b. c. d",
        "x.. y... z . . . W. . . end",
        "Kyiv.--The end. Kyiv. --the end.",
        "co-founder. The ex-gen. The U.S.-led. The",
        "İstanbul. The Київ. Це ß. The",
    ],
)
def test_span_tokenize_edge_cases_equal_stock_punkt(text: str) -> None:
    assert T._span_tokenize(text) == list(_stock_punkt().span_tokenize(text))
    for line_breaks in ("hard", "paragraph"):
        expected = _reference_sentence_spans(text, line_breaks)
        assert T.sentence_spans(text, line_breaks=line_breaks) == expected


def test_context_rules_follow_the_tokenizer_parameters() -> None:
    # _Annotator reads its rules from the tokenizer, so other parameters (collocations, an
    # abbreviation that is also a sentence starter, orthographic contexts learnt elsewhere) still
    # give stock Punkt's decisions.
    from nltk.tokenize import punkt

    params = punkt.PunktParameters()
    params.abbrev_types = {"gen", "u.s", "dr", "no", "j"}
    params.collocations = {("gen", "smith"), ("##number##", "june"), ("j", "bach")}
    params.sent_starters = {"the", "smith", "dr", "no"}
    flags = {
        "the": punkt._ORTHO_BEG_UC | punkt._ORTHO_MID_LC,
        "smith": punkt._ORTHO_BEG_UC | punkt._ORTHO_MID_UC,
        "june": punkt._ORTHO_MID_UC | punkt._ORTHO_MID_LC,
        "dr": punkt._ORTHO_BEG_LC | punkt._ORTHO_MID_LC,
        "no": punkt._ORTHO_UNK_UC,
        "bach": punkt._ORTHO_UNK_LC | punkt._ORTHO_MID_UC,
        "may": punkt._ORTHO_BEG_LC | punkt._ORTHO_BEG_UC,
    }
    for word, flag in flags.items():
        params.add_ortho_context(word, flag)
    tokenizer = punkt.PunktSentenceTokenizer()
    tokenizer._params = params
    annotator = T._Annotator(tokenizer)
    assert not annotator.plain_words_break
    stock = _stock_punkt(params)
    words = [
        *(f for w in ["gen", "u.s", "dr", "no", "j", "the", "smith", "june", "bach", "may"]
          for f in _starter_forms(w)),
        "3.", "K.", "Kyiv.", "Kyiv", "...", "x", ",", "?", ".", "!",
    ]  # fmt: skip
    for first in words:
        for sep in [" ", "\n", ""]:
            for second in words:
                context = f"{first}{sep}{second}"
                assert annotator.context_has_break(context) == stock.text_contains_sentbreak(
                    context
                ), context


def test_span_tokenize_fast_path_skips_the_full_rules(monkeypatch) -> None:
    annotator = T._annotator()
    seen: list[str] = []
    full_rules = annotator.context_has_break
    monkeypatch.setattr(annotator, "context_has_break", lambda c: seen.append(c) or full_rules(c))
    text = "Shelling near Romirbuzhe. The talks resumed! They met at 3 p.m. The end?"
    assert T._span_tokenize(text) == list(_stock_punkt().span_tokenize(text))
    assert seen == ["p.m. The"]  # letters before "." or "!" never need the full rules


def test_fast_path_character_classes_match_nltk_patterns() -> None:
    # _NON_WORD_CHARS is PunktLanguageVars' "other punctuation" class, and the regex module's \s
    # (used by period_context_re) never matches a character that str.isspace() rejects.
    import regex
    from nltk.tokenize.punkt import PunktLanguageVars

    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    non_word = regex.compile(PunktLanguageVars()._re_non_word_chars)
    assert set(non_word.findall(everything)) == T._NON_WORD_CHARS
    regex_spaces = regex.compile(r"\s").findall(everything)
    assert regex_spaces and all(ch.isspace() for ch in regex_spaces)


# ----------------------------------------------------------------------------------------------
# The fast Snowball stemmer equals NLTK's


_nltk_stem = SnowballStemmer("english").stem


def _stem_mismatches(words) -> list[tuple[str, str, str]]:
    """(word, NLTK's stem, ours) wherever they differ."""
    fast = T._fast_english_stem
    return [(w, _nltk_stem(w), fast(w)) for w in words if _nltk_stem(w) != fast(w)]


def _possessives(words) -> list[str]:
    return [f"{w}{end}" for w in words for end in ("'s", "’s", "s'", "'", "’s’")]


@pytest.fixture(scope="module")
def probe_words() -> list[str]:
    """Words every version of the stemmer must get right: real vocabulary and NLTK's exceptions."""
    import re

    import vaderSentiment
    from nltk.stem.snowball import EnglishStemmer

    lexicon = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    vader = [line.split("\t")[0] for line in lexicon.read_text(encoding="utf-8").splitlines()]
    special = list(EnglishStemmer._EnglishStemmer__special_words)
    taxonomy = (T.DATA_DIR / "taxonomy.yml").read_text(encoding="utf-8")
    taxonomy_words = re.findall(r"[^\W\d_]+", taxonomy)
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in _seed_paths())
    seed_tokens = [tok for tok, _, _ in T.tokenize_spans(seeds)]
    words = vader + special + taxonomy_words + seed_tokens
    words += [w.upper() for w in special] + [w.capitalize() for w in special]
    words += _possessives(special + taxonomy_words[:200]) + ["'" + w for w in special]
    assert len(vader) > 7000 and len(taxonomy_words) > 500 and len(seed_tokens) > 2000
    return sorted(set(words))


def _seed_paths() -> list[Path]:
    return sorted((TESTS_DIR.parent / "seeds").glob("*.txt"))


def test_fast_stem_equals_nltk_on_lexicon_taxonomy_seeds_and_exceptions(probe_words) -> None:
    assert _stem_mismatches(probe_words) == []
    # normalize is the fast stemmer of the lowercased token
    assert [T.normalize(w) for w in probe_words] == [_nltk_stem(w.lower()) for w in probe_words]


def test_fast_stem_equals_nltk_on_benchmark_corpus() -> None:
    import re

    sys.path.insert(0, str(TESTS_DIR.parent / "benchmarks"))
    from corpus_gen import make_corpus

    text = "\n".join(make_corpus(2000, seed=3)["text"])
    # every word piece (what helpers.events stems) and every whitespace-delimited chunk
    words = set(re.findall(r"[^\W_]+", text)) | set(text.split())
    assert len(words) > 60_000
    assert _stem_mismatches(sorted(words)) == []


# The suffixes and letters the rules look at, doubled so random strings hit them more often, and
# the characters NLTK rewrites (uppercase, y/Y, the three apostrophes).
_STEM_LETTERS = list("aeiouysltngdbzrcmpkhfvwx'’" * 3 + "AEIOUYSLTNGD‘‛jq-é1ß")
_STEM_CHUNKS = [
    "ization", "ational", "fulness", "ousness", "iveness", "tional", "biliti", "lessli", "entli",
    "ation", "alism", "aliti", "ousli", "iviti", "fulli", "enci", "anci", "abli", "izer", "ator",
    "alli", "bli", "ogi", "li", "alize", "icate", "iciti", "ative", "ical", "ness", "ful",
    "ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous",
    "ive", "ize", "ion", "al", "er", "ic", "eedly", "ingly", "edly", "eed", "ing", "ed", "sses",
    "ied", "ies", "us", "ss", "'s'", "'s", "gener", "commun", "arsen", "ay", "yy", "at", "bl",
    "iz", "ll", "tt", "sion", "tion", "ogi", "ski", "proceed", "y",
]  # fmt: skip


@settings(max_examples=5000, deadline=None)
@given(st.text(st.sampled_from(_STEM_LETTERS), max_size=20))
def test_fast_stem_equals_nltk_on_random_letters(word: str) -> None:
    assert T._fast_english_stem(word) == _nltk_stem(word)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_STEM_LETTERS + _STEM_CHUNKS * 2), max_size=6).map("".join))
def test_fast_stem_equals_nltk_on_suffix_chains(word: str) -> None:
    assert T._fast_english_stem(word) == _nltk_stem(word)
    assert T.normalize(word) == _nltk_stem(word.lower())


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=20))
def test_fast_stem_equals_nltk_on_any_unicode(word: str) -> None:
    assert T._fast_english_stem(word) == _nltk_stem(word)


def test_fast_stem_edge_cases() -> None:
    cases = [
        "", "a", "ab", "AB", "'s", "''s'", "'s'", "’’s’", "yyy", "Yyy", "ayyy", "sayyying",
        "İstanbul", "ΣΊΣΥΦΟΣ", "straße", "ǅungla", "1990s", "b2b", "generously", "communities",
        "arsenals", "SKIES", "Skis’", "proceeding's", "news", "ied", "ties", "cries", "at",
        "bated", "hoping", "hopping", "controll", "rationalization", "callousness", "ogi",
        "geology", "li", "fully", "zzzling", "\u0130", "e\u0301d",
    ]  # fmt: skip
    assert _stem_mismatches(cases) == []


def test_suffix_tables_are_nltks_and_longest_first() -> None:
    # The fast stemmer's lookups rest on these: same tables as NLTK, and in each tuple NLTK's
    # first match (tuple order) is the longest match, which is what the lookups return.
    from nltk.stem.snowball import EnglishStemmer as E

    def nltk(name: str):
        return getattr(E, f"_EnglishStemmer__{name}")

    assert T._SPECIAL_WORDS is nltk("special_words")
    assert T._VOWELS == nltk("vowels")
    assert T._DOUBLE_CONSONANTS == nltk("double_consonants")
    assert T._LI_ENDING == nltk("li_ending")
    assert nltk("step0_suffixes") == ("'s'", "'s", "'")
    assert nltk("step1a_suffixes") == ("sses", "ied", "ies", "us", "ss", "s")
    assert nltk("step5_suffixes") == ("e", "l")
    tables = {
        "step1b": (T._STEP1B_SUFFIXES, T._STEP1B),
        "step2": (tuple(T._STEP2_RULES), T._STEP2),
        "step3": (tuple(T._STEP3_RULES), T._STEP3),
        "step4": (T._STEP4_SUFFIXES, T._STEP4),
    }
    for name, (suffixes, index) in tables.items():
        assert suffixes == nltk(f"{name}_suffixes"), name
        lengths = [len(s) for s in suffixes]
        assert lengths == sorted(lengths, reverse=True), name
        # Every word ending in a table suffix, or in a table suffix minus its first letter, with
        # each possible letter in front: the index finds NLTK's first match.
        letters = sorted(set("".join(suffixes)) | {"x"})
        tails = set(suffixes) | {s[1:] for s in suffixes}
        for word in {c + t for c in letters for t in tails} | tails:
            first = next((s for s in suffixes if word.endswith(s)), "")
            assert T._longest_suffix(word, index) == first, (name, word)


# Each mutation removes one rule of the fast stemmer; the equality tests must notice every one.
_STEM_MUTATIONS = {
    "special words": ("_SPECIAL_WORDS.get(word)", "None"),
    "apostrophes": ('.replace("\\u2019", "\'")', ""),
    "leading apostrophe": ('if word[0] == "\'":', "if False:"),
    "leading y": ('if word[0] == "y":', "if False:"),
    "y after vowel": ('if "y" in word:', "if False:"),
    "gener/arsen": ('word.startswith(("gener", "arsen"))', "False"),
    "commun": ('word.startswith("commun")', "False"),
    "R2 'e' fallback": ("else r2_short", "else 0"),
    "step 1b R2 + e": ("r2 += 1  # NLTK", "pass  # NLTK"),
    "ogi after l": ('word[-4] == "l"', "True"),
    "li ending": ("word[-3] in _LI_ENDING", "True"),
    "ative in R2": ("r2 >= 5", "True"),
    "ion after s/t": ('word[-4] in "st"', "True"),
}


def _mutants():
    import inspect

    source = inspect.getsource(T._fast_english_stem)
    lines = source.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("    # Step "):
            # a step's block runs up to the next blank line
            end = lines.index("", i)
            yield line.strip("# "), "\n".join(lines[:i] + lines[end:])
    for name, (old, new) in _STEM_MUTATIONS.items():
        assert old in source, name
        yield name, source.replace(old, new)


def test_equality_tests_catch_a_dropped_rule(probe_words) -> None:
    import random

    rng = random.Random(0)
    letters = _STEM_LETTERS + _STEM_CHUNKS * 2
    words = probe_words + ["".join(rng.choices(letters, k=rng.randint(0, 6))) for _ in range(3000)]
    expected = [_nltk_stem(w) for w in words]
    assert list(map(T._fast_english_stem, words)) == expected
    seen = []
    for name, source in _mutants():
        namespace = dict(vars(T))
        exec(source, namespace)
        mutant = namespace["_fast_english_stem"]
        assert mutant is not T._fast_english_stem
        assert list(map(mutant, words)) != expected, f"{name}: goes unnoticed"
        seen.append(name)
    assert len(seen) == 8 + len(_STEM_MUTATIONS)  # steps 0, 1a, 1b, 1c, 2, 3, 4, 5
