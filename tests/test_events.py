"""Tests for helpers.events: taxonomy validation, pattern syntax, detection and quality."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import config
from helpers.events import (
    EVENT_COLUMNS,
    TaxonomyError,
    _could_match,
    _sentence_hits,
    detect_events,
    find_events,
    load_taxonomy,
)

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "events"
REFERENCE = HERE / "reference" / "events_seeds.json"

REQUIRED_IDS = {
    "strike",
    "ground_combat",
    "civilian_harm",
    "infrastructure_damage",
    "troop_movement",
    "territorial_control",
    "displacement",
    "humanitarian_aid",
    "military_aid",
    "sanctions",
    "diplomacy",
    "nuclear",
    "protest",
    "cyber",
    "detention",
}


def _load_script(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def default():
    return load_taxonomy()


@pytest.fixture(scope="module")
def mini():
    return load_taxonomy(FIXTURES / "mini.yml")


def _events(text: str, taxonomy) -> list[str]:
    return [h["event"] for h in find_events(text, taxonomy)]


# ----------------------------------------------------------------------------------------------
# The default taxonomy


def test_default_taxonomy_has_the_required_event_types(default):
    assert REQUIRED_IDS <= set(default.ids)
    assert default.path == config.DEFAULT_TAXONOMY.resolve()
    assert default.sha256 == hashlib.sha256(config.DEFAULT_TAXONOMY.read_bytes()).hexdigest()
    assert list(default.labels) == list(default.ids)
    for event in default.events:
        assert event.label and event.description and event.patterns
        assert all(code.isdigit() for code in event.cameo), event.id


def test_to_frame_describes_each_event(default):
    frame = default.to_frame()
    assert frame["id"].tolist() == list(default.ids)
    assert (frame["n_patterns"] > 0).all()
    strike = frame.set_index("id").loc["strike"]
    assert strike["acled_event_type"] == "Explosions/Remote violence"
    assert "195" in strike["cameo"]


def test_subset_keeps_taxonomy_order_and_refuses_unknown_ids(default):
    sub = default.subset(["nuclear", "strike"])
    assert sub.ids == ("strike", "nuclear")
    assert sub.sha256 == default.sha256
    assert _events("Missiles hit the Chernobyl site and troops fled.", sub) == ["strike", "nuclear"]
    with pytest.raises(TaxonomyError) as info:
        default.subset(["strike", "airstrikes", "nukes"])
    message = str(info.value)
    assert "'airstrikes'" in message and "'nukes'" in message
    assert "valid ids: strike, civilian_harm" in message


# ----------------------------------------------------------------------------------------------
# Validation: each refusal names the file, the event and the problem


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("unknown_key.yml", ["event 'strike'", "unknown key(s) 'patern'", "allowed:"]),
        ("empty_patterns.yml", ["event 'talks'", "'patterns' is missing or empty"]),
        ("duplicate_id.yml", ["event 'strike'", "duplicate id (already used by event #1)"]),
        ("invalid_yaml.yml", ["invalid YAML at line 6", "quoted scalar started at line 4"]),
        ("empty_normalised.yml", ["event 'strike'", "pattern '?!' normalises to no words"]),
        ("bad_gap.yml", ["event 'strike'", "starts with a gap '~2'"]),
        ("unknown_list.yml", ["event 'strike'", "unknown word list '$weapons'"]),
        ("unquoted_cameo.yml", ["event 'talks'", "must be quoted"]),
    ],
)
def test_bad_taxonomy_is_refused_with_an_actionable_message(fixture, expected):
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(FIXTURES / fixture)
    message = str(info.value)
    assert fixture in message
    for part in expected:
        assert part in message
    assert isinstance(info.value, ValueError)


def test_missing_file_and_wrong_top_level_are_refused(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read taxonomy file"):
        load_taxonomy(tmp_path / "nope.yml")
    listing = tmp_path / "list.yml"
    listing.write_text("- id: strike\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="'events:' list at the top level"):
        load_taxonomy(listing)
    extra = tmp_path / "extra.yml"
    extra.write_text("evnts: []\nevents: [{id: a, label: A, patterns: [x]}]\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="unknown top-level key"):
        load_taxonomy(extra)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("missile ~3", "ends with a gap"),
        ("missile ~2 ~3 strike", "two gaps in a row"),
        ("missile ~99 strike", "must be ~1 to ~10"),
        ("missile ~x strike", "is not a gap"),
        ("(missile|rocket strike", "malformed"),
        ("(air-strike|bombing)", "must be one word"),
    ],
)
def test_malformed_patterns_are_refused(tmp_path, pattern, problem):
    path = tmp_path / "t.yml"
    path.write_text(
        f"events:\n  - id: strike\n    label: S\n    patterns: [{json.dumps(pattern)}]\n",
        encoding="utf-8",
    )
    with pytest.raises(TaxonomyError, match="event 'strike'") as info:
        load_taxonomy(path)
    assert problem in str(info.value)


# ----------------------------------------------------------------------------------------------
# Pattern syntax


@pytest.mark.parametrize(
    "text",
    [
        "Russian forces were shelling the city.",  # inflection of the pattern word
        "Russian forces shelled the city.",
        "SHELLING continued overnight.",  # case
        "A missile strike hit the depot.",  # multi-word, adjacent
        "The depot was struck by two missiles.",  # irregular form + gap in order
        "Two rockets struck the depot.",  # $list alternative + irregular
        "Missiles later struck the depot.",  # gap of 1 inside ~2
    ],
)
def test_patterns_match_inflections_gaps_lists_and_case(mini, text):
    assert _events(text, mini) == ["strike"]


@pytest.mark.parametrize(
    "text",
    [
        "The missile hit the city and later a strike.",  # "missile ~2 strike": 5 words between
        "A strike by the union, then missile tests far away in the desert.",  # gap of 6 > 3
        "They will strike a deal on missiles tomorrow.",  # exclusion vetoes the sentence
        "The labour strike is over; a missile strike was reported.",  # veto is sentence-wide
    ],
)
def test_order_gap_limits_and_exclusions(mini, text):
    assert _events(text, mini) == []


def test_gap_order_is_kept_and_stems_merge_word_senses(tmp_path, mini):
    path = tmp_path / "t.yml"
    path.write_text(
        "events:\n  - id: s\n    label: S\n    patterns: [missile ~2 strike]\n",
        encoding="utf-8",
    )
    ordered = load_taxonomy(path)
    assert _events("A missile strike.", ordered) == ["s"]  # ~2 allows 0 to 2 words between
    assert _events("The missile did strike.", ordered) == ["s"]
    assert _events("The strike hit a missile.", ordered) == []
    # Matching is on stems, so "shell company" matches a "shelling" pattern: senses that share a
    # stem must be told apart with exclusions (the default taxonomy does).
    assert _events("The shell company was fined.", mini) == ["strike"]


def test_hyphenated_and_alternative_words(mini):
    assert _events("Both sides agreed a cease-fire.", mini) == ["talks"]
    assert _events("Both sides agreed a cease fire.", mini) == ["talks"]
    assert _events("A truce was declared after peace talks.", mini) == ["talks"]


def test_match_spans_and_counts(mini):
    text = "Missiles struck Kyiv; a rocket strike followed and shelling, more shelling."
    (hit,) = find_events(text, mini)
    assert hit["match"] == "Missiles struck"
    assert text[hit["start"] : hit["end"]] == hit["match"]
    # "Missiles struck", "rocket strike", "shelling", "shelling": four non-overlapping matches.
    assert hit["n_matches"] == 4
    gap = find_events("It was struck by two missiles.", mini)[0]
    assert gap["match"] == "struck by two missiles"


def test_leftmost_longest_match_is_reported(tmp_path):
    path = tmp_path / "t.yml"
    path.write_text(
        "events:\n  - id: s\n    label: S\n    patterns: [missile, missile strike]\n",
        encoding="utf-8",
    )
    (hit,) = find_events("A missile strike, then a missile.", load_taxonomy(path))
    assert hit["match"] == "missile strike"
    assert hit["n_matches"] == 2


# ----------------------------------------------------------------------------------------------
# detect_events


def _frame(rows):
    return pd.DataFrame(rows, columns=["doc_id", "sent_idx", "text"])


def test_detect_events_returns_one_row_per_sentence_and_event(mini):
    sentences = _frame(
        [
            ("b", 0, "Peace talks resumed as shelling went on."),
            ("a", 1, "Nothing happened."),
            ("a", 0, "A missile strike; a truce."),
            ("a", 2, None),
        ]
    )
    hits = detect_events(sentences, mini)
    assert hits.columns.tolist() == EVENT_COLUMNS
    assert hits[["doc_id", "sent_idx", "event"]].values.tolist() == [
        ["a", 0, "strike"],
        ["a", 0, "talks"],
        ["b", 0, "strike"],
        ["b", 0, "talks"],
    ]
    assert hits["match"].tolist() == ["missile strike", "truce", "shelling", "Peace talks"]
    assert str(hits["doc_id"].dtype) == "str"
    for column in ("sent_idx", "start", "end", "n_matches"):
        assert hits[column].dtype == "int64"
    # Row order does not depend on input order.
    shuffled = detect_events(sentences.iloc[::-1], mini)
    pd.testing.assert_frame_equal(hits, shuffled)


def test_detect_events_on_empty_input_and_taxonomy_paths(mini):
    empty = detect_events(_frame([]), mini)
    assert empty.empty and empty.columns.tolist() == EVENT_COLUMNS
    assert empty["start"].dtype == "int64"
    by_path = detect_events(_frame([("a", 0, "shelling")]), FIXTURES / "mini.yml")
    assert by_path["event"].tolist() == ["strike"]
    with pytest.raises(ValueError, match="missing: sent_idx"):
        detect_events(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), mini)


def test_prefilter_never_skips_a_sentence_with_hits(default):
    evaluate = _load_script("events_evaluate", HERE / "eval" / "evaluate.py")
    texts = evaluate.load_eval_set("all")["text"].tolist()
    texts += [s["text"] for s in json.loads(REFERENCE.read_text("utf-8"))["sentences"]]
    texts += ["They can't stop the shelling", "It cannot be shelled", "US-made missiles"]
    skipped = [t for t in texts if not _could_match(t, default)]
    assert skipped, "the prefilter should skip some sentences"
    assert [t for t in skipped if _sentence_hits(t, default)] == []


# ----------------------------------------------------------------------------------------------
# Seeds: behaviour on real articles, and the reviewed reference file


@pytest.fixture(scope="module")
def seed_hits():
    make = _load_script("make_events", HERE / "reference" / "make_events.py")
    sentences = make.seed_sentences()
    hits = detect_events(sentences, load_taxonomy())
    return sentences.merge(hits, on=["doc_id", "sent_idx"])


def _events_of(seed_hits, phrase: str) -> set[str]:
    rows = seed_hits[seed_hits["text"].str.contains(phrase, regex=False)]
    assert not rows.empty, f"no seed sentence with hits contains {phrase!r}"
    return set(rows["event"])


@pytest.mark.parametrize(
    ("phrase", "events"),
    [
        ("Russian missiles struck a gas pipeline", {"strike", "infrastructure_damage"}),
        ("an exodus of some 368,000 people", {"displacement"}),
        ("disconnect a number of Russian banks from SWIFT", {"sanctions"}),
        ("troops have taken over Chernobyl nuclear plant", {"nuclear", "territorial_control"}),
        ("a Russian soldier was captured", {"detention"}),
        ("240 civilian casualties", {"civilian_harm"}),
        ("Russian bombardment hit an oil depot", {"strike", "infrastructure_damage"}),
        ("massed over 150,000 troops", {"troop_movement"}),
    ],
)
def test_seed_sentences_get_the_expected_events(seed_hits, phrase, events):
    assert events <= _events_of(seed_hits, phrase)


def test_seed_reference_file_matches_current_hits():
    stored = json.loads(REFERENCE.read_text("utf-8"))
    taxonomy = load_taxonomy()
    assert stored["taxonomy_sha256"] == taxonomy.sha256, (
        "the default taxonomy changed: run python tests/reference/make_events.py and review"
    )
    sentences = pd.DataFrame(stored["sentences"])[["doc_id", "sent_idx", "text"]]
    make = _load_script("make_events", HERE / "reference" / "make_events.py")
    assert make.hits_records(sentences) == stored["sentences"]


# ----------------------------------------------------------------------------------------------
# Quality on the hand-labelled evaluation set (tests/eval/)


@pytest.mark.parametrize("split", ["tune", "heldout"])
def test_quality_targets_on_the_evaluation_set(default, split):
    evaluate = _load_script("events_evaluate", HERE / "eval" / "evaluate.py")
    frame = evaluate.load_eval_set(split)
    assert (frame["kind"] == "unrelated").sum() >= 25
    scores = evaluate.evaluate(default, frame)
    assert scores.target_recall >= evaluate.RECALL_TARGET, scores.per_event.to_string()
    assert scores.false_fire_rate < evaluate.FALSE_FIRE_TARGET


def test_evaluation_set_is_well_formed(default):
    evaluate = _load_script("events_evaluate", HERE / "eval" / "evaluate.py")
    frame = evaluate.load_eval_set("all")
    assert len(frame) >= 400 and frame["id"].is_unique and frame["text"].is_unique
    assert set(frame["split"]) == {"tune", "heldout"}
    labels = {e for events in frame["events"] for e in events.split()}
    assert labels <= set(default.ids)
    unrelated = frame[frame["kind"] == "unrelated"]
    assert len(unrelated) >= 100 and (unrelated["events"] == "").all()
    # The split was fixed by a hash of the text when the set was written: keep it that way.
    by_hash = [
        "heldout" if int(hashlib.sha256(t.encode()).hexdigest(), 16) % 4 == 0 else "tune"
        for t in frame["text"]
    ]
    assert frame["split"].tolist() == by_hash
