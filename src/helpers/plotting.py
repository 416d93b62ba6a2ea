"""Figures in one house style, saved with the data behind them.

The style is sized for papers: single-column (3.5 in) and double-column (7 in) widths, type that
stays readable at those sizes, the Okabe-Ito colour-blind-safe palette, TrueType fonts embedded in
PDF, 300 dpi PNG. :func:`save_figure` writes PNG, SVG and PDF plus the CSV behind the figure, and the
same inputs give byte-identical files (fixed SVG hash salt, no creation dates in the metadata).
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
    width: str | float = "double", height: float | None = None, *, nrows: int = 1, ncols: int = 1, **kwargs
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
        raise TypeError(f"save_figure({name!r}): data must be a DataFrame, got {type(data).__name__}")
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


def caption_markdown(caption: str, *, figure: str | None = None) -> str:
    """A caption as Markdown with any HTML in it escaped (labels may come from user files)."""
    text = html.escape(caption, quote=False)
    return f"**{html.escape(figure, quote=False)}.** {text}" if figure else text
