"""Figures in one house style, saved with the data behind them.

The style is sized for papers: single-column (3.5 in) and double-column (7 in) widths, type that
stays readable at those sizes, the Okabe-Ito colour-blind-safe palette, TrueType fonts embedded in
PDF, 300 dpi PNG. :func:`save_figure` writes PNG, SVG and PDF plus the CSV behind the figure, and
the same inputs give byte-identical files (fixed SVG hash salt, no creation dates in the metadata).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "SINGLE_COLUMN",
    "DOUBLE_COLUMN",
    "apply_style",
    "new_figure",
    "save_figure",
    "save_table",
    "publish",
    "show_table",
    "caption_markdown",
]

SINGLE_COLUMN = 3.5  # inches
DOUBLE_COLUMN = 7.0  # inches

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision
# deficiencies. Black is last so it is used only when the other seven are taken.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.03,
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.5,
    "axes.axisbelow": True,
    "lines.linewidth": 1.4,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "image.cmap": "cividis",  # perceptually uniform and colour-blind safe
    "pdf.fonttype": 42,  # embed TrueType, so text stays text and the fonts travel with the PDF
    "ps.fonttype": 42,
    "svg.fonttype": "path",  # glyphs as paths: the SVG looks the same without the font installed
    "svg.hashsalt": "helpers",  # SVG element ids are derived from this, not from a random salt
    "path.simplify": True,
}

# Creation dates would make every save differ; the software version is kept as provenance.
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


def apply_style() -> None:
    """Apply the house style to matplotlib's global rcParams (idempotent)."""
    mpl.rcParams.update(STYLE)


def new_figure(
    width: str | float = "double",
    height: float | None = None,
    *,
    nrows: int = 1,
    ncols: int = 1,
    **kwargs,
):
    """A figure and axes in the house style.

    Parameters
    ----------
    width
        ``"single"`` (3.5 in), ``"double"`` (7 in) or a width in inches.
    height
        Height in inches; default keeps a 0.55 aspect for one row.
    nrows, ncols, **kwargs
        Passed to :meth:`matplotlib.figure.Figure.subplots`.

    Returns
    -------
    (Figure, Axes or array of Axes)
    """
    apply_style()
    inches = {"single": SINGLE_COLUMN, "double": DOUBLE_COLUMN}.get(width, width)
    if not isinstance(inches, int | float):
        raise ValueError(f"width must be 'single', 'double' or inches, got {width!r}")
    if height is None:
        height = inches * 0.55 * max(1, nrows) ** 0.8
    # pyplot keeps the figure so the notebook's inline backend displays it; layout="constrained"
    # keeps labels inside the canvas at both widths.
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        nrows, ncols, figsize=(float(inches), float(height)), layout="constrained", **kwargs
    )
    return fig, axes


def _safe_name(name: str) -> str:
    if not name or any(ch in name for ch in "/\\") or name.startswith("."):
        raise ValueError(f"figure name must be a plain file stem, got {name!r}")
    return name


