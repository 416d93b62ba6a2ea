"""Calendar aggregation, normalisation, rolling windows and bootstrap intervals.

Conventions shared by every function here
-----------------------------------------
* **Periods** are ``freq`` in ``{"D", "W", "M"}``: calendar days, ISO weeks running Monday to
  Sunday (pandas ``W-SUN``), calendar months. A period is labelled by its *first day* (the Monday,
  the 1st of the month) as a ``datetime64[ns]`` Timestamp at midnight. When ``start``/``end`` cut a
  week or month, the period keeps its label and only the days inside ``[start, end]`` count;
  ``n_days`` says how many.
* **Calendar**: every period from ``start`` (default: the first dated article) to ``end``
  (default: the last) appears, zero-filled, so gaps in coverage are visible rather than skipped.
* **Undated articles** (``date`` is NaT) never enter a time series. They are counted and the count
  is kept in ``result.attrs["n_undated"]`` (articles dated outside ``[start, end]`` in
  ``attrs["n_outside"]``) so a caption can say "N undated articles not shown"
  (:func:`method_note`).
* **Rolling windows** are in calendar days, trailing (the value on day *d* pools days
  *d - k + 1 .. d*), and exist only for daily series: a week or month is already a window, and a
  rolling window over weeks would mix two definitions of "period". Ratios are computed as the sum
  of numerators over the window divided by the sum of denominators (never a mean of daily
  ratios, which would give a day with 2 articles the weight of a day with 200). Near the start of
  the calendar the window is truncated (``window_days`` < k).
* **Masking**: a period (or window) with fewer than ``min_docs`` articles gets ``NaN`` values and
  ``masked=True`` instead of a 0 % or 100 % drawn from one or two articles.
* **Bootstrap intervals** resample *articles* within a period (the article is the sampling unit;
  its sentences are not independent). Each period has its own ``numpy.random.Generator`` seeded
  from ``(seed, period)`` (and the event for event tone), so a period's interval does not depend
  on which other periods exist. Intervals are percentile intervals. A period with a single article
  has a zero-width interval equal to its estimate; set ``min_docs`` to mask such periods.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import config, sentiment

__all__ = [
    "FREQS",
    "NORMALIZATIONS",
    "KeyDatesError",
    "period_start",
    "articles_per_period",
    "value_label",
    "event_counts",
    "normalize_counts",
    "article_tone",
    "tone_by_period",
    "event_tone_by_period",
    "method_note",
    "load_key_dates",
]

FREQS = ("D", "W", "M")
NORMALIZATIONS = ("share", "per_1000_sentences", "count")
DEFAULT_SEED = 20220224

# Bootstrap index matrices are drawn in row chunks of at most this many cells so memory stays
# bounded for periods with very many articles. numpy's Generator gives the same numbers drawn in
# chunks as in one (n_boot, n) draw (tests/test_timeseries.py checks), so results do not depend
# on the chunk size.
_MAX_BOOT_CELLS = 4_000_000

_PERIOD_WORD = {"D": "day", "W": "week (Monday to Sunday)", "M": "month"}
_PERIOD_PLURAL = {"D": "days", "W": "weeks", "M": "months"}
_NS = "datetime64[ns]"


# ---------------------------------------------------------------------------------------------
# Calendar


def _check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {FREQS} (day, week, month), got {freq!r}")
    return freq


def _check_rolling(rolling_days: int, freq: str) -> int:
    if isinstance(rolling_days, bool) or not isinstance(rolling_days, (int, np.integer)):
        raise TypeError(f"rolling_days must be an integer number of days, got {rolling_days!r}")
    if rolling_days < 1:
        raise ValueError(f"rolling_days must be >= 1, got {rolling_days}")
    if rolling_days > 1 and freq != "D":
        raise ValueError(
            f"rolling_days={rolling_days} needs freq='D': rolling windows are defined on the "
            f"daily calendar, and a {_PERIOD_WORD[freq].split()[0]} already pools several days. "
            "Use freq='D' with a rolling window, or weekly/monthly periods without one."
        )
    return int(rolling_days)


def _check_min_docs(min_docs: int) -> int:
    if isinstance(min_docs, bool) or not isinstance(min_docs, (int, np.integer)) or min_docs < 1:
        raise ValueError(f"min_docs must be an integer >= 1, got {min_docs!r}")
    return int(min_docs)


def _to_day(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date (YYYY-MM-DD), got {value!r}") from exc
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date (YYYY-MM-DD), got {value!r}")
    return ts.tz_localize(None).normalize() if ts.tzinfo else ts.normalize()


def _as_dates(values: Any) -> pd.Series:
    """Dates as naive datetime64[ns] normalised to midnight (contract of helpers.corpus)."""
    s = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s):
        s = pd.to_datetime(s)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    return s.astype(_NS).dt.normalize()


def period_start(dates: Any, freq: str = "D") -> pd.Series:
    """The first day of the calendar period holding each date.

    Parameters
    ----------
    dates
        Anything :func:`pandas.to_datetime` understands; NaT stays NaT.
    freq
        ``"D"`` (the day itself), ``"W"`` (the Monday of its Monday-Sunday week) or ``"M"``
        (the 1st of its month).

    Returns
    -------
    pandas.Series of datetime64[ns]
    """
    _check_freq(freq)
    d = _as_dates(dates)
    if freq == "W":
        return d - pd.to_timedelta(d.dt.day_of_week, unit="D")
    if freq == "M":
        return d - pd.to_timedelta(d.dt.day - 1, unit="D")
    return d


def _next_period(p: pd.Timestamp, freq: str) -> pd.Timestamp:
    if freq == "D":
        return p + pd.Timedelta(days=1)
    if freq == "W":
        return p + pd.Timedelta(days=7)
    return p + pd.offsets.MonthBegin(1)


def _calendar(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    first = period_start([start], freq).iloc[0]
    last = period_start([end], freq).iloc[0]
    step = {"D": "D", "W": "7D", "M": "MS"}[freq]
    return pd.date_range(first, last, freq=step).astype(_NS)


def _days_in_window(calendar: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp, freq: str):
    """Calendar days of each period that fall inside [start, end]."""
    ends = [min(_next_period(p, freq) - pd.Timedelta(days=1), end) for p in calendar]
    starts = [max(p, start) for p in calendar]
    return np.array([(e - s).days + 1 for s, e in zip(starts, ends, strict=True)], dtype="int64")


def _resolve_range(dates: pd.Series, start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    given_start, given_end = _to_day(start, "start"), _to_day(end, "end")
    start_ts, end_ts = given_start, given_end
    if start_ts is None:
        start_ts = dates.min() if len(dates) else end_ts
        if given_end is not None and start_ts > given_end:  # all articles after `end`
            start_ts = given_end
    if end_ts is None:
        end_ts = dates.max() if len(dates) else start_ts
        if given_start is not None and end_ts < given_start:  # all articles before `start`
            end_ts = given_start
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise ValueError(f"start ({start_ts.date()}) is after end ({end_ts.date()})")
    return start_ts, end_ts


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}")


def _split_dated(
    frame: pd.DataFrame, start: Any, end: Any
) -> tuple[pd.DataFrame, int, int, pd.Timestamp | None, pd.Timestamp | None]:
    """Rows with a date inside the range, the undated count, the outside count, and the range.

    ``frame`` has one row per article with a ``date`` column.
    """
    dates = _as_dates(frame["date"])
    undated = dates.isna()
    start_ts, end_ts = _resolve_range(dates[~undated], start, end)
    inside = ~undated
    if start_ts is not None:
        inside &= (dates >= start_ts) & (dates <= end_ts)
    out = frame.loc[inside].copy()
    out["date"] = dates[inside]
    n_outside = int((~undated).sum() - inside.sum())
    return out, int(undated.sum()), n_outside, start_ts, end_ts


def _attrs(freq, start, end, n_undated, n_outside, **extra) -> dict[str, Any]:
    return {
        "freq": freq,
        "start": None if start is None else start.date().isoformat(),
        "end": None if end is None else end.date().isoformat(),
        "n_undated": n_undated,
        "n_outside": n_outside,
        **extra,
    }


def _event_order(events: pd.Series, events_subset: Sequence[str] | None) -> list[str]:
    if events_subset is None:
        return sorted(pd.unique(events.astype(str)).tolist())
    # A helpers.events.Taxonomy, duck-typed so a plain list of ids works too.
    events_subset = getattr(events_subset, "ids", events_subset)
    if isinstance(events_subset, str):
        raise TypeError("events_subset must be a list of event ids, not a single string")
    order = [str(e) for e in events_subset]
    dupes = sorted({e for e in order if order.count(e) > 1})
    if dupes:
        raise ValueError(f"events_subset lists {dupes} more than once")
    return order


def articles_per_period(
    documents: pd.DataFrame, *, freq: str = "D", start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Dated articles per calendar period, zero-filled.

    Returns
    -------
    DataFrame
        One row per period from ``start`` (default: first dated article) to ``end``: ``period``
        (first day), ``n_articles``. ``attrs`` carries ``n_undated`` and ``n_outside``.
    """
    _check_freq(freq)
    _require(documents, ["doc_id", "date"], "documents")
    dated, n_undated, n_outside, start_ts, end_ts = _split_dated(documents, start, end)
    if start_ts is None:
        out = pd.DataFrame({"period": pd.Series([], dtype=_NS), "n_articles": []}, dtype="int64")
    else:
        calendar = _calendar(start_ts, end_ts, freq)
        counts = period_start(dated["date"], freq).value_counts()
        out = pd.DataFrame(
            {
                "period": calendar,
                "n_articles": counts.reindex(calendar, fill_value=0).to_numpy("int64"),
            }
        )
    out.attrs = _attrs(freq, start_ts, end_ts, n_undated, n_outside)
    return out


