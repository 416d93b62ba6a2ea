"""Tests for helpers.timeseries on small constructed corpora whose answers are worked out by hand.

The corpus used by most tests (``_corpus``):

    day         articles (sentences)              military hits      sanctions hits
    2022-02-21  d1 (3), d2 (2), d3 (1)            d1 s0, d1 s1 x2,   d3 s0
                                                  d2 s0
    2022-02-22  d4 (4)                            d4 s2              d4 s0, d4 s1
    2022-02-23  -                                 -                  -
    2022-02-24  d6 (1)                            d6 s0              -
    undated     d5 (2)                            d5 s0              -

"diplomacy" is in the taxonomy but has no hits.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers import config
from helpers import timeseries as ts

FIXTURES = config.REPO_ROOT / "tests" / "fixtures" / "timeseries"
TAXONOMY = ["sanctions", "military", "diplomacy"]
D = pd.Timestamp


def _corpus():
    documents = pd.DataFrame(
        {
            "doc_id": ["d1", "d2", "d3", "d4", "d5", "d6"],
            "date": pd.to_datetime(
                ["2022-02-21", "2022-02-21", "2022-02-21", "2022-02-22", None, "2022-02-24"]
            ),
        }
    )
    n_sent = {"d1": 3, "d2": 2, "d3": 1, "d4": 4, "d5": 2, "d6": 1}
    sentences = pd.DataFrame(
        [(d, i) for d, n in n_sent.items() for i in range(n)], columns=["doc_id", "sent_idx"]
    )
    events = pd.DataFrame(
        [
            ("d1", 0, "military"),
            ("d1", 1, "military"),
            ("d1", 1, "military"),  # a second match in the same sentence counts once
            ("d2", 0, "military"),
            ("d4", 2, "military"),
            ("d5", 0, "military"),
            ("d6", 0, "military"),
            ("d3", 0, "sanctions"),
            ("d4", 0, "sanctions"),
            ("d4", 1, "sanctions"),
        ],
        columns=["doc_id", "sent_idx", "event"],
    )
    return documents, sentences, events


def _counts(**kwargs):
    return ts.event_counts(*_corpus(), events_subset=TAXONOMY, **kwargs)


def _row(frame, day, event=None):
    sel = frame["period"] == D(day)
    if event is not None:
        sel &= frame["event"] == event
    assert sel.sum() == 1, (day, event)
    return frame.loc[sel].iloc[0]


# --- periods ---------------------------------------------------------------------------------


def test_period_start_labels_weeks_by_monday_and_months_by_first_day():
    dates = ["2022-02-20", "2022-02-21", "2022-02-27", "2022-02-28", None]
    assert ts.period_start(dates, "W").tolist()[:4] == [
        D("2022-02-14"),
        D("2022-02-21"),
        D("2022-02-21"),
        D("2022-02-28"),
    ]
    assert ts.period_start(dates, "M").tolist()[:4] == [D("2022-02-01")] * 4
    assert pd.isna(ts.period_start(dates, "D").iloc[4])
    assert ts.period_start(dates, "D").dtype == "datetime64[ns]"
    with pytest.raises(ValueError, match="freq must be one of"):
        ts.period_start(dates, "Y")


# --- event_counts ----------------------------------------------------------------------------


def test_event_counts_daily_zero_filled_in_taxonomy_order():
    counts = _counts()
    assert list(counts.columns) == [
        "period",
        "event",
        "n_sentences",
        "n_articles",
        "total_articles",
        "total_sentences",
        "n_days",
    ]
    days = pd.date_range("2022-02-21", "2022-02-24", freq="D")
    assert len(counts) == len(days) * len(TAXONOMY)
    assert counts["period"].dtype == "datetime64[ns]"
    assert counts["event"].tolist()[:3] == TAXONOMY
    assert counts["period"].unique().tolist() == list(days)

    expected = {  # (day, event): (n_sentences, n_articles)
        ("2022-02-21", "military"): (3, 2),  # d1 s0, d1 s1, d2 s0
        ("2022-02-21", "sanctions"): (1, 1),
        ("2022-02-22", "military"): (1, 1),
        ("2022-02-22", "sanctions"): (2, 1),
        ("2022-02-24", "military"): (1, 1),
    }
    totals = {  # day: (articles, sentences)
        "2022-02-21": (3, 3 + 2 + 1),
        "2022-02-22": (1, 4),
        "2022-02-23": (0, 0),
        "2022-02-24": (1, 1),
    }
    for day, (arts, sents) in totals.items():
        for event in TAXONOMY:
            row = _row(counts, day, event)
            assert (row.n_sentences, row.n_articles) == expected.get((day, event), (0, 0))
            assert (row.total_articles, row.total_sentences) == (arts, sents)
            assert row.n_days == 1


def test_event_counts_undated_excluded_and_counted():
    counts = _counts()
    assert counts.attrs["n_undated"] == 1
    assert counts.attrs["n_outside"] == 0
    # d5's military hit must not appear anywhere.
    assert counts.loc[counts["event"] == "military", "n_sentences"].sum() == 3 + 1 + 1
    assert counts.groupby("period")["total_articles"].first().sum() == 5


def test_event_counts_explicit_range_counts_outside_and_extends_calendar():
    counts = _counts(start="2022-02-22", end="2022-02-26")
    assert counts.attrs["n_outside"] == 3  # d1, d2, d3 on the 21st
    assert counts["period"].min() == D("2022-02-22")
    assert counts["period"].max() == D("2022-02-26")
    assert _row(counts, "2022-02-26", "military").total_articles == 0


def test_event_counts_default_subset_is_alphabetical_events_with_hits():
    documents, sentences, events = _corpus()
    counts = ts.event_counts(documents, sentences, events)
    assert counts["event"].unique().tolist() == ["military", "sanctions"]
    only = ts.event_counts(documents, sentences, events, events_subset=["sanctions"])
    assert only["event"].unique().tolist() == ["sanctions"]
    taxonomy_like = SimpleNamespace(ids=("diplomacy", "military"))  # helpers.events.Taxonomy
    by_taxonomy = ts.event_counts(documents, sentences, events, events_subset=taxonomy_like)
    assert by_taxonomy["event"].unique().tolist() == ["diplomacy", "military"]
    with pytest.raises(TypeError, match="list of event ids"):
        ts.event_counts(documents, sentences, events, events_subset="sanctions")


def test_event_counts_weekly_and_monthly():
    weekly = _counts(freq="W", end="2022-03-01")
    assert weekly["period"].unique().tolist() == [D("2022-02-21"), D("2022-02-28")]
    row = _row(weekly, "2022-02-21", "military")
    assert (row.n_sentences, row.n_articles) == (5, 4)  # d1 x2, d2, d4, d6
    assert (row.total_articles, row.total_sentences) == (5, 6 + 4 + 1)
    assert row.n_days == 7
    assert _row(weekly, "2022-02-28", "military").n_days == 2  # Feb 28 and Mar 1 only

    monthly = _counts(freq="M", start="2022-01-31")
    assert monthly["period"].unique().tolist() == [D("2022-01-01"), D("2022-02-01")]
    assert _row(monthly, "2022-01-01", "sanctions").n_days == 1
    feb = _row(monthly, "2022-02-01", "sanctions")
    assert (feb.n_sentences, feb.n_articles, feb.total_articles) == (3, 2, 5)
    assert feb.n_days == 24  # Feb 1 .. Feb 24 (the last dated article)


def test_event_counts_refuses_mixed_frames():
    documents, sentences, events = _corpus()
    stray = pd.concat([events, pd.DataFrame([("d1", 99, "military")], columns=events.columns)])
    with pytest.raises(ValueError, match="not in `sentences`"):
        ts.event_counts(documents, sentences, stray)
    with pytest.raises(ValueError, match="duplicate doc_id"):
        ts.event_counts(pd.concat([documents, documents]), sentences, events)
    with pytest.raises(ValueError, match="lacks column"):
        ts.event_counts(documents.drop(columns="date"), sentences, events)


def test_event_counts_range_beyond_the_data():
    counts = _counts(start="2022-03-01")
    assert counts["period"].unique().tolist() == [D("2022-03-01")]
    assert counts.attrs["n_outside"] == 5
    assert ts.normalize_counts(counts, "share")["masked"].all()
    with pytest.raises(ValueError, match="is after end"):
        _counts(start="2022-03-01", end="2022-02-01")


def test_event_counts_refuses_sentences_of_unknown_articles():
    documents, sentences, events = _corpus()
    with pytest.raises(ValueError, match="1 article\\(s\\) are not in `documents`.*d6"):
        ts.event_counts(documents[documents["doc_id"] != "d6"], sentences, events)


def test_event_counts_without_dated_articles_is_empty():
    documents, sentences, events = _corpus()
    documents = documents.assign(date=pd.NaT)
    counts = ts.event_counts(documents, sentences, events)
    assert counts.empty
    assert counts.attrs["n_undated"] == 6
    normalized = ts.normalize_counts(counts, "share")
    assert normalized.empty and "value" in normalized


# --- normalize_counts ------------------------------------------------------------------------


def test_share_per_1000_and_count():
    counts = _counts()
    share = ts.normalize_counts(counts, "share")
    assert _row(share, "2022-02-21", "military").value == pytest.approx(2 / 3)
    assert _row(share, "2022-02-22", "sanctions").value == pytest.approx(1 / 1)
    assert _row(share, "2022-02-24", "sanctions").value == 0.0
    assert _row(share, "2022-02-21", "diplomacy").value == 0.0

    rate = ts.normalize_counts(counts, "per_1000_sentences")
    assert _row(rate, "2022-02-21", "military").value == pytest.approx(1000 * 3 / 6)
    assert _row(rate, "2022-02-22", "sanctions").value == pytest.approx(1000 * 2 / 4)

    raw = ts.normalize_counts(counts, "count")
    assert _row(raw, "2022-02-21", "military").value == 2
    assert _row(raw, "2022-02-22", "military").value == 1

    with pytest.raises(ValueError, match="how must be one of"):
        ts.normalize_counts(counts, "percent")


def test_day_without_articles_is_masked_not_zero():
    for how in ts.NORMALIZATIONS:
        out = ts.normalize_counts(_counts(), how)
        empty = out[out["period"] == D("2022-02-23")]
        assert empty["masked"].all()
        assert empty["value"].isna().all()
        assert not out.loc[out["period"] != D("2022-02-23"), "masked"].any()


def test_min_docs_masks_thin_days():
    out = ts.normalize_counts(_counts(), "share", min_docs=2)
    masked_days = sorted(out.loc[out["masked"], "period"].unique())
    # Only the 21st has >= 2 articles.
    assert masked_days == [D("2022-02-22"), D("2022-02-23"), D("2022-02-24")]
    assert out.loc[out["masked"], "value"].isna().all()
    assert _row(out, "2022-02-21", "military").value == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="min_docs"):
        ts.normalize_counts(_counts(), "share", min_docs=0)


def test_rolling_sums_numerators_and_denominators():
    out = ts.normalize_counts(_counts(), "share", rolling_days=2)
    mil = out[out["event"] == "military"].set_index("period")
    # 21st: window truncated at the calendar start -> 2/3.
    assert mil.loc[D("2022-02-21"), "value"] == pytest.approx(2 / 3)
    assert mil.loc[D("2022-02-21"), "window_days"] == 1
    # 22nd: (2 + 1) / (3 + 1); a mean of ratios would give (2/3 + 1) / 2 = 0.833.
    assert mil.loc[D("2022-02-22"), "value"] == pytest.approx(3 / 4)
    assert mil.loc[D("2022-02-22"), "window_articles"] == 4
    # 23rd has no articles of its own but the window holds the 22nd: 1/1, not masked.
    assert mil.loc[D("2022-02-23"), "value"] == pytest.approx(1.0)
    assert not mil.loc[D("2022-02-23"), "masked"]
    assert mil.loc[D("2022-02-24"), "value"] == pytest.approx(1.0)
    assert (mil["window_days"] == [1, 2, 2, 2]).all()


def test_rolling_with_min_docs_checks_the_pooled_articles():
    out = ts.normalize_counts(_counts(), "share", rolling_days=3, min_docs=2)
    mil = out[out["event"] == "military"].set_index("period")
    assert mil["window_articles"].tolist() == [3, 4, 4, 2]
    assert not mil["masked"].any()
    assert mil.loc[D("2022-02-24"), "value"] == pytest.approx((1 + 0 + 1) / (1 + 0 + 1))
    assert mil.loc[D("2022-02-23"), "value"] == pytest.approx((2 + 1 + 0) / (3 + 1 + 0))


def test_rolling_count_is_mean_per_day_and_rate_pools_sentences():
    count = ts.normalize_counts(_counts(), "count", rolling_days=2)
    assert _row(count, "2022-02-22", "military").value == pytest.approx((2 + 1) / 2)
    assert _row(count, "2022-02-21", "military").value == pytest.approx(2 / 1)
    rate = ts.normalize_counts(_counts(), "per_1000_sentences", rolling_days=2)
    assert _row(rate, "2022-02-22", "sanctions").value == pytest.approx(1000 * 3 / 10)


def test_rolling_window_is_calendar_days_not_rows():
    counts = _counts()
    gappy = counts[counts["period"] != D("2022-02-23")]  # the 23rd is missing, not zero
    out = ts.normalize_counts(gappy, "share", rolling_days=2)
    # The window of the 24th is the 23rd and 24th; a two-row window would reach back to the
    # 22nd and give (1 + 0) / (1 + 1) = 0.5.
    assert _row(out, "2022-02-24", "sanctions").value == 0.0
    assert _row(out, "2022-02-24", "sanctions").window_articles == 1


def test_rolling_refused_for_weekly_and_monthly():
    with pytest.raises(ValueError, match="needs freq='D'"):
        ts.normalize_counts(_counts(freq="W"), "share", rolling_days=7)
    with pytest.raises(ValueError, match="needs freq='D'"):
        ts.normalize_counts(_counts(freq="M"), "share", rolling_days=2)
    weekly = ts.normalize_counts(_counts(freq="W"), "share")
    assert _row(weekly, "2022-02-21", "military").value == pytest.approx(4 / 5)


def test_normalize_keeps_attrs_and_order():
    counts = _counts()
    out = ts.normalize_counts(counts, "share", rolling_days=3)
    assert out.attrs["n_undated"] == 1
    assert out.attrs["rolling_days"] == 3
    pd.testing.assert_frame_equal(
        out[counts.columns].reset_index(drop=True), counts.reset_index(drop=True)
    )


# --- method_note -----------------------------------------------------------------------------


def test_method_note_sentences():
    assert ts.method_note("share", "D", 3, 5, n_undated=1) == (
        "Share of each day's articles that mention the event at least once; trailing 3-day "
        "rolling window (sums of counts over the window, then divided); windows with fewer "
        "than 5 articles masked; 1 undated article not shown."
    )
    assert ts.method_note("per_1000_sentences", "W", 1, 1) == (
        "Sentences that mention the event per 1,000 sentences of each week's (Monday to "
        "Sunday) articles; weeks without articles left blank."
    )
    note = ts.method_note("tone", "M", min_docs=3, n_undated=2, ci=0.95, n_boot=2000)
    assert "95% percentile bootstrap intervals resampling articles (2,000 resamples)" in note
    assert note.endswith("months with fewer than 3 articles masked; 2 undated articles not shown.")
    assert "mean per day" in ts.method_note("count", "D", 7)
    with pytest.raises(ValueError, match="needs freq='D'"):
        ts.method_note("share", "W", 3)


# --- tone ------------------------------------------------------------------------------------


def _tone_sentences():
    rows = [
        ("A", "2022-02-21", [0.5, -0.5, -0.3]),  # mean -0.1, 2 negative, 1 positive
        ("B", "2022-02-21", [0.2]),  # mean 0.2, 1 positive
        ("C", "2022-02-21", [-0.8, -0.6]),  # mean -0.7, 2 negative
        ("D", "2022-02-22", [0.0, 0.04]),  # mean 0.02, neutral (|c| < 0.05)
        ("E", "2022-02-24", [-0.05]),  # negative: the threshold is inclusive
        ("F", "2022-02-24", [0.05]),  # positive: inclusive
        ("G", None, [-0.9]),  # undated
    ]
    return pd.DataFrame(
        [
            (doc, i, pd.Timestamp(day) if day else pd.NaT, c)
            for doc, day, cs in rows
            for i, c in enumerate(cs)
        ],
        columns=["doc_id", "sent_idx", "date", "compound"],
    )


def test_article_tone():
    arts = ts.article_tone(_tone_sentences()).set_index("doc_id")
    assert arts.loc["A", "mean_compound"] == pytest.approx(-0.1)
    assert arts.loc["A", ["n_sentences", "n_negative", "n_positive"]].tolist() == [3, 2, 1]
    assert arts.loc["D", ["n_negative", "n_positive"]].tolist() == [0, 0]
    assert arts.loc["E", "n_negative"] == 1 and arts.loc["F", "n_positive"] == 1
    assert pd.isna(arts.loc["G", "date"])


def test_tone_by_period_point_estimates_and_masking():
    out = ts.tone_by_period(_tone_sentences(), n_boot=200, seed=1)
    assert out.attrs["n_undated"] == 1
    assert out["period"].tolist() == list(pd.date_range("2022-02-21", "2022-02-24"))
    day1 = _row(out, "2022-02-21")
    assert (day1.n_articles, day1.n_sentences) == (3, 6)
    assert day1["mean"] == pytest.approx((-0.1 + 0.2 - 0.7) / 3)
    assert day1["median"] == pytest.approx(-0.1)
    assert day1.share_negative == pytest.approx(4 / 6)
    assert day1.share_positive == pytest.approx(2 / 6)
    day4 = _row(out, "2022-02-24")
    assert day4.share_negative == pytest.approx(1 / 2) and day4.share_positive == pytest.approx(
        1 / 2
    )
    empty = _row(out, "2022-02-23")
    assert empty.masked and empty.n_articles == 0 and np.isnan(empty["mean"])

    thin = ts.tone_by_period(_tone_sentences(), min_docs=2, n_boot=200, seed=1)
    assert thin["masked"].tolist() == [False, True, True, False]
    assert thin.loc[thin["masked"], ["mean", "mean_lo", "share_negative_hi"]].isna().all().all()


def test_tone_accepts_per_article_frame_and_documents_for_dates():
    sentences = _tone_sentences()
    from_sentences = ts.tone_by_period(sentences, n_boot=100, seed=3)
    from_articles = ts.tone_by_period(ts.article_tone(sentences), n_boot=100, seed=3)
    pd.testing.assert_frame_equal(from_sentences, from_articles)

    documents = sentences.drop_duplicates("doc_id")[["doc_id", "date"]]
    via_docs = ts.tone_by_period(
        sentences.drop(columns="date"), documents=documents, n_boot=100, seed=3
    )
    pd.testing.assert_frame_equal(from_sentences, via_docs)
    with pytest.raises(ValueError, match="needs a `date` column"):
        ts.tone_by_period(sentences.drop(columns="date"))


def _busy_day(n=40):
    """n one-sentence articles on one day with spread-out scores (enough for seeds to matter)."""
    return pd.DataFrame(
        {
            "doc_id": [f"x{i:02d}" for i in range(n)],
            "date": pd.Timestamp("2022-02-25"),
            "compound": np.round(np.sin(np.arange(n) * 1.7), 4),
        }
    )


def test_bootstrap_reproducible_and_seed_dependent():
    frame = pd.concat([_tone_sentences(), _busy_day()], ignore_index=True)
    a = ts.tone_by_period(frame, n_boot=500, seed=7)
    b = ts.tone_by_period(frame, n_boot=500, seed=7)
    c = ts.tone_by_period(frame, n_boot=500, seed=8)
    pd.testing.assert_frame_equal(a, b)
    ci_cols = ["mean_lo", "mean_hi", "median_lo", "median_hi", "share_negative_lo"]
    busy = a["period"] == D("2022-02-25")
    assert not np.allclose(a.loc[busy, ci_cols].to_numpy(), c.loc[busy, ci_cols].to_numpy())


def test_bootstrap_of_a_period_does_not_depend_on_other_periods():
    full = ts.tone_by_period(_tone_sentences(), n_boot=500, seed=7)
    alone = ts.tone_by_period(
        _tone_sentences(), start="2022-02-21", end="2022-02-21", seed=7, n_boot=500
    )
    pd.testing.assert_series_equal(
        full.iloc[0].drop("n_days"), alone.iloc[0].drop("n_days"), check_names=False
    )


def test_bootstrap_chunking_does_not_change_results(monkeypatch):
    whole = ts.tone_by_period(_tone_sentences(), n_boot=300, seed=5)
    monkeypatch.setattr(ts, "_MAX_BOOT_CELLS", 4)  # a chunk of one or two resamples
    chunked = ts.tone_by_period(_tone_sentences(), n_boot=300, seed=5)
    pd.testing.assert_frame_equal(whole, chunked)


def test_ci_contains_estimate_and_single_article_ci_is_degenerate():
    frame = pd.concat([_tone_sentences(), _busy_day()], ignore_index=True)
    out = ts.tone_by_period(frame, n_boot=1000, seed=11)
    busy = _row(out, "2022-02-25")
    assert busy.mean_lo < busy["mean"] < busy.mean_hi  # a proper interval, not a point
    live = out[~out["masked"]]
    for stat in ("mean", "median", "share_negative", "share_positive"):
        assert (live[f"{stat}_lo"] <= live[stat] + 1e-12).all(), stat
        assert (live[stat] <= live[f"{stat}_hi"] + 1e-12).all(), stat
    single = _row(out, "2022-02-22")  # article D alone
    assert single.n_articles == 1
    for stat in ("mean", "median", "share_negative", "share_positive"):
        assert single[f"{stat}_lo"] == single[stat] == single[f"{stat}_hi"]


def test_two_article_bootstrap_interval_spans_both_articles():
    # Resamples of {E, F} have mean -0.05, 0 or 0.05 with probabilities 1/4, 1/2, 1/4, so with
    # 2000 resamples the 2.5th and 97.5th percentiles are the two article means.
    out = ts.tone_by_period(_tone_sentences(), n_boot=2000, seed=0)
    day4 = _row(out, "2022-02-24")
    assert day4.mean_lo == pytest.approx(-0.05) and day4.mean_hi == pytest.approx(0.05)
    assert day4["mean"] == pytest.approx(0.0)


def test_tone_rolling_pools_articles_over_calendar_days():
    out = ts.tone_by_period(_tone_sentences(), rolling_days=2, n_boot=0)
    day2 = _row(out, "2022-02-22")  # A, B, C, D
    assert day2.n_articles == 4 and day2.window_days == 2
    assert day2["mean"] == pytest.approx((-0.1 + 0.2 - 0.7 + 0.02) / 4)
    assert day2["median"] == pytest.approx((-0.1 + 0.02) / 2)
    day3 = _row(out, "2022-02-23")  # D only, pooled from the 22nd
    assert day3.n_articles == 1 and day3["mean"] == pytest.approx(0.02)
    assert np.isnan(day3.mean_lo)  # n_boot=0: no intervals
    with pytest.raises(ValueError, match="needs freq='D'"):
        ts.tone_by_period(_tone_sentences(), freq="W", rolling_days=2)


def test_tone_weekly():
    out = ts.tone_by_period(_tone_sentences(), freq="W", n_boot=200, seed=2)
    assert len(out) == 1 and out.loc[0, "period"] == D("2022-02-21")
    assert out.loc[0, "n_articles"] == 6
    means = [-0.1, 0.2, -0.7, 0.02, -0.05, 0.05]
    assert out.loc[0, "mean"] == pytest.approx(np.mean(means))
    assert out.loc[0, "median"] == pytest.approx(np.median(means))


def test_tone_validates_inputs():
    bad = _tone_sentences().astype({"compound": "float64"})
    bad.loc[0, "compound"] = np.nan
    with pytest.raises(ValueError, match="no numeric compound"):
        ts.tone_by_period(bad)
    with pytest.raises(ValueError, match="ci must be between"):
        ts.tone_by_period(_tone_sentences(), ci=95)
    with pytest.raises(ValueError, match="neg_threshold"):
        ts.article_tone(_tone_sentences(), pos_threshold=-0.5, neg_threshold=0.5)


# --- event tone ------------------------------------------------------------------------------


def _event_hits():
    return pd.DataFrame(
        [
            ("A", 0, "military"),  # 0.5
            ("A", 1, "military"),  # -0.5
            ("C", 0, "military"),  # -0.8
            ("C", 0, "military"),  # duplicate hit
            ("B", 0, "sanctions"),  # 0.2
            ("E", 0, "military"),  # -0.05
            ("G", 0, "military"),  # undated
        ],
        columns=["doc_id", "sent_idx", "event"],
    )


def test_event_tone_by_period():
    out = ts.event_tone_by_period(
        _tone_sentences(), _event_hits(), events_subset=TAXONOMY, n_boot=500, seed=4
    )
    assert out.attrs["n_undated"] == 1
    assert len(out) == 4 * len(TAXONOMY)
    mil = _row(out, "2022-02-21", "military")
    assert (mil.n_articles, mil.n_sentences) == (2, 3)
    assert mil["mean"] == pytest.approx((0.5 - 0.5 - 0.8) / 3)
    assert mil.share_negative == pytest.approx(2 / 3)
    assert mil.mean_lo <= mil["mean"] <= mil.mean_hi
    sanc = _row(out, "2022-02-21", "sanctions")
    assert sanc.mean_lo == sanc["mean"] == sanc.mean_hi == pytest.approx(0.2)
    assert _row(out, "2022-02-21", "diplomacy").masked
    assert _row(out, "2022-02-24", "military")["mean"] == pytest.approx(-0.05)

    thin = ts.event_tone_by_period(
        _tone_sentences(), _event_hits(), events_subset=TAXONOMY, min_docs=2, n_boot=0
    )
    assert thin.loc[~thin["masked"], ["period", "event"]].values.tolist() == [
        [D("2022-02-21"), "military"]
    ]

    pooled = ts.event_tone_by_period(_tone_sentences(), _event_hits(), rolling_days=4, n_boot=0)
    last = _row(pooled, "2022-02-24", "military")
    assert (last.n_articles, last.n_sentences) == (3, 4)
    assert last["mean"] == pytest.approx((0.5 - 0.5 - 0.8 - 0.05) / 4)


def test_event_tone_reproducible_and_refuses_unscored_hits():
    args = (_tone_sentences(), _event_hits())
    pd.testing.assert_frame_equal(
        ts.event_tone_by_period(*args, n_boot=300, seed=9),
        ts.event_tone_by_period(*args, n_boot=300, seed=9),
    )
    stray = pd.concat(
        [
            _event_hits(),
            pd.DataFrame([("A", 7, "military")], columns=["doc_id", "sent_idx", "event"]),
        ]
    )
    with pytest.raises(ValueError, match="without a compound score"):
        ts.event_tone_by_period(_tone_sentences(), stray)


# --- key dates -------------------------------------------------------------------------------


def test_shipped_key_dates():
    kd = ts.load_key_dates()
    assert kd["date"].dtype == "datetime64[ns]"
    assert list(kd.columns) == ["date", "label", "note", "source"]
    assert kd["date"].is_monotonic_increasing
    for day in ["2022-02-21", "2022-02-24", "2022-02-26", "2022-02-27", "2022-02-28", "2022-03-02"]:
        assert D(day) in set(kd["date"]), day
    assert (kd["label"].str.len() > 0).all() and (kd["note"].str.len() > 0).all()


def test_key_dates_sorted_with_optional_fields():
    kd = ts.load_key_dates(FIXTURES / "unordered.yml")
    assert kd["date"].tolist() == [D("2022-02-24"), D("2022-03-02")]
    assert kd["label"].tolist() == ["Earlier", "Later"]
    assert kd["note"].tolist() == ["", "Quoted date."]
    assert kd["source"].tolist() == ["Somewhere", ""]


@pytest.mark.parametrize(
    ("name", "index", "problem"),
    [
        ("bad_date.yml", 2, "date '2022-02-30' is not a valid date"),
        ("missing_label.yml", 2, "missing label"),
        ("unknown_field.yml", 1, "unknown field(s) ['lable']"),
        ("not_a_list.yml", None, "expected a list of entries"),
        ("no_such_file.yml", None, "cannot read file"),
    ],
)
def test_key_dates_errors_name_file_entry_and_problem(name, index, problem):
    with pytest.raises(ts.KeyDatesError) as info:
        ts.load_key_dates(FIXTURES / name)
    message = str(info.value)
    assert name in message and problem in message
    assert info.value.index == index
    if index is not None:
        assert f"entry {index}:" in message


def test_key_dates_rejects_non_iso_dates(tmp_path):
    path = tmp_path / "kd.yml"
    path.write_text("- date: 24/02/2022\n  label: x\n- date: 20220224\n  label: y\n")
    with pytest.raises(ts.KeyDatesError, match=r"entry 1: date '24/02/2022' is not a YYYY-MM-DD"):
        ts.load_key_dates(path)
    path.write_text("- date: 20220224\n  label: y\n")
    with pytest.raises(ts.KeyDatesError, match="entry 1: date 20220224 is not"):
        ts.load_key_dates(path)
    path.write_text("- date: 2022-02-24\n  label: [1, 2]\n")
    with pytest.raises(ts.KeyDatesError, match="label must be text"):
        ts.load_key_dates(path)