def save_figure(
    fig: Figure,
    name: str,
    *,
    data: pd.DataFrame,
    output_dir: str | Path | None,
    caption: str = "",
    formats: Iterable[str] = ("png", "svg", "pdf"),
) -> dict[str, Path]:
    """Write a figure and the data behind it, deterministically.

    Writes ``output_dir/figures/<name>.{png,svg,pdf}``, ``output_dir/data/<name>.csv`` (the rows the
    figure draws) and ``output_dir/figures/<name>.json`` (caption, size, data file). With
    ``output_dir=None`` nothing is written: the notebook only shows the figure.

    Parameters
    ----------
    fig
        The figure to save.
    name
        File stem, e.g. ``"event_share_by_day"``.
    data
        The data behind the figure, saved as CSV without the index (reset it first if it matters).
    output_dir
        Report folder, or None to save nothing.
    caption
        The figure's caption; should state the method (normalisation, window, CI).
    formats
        Any of ``png`` (300 dpi), ``svg``, ``pdf`` (fonts embedded).

    Returns
    -------
    dict
        Format (``png``, ``svg``, ``pdf``, ``csv``, ``json``) to the path written.
    """
    name = _safe_name(name)
    if output_dir is None:
        return {}
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"save_figure({name!r}): data must be a DataFrame, got {type(data).__name__}"
        )
    apply_style()
    out = Path(output_dir)
    figures, tables = out / "figures", out / "data"
    figures.mkdir(parents=True, exist_ok=True)
    tables.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in formats:
        if fmt not in _METADATA:
            raise ValueError(f"save_figure({name!r}): unknown format {fmt!r}; use png, svg or pdf")
        path = figures / f"{name}.{fmt}"
        fig.savefig(path, format=fmt, metadata=_METADATA[fmt])
        written[fmt] = path
    csv_path = tables / f"{name}.csv"
    data.to_csv(csv_path, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    written["csv"] = csv_path
    width, height = (round(float(v), 3) for v in fig.get_size_inches())
    meta = {
        "name": name,
        "caption": caption,
        "width_in": width,
        "height_in": height,
        "data": f"data/{name}.csv",
        "files": [f"figures/{name}.{fmt}" for fmt in formats],
    }
    json_path = figures / f"{name}.json"
    json_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written["json"] = json_path
    return written


def save_table(table: pd.DataFrame, name: str, *, output_dir: str | Path | None) -> Path | None:
    """Write a table a report shows (not behind a figure) to ``output_dir/data/<name>.csv``."""
    name = _safe_name(name)
    if output_dir is None:
        return None
    path = Path(output_dir) / "data" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    return path


def publish(
    fig: Figure,
    name: str,
    *,
    data: pd.DataFrame,
    output_dir: str | Path | None,
    caption: str,
) -> None:
    """Save a figure with its data (:func:`save_figure`) and show its caption under it.

    The notebook call for every figure: the figure itself is displayed by the inline backend at
    the end of the cell, the caption (escaped Markdown) right after it. Returns None so nothing
    else is printed into the report.
    """
    from IPython.display import Markdown, display

    save_figure(fig, name, data=data, output_dir=output_dir, caption=caption)
    display(fig)
    display(Markdown(caption_markdown(caption)))
    import matplotlib.pyplot as plt

    plt.close(fig)  # shown once, here, not again by the inline backend at the end of the cell


def show_table(table: pd.DataFrame, *, max_colwidth: int = 400) -> None:
    """Display a table of corpus text without pandas' default 50-character cut.

    The text stays escaped: pandas' HTML writer escapes cell contents by default.
    """
    from IPython.display import display

    with pd.option_context("display.max_colwidth", max_colwidth, "display.max_rows", 200):
        display(table)


def caption_markdown(caption: str, *, figure: str | None = None) -> str:
    """A caption as Markdown with any HTML in it escaped (labels may come from user files)."""
    text = html.escape(caption, quote=False)
    return f"**{html.escape(figure, quote=False)}.** {text}" if figure else text


# --------------------------------------------------------------------------------------------
# Charts. Each takes an aggregated frame (built in helpers.timeseries / helpers.sentiment) and
# returns the Figure; the notebook shows it and passes the same frame to save_figure.
# --------------------------------------------------------------------------------------------

_MASKED_COLOUR = "#f0f0f0"


def _date_axis(ax, periods: pd.Series, freq: str, counts: pd.Series | None = None) -> None:
    """Readable date ticks whether there are 2 periods or 2,000.

    With few periods every period is labelled, with its article count under the date when
    ``counts`` is given.
    """
    import matplotlib.dates as mdates

    n = len(periods)
    if n <= 14:
        fmt = {"D": "%d %b\n%Y", "W": "wk of\n%d %b %Y", "M": "%b\n%Y"}[freq]
        labels = [pd.Timestamp(p).strftime(fmt) for p in periods]
        if counts is not None:
            labels = [f"{lab}\nn = {int(c)}" for lab, c in zip(labels, counts, strict=True)]
        ax.set_xticks(list(periods), labels)
    else:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _period_halfwidth(freq: str) -> pd.Timedelta:
    return {"D": pd.Timedelta(hours=12), "W": pd.Timedelta(days=3.5), "M": pd.Timedelta(days=15)}[
        freq
    ]


def _mark_key_dates(
    ax, key_dates: pd.DataFrame | None, lo: pd.Timestamp, hi: pd.Timestamp, *, labelled: bool = True
) -> tuple[list[str], int]:
    """Dashed lines at the key dates inside [lo, hi], numbered at the top of the axes.

    Numbers rather than text labels: labels of dates a day apart would overprint each other.
    Returns the key ("(1) 24 Feb 2022 Invasion begins", ...) for :func:`_key_dates_note` and
    how many rows of numbers were stacked (0 when none were drawn), for the title's padding.
    """
    if key_dates is None or key_dates.empty:
        return [], 0
    inside = key_dates[(key_dates["date"] >= lo) & (key_dates["date"] <= hi)]
    key = []
    span = (hi - lo) / pd.Timedelta(days=1) or 1.0
    last_x, level, rows = -1.0, 0, 0
    for i, row in enumerate(inside.itertuples(index=False), start=1):
        ax.axvline(row.date, color="#555555", linewidth=0.7, linestyle=(0, (2, 2)), zorder=1)
        key.append(f"({i}) {pd.Timestamp(row.date):%d %b %Y} {row.label}")
        # Numbers of dates closer than 3% of the axis apart are stacked, not overprinted.
        x = (row.date - lo) / pd.Timedelta(days=1) / span
        level = level + 1 if x - last_x < 0.03 and level < 2 else 0
        last_x = x
        rows = max(rows, level + 1)
        if labelled:
            ax.annotate(
                str(i),
                xy=(row.date, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 1 + 9 * level),
                textcoords="offset points",
                fontsize=6,
                ha="center",
                va="bottom",
                bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "#555555", "lw": 0.6},
            )
    return key, rows if labelled else 0