def value_label(how: str) -> str:
    """Axis and colour-bar label for a :func:`normalize_counts` value."""
    labels = {
        "share": "share of articles mentioning",
        "per_1000_sentences": "mentions per 1,000 sentences",
        "count": "articles mentioning",
    }
    if how not in labels:
        raise ValueError(f"how must be one of {NORMALIZATIONS}, got {how!r}")
    return labels[how]


# ---------------------------------------------------------------------------------------------
# Event frequency


def event_counts(
    documents: pd.DataFrame,
    sentences: pd.DataFrame,
    events: pd.DataFrame,
    *,
    freq: str = "D",
    start: Any = None,
    end: Any = None,
    events_subset: Sequence[str] | None = None,
) -> pd.DataFrame:
    """How many sentences and articles of each calendar period mention each event.

    Parameters
    ----------
    documents
        One row per article: ``doc_id``, ``date`` (NaT for undated articles, which are left out
        and counted in ``attrs["n_undated"]``).
    sentences
        One row per sentence: ``doc_id``, ``sent_idx``. Gives each period's sentence total.
    events
        One row per (sentence, event) hit: ``doc_id``, ``sent_idx``, ``event``. Several hits of
        one event in one sentence count once.
    freq
        ``"D"``, ``"W"`` (Monday-Sunday weeks) or ``"M"``; periods are labelled by their first day.
    start, end
        Inclusive first and last day; default the first and last dated article.
    events_subset
        Event ids in display order, or a ``helpers.events.Taxonomy`` (its ``ids``): pass the
        taxonomy to keep its order and to get rows for events without any hit. Hits of other
        events are dropped. Default: the events present in ``events``, alphabetically.

    Returns
    -------
    pandas.DataFrame
        One row per (period, event), periods ascending, events in ``events_subset`` order:
        ``period`` (datetime64[ns], first day of the period), ``event`` (str), ``n_sentences``
        (sentences mentioning the event), ``n_articles`` (articles mentioning it at least once),
        ``total_articles`` and ``total_sentences`` (all dated articles / their sentences in the
        period), ``n_days`` (calendar days of the period inside ``[start, end]``). ``attrs``
        holds ``freq``, ``start``, ``end``, ``n_undated``, ``n_outside``.

    Raises
    ------
    ValueError
        Missing columns, duplicate ``doc_id``, or hits whose article or sentence is not in
        ``documents`` / ``sentences`` (frames from different runs mixed together).
    """
    _check_freq(freq)
    _require(documents, ["doc_id", "date"], "documents")
    _require(sentences, ["doc_id", "sent_idx"], "sentences")
    _require(events, ["doc_id", "sent_idx", "event"], "events")
    if documents["doc_id"].duplicated().any():
        dupes = documents.loc[documents["doc_id"].duplicated(), "doc_id"].unique()[:5].tolist()
        raise ValueError(f"documents has duplicate doc_id values, e.g. {dupes}")

    sent = sentences[["doc_id", "sent_idx"]].drop_duplicates()
    hits = events[["doc_id", "sent_idx", "event"]].drop_duplicates()
    known = hits.merge(sent, on=["doc_id", "sent_idx"], how="left", indicator=True)
    orphans = known["_merge"] == "left_only"
    if orphans.any():
        example = known.loc[orphans, ["doc_id", "sent_idx"]].iloc[0].tolist()
        raise ValueError(
            f"{int(orphans.sum())} event hit(s) refer to sentences not in `sentences`, e.g. "
            f"doc_id={example[0]!r} sent_idx={example[1]!r}; were the frames built from the "
            "same corpus?"
        )
    sent_docs = pd.Series(sent["doc_id"].unique())
    unknown_docs = sent_docs[~sent_docs.isin(documents["doc_id"])]
    if len(unknown_docs):
        raise ValueError(
            f"sentences of {len(unknown_docs)} article(s) are not in `documents`, e.g. "
            f"doc_id={unknown_docs.iloc[0]!r}"
        )

    order = _event_order(hits["event"], events_subset)
    docs, n_undated, n_outside, start_ts, end_ts = _split_dated(
        documents[["doc_id", "date"]], start, end
    )
    attrs = _attrs(freq, start_ts, end_ts, n_undated, n_outside)
    columns = ["period", "event", "n_sentences", "n_articles", "total_articles"]
    columns += ["total_sentences", "n_days"]
    if start_ts is None:  # no dated article and no explicit range: nothing to draw
        out = pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
        out["period"] = out["period"].astype(_NS)
        out["event"] = out["event"].astype("str")
        out.attrs = attrs
        return out

    docs["period"] = period_start(docs["date"], freq).to_numpy()
    calendar = _calendar(start_ts, end_ts, freq)
    total_articles = docs.groupby("period").size().reindex(calendar, fill_value=0)
    sent_p = sent.merge(docs[["doc_id", "period"]], on="doc_id", how="inner")
    total_sentences = sent_p.groupby("period").size().reindex(calendar, fill_value=0)

    hits = hits.loc[hits["event"].astype(str).isin(order)].copy()
    hits["event"] = hits["event"].astype(str)
    hits = hits.merge(docs[["doc_id", "period"]], on="doc_id", how="inner")
    grid = pd.MultiIndex.from_product([calendar, order], names=["period", "event"])
    per = hits.groupby(["period", "event"]).agg(
        n_sentences=("sent_idx", "size"), n_articles=("doc_id", "nunique")
    )
    per = per.reindex(grid, fill_value=0).reset_index()

    out = pd.DataFrame(
        {
            "period": per["period"].astype(_NS),
            "event": per["event"].astype("str"),
            "n_sentences": per["n_sentences"].astype("int64"),
            "n_articles": per["n_articles"].astype("int64"),
            "total_articles": total_articles.reindex(per["period"]).to_numpy().astype("int64"),
            "total_sentences": total_sentences.reindex(per["period"]).to_numpy().astype("int64"),
            "n_days": np.repeat(_days_in_window(calendar, start_ts, end_ts, freq), len(order)),
        }
    )
    out.attrs = attrs
    return out


