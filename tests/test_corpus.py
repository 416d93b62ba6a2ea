"""Tests for helpers.corpus: loading, the ledger, dates, encodings, malformed tables, the CLI."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import config
from helpers.corpus import (
    AUDIT_COLUMNS,
    DOCUMENT_COLUMNS,
    LEDGER_COLUMNS,
    CorpusError,
    cli_main,
    load_corpus,
    parse_date,
    select_dates,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "corpus"
HOSTILE = FIXTURES / "hostile"
REFERENCE = Path(__file__).resolve().parent / "reference"


def _reference_module():
    spec = importlib.util.spec_from_file_location("make_corpus", REFERENCE / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def seeds():
    return load_corpus(config.SEEDS_DIR)


@pytest.fixture(scope="module")
def hostile():
    return load_corpus(HOSTILE, latest_date="2030-01-01")


def _row(ledger: pd.DataFrame, source: str, record: str = "file") -> pd.Series:
    rows = ledger[(ledger["source"] == source) & (ledger["record"] == record)]
    assert len(rows) == 1, (source, record)
    return rows.iloc[0]


def _assert_accounted(corpus) -> None:
    counts = corpus.counts()
    assert counts["loaded"] + counts["flagged"] + counts["rejected"] == counts["records_read"]
    assert set(corpus.ledger["status"]) <= {"loaded", "flagged", "rejected"}


# --- seeds ------------------------------------------------------------------------------------


def test_seeds_load_two_dated_one_undated(seeds):
    docs = seeds.documents
    assert list(docs.columns) == list(DOCUMENT_COLUMNS)
    assert list(seeds.ledger.columns) == list(LEDGER_COLUMNS)
    assert list(seeds.audit.columns) == list(AUDIT_COLUMNS)
    assert len(docs) == 3
    assert docs["date"].dtype == "datetime64[ns]"
    assert docs["date"].dropna().dt.strftime("%Y-%m-%d").tolist() == ["2022-02-26", "2022-02-27"]
    assert docs["date_source"].tolist() == ["header", "header", "none"]
    undated = _row(seeds.ledger, "002_7e66b8e4d9faac71.txt")
    assert (undated["status"], undated["reason"]) == ("flagged", "no date")
    counts = seeds.counts()
    assert (counts["documents"], counts["dated"], counts["undated"]) == (3, 2, 1)
    _assert_accounted(seeds)


def test_seed_raw_text_is_the_file_and_n_chars_the_text(seeds):
    for row in seeds.documents.itertuples():
        path = config.SEEDS_DIR / row.source
        assert row.raw_text == path.read_text(encoding="utf-8")
        assert row.n_chars == len(row.text)


def test_seed_cleaning_removes_furniture_and_keeps_article(seeds):
    text = dict(zip(seeds.documents["doc_id"], seeds.documents["text"], strict=True))
    tweet, la_times, uk = (
        text["000_07576e378d8cb811"],
        text["001_16418d466635019b"],
        text["002_7e66b8e4d9faac71"],
    )
    assert not tweet.startswith(" date") and tweet.startswith("With Moscow swiftly closing")
    assert "pic.twitter.com" not in tweet and "(@ANI)" not in tweet
    assert "across the country: UK Ministry of Defence" in tweet
    assert "Russian forces surround Kyiv, Zelenskyy refuses to surrender" in tweet
    assert "Recommended Stories" not in la_times and "OnlyFans" not in la_times
    assert "Nabih Bulos" not in la_times and "min read" not in la_times
    assert "Andrew Marienko" not in la_times and "position outside Kharkiv" not in la_times
    assert la_times.endswith("waiting for the answer of the Ukrainian side.”")
    assert "struck a gas pipeline" in la_times
    headline = (
        "Russian troops closing in on Kyiv but UK says invasion is ‘failing’ with 450 casualties"
    )
    assert uk.count(headline) == 1 and uk.startswith(headline)
    for furniture in ("Share this", "Leave a Reply", "email address", "Kieren Williams"):
        assert furniture not in uk
    assert uk.endswith("shot down missiles fired by the invaders. We stand.")
    assert "\u00a0" not in uk


def test_seed_titles(seeds):
    titles = seeds.documents["title"].tolist()
    assert titles == [
        "",
        "Russian troops press into Ukraine's second largest city as invasion continues",
        "Russian troops closing in on Kyiv but UK says invasion is ‘failing’ with 450 casualties",
    ]


def test_seeds_match_reference_outputs(seeds):
    make = _reference_module()
    expected = json.loads((REFERENCE / "corpus_seeds.json").read_text(encoding="utf-8"))
    assert make.seeds_reference(seeds) == expected
    audit = pd.read_csv(REFERENCE / "corpus_seeds_audit.csv", dtype={"doc_id": str, "rule": str})
    pd.testing.assert_frame_equal(
        seeds.audit.astype(object), audit.astype(object), check_dtype=False
    )


def test_seeds_audit_accounts_for_removed_characters(seeds):
    removed = seeds.audit.groupby("doc_id")["chars_removed"].sum()
    furniture = seeds.audit[seeds.audit["rule"] != "whitespace"]
    assert set(furniture["doc_id"]) == set(seeds.documents["doc_id"])
    assert removed["001_16418d466635019b"] > 8000  # the teaser list is most of that file


def test_seed_readme_is_recorded_not_loaded(seeds):
    readme = seeds.ledger[seeds.ledger["source"] == "README.md"]
    assert readme["status"].tolist() == ["rejected"]


def test_sidecar_dates_the_undated_seed():
    corpus = load_corpus(config.SEEDS_DIR, metadata_path=FIXTURES / "sidecar.csv")
    row = corpus.documents.set_index("doc_id").loc["002_7e66b8e4d9faac71"]
    assert row["date"] == pd.Timestamp("2022-02-25")
    assert row["date_source"] == "sidecar"
    assert _row(corpus.ledger, "002_7e66b8e4d9faac71.txt")["status"] == "loaded"
    assert corpus.counts()["undated"] == 0


def test_sidecar_with_unknown_doc_id_is_an_error_naming_the_row():
    with pytest.raises(CorpusError, match=r"row 2 .*unknown doc_id 'no_such_doc'"):
        load_corpus(config.SEEDS_DIR, metadata_path=FIXTURES / "sidecar_unknown.csv")


def test_select_dates_window_and_undated(seeds):
    assert len(select_dates(seeds.documents)) == 3
    window = select_dates(seeds.documents, "2022-02-27", None)
    assert window["doc_id"].tolist() == ["001_16418d466635019b"]


# --- hostile inputs ---------------------------------------------------------------------------


def test_hostile_ledger_accounts_for_every_file(hostile):
    _assert_accounted(hostile)
    sources = set(hostile.ledger["source"])
    assert ".hidden.txt" not in sources
    expected_files = {
        p.relative_to(HOSTILE).as_posix()
        for p in HOSTILE.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert sources == expected_files


def test_bom_and_crlf(hostile):
    doc = hostile.documents.set_index("doc_id").loc["bom_crlf"]
    assert doc["date"] == pd.Timestamp("2022-02-25")
    assert (
        doc["text"]
        == "Kyiv under fire\n\nRussian forces shelled the capital overnight, officials said."
    )
    assert doc["title"] == "Kyiv under fire"
    assert _row(hostile.ledger, "bom_crlf.txt")["status"] == "loaded"


def test_latin1_fallback_is_flagged_and_kept(hostile):
    row = _row(hostile.ledger, "latin1.txt")
    assert row["status"] == "flagged" and "decoded as cp1252" in row["reason"]
    text = hostile.documents.set_index("doc_id").loc["latin1", "text"]
    assert text == "Café owners in Lviv stayed open. “We stay,” said one."


def test_mojibake_repaired_and_flagged(hostile):
    assert _row(hostile.ledger, "mojibake.txt")["reason"] == "mojibake repaired"
    text = hostile.documents.set_index("doc_id").loc["mojibake", "text"]
    assert text == "The mayor said the city’s defences held overnight."


def test_invalid_header_date_keeps_article_undated(hostile):
    row = _row(hostile.ledger, "invalid_date.txt")
    assert row["status"] == "flagged"
    assert "2022-02-30" in row["reason"] and "header" in row["reason"]
    doc = hostile.documents.set_index("doc_id").loc["invalid_date"]
    assert pd.isna(doc["date"]) and doc["date_source"] == "none"
    assert doc["text"].startswith("Troops massed near the border")


def test_future_date_is_flagged_and_undated(hostile):
    row = _row(hostile.ledger, "future_date.txt")
    assert row["status"] == "flagged" and "2099-01-01" in row["reason"]
    assert pd.isna(hostile.documents.set_index("doc_id").loc["future_date", "date"])
    # Not future when the researcher moves the horizon.
    later = load_corpus(HOSTILE / "future_date.txt", latest_date="2100-01-01")
    assert later.documents["date"].iloc[0] == pd.Timestamp("2099-01-01")


def test_duplicate_is_flagged_and_excluded(hostile):
    row = _row(hostile.ledger, "dup_b.txt")
    assert (row["status"], row["reason"]) == ("flagged", "duplicate of dup_a")
    assert "dup_b" not in set(hostile.documents["doc_id"])
    assert "dup_a" in set(hostile.documents["doc_id"])
    assert hostile.counts()["duplicates"] == 1


def test_cyrillic_emoji_and_html(hostile):
    docs = hostile.documents.set_index("doc_id")
    assert docs.loc["cyrillic_emoji", "text"] == "Слава Україні! 🇺🇦 Жителі Києва ховаються в метро."
    html = docs.loc["html", "text"]
    assert "<" not in html and "alert" not in html and "color:red" not in html
    assert "near the border & talked" in html and '"progress"' in html
    assert docs.loc["html", "title"] == "Talks in Gomel"


def test_unsupported_file_is_rejected_not_ignored(hostile):
    row = _row(hostile.ledger, "notes.docx")
    assert row["status"] == "rejected" and "unsupported file type" in row["reason"]


def test_malformed_csv_rejects_only_bad_rows(hostile):
    ledger = hostile.ledger[hostile.ledger["source"] == "tables/malformed.csv"]
    status = dict(zip(ledger["record"], ledger["status"], strict=True))
    assert status == {
        "row 1": "loaded",
        "row 2": "rejected",
        "row 3": "rejected",
        "row 4": "loaded",
        "row 5": "rejected",
        "row 6": "loaded",
        "row 7": "loaded",
    }
    reasons = dict(zip(ledger["record"], ledger["reason"], strict=True))
    assert reasons["row 2"].startswith("line 3: short row")
    assert reasons["row 3"].startswith("line 4: extra field")
    assert reasons["row 5"].startswith("line 8: malformed CSV quoting")
    docs = hostile.documents.set_index("doc_id")
    assert (
        docs.loc["a4", "text"]
        == "A curfew was imposed in Kyiv.\n\nResidents sheltered in the metro."
    )
    assert docs.loc["a6", "date"] == pd.Timestamp("2022-02-26")  # "26 February 2022"
    assert docs.loc["a7", "date"] == pd.Timestamp("2022-02-27")  # "Feb 27, 2022"
    assert docs.loc["a1", "title"] == "Invasion begins"
    assert hostile.columns["tables/malformed.csv"]["text"] == ["text"]


def test_jsonl_broken_line_rejected_with_line_number(hostile):
    ledger = hostile.ledger[hostile.ledger["source"] == "tables/broken.jsonl"]
    assert ledger["record"].tolist() == ["line 1", "line 2", "line 3", "line 5"]
    assert ledger["status"].tolist() == ["loaded", "rejected", "flagged", "loaded"]
    assert ledger["reason"].iloc[1].startswith("line 2: invalid JSON")
    assert "ambiguous date '03/04/2022'" in ledger["reason"].iloc[2]
    used = hostile.columns["tables/broken.jsonl"]
    assert used == {"text": ["body"], "date": "published", "title": "headline", "id": "id"}
    # 2022-02-24T05:00+03:00 is 02:00 UTC on the 24th.
    assert hostile.documents.set_index("doc_id").loc["j1", "date"] == pd.Timestamp("2022-02-24")


def test_binary_and_empty_files_are_rejected(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 32)) * 50)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\t\n", encoding="utf-8")
    (tmp_path / "header_only.txt").write_text(" date 2022-02-26\n", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("Kyiv held out on Sunday.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    reasons = dict(zip(corpus.ledger["source"], corpus.ledger["reason"], strict=True))
    assert reasons["binary.txt"].startswith("binary file")
    assert reasons["noise.txt"].startswith("binary or undecodable")
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.txt"].startswith("empty file")
    assert reasons["header_only.txt"].startswith("no article text")
    assert corpus.documents["doc_id"].tolist() == ["ok"]
    _assert_accounted(corpus)


def test_multi_megabyte_line(tmp_path):
    sentence = "Residents of Kyiv sheltered in metro stations as sirens sounded. "
    (tmp_path / "big.txt").write_text(" date 2022-02-26 " + sentence * 60_000, encoding="utf-8")
    start = time.perf_counter()
    corpus = load_corpus(tmp_path)
    assert time.perf_counter() - start < 5
    assert corpus.documents["n_chars"].iloc[0] == len((sentence * 60_000).strip())


def test_parquet_with_typed_dates(tmp_path):
    frame = pd.DataFrame(
        {
            "headline": ["Strike", "Talks", "Empty"],
            "content": ["Missiles hit Kyiv.", "Delegations met in Gomel.", ""],
            "published": pd.to_datetime(
                ["2022-02-25T23:30:00-05:00", "2022-02-27T10:00:00+00:00", None], utc=True
            ),
        }
    )
    frame.to_parquet(tmp_path / "articles.parquet")
    corpus = load_corpus(tmp_path / "articles.parquet")
    assert corpus.documents["date"].tolist() == [
        pd.Timestamp("2022-02-26"),  # 23:30 in New York is the 26th in UTC
        pd.Timestamp("2022-02-27"),
    ]
    assert corpus.documents["doc_id"].tolist() == ["articles:1", "articles:2"]
    assert corpus.documents["title"].tolist() == ["Strike", "Talks"]
    row3 = _row(corpus.ledger, "articles.parquet", "row 3")
    assert row3["status"] == "rejected" and "empty text" in row3["reason"]


def test_csv_several_text_columns_and_sidecar_on_rows(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "key,lede,body,when\nk1,Lede one.,Body one.,2022-02-24\nk2,,Body two.,\n",
        encoding="utf-8",
    )
    corpus = load_corpus(path, text_column=["lede", "body"], date_column="when", id_column="key")
    assert corpus.documents["text"].tolist() == ["Lede one.\n\nBody one.", "Body two."]
    assert corpus.documents["date_source"].tolist() == ["column", "none"]
    sidecar = tmp_path / "meta.csv"
    sidecar.write_text("doc_id,date,title\nk2,26 February 2022,Second\n", encoding="utf-8")
    dated = load_corpus(
        path, text_column=["lede", "body"], date_column="when", id_column="key",
        metadata_path=sidecar,
    )  # fmt: skip
    assert dated.documents["date"].iloc[1] == pd.Timestamp("2022-02-26")
    assert dated.documents["title"].iloc[1] == "Second"


def test_missing_text_column_lists_columns(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.csv.*no text column.*x, y"):
        load_corpus(path)
    with pytest.raises(CorpusError, match=r"no text column 'story'; columns are: x, y"):
        load_corpus(path, text_column="story")


def test_ambiguous_candidate_columns_are_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("text,date,published\nHello there.,2022-02-24,2022-02-25\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="several possible date columns"):
        load_corpus(path)
    assert len(load_corpus(path, date_column="published").documents) == 1


def test_fatal_errors(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        load_corpus(tmp_path / "missing")
    with pytest.raises(CorpusError, match="no input files"):
        load_corpus(tmp_path)
    (tmp_path / "bad.docx").write_bytes(b"x")
    with pytest.raises(CorpusError, match="no analysable articles") as info:
        load_corpus(tmp_path)
    assert info.value.corpus.ledger["status"].tolist() == ["rejected"]
    assert load_corpus(tmp_path, allow_empty=True).documents.empty


def test_doc_id_reused_is_rejected(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,text\nx,First article.\nx,Second article.\n", encoding="utf-8")
    corpus = load_corpus(path)
    assert corpus.ledger["status"].tolist() == ["flagged", "rejected"]
    assert "already used by a.csv row 1" in corpus.ledger["reason"].iloc[1]


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-02-26", "2022-02-26"),
        ("2022/02/26", "2022-02-26"),
        ("2022-02-26T10:00:00", "2022-02-26"),
        ("2022-02-26T01:00:00+03:00", "2022-02-25"),
        ("2022-02-26T22:00:00-05:00", "2022-02-27"),
        ("2022-02-26T12:00:00Z", "2022-02-26"),
        ("26 February 2022", "2022-02-26"),
        ("26th Feb 2022", "2022-02-26"),
        ("Feb 26, 2022", "2022-02-26"),
        ("February 26 2022", "2022-02-26"),
        ("Saturday, 26 February 2022", "2022-02-26"),
        ("Sat, 26 Feb 2022 23:30:00 -0500", "2022-02-27"),
    ],
)
def test_parse_date_accepts(value, expected):
    stamp, problem = parse_date(value)
    assert problem == ""
    assert stamp == pd.Timestamp(expected)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2022-02-30", "invalid date '2022-02-30'"),
        ("2022-13-01", "invalid date"),
        ("03/04/2022", "ambiguous date '03/04/2022'"),
        ("13/04/2022", "ambiguous date"),
        ("Friday, 26 February 2022", "does not match"),
        ("yesterday", "unrecognised date 'yesterday'"),
        ("2022-02", "unrecognised date"),
    ],
)
def test_parse_date_refuses(value, fragment):
    stamp, problem = parse_date(value)
    assert stamp is None
    assert fragment in problem


def test_parse_date_with_explicit_order():
    assert parse_date("03/04/2022", dayfirst=True)[0] == pd.Timestamp("2022-04-03")
    assert parse_date("03/04/2022", dayfirst=False)[0] == pd.Timestamp("2022-03-04")
    assert parse_date("31/02/2022", dayfirst=True)[0] is None
    assert parse_date("26.02.2022", date_format="%d.%m.%Y")[0] == pd.Timestamp("2022-02-26")
    assert parse_date("", dayfirst=True) == (None, "")


# --- ledger property --------------------------------------------------------------------------

_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
_rows = st.lists(st.tuples(_cell, _cell), max_size=8)
_junk_lines = st.lists(st.text(max_size=40), max_size=4)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_rows, junk=_junk_lines, fmt=st.sampled_from(["csv", "jsonl"]))
def test_ledger_accounts_for_every_record(tmp_path_factory, rows, junk, fmt):
    folder = tmp_path_factory.mktemp("prop")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["text", "date"])
        writer.writerows(rows)
        content = buffer.getvalue() + "".join(line.replace("\n", " ") + "\n" for line in junk)
    else:
        lines = [json.dumps({"text": t, "date": d}) for t, d in rows]
        lines += [line.replace("\n", " ") for line in junk]
        content = "\n".join(lines) + "\n"
    (folder / f"data.{fmt}").write_text(content, encoding="utf-8")
    corpus = load_corpus(folder, allow_empty=True)
    _assert_accounted(corpus)
    ledger = corpus.ledger
    kept = ledger[ledger["status"] != "rejected"]
    assert set(corpus.documents["doc_id"]) <= set(kept["doc_id"])
    assert corpus.documents["text"].is_unique
    whole_file = ledger["record"].tolist() == ["file"]
    if fmt == "jsonl" and not whole_file:
        # One ledger row per non-blank line, named by its line number.
        numbered = [f"line {i}" for i, line in enumerate(content.split("\n"), 1) if line.strip()]
        assert ledger["record"].tolist() == numbered


# --- scale ------------------------------------------------------------------------------------


def test_twenty_thousand_row_csv_loads_quickly(tmp_path):
    path = tmp_path / "many.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "text"])
        for i in range(20_000):
            writer.writerow(
                [f"d{i}", f"2022-02-{i % 28 + 1:02d}", f"Article {i} about Kyiv’s defence."]
            )
    start = time.perf_counter()
    corpus = load_corpus(path)
    elapsed = time.perf_counter() - start
    assert len(corpus.documents) == 20_000
    assert elapsed < 10, elapsed


# --- command line -----------------------------------------------------------------------------


def test_cli_prints_ledger_and_exit_codes(capsys, tmp_path):
    assert cli_main([str(config.SEEDS_DIR)]) == 0
    out = capsys.readouterr().out
    assert "002_7e66b8e4d9faac71.txt" in out and "no date" in out
    assert cli_main([str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert cli_main(["--no-such-option", str(config.SEEDS_DIR)]) == 2
    (tmp_path / "x.docx").write_bytes(b"x")
    assert cli_main([str(tmp_path)]) == 1
    capsys.readouterr()
    (tmp_path / "a.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    assert cli_main([str(tmp_path / "a.csv")]) == 2
    assert "naming one of: x, y" in capsys.readouterr().err


def test_cli_json_output(capsys):
    assert cli_main([str(config.SEEDS_DIR), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["date"] for r in rows] == ["2022-02-26", "2022-02-27", None, None]
    assert set(rows[0]) == set(LEDGER_COLUMNS)


def test_cli_text_column_option(capsys, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("lede,story\nOne.,Two.\n", encoding="utf-8")
    assert cli_main([str(path), "--text-column", "lede", "story", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "flagged"  # no date


def test_python_dash_m_helpers_corpus():
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "corpus", str(config.SEEDS_DIR), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 4