def _key_dates_note(fig: Figure, key: list[str]) -> None:
    if key:
        fig.supxlabel("Key dates: " + "; ".join(key), fontsize=6, color="#333333", wrap=True)


def _count_strip(ax, periods: pd.Series, counts: pd.Series, freq: str, label: str) -> None:
    """Bars of how many articles each period rests on, beneath a rate or tone panel."""
    width = 2 * _period_halfwidth(freq) * 0.8
    ax.bar(periods, counts, width=width, color="#999999")
    ax.set_ylabel(label)
    ax.grid(axis="x", visible=False)
    if len(periods) <= 14:
        for x, y in zip(periods, counts, strict=True):
            ax.annotate(
                f"{int(y)}",
                (x, y),
                xytext=(0, 1),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6,
            )
    ax.set_ylim(0, max(1, float(counts.max() if len(counts) else 1)) * 1.3)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))


def plot_articles_per_period(per_period: pd.DataFrame, *, freq: str, title: str = "") -> Figure:
    """Bar chart of dated articles per period.

    ``per_period``: one row per calendar period, columns ``period`` (period start) and
    ``n_articles``.
    """
    fig, ax = new_figure("double", 2.2)
    _count_strip(ax, per_period["period"], per_period["n_articles"], freq, "articles")
    _date_axis(ax, per_period["period"], freq)
    ax.set_title(title or "Articles per period")
    return fig