def normalize_counts(
    counts: pd.DataFrame,
    how: str = "share",
    *,
    min_docs: int = 1,
    rolling_days: int = 1,
) -> pd.DataFrame:
    """Turn :func:`event_counts` into the plotted quantity, optionally over a rolling window.

    Parameters
    ----------
    counts
        The frame returned by :func:`event_counts`.
    how
        ``"share"``: articles mentioning the event / all articles of the period (a share of
        coverage, as GDELT and Media Cloud report it, so a busy news day does not look like a
        surge). ``"per_1000_sentences"``: 1000 x sentences mentioning the event / all sentences.
        ``"count"``: articles mentioning the event (with a rolling window: the mean per day over
        the window, so the scale matches the unsmoothed series).
    min_docs
        Periods (windows) with fewer articles are masked: ``value`` NaN, ``masked`` True.
        Must be >= 1, so a period without articles is always masked, never 0 %.
    rolling_days
        Trailing window in calendar days (daily counts only). Numerators and denominators are
        summed over the window, then divided. Missing rows count as days without articles.

    Returns
    -------
    pandas.DataFrame
        The rows and columns of ``counts`` plus ``window_days`` (calendar days pooled: 1 without
        a rolling window, fewer than ``rolling_days`` at the start of the calendar),
        ``window_articles`` (articles pooled, the number ``min_docs`` is checked against),
        ``numerator``, ``denominator`` (the summed quantities divided; ``value`` is
        ``numerator / denominator``, times 1000 for ``per_1000_sentences``), ``value`` (float:
        a fraction 0-1 for share, a rate for per_1000_sentences, articles for count) and
        ``masked`` (bool). ``attrs`` gains ``how``, ``min_docs``, ``rolling_days``.
    """
    if how not in NORMALIZATIONS:
        raise ValueError(f"how must be one of {NORMALIZATIONS}, got {how!r}")
    min_docs = _check_min_docs(min_docs)
    _require(
        counts,
        ["period", "event", "n_sentences", "n_articles", "total_articles", "total_sentences"],
        "counts",
    )
    freq = counts.attrs.get("freq", "D")
    rolling_days = _check_rolling(rolling_days, freq)
    if rolling_days > 1 and "n_days" in counts and (counts["n_days"] > 1).any():
        raise ValueError("rolling_days > 1 needs daily counts (event_counts(..., freq='D'))")

    attrs = dict(counts.attrs)
    out = counts.copy()
    out["period"] = _as_dates(out["period"]).to_numpy()
    num_col, den_col = {
        "share": ("n_articles", "total_articles"),
        "per_1000_sentences": ("n_sentences", "total_sentences"),
        "count": ("n_articles", None),
    }[how]
    sums = ["n_articles", "n_sentences", "total_articles", "total_sentences"]

    if rolling_days == 1:
        pooled = out[sums].astype("float64")
        window_days = np.ones(len(out), dtype="int64")
    else:
        # Time-based rolling on the `period` column: the window is calendar days, so a day
        # missing from `counts` is a day with nothing, not a skipped row.
        # Rolling needs each event's rows in date order; the caller's row order is restored.
        codes = {e: i for i, e in enumerate(pd.unique(out["event"]))}
        by_event = out.assign(_order=out["event"].map(codes), _row=np.arange(len(out)))
        by_event = by_event.sort_values(["_order", "period"], kind="stable")
        rolled = (
            by_event[["event", "period", *sums]]
            .groupby("event", sort=False)
            .rolling(f"{rolling_days}D", on="period")[sums]
            .sum()
        )
        pooled = pd.DataFrame(rolled.to_numpy(), columns=sums)
        pooled.index = by_event["_row"].to_numpy()
        pooled = pooled.sort_index()
        first = _to_day(attrs.get("start"), "start")
        if first is None:
            first = out["period"].min()
        since = (out["period"] - first).dt.days.to_numpy()
        window_days = np.minimum(rolling_days, since + 1).astype("int64")

    numerator = pooled[num_col].to_numpy()
    denominator = window_days.astype("float64") if den_col is None else pooled[den_col].to_numpy()
    window_articles = pooled["total_articles"].to_numpy()
    masked = (window_articles < min_docs) | (denominator <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = numerator / denominator
    if how == "per_1000_sentences":
        value = value * 1000.0
    value[masked] = np.nan

    out["window_days"] = window_days
    out["window_articles"] = window_articles.astype("int64")
    out["numerator"] = numerator.astype("int64")
    out["denominator"] = denominator if den_col is None else denominator.astype("int64")
    out["value"] = value
    out["masked"] = masked
    out = out.reset_index(drop=True)
    out.attrs = {**attrs, "how": how, "min_docs": min_docs, "rolling_days": rolling_days}
    return out


# ---------------------------------------------------------------------------------------------
# Tone


def article_tone(
    sentences: pd.DataFrame,
    *,
    documents: pd.DataFrame | None = None,
    pos_threshold: float = config.POS_THRESHOLD,
    neg_threshold: float = config.NEG_THRESHOLD,
) -> pd.DataFrame:
    """Per-article tone from per-sentence VADER compound scores.

    Parameters
    ----------
    sentences
        One row per sentence: ``doc_id``, ``compound`` and ``date`` (or pass ``documents``
        with ``doc_id``, ``date`` to supply the dates).
    pos_threshold, neg_threshold
        A sentence is positive if ``compound >= pos_threshold`` and negative if
        ``compound <= neg_threshold`` (VADER authors' +-0.05 by default).

    Returns
    -------
    pandas.DataFrame
        One row per article, in order of first appearance: ``doc_id``, ``date``
        (datetime64[ns], NaT if undated), ``mean_compound`` (mean of its sentences' compound,
        -1..1), ``n_sentences``, ``n_negative``, ``n_positive``.
    """
    frame = _with_dates(sentences, documents, ["doc_id", "compound"], "sentences")
    compound = pd.to_numeric(frame["compound"], errors="coerce")
    if compound.isna().any():
        raise ValueError(
            f"{int(compound.isna().sum())} sentence(s) have no numeric compound score; score "
            "every sentence (helpers.sentiment.score_sentences) before aggregating"
        )
    frame = pd.DataFrame(
        {
            "doc_id": frame["doc_id"].to_numpy(),
            "date": _as_dates(frame["date"]).to_numpy(),
            "compound": compound.to_numpy("float64"),
        }
    )
    # The per-article method lives in helpers.sentiment; this adds counts and keeps input order.
    tone = sentiment.article_tone(frame, pos_threshold=pos_threshold, neg_threshold=neg_threshold)
    tone = tone.set_index("doc_id").reindex(pd.unique(frame["doc_id"]))
    n = tone["n_sentences"].to_numpy("int64")
    return pd.DataFrame(
        {
            "doc_id": tone.index.to_numpy(),
            "date": tone["date"].to_numpy().astype(_NS),
            "mean_compound": tone["mean_compound"].to_numpy("float64"),
            "n_sentences": n,
            "n_negative": np.rint(tone["share_negative"].to_numpy() * n).astype("int64"),
            "n_positive": np.rint(tone["share_positive"].to_numpy() * n).astype("int64"),
        }
    )


def _with_dates(
    frame: pd.DataFrame, documents: pd.DataFrame | None, columns: list[str], name: str
) -> pd.DataFrame:
    _require(frame, columns, name)
    if documents is not None:
        _require(documents, ["doc_id", "date"], "documents")
        missing = ~frame["doc_id"].isin(documents["doc_id"])
        if missing.any():
            raise ValueError(
                f"{name} has rows for article(s) not in documents, e.g. "
                f"doc_id={frame.loc[missing, 'doc_id'].iloc[0]!r}"
            )
        dates = documents.drop_duplicates("doc_id").set_index("doc_id")["date"]
        frame = frame.drop(columns=["date"], errors="ignore")
        return frame.assign(date=frame["doc_id"].map(dates).to_numpy())
    if "date" not in frame.columns:
        raise ValueError(f"{name} needs a `date` column, or pass documents= to supply dates")
    return frame


def _windows(
    dates: np.ndarray, calendar: pd.DatetimeIndex, freq: str, rolling_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Slices [lo, hi) of date-sorted articles that each period pools."""
    if freq == "D":
        first = calendar - pd.Timedelta(days=rolling_days - 1)
        last = calendar
    else:
        first = calendar
        last = pd.DatetimeIndex([_next_period(p, freq) for p in calendar]) - pd.Timedelta(days=1)
    lo = np.searchsorted(dates, first.to_numpy(dtype=_NS), side="left")
    hi = np.searchsorted(dates, last.to_numpy(dtype=_NS), side="right")
    return lo, hi


def _rng(seed: int, period: pd.Timestamp, *extra: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), period.toordinal(), *extra]))


def _boot_rows(rng: np.random.Generator, n: int, n_boot: int):
    """Yield bootstrap index matrices (rows of resampled article positions), in chunks."""
    rows = max(1, _MAX_BOOT_CELLS // max(n, 1))
    done = 0
    while done < n_boot:
        take = min(rows, n_boot - done)
        yield rng.integers(0, n, size=(take, n))
        done += take


def _check_boot(ci: float, n_boot: int, seed: int) -> None:
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be an integer >= 0 (0: no intervals), got {n_boot!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _percentiles(boot: np.ndarray, ci: float) -> tuple[float, float]:
    alpha = (1.0 - ci) / 2.0
    lo, hi = np.quantile(boot, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def _stat_columns(head: list[str], stats: list[str]) -> list[str]:
    """``head``, then each statistic with its ``_lo``/``_hi`` bounds, then ``masked``."""
    return head + [c for s in stats for c in (s, f"{s}_lo", f"{s}_hi")] + ["masked"]


def _empty_result(
    columns: list[str], attrs: dict[str, Any], text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """The typed, row-less result for a calendar with no dated article and no given range."""
    out = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    out["period"] = out["period"].astype(_NS)
    for column in text_columns:
        out[column] = out[column].astype("str")
    out.attrs = attrs
    return out


def _typed_result(out: pd.DataFrame, attrs: dict[str, Any]) -> pd.DataFrame:
    out = out.astype({"n_articles": "int64", "n_sentences": "int64", "masked": bool})
    out.attrs = attrs
    return out


def tone_by_period(
    article_tone_or_sentences: pd.DataFrame,
    *,
    documents: pd.DataFrame | None = None,
    freq: str = "D",
    start: Any = None,
    end: Any = None,
    min_docs: int = 1,
    rolling_days: int = 1,
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    pos_threshold: float = config.POS_THRESHOLD,
    neg_threshold: float = config.NEG_THRESHOLD,
) -> pd.DataFrame:
    """Tone of each calendar period's articles, with bootstrap intervals over articles.

    Parameters
    ----------
    article_tone_or_sentences
        Either one row per sentence (``doc_id``, ``compound``, ``date`` or ``documents=``),
        reduced with :func:`article_tone`, or one row per article as :func:`article_tone`
        returns it (``doc_id``, ``date``, ``mean_compound``, ``n_sentences``, ``n_negative``,
        ``n_positive``).
    freq, start, end, min_docs, rolling_days
        As in :func:`event_counts` / :func:`normalize_counts`. With ``rolling_days > 1`` the
        articles of the trailing window are pooled, and ``n_articles`` counts the pool.
    ci, n_boot, seed
        Confidence level, bootstrap resamples (0: no intervals), seed. Each period resamples its
        articles with a Generator seeded from ``(seed, period)``.
    pos_threshold, neg_threshold
        Sentence labelling thresholds on compound (used only for per-sentence input).

    Returns
    -------
    pandas.DataFrame
        One row per period (zero-filled calendar): ``period``, ``n_days``, ``window_days``,
        ``n_articles``, ``n_sentences``; ``mean`` and ``median`` of the articles' mean compound
        (each article weighs the same, -1..1); ``share_negative`` / ``share_positive``
        (fraction 0-1 of the pooled sentences labelled negative / positive); each with
        ``_lo``/``_hi`` percentile bootstrap bounds; ``masked`` (fewer than ``min_docs``
        articles: all estimates NaN). ``attrs`` as in :func:`event_counts` plus the settings.
    """
    _check_freq(freq)
    min_docs = _check_min_docs(min_docs)
    rolling_days = _check_rolling(rolling_days, freq)
    _check_boot(ci, n_boot, seed)
    frame = article_tone_or_sentences
    if "compound" in frame.columns:
        arts = article_tone(
            frame, documents=documents, pos_threshold=pos_threshold, neg_threshold=neg_threshold
        )
    else:
        cols = ["doc_id", "mean_compound", "n_sentences", "n_negative", "n_positive"]
        arts = _with_dates(frame, documents, cols, "article tone")
    arts, n_undated, n_outside, start_ts, end_ts = _split_dated(arts, start, end)
    arts = arts.sort_values(["date", "doc_id"], kind="stable").reset_index(drop=True)

    stats = ["mean", "median", "share_negative", "share_positive"]
    columns = _stat_columns(["period", "n_days", "window_days", "n_articles", "n_sentences"], stats)
    attrs = _attrs(
        freq,
        start_ts,
        end_ts,
        n_undated,
        n_outside,
        min_docs=min_docs,
        rolling_days=rolling_days,
        ci=ci,
        n_boot=n_boot,
        seed=seed,
    )
    if start_ts is None:
        return _empty_result(columns, attrs)

    calendar = _calendar(start_ts, end_ts, freq)
    dates = arts["date"].to_numpy(dtype=_NS)
    lo, hi = _windows(dates, calendar, freq, rolling_days)
    m = arts["mean_compound"].to_numpy(dtype="float64")
    ns = arts["n_sentences"].to_numpy(dtype="float64")
    nneg = arts["n_negative"].to_numpy(dtype="float64")
    npos = arts["n_positive"].to_numpy(dtype="float64")

    rows = []
    for p, a, b in zip(calendar, lo, hi, strict=True):
        n = int(b - a)
        row = dict.fromkeys(columns[5:-1], np.nan)
        row.update(n_articles=n, n_sentences=int(ns[a:b].sum()), masked=n < min_docs)
        if n >= min_docs:
            mm, s, neg, pos = m[a:b], ns[a:b], nneg[a:b], npos[a:b]
            row.update(
                mean=float(mm.mean()),
                median=float(np.median(mm)),
                share_negative=float(neg.sum() / s.sum()),
                share_positive=float(pos.sum() / s.sum()),
            )
            if n_boot:
                boot = {k: [] for k in stats}
                for idx in _boot_rows(_rng(seed, p), n, n_boot):
                    draw = mm[idx]
                    denom = s[idx].sum(axis=1)
                    boot["mean"].append(draw.mean(axis=1))
                    boot["median"].append(np.median(draw, axis=1))
                    boot["share_negative"].append(neg[idx].sum(axis=1) / denom)
                    boot["share_positive"].append(pos[idx].sum(axis=1) / denom)
                for k in stats:
                    row[f"{k}_lo"], row[f"{k}_hi"] = _percentiles(np.concatenate(boot[k]), ci)
        rows.append(row)

    out = pd.DataFrame(rows)
    out.insert(0, "period", calendar)
    out.insert(1, "n_days", _days_in_window(calendar, start_ts, end_ts, freq))
    since = (calendar - start_ts).days.to_numpy()
    out.insert(2, "window_days", np.minimum(rolling_days, since + 1).astype("int64"))
    return _typed_result(out[columns], attrs)


def event_tone_by_period(
    sentences_with_compound: pd.DataFrame,
    events: pd.DataFrame,
    *,
    documents: pd.DataFrame | None = None,
    freq: str = "D",
    start: Any = None,
    end: Any = None,
    events_subset: Sequence[str] | None = None,
    min_docs: int = 1,
    rolling_days: int = 1,
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    neg_threshold: float = config.NEG_THRESHOLD,
) -> pd.DataFrame:
    """Tone of the sentences that mention each event, per calendar period.

    Parameters
    ----------
    sentences_with_compound
        One row per sentence: ``doc_id``, ``sent_idx``, ``compound`` and ``date`` (or pass
        ``documents`` with ``doc_id``, ``date``). Undated sentences are left out and their
        articles counted in ``attrs["n_undated"]``.
    events
        One row per (sentence, event) hit: ``doc_id``, ``sent_idx``, ``event``.
    freq, start, end, events_subset, rolling_days
        As in :func:`event_counts` / :func:`normalize_counts`. The calendar defaults to the range
        of dated sentences.
    min_docs
        A (period, event) is masked when fewer than ``min_docs`` articles mention the event.
    ci, n_boot, seed
        Bootstrap over the articles mentioning the event (a cluster bootstrap: an article's
        sentences are resampled together), seeded from ``(seed, period, event id)``.
    neg_threshold
        Sentences with ``compound <= neg_threshold`` count as negative.

    Returns
    -------
    pandas.DataFrame
        One row per (period, event): ``period``, ``event``, ``n_articles`` (articles mentioning
        the event), ``n_sentences`` (sentences mentioning it), ``mean`` (mean compound of those
        sentences, -1..1, each sentence weighs the same), ``mean_lo``, ``mean_hi``,
        ``share_negative`` (fraction 0-1 of those sentences that are negative),
        ``share_negative_lo``, ``share_negative_hi``, ``masked``.
    """
    _check_freq(freq)
    min_docs = _check_min_docs(min_docs)
    rolling_days = _check_rolling(rolling_days, freq)
    _check_boot(ci, n_boot, seed)
    _require(events, ["doc_id", "sent_idx", "event"], "events")
    sent = _with_dates(
        sentences_with_compound, documents, ["doc_id", "sent_idx", "compound"], "sentences"
    )
    sent = sent[["doc_id", "sent_idx", "compound", "date"]].drop_duplicates(["doc_id", "sent_idx"])
    compound = pd.to_numeric(sent["compound"], errors="coerce")
    if compound.isna().any():
        raise ValueError(f"{int(compound.isna().sum())} sentence(s) have no numeric compound")
    sent = sent.assign(compound=compound.astype("float64"))

    per_doc = sent.drop_duplicates("doc_id")[["doc_id", "date"]]
    dated, n_undated, n_outside, start_ts, end_ts = _split_dated(per_doc, start, end)

    hits = events[["doc_id", "sent_idx", "event"]].drop_duplicates()
    joined = hits.merge(sent, on=["doc_id", "sent_idx"], how="left", indicator=True)
    if (joined["_merge"] == "left_only").any():
        bad = joined.loc[joined["_merge"] == "left_only"].iloc[0]
        raise ValueError(
            f"event hits refer to sentences without a compound score, e.g. "
            f"doc_id={bad['doc_id']!r} sent_idx={bad['sent_idx']!r}"
        )
    order = _event_order(hits["event"], events_subset)
    joined = joined.loc[joined["doc_id"].isin(dated["doc_id"])]
    joined = joined.assign(event=joined["event"].astype(str))
    joined = joined.loc[joined["event"].isin(order)]
    joined = joined.assign(
        date=_as_dates(joined["date"]).to_numpy(),
        neg=(joined["compound"] <= neg_threshold).astype("float64"),
    )
    # One unit per (event, article): the bootstrap resamples these.
    units = (
        joined.groupby(["event", "doc_id"], sort=False)
        .agg(
            date=("date", "first"),
            s=("compound", "sum"),
            n=("compound", "size"),
            neg=("neg", "sum"),
        )
        .reset_index()
    )

    stats = ["mean", "share_negative"]
    columns = _stat_columns(["period", "event", "n_articles", "n_sentences"], stats)
    attrs = _attrs(
        freq,
        start_ts,
        end_ts,
        n_undated,
        n_outside,
        min_docs=min_docs,
        rolling_days=rolling_days,
        ci=ci,
        n_boot=n_boot,
        seed=seed,
    )
    if start_ts is None:
        return _empty_result(columns, attrs, text_columns=("event",))

    calendar = _calendar(start_ts, end_ts, freq)
    rows = []
    for event in order:
        ev = units.loc[units["event"] == event].sort_values(["date", "doc_id"], kind="stable")
        dates = ev["date"].to_numpy(dtype=_NS)
        ssum = ev["s"].to_numpy(dtype="float64")
        nsent = ev["n"].to_numpy(dtype="float64")
        nneg = ev["neg"].to_numpy(dtype="float64")
        lo, hi = _windows(dates, calendar, freq, rolling_days)
        tag = zlib.crc32(event.encode("utf-8"))
        for p, a, b in zip(calendar, lo, hi, strict=True):
            n = int(b - a)
            row = {"period": p, "event": event, "n_articles": n}
            row.update(dict.fromkeys(columns[4:-1], np.nan))
            row.update(n_sentences=int(nsent[a:b].sum()), masked=n < min_docs)
            if n >= min_docs:
                s_, n_, g_ = ssum[a:b], nsent[a:b], nneg[a:b]
                row.update(
                    mean=float(s_.sum() / n_.sum()), share_negative=float(g_.sum() / n_.sum())
                )
                if n_boot:
                    b_mean, b_neg = [], []
                    for idx in _boot_rows(_rng(seed, p, tag), n, n_boot):
                        denom = n_[idx].sum(axis=1)
                        b_mean.append(s_[idx].sum(axis=1) / denom)
                        b_neg.append(g_[idx].sum(axis=1) / denom)
                    row["mean_lo"], row["mean_hi"] = _percentiles(np.concatenate(b_mean), ci)
                    lo_, hi_ = _percentiles(np.concatenate(b_neg), ci)
                    row["share_negative_lo"], row["share_negative_hi"] = lo_, hi_
            rows.append(row)

    out = pd.DataFrame(rows, columns=columns)
    out["period"] = out["period"].astype(_NS)
    out["event"] = out["event"].astype("str")
    out = out.sort_values("period", kind="stable").reset_index(drop=True)
    return _typed_result(out, attrs)


# ---------------------------------------------------------------------------------------------
# Captions


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def method_note(
    how: str,
    freq: str = "D",
    rolling_days: int = 1,
    min_docs: int = 1,
    *,
    n_undated: int = 0,
    ci: float | None = None,
    n_boot: int | None = None,
    neg_threshold: float = config.NEG_THRESHOLD,
) -> str:
    """One sentence stating how a plotted value was computed, for captions and table notes.

    Parameters
    ----------
    how
        ``"share"``, ``"per_1000_sentences"``, ``"count"`` (:func:`normalize_counts`), ``"tone"``
        (:func:`tone_by_period`) or ``"event_tone"`` (:func:`event_tone_by_period`).
    freq, rolling_days, min_docs
        The settings used.
    n_undated
        Articles left out for lack of a date (``result.attrs["n_undated"]``).
    ci, n_boot
        When given (tone), the interval is described.
    neg_threshold
        Shown in the tone note's definition of a negative sentence.

    Returns
    -------
    str
        E.g. "Share of each day's articles that mention the event at least once; trailing 3-day
        rolling window (sums of counts over the window, then divided); days with fewer than 5
        articles masked; 1 undated article not shown."
    """
    _check_freq(freq)
    rolling_days = _check_rolling(rolling_days, freq)
    min_docs = _check_min_docs(min_docs)
    each = f"each {_PERIOD_WORD[freq]}'s" if freq != "W" else "each week's (Monday to Sunday)"
    heads = {
        "share": f"Share of {each} articles that mention the event at least once",
        "per_1000_sentences": (
            f"Sentences that mention the event per 1,000 sentences of {each} articles"
        ),
        "count": f"Number of {each} articles that mention the event at least once",
        "tone": (
            f"Mean and median over {each} articles of the article's mean VADER compound score "
            f"(-1 to 1), and share of sentences that are negative (compound <= {neg_threshold:g})"
        ),
        "event_tone": (
            f"Mean VADER compound score (-1 to 1) of {each} sentences that mention the event"
        ),
    }
    if how not in heads:
        raise ValueError(f"how must be one of {tuple(heads)}, got {how!r}")
    parts = [heads[how]]
    if rolling_days > 1:
        how_pooled = {
            "count": "mean per day over the window",
            "tone": "articles pooled over the window",
            "event_tone": "sentences pooled over the window",
        }.get(how, "sums of counts over the window, then divided")
        parts.append(f"trailing {rolling_days}-day rolling window ({how_pooled})")
    if ci is not None and n_boot:
        parts.append(
            f"{ci:.0%} percentile bootstrap intervals resampling articles ({n_boot:,} resamples)"
        )
    unit = "windows" if rolling_days > 1 else _PERIOD_PLURAL[freq]
    mentioning = " mentioning the event" if how == "event_tone" else ""
    if min_docs > 1:
        parts.append(f"{unit} with fewer than {min_docs:,} articles{mentioning} masked")
    else:
        parts.append(f"{unit} without articles{mentioning} left blank")
    if n_undated:
        parts.append(f"{_plural(int(n_undated), 'undated article')} not shown")
    return "; ".join(parts) + "."


# ---------------------------------------------------------------------------------------------
# Key dates


class KeyDatesError(ValueError):
    """A key-dates file is unreadable or an entry is invalid.

    Attributes ``path`` and ``index`` (1-based entry number, None for file-level problems) say
    where.
    """

    def __init__(self, path: Path, problem: str, index: int | None = None) -> None:
        self.path = Path(path)
        self.index = index
        where = f"{self.path}" if index is None else f"{self.path}: entry {index}"
        super().__init__(f"{where}: {problem}")


class _NoTimestampLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings, so a bad date is reported with its entry."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_KEY_DATE_FIELDS = ("date", "label", "note", "source")


def load_key_dates(path: str | Path | None = None) -> pd.DataFrame:
    """Read a key-dates YAML file: dates to mark on time-series figures.

    The file is a YAML list; each entry is a mapping with ``date`` (``YYYY-MM-DD``, required),
    ``label`` (short text drawn on the figure, required), and optional ``note`` (one sentence
    of context) and ``source`` (where the date is documented)::

        - date: 2022-02-24
          label: Invasion begins
          note: Russia launches a full-scale invasion of Ukraine.
          source: Kremlin address, 24 Feb 2022

    Parameters
    ----------
    path
        The file; default :data:`helpers.config.DEFAULT_KEY_DATES`.

    Returns
    -------
    pandas.DataFrame
        One row per entry, sorted by date (file order among equal dates): ``date``
        (datetime64[ns]), ``label``, ``note``, ``source`` (str; "" when absent).

    Raises
    ------
    KeyDatesError
        Naming the file, the entry (counted from 1) and the problem: unreadable file or YAML,
        not a list, an entry that is not a mapping, unknown fields, a missing or invalid date,
        a missing or empty label, a note/source that is not text.
    """
    path = Path(config.DEFAULT_KEY_DATES if path is None else path).expanduser()
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyDatesError(path, f"cannot read file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise KeyDatesError(path, "file is not UTF-8 text") from None
    try:
        data = yaml.load(raw, Loader=_NoTimestampLoader)  # a SafeLoader subclass: no code execution
    except yaml.YAMLError as exc:
        raise KeyDatesError(path, f"invalid YAML: {exc}") from None
    if data is None:
        data = []
    if not isinstance(data, list):
        raise KeyDatesError(
            path, f"expected a list of entries (- date: ..., label: ...), got {type(data).__name__}"
        )

    rows = []
    for i, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            raise KeyDatesError(path, f"expected a mapping with date and label, got {entry!r}", i)
        unknown = sorted(str(k) for k in entry if k not in _KEY_DATE_FIELDS)
        if unknown:
            raise KeyDatesError(
                path, f"unknown field(s) {unknown}; allowed: {list(_KEY_DATE_FIELDS)}", i
            )
        if "date" not in entry or entry["date"] is None:
            raise KeyDatesError(path, "missing date (YYYY-MM-DD)", i)
        value = entry["date"]
        text = value if isinstance(value, str) else None
        if text is None or not _ISO_DAY.fullmatch(text.strip()):
            raise KeyDatesError(path, f"date {value!r} is not a YYYY-MM-DD date", i)
        try:
            day = dt.date.fromisoformat(text.strip())
        except ValueError as exc:
            raise KeyDatesError(path, f"date {value!r} is not a valid date ({exc})", i) from None
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            problem = "missing label" if label is None else f"label must be text, got {label!r}"
            raise KeyDatesError(path, problem, i)
        extras = {}
        for field in ("note", "source"):
            v = entry.get(field)
            if v is not None and not isinstance(v, str):
                raise KeyDatesError(path, f"{field} must be text, got {v!r}", i)
            extras[field] = (v or "").strip()
        rows.append({"date": day, "label": label.strip(), **extras})

    out = pd.DataFrame(rows, columns=list(_KEY_DATE_FIELDS))
    out["date"] = pd.to_datetime(out["date"]).astype(_NS)
    for field in ("label", "note", "source"):
        out[field] = out[field].astype("str")
    return out.sort_values("date", kind="stable").reset_index(drop=True)
