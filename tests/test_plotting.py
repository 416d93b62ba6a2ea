"""House style and deterministic figure export."""

from __future__ import annotations

import hashlib
import json

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from helpers import plotting


def _digest(paths):
    return {fmt: hashlib.sha256(path.read_bytes()).hexdigest() for fmt, path in paths.items()}


def _figure():
    fig, ax = plotting.new_figure("single")
    ax.plot([0, 1, 2], [0.1, 0.5, 0.2], label="strike")
    ax.set_title("Share of articles")
    ax.legend()
    return fig


def test_save_figure_writes_every_format_and_the_data(tmp_path):
    data = pd.DataFrame({"day": pd.to_datetime(["2022-02-25", "2022-02-26"]), "share": [0.5, 1.0]})
    paths = plotting.save_figure(
        _figure(), "demo", data=data, output_dir=tmp_path, caption="Share."
    )
    assert set(paths) == {"png", "svg", "pdf", "csv", "json"}
    assert paths["csv"].read_text() == "day,share\n2022-02-25,0.5\n2022-02-26,1.0\n"
    meta = json.loads(paths["json"].read_text())
    assert meta["caption"] == "Share." and meta["width_in"] == pytest.approx(3.5)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"/FontFile2" in paths["pdf"].read_bytes()  # TrueType embedded (pdf.fonttype 42)


def test_same_inputs_give_byte_identical_files(tmp_path):
    data = pd.DataFrame({"x": [1, 2, 3]})
    first = _digest(plotting.save_figure(_figure(), "a", data=data, output_dir=tmp_path / "1"))
    second = _digest(plotting.save_figure(_figure(), "a", data=data, output_dir=tmp_path / "2"))
    assert first == second
    svg = (tmp_path / "1" / "figures" / "a.svg").read_text()
    assert "<dc:date>" not in svg


def test_no_output_dir_saves_nothing(tmp_path):
    assert plotting.save_figure(_figure(), "a", data=pd.DataFrame(), output_dir=None) == {}


@pytest.mark.parametrize("name", ["../escape", "", ".hidden", "a/b"])
def test_figure_names_must_be_plain_stems(tmp_path, name):
    with pytest.raises(ValueError, match="plain file stem"):
        plotting.save_figure(_figure(), name, data=pd.DataFrame(), output_dir=tmp_path)


def test_caption_markdown_escapes_html():
    assert plotting.caption_markdown("<img src=x onerror=alert(1)>") == (
        "&lt;img src=x onerror=alert(1)&gt;"
    )


def test_article_matrix_pools_thousands_of_articles_into_bands():
    import numpy as np

    rng = np.random.default_rng(0)
    matrix = pd.DataFrame(
        rng.integers(0, 2, size=(900, 3)), columns=["strike", "sanctions", "protest"]
    )
    labels = pd.Series([f"2022-03-{1 + i // 30:02d} · a{i}" for i in range(900)])
    fig = plotting.plot_article_event_matrix(matrix, labels={}, row_labels=labels)
    image = fig.axes[0].get_images()[0].get_array()
    assert image.shape == (300, 3)  # 300 bands of 3 articles, one column per event
    expected = (matrix.to_numpy()[:3] > 0).mean(axis=0)
    assert np.allclose(image[0], expected)


def test_key_dates_close_together_are_numbered_not_overprinted():
    fig, ax = plotting.new_figure("double")
    days = pd.to_datetime(["2022-01-01", "2022-06-30"])
    ax.plot(days, [0, 1])
    key_dates = pd.DataFrame(
        {
            "date": pd.to_datetime(["2022-02-24", "2022-02-26", "2022-06-01"]),
            "label": ["a", "b", "c"],
        }
    )
    key, stacked = plotting._mark_key_dates(ax, key_dates, days[0], days[1])
    assert key == ["(1) 24 Feb 2022 a", "(2) 26 Feb 2022 b", "(3) 01 Jun 2022 c"]
    assert stacked == 2  # 24 and 26 Feb are 1% of the axis apart: the second number sits above