def plot_length_distribution(documents: pd.DataFrame, *, column: str = "n_words") -> Figure:
    """Article lengths: every article as a dot for small corpora, a histogram for large ones.

    ``documents``: one row per article with a numeric ``column`` (default ``n_words``).
    """
    fig, ax = new_figure("single", 1.9)
    values = documents[column].astype(float)
    if len(values) <= 50:
        ax.scatter(values, [0] * len(values), s=18, color=PALETTE[0], alpha=0.8, zorder=3)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        ax.set_xlim(0, max(values.max() * 1.1, 1))
    else:
        ax.hist(values, bins=min(60, max(10, len(values) // 50)), color=PALETTE[0])
        ax.set_ylabel("articles")
    ax.set_xlabel(column.replace("n_", "").replace("_", " ") + " per article")
    ax.set_title(f"Article length (n = {len(values)})")
    return fig


def plot_top_terms(terms: pd.DataFrame, *, title: str = "Most frequent terms") -> Figure:
    """Horizontal bars of term counts.

    ``terms``: one row per term, columns ``term`` and ``count``, most frequent first.
    """
    height = 0.6 + 0.16 * len(terms)
    fig, ax = new_figure("single", height)
    ordered = terms.iloc[::-1]
    ax.barh(ordered["term"].astype(str), ordered["count"], color=PALETTE[0])
    ax.set_xlabel("occurrences (stop words and numbers excluded)")
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    return fig


def plot_event_heatmap(
    values: pd.DataFrame, *, freq: str, labels: dict[str, str], value_label: str, title: str = ""
) -> Figure:
    """Event mix over time: events (rows) by periods (columns), masked periods in grey.

    ``values``: long frame, one row per (period, event), columns ``period``, ``event``, ``value``
    (NaN where masked). Event order follows first appearance in ``values``.
    """
    import matplotlib.dates as mdates
    import numpy as np

    events = list(dict.fromkeys(values["event"]))
    grid = values.pivot(index="event", columns="period", values="value").reindex(events)
    periods = pd.Series(grid.columns)
    half = _period_halfwidth(freq)
    edges = [p - half for p in periods] + [periods.iloc[-1] + half]
    x = mdates.date2num(pd.to_datetime(edges))
    fig, ax = new_figure("double", 0.9 + 0.2 * len(events))
    ax.set_facecolor(_MASKED_COLOUR)
    data = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    finite = data.compressed()
    vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    mesh = ax.pcolormesh(x, np.arange(len(events) + 1), data, cmap="cividis", vmin=0, vmax=vmax)
    if len(periods) <= 10 and len(events) <= 20:
        for i in range(len(events)):
            for j in range(len(periods)):
                if data.mask is not np.ma.nomask and data.mask[i, j]:
                    continue
                v = float(data[i, j])
                text = f"{v:.0%}" if value_label.startswith("share") else f"{v:.3g}"
                ax.text(
                    (x[j] + x[j + 1]) / 2,
                    i + 0.5,
                    text,
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if v < 0.6 * vmax else "black",
                )
    ax.set_yticks(np.arange(len(events)) + 0.5, [labels.get(e, e) for e in events])
    ax.invert_yaxis()
    ax.grid(False)
    ax.xaxis_date()
    if "total_articles" in values.columns:
        totals = values.drop_duplicates("period").set_index("period")["total_articles"]
        _date_axis(ax, periods, freq, counts=totals.reindex(periods).to_numpy())
    else:
        _date_axis(ax, periods, freq)
    cbar = fig.colorbar(mesh, ax=ax, pad=0.01, fraction=0.04)
    cbar.set_label(value_label)
    if value_label.startswith("share"):
        from matplotlib.ticker import PercentFormatter

        cbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title(title or "Event mix over time")
    return fig


def _x_range(
    periods: pd.Series, freq: str, key_dates: pd.DataFrame | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The data's periods plus half a period each side, widened to show key dates close by.

    A key date up to two days (daily data), two weeks (weekly) or a month (monthly) outside
    the data is brought into view, so the event that frames the coverage is on the chart; the
    calendar itself is not extended, so no zero-article days are invented.
    """
    half = _period_halfwidth(freq)
    lo, hi = periods.min() - half, periods.max() + half
    if key_dates is not None and not key_dates.empty:
        reach = {"D": pd.Timedelta(days=2), "W": pd.Timedelta(days=14), "M": pd.Timedelta(days=31)}
        near = key_dates["date"][
            (key_dates["date"] >= lo - reach[freq]) & (key_dates["date"] <= hi + reach[freq])
        ]
        if len(near):
            lo, hi = min(lo, near.min() - half), max(hi, near.max() + half)
    return lo, hi


def plot_event_lines(
    values: pd.DataFrame,
    *,
    freq: str,
    labels: dict[str, str],
    value_label: str,
    key_dates: pd.DataFrame | None = None,
    title: str = "",
) -> Figure:
    """One small panel per event (shared axes), key dates marked, article counts beneath.

    Small multiples rather than overlaid lines: with few articles many events share the same
    value, and overlaid lines would hide each other.

    ``values``: long frame, one row per (period, event): ``period``, ``event``, ``value`` (NaN
    where masked) and ``total_articles``.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    apply_style()
    events = list(dict.fromkeys(values["event"]))
    ncols = 2 if len(events) > 3 else 1
    nrows = -(-len(events) // ncols)
    fig = plt.figure(figsize=(DOUBLE_COLUMN, 0.5 + 1.15 * nrows + 0.7), layout="constrained")
    grid = fig.add_gridspec(nrows + 1, ncols, height_ratios=[3] * nrows + [1.2])
    totals = values.drop_duplicates("period")[["period", "total_articles"]]
    lo, hi = _x_range(totals["period"], freq, key_dates)
    few = len(totals) <= 14
    share = value_label.startswith("share")
    top = float(np.nanmax(values["value"])) if values["value"].notna().any() else 1.0
    first = None
    for i, event in enumerate(events):
        row, col = divmod(i, ncols)
        ax = fig.add_subplot(grid[row, col], sharex=first, sharey=first)
        first = first or ax
        rows = values[values["event"] == event]
        ax.plot(
            rows["period"],
            rows["value"],
            marker="o" if few else None,
            markersize=3.5,
            color=PALETTE[0],
        )
        key, stacked = _mark_key_dates(ax, key_dates, lo, hi, labelled=row == 0)
        ax.set_title(labels.get(event, event), loc="left", fontsize=7.5, pad=4 + 9 * stacked)
        ax.tick_params(labelbottom=False)
        if share:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.set_ylim(-0.05, 1.05)
        else:
            ax.set_ylim(0, top * 1.15 if top > 0 else 1)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=3))
        if col == 0:
            ax.set_ylabel(value_label if nrows == 1 else "")
    for col in range(ncols):
        ax_n = fig.add_subplot(grid[nrows, col], sharex=first)
        _count_strip(ax_n, totals["period"], totals["total_articles"], freq, "articles")
        _date_axis(ax_n, totals["period"], freq)
    first.set_xlim(lo, hi)
    if nrows > 1:
        fig.supylabel(value_label, fontsize=8)
    _key_dates_note(fig, key)
    fig.suptitle(title or "Coverage of the most mentioned events", fontsize=9)
    return fig


def plot_event_tone(
    tone: pd.DataFrame,
    *,
    freq: str,
    labels: dict[str, str],
    ci: float,
    key_dates: pd.DataFrame | None = None,
    title: str = "",
) -> Figure:
    """Tone of the sentences mentioning each event, per period: one small panel per event.

    ``tone``: one row per (period, event): ``period``, ``event``, ``mean``, ``mean_lo``,
    ``mean_hi`` (NaN where masked) and ``n_articles`` (articles mentioning the event). Few
    periods are drawn as points with interval bars, many as a line in its interval band.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    apply_style()
    events = list(dict.fromkeys(tone["event"]))
    ncols = 2 if len(events) > 3 else 1
    nrows = -(-len(events) // ncols)
    fig = plt.figure(figsize=(DOUBLE_COLUMN, 0.6 + 1.25 * nrows), layout="constrained")
    grid = fig.add_gridspec(nrows, ncols)
    periods = pd.Series(sorted(tone["period"].unique()))
    lo, hi = _x_range(periods, freq, key_dates)
    few = len(periods) <= 14
    first, key = None, []
    for i, event in enumerate(events):
        row, col = divmod(i, ncols)
        ax = fig.add_subplot(grid[row, col], sharex=first, sharey=first)
        first = first or ax
        rows = tone[tone["event"] == event]
        ax.axhline(0, color="#777777", linewidth=0.6)
        if few:
            err = [rows["mean"] - rows["mean_lo"], rows["mean_hi"] - rows["mean"]]
            ax.errorbar(
                rows["period"],
                rows["mean"],
                yerr=err,
                fmt="o",
                color=PALETTE[0],
                capsize=2.5,
                markersize=3.5,
            )
            for x, y, n in zip(rows["period"], rows["mean"], rows["n_articles"], strict=True):
                if n and pd.notna(y):
                    ax.annotate(
                        f"n={int(n)}",
                        (x, y),
                        xytext=(4, 0),
                        textcoords="offset points",
                        fontsize=5.5,
                        va="center",
                        color="#555555",
                    )
        else:
            ax.fill_between(
                rows["period"],
                rows["mean_lo"],
                rows["mean_hi"],
                color=PALETTE[5],
                alpha=0.35,
                linewidth=0,
            )
            ax.plot(rows["period"], rows["mean"], color=PALETTE[0])
        key, stacked = _mark_key_dates(ax, key_dates, lo, hi, labelled=row == 0)
        ax.set_title(labels.get(event, event), loc="left", fontsize=7.5, pad=4 + 9 * stacked)
        ax.set_ylim(-1.05, 1.05)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=3))
        if row == nrows - 1 or i + ncols >= len(events):
            _date_axis(ax, periods, freq)
        else:
            ax.tick_params(labelbottom=False)
    first.set_xlim(lo, hi)
    fig.supylabel(f"mean sentence compound ({ci:.0%} CI)", fontsize=8)
    _key_dates_note(fig, key)
    fig.suptitle(title or "Tone of the sentences mentioning each event, over time", fontsize=9)
    return fig


def plot_article_event_matrix(
    matrix: pd.DataFrame, *, labels: dict[str, str], row_labels: pd.Series, max_labelled: int = 60
) -> Figure:
    """Which article mentions which event.

    ``matrix``: one row per article (in the order to draw, usually by date), one column per event,
    values = sentences mentioning the event. Up to ``max_labelled`` articles each get a labelled
    row with its counts written in; beyond that the rows become a raster sorted as given, where
    dark bands show when an event is discussed (a barcode, not a smear of labels).
    """
    import numpy as np

    n_docs, n_events = matrix.shape
    values = matrix.to_numpy(dtype=float)
    if n_docs <= max_labelled:
        # Room for the rotated event labels beneath, plus a row per article.
        fig, ax = new_figure("double", 1.9 + 0.22 * n_docs)
        shown = np.ma.masked_equal(values, 0)
        ax.set_facecolor("white")
        ax.pcolormesh(
            np.arange(n_events + 1),
            np.arange(n_docs + 1),
            shown,
            cmap="cividis_r",
            vmin=0,
            vmax=max(1.0, float(values.max())),
            edgecolors="#cccccc",
            linewidth=0.3,
        )
        for i in range(n_docs):
            for j in range(n_events):
                if values[i, j]:
                    ax.text(
                        j + 0.5,
                        i + 0.5,
                        f"{int(values[i, j])}",
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if values[i, j] > values.max() / 2 else "black",
                    )
        ax.set_yticks(np.arange(n_docs) + 0.5, list(row_labels))
        ax.set_title("Sentences mentioning each event type, per article")
    else:
        # Too many rows to draw one by one: consecutive articles (in the order given) are pooled
        # into at most 300 bands and each cell shows the share of the band's articles that
        # mention the event, drawn without interpolation so columns stay distinct.
        n_bands = min(300, n_docs)
        edges = np.linspace(0, n_docs, n_bands + 1).round().astype(int)
        present = (values > 0).astype(float)
        bands = np.add.reduceat(present, edges[:-1], axis=0) / np.diff(edges)[:, None]
        fig, ax = new_figure("double", 4.8)
        image = ax.imshow(
            bands,
            aspect="auto",
            interpolation="nearest",
            cmap="cividis",
            vmin=0,
            vmax=1,
            extent=(0, n_events, n_docs, 0),
        )
        step = max(1, n_docs // 8)
        ticks = np.arange(0, n_docs, step)
        dates = [str(label).split(" · ")[0] for label in row_labels.iloc[ticks]]
        ax.set_yticks(ticks + 0.5, dates)
        ax.set_ylabel("articles in the order given (usually by date)")
        cbar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
        cbar.set_label("share of the band's articles mentioning")
        ax.set_title(
            f"Articles (n = {n_docs}, {n_bands} bands of about {n_docs / n_bands:.0f}) "
            "mentioning each event type"
        )
        ax.invert_yaxis()  # undone below: the earliest articles stay at the top
    ax.set_xticks(
        np.arange(n_events) + 0.5,
        [labels.get(e, e) for e in matrix.columns],
        rotation=45,
        ha="right",
    )
    ax.invert_yaxis()
    ax.grid(False)
    return fig


def plot_tone(
    tone: pd.DataFrame,
    *,
    freq: str,
    ci: float,
    key_dates: pd.DataFrame | None = None,
    title: str = "",
) -> Figure:
    """Mean tone per period with its bootstrap interval, article counts beneath.

    ``tone``: one row per period: ``period``, ``n_articles``, ``mean``, ``mean_lo``, ``mean_hi``,
    ``median`` (NaN where masked).
    """
    fig, (ax, ax_n) = new_figure(
        "double", 3.2, nrows=2, sharex=True, gridspec_kw={"height_ratios": [4, 1]}
    )
    few = len(tone) <= 14
    ax.axhline(0, color="#777777", linewidth=0.6)
    if few:
        err = [tone["mean"] - tone["mean_lo"], tone["mean_hi"] - tone["mean"]]
        ax.errorbar(
            tone["period"],
            tone["mean"],
            yerr=err,
            fmt="o-",
            color=PALETTE[0],
            capsize=3,
            markersize=4,
            label=f"mean of article tone ({ci:.0%} CI)",
        )
    else:
        ax.fill_between(
            tone["period"],
            tone["mean_lo"],
            tone["mean_hi"],
            color=PALETTE[5],
            alpha=0.35,
            linewidth=0,
            label=f"{ci:.0%} bootstrap CI",
        )
        ax.plot(tone["period"], tone["mean"], color=PALETTE[0], label="mean of article tone")
    ax.plot(
        tone["period"],
        tone["median"],
        linestyle=(0, (3, 2)),
        color=PALETTE[1],
        marker="s" if few else None,
        markersize=3,
        label="median",
    )
    ax.set_ylabel("VADER compound")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)
    # At least +-0.25 around zero: an autoscaled axis would blow a 0.1 difference up to full height.
    shown = pd.concat([tone["mean_lo"], tone["mean_hi"], tone["median"]]).dropna()
    low = min(-0.25, float(shown.min()) - 0.05) if len(shown) else -0.25
    high = max(0.25, float(shown.max()) + 0.05) if len(shown) else 0.25
    ax.set_ylim(max(-1.02, low), min(1.02, high))
    lo, hi = _x_range(tone["period"], freq, key_dates)
    key, stacked = _mark_key_dates(ax, key_dates, lo, hi)
    _key_dates_note(fig, key)
    _count_strip(ax_n, tone["period"], tone["n_articles"], freq, "articles")
    _date_axis(ax_n, tone["period"], freq)
    ax.set_xlim(lo, hi)
    ax.set_title(title or "Tone of coverage over time", pad=4 + 9 * stacked)
    return fig


def plot_score_distribution(sentences: pd.DataFrame, *, freq: str, title: str = "") -> Figure:
    """Distribution of sentence compound scores per period.

    ``sentences``: one row per sentence with ``period`` and ``compound``. Box plots (whiskers at
    the 5th and 95th percentiles) with every sentence drawn as a dot when there are few; quantile
    bands (10-90, 25-75, median) when there are more than 31 periods.
    """
    import numpy as np

    periods = sorted(sentences["period"].unique())
    fig, ax = new_figure("double", 2.6)
    ax.axhline(0, color="#777777", linewidth=0.6)
    if len(periods) <= 31:
        groups = [sentences.loc[sentences["period"] == p, "compound"].to_numpy() for p in periods]
        positions = np.arange(len(periods))
        ax.boxplot(
            groups,
            positions=positions,
            widths=0.5,
            whis=(5, 95),
            showfliers=False,
            medianprops={"color": PALETTE[3]},
        )
        if sum(len(g) for g in groups) <= 3000:
            rng = np.random.default_rng(0)  # fixed jitter: the figure is the same on every run
            for pos, g in zip(positions, groups, strict=True):
                ax.scatter(
                    pos + rng.uniform(-0.18, 0.18, len(g)),
                    g,
                    s=4,
                    alpha=0.45,
                    color=PALETTE[0],
                    linewidth=0,
                )
        fmt = {"D": "%d %b %Y", "W": "wk %d %b %Y", "M": "%b %Y"}[freq]
        ax.set_xticks(positions, [pd.Timestamp(p).strftime(fmt) for p in periods])
        counts = [len(g) for g in groups]
        for pos, n in zip(positions, counts, strict=True):
            ax.annotate(
                f"n={n}",
                (pos, -1.0),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=6,
                color="#555555",
            )
    else:
        q = sentences.groupby("period")["compound"].quantile([0.1, 0.25, 0.5, 0.75, 0.9]).unstack()
        ax.fill_between(
            q.index,
            q[0.1],
            q[0.9],
            color=PALETTE[5],
            alpha=0.25,
            linewidth=0,
            label="10th-90th percentile",
        )
        ax.fill_between(
            q.index,
            q[0.25],
            q[0.75],
            color=PALETTE[5],
            alpha=0.5,
            linewidth=0,
            label="25th-75th percentile",
        )
        ax.plot(q.index, q[0.5], color=PALETTE[0], label="median")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _date_axis(ax, pd.Series(q.index), freq)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("sentence compound")
    ax.set_title(title or "Distribution of sentence tone per period")
    return fig


def plot_tone_by_event(
    by_event: pd.DataFrame, *, labels: dict[str, str], title: str = ""
) -> Figure:
    """Mean compound of the sentences mentioning each event, with its interval.

    ``by_event``: one row per event: ``event``, ``n_sentences``, ``mean_compound`` and optional
    ``lo``/``hi`` interval bounds; drawn sorted by mean.
    """
    data = by_event.sort_values(["mean_compound", "event"], ascending=[False, True])
    fig, ax = new_figure("single", 0.7 + 0.2 * len(data))
    y = range(len(data))
    ax.axvline(0, color="#777777", linewidth=0.6)
    if {"lo", "hi"} <= set(data.columns):
        ax.hlines(list(y), data["lo"], data["hi"], color=PALETTE[5], linewidth=2)
    ax.plot(data["mean_compound"], list(y), "o", color=PALETTE[0], markersize=4)
    ax.set_yticks(
        list(y),
        [
            f"{labels.get(e, e)} (n={n})"
            for e, n in zip(data["event"], data["n_sentences"], strict=True)
        ],
    )
    ax.invert_yaxis()
    ax.set_xlim(-1, 1)
    ax.set_xlabel("mean sentence compound")
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "Tone of sentences mentioning each event")
    return fig


def plot_tone_trajectories(
    sentences: pd.DataFrame, *, titles: dict[str, str], window: int = 5, max_articles: int = 12
) -> Figure:
    """Sentence-by-sentence tone within each article (small multiples).

    ``sentences``: one row per sentence: ``doc_id``, ``sent_idx``, ``compound``. Bars are sentence
    scores (blue positive, vermillion negative); the line is a centred ``window``-sentence mean.
    At most ``max_articles`` articles are drawn, in the order given.
    """
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    doc_ids = list(dict.fromkeys(sentences["doc_id"]))[:max_articles]
    fig, axes = new_figure("double", 1.5 * len(doc_ids) + 0.3, nrows=len(doc_ids), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, doc_id in zip(axes, doc_ids, strict=True):
        rows = sentences[sentences["doc_id"] == doc_id].sort_values("sent_idx")
        colours = [PALETTE[0] if c >= 0 else PALETTE[3] for c in rows["compound"]]
        number = rows["sent_idx"] + 1
        ax.bar(number, rows["compound"], color=colours, width=0.8)
        smooth = rows["compound"].rolling(window, center=True, min_periods=1).mean()
        ax.plot(number, smooth, color="black", linewidth=1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.axhline(0, color="#777777", linewidth=0.5)
        ax.set_ylim(-1.05, 1.05)
        ax.set_title(titles.get(doc_id, doc_id), loc="left", fontsize=7)
        ax.set_ylabel("compound")
    axes[-1].set_xlabel("sentence number within the article")
    return fig
