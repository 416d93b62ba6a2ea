"""The notebooks themselves, executed by plain papermill as a researcher would run them.

No helper runner here: ``papermill notebooks/X.ipynb out.ipynb -p ...`` from another directory,
on the seeds and on a CSV corpus with its own column names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import config

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[!_.]*.ipynb"))
WIRE_CSV = Path(__file__).parent / "fixtures" / "notebooks" / "wire_corpus.csv"

# Figures each notebook saves (the names are the files readers cite).
FIGURES = {
    "01_corpus_overview": {"articles_per_period", "article_length", "top_terms"},
    "02_event_frequency": {"event_mix", "event_lines", "article_event_matrix"},
    "03_sentiment_over_time": {
        "tone_over_time",
        "sentence_score_distribution",
        "tone_by_event",
        "event_tone_over_time",
        "tone_within_articles",
    },
}

pytestmark = pytest.mark.slow


def _papermill(
    notebook: Path, out_dir: Path, cwd: Path, *params: str, env: dict[str, str] | None = None
) -> nbformat.NotebookNode:
    executed = out_dir / notebook.name
    args = [sys.executable, "-m", "papermill", str(notebook), str(executed), "--no-progress-bar"]
    args += ["-p", "output_dir", str(out_dir)]
    for assignment in params:
        name, value = assignment.split("=", 1)
        args += ["-p", name, value]
    env = {**os.environ, **(env or {})}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, f"{notebook.name} failed:\n{result.stderr[-3000:]}"
    return nbformat.read(executed, as_version=4)


def _errors(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {i}: {output.get('ename')}: {output.get('evalue')}")
            if output.get("name") == "stderr" and "Warning" in output.get("text", ""):
                found.append(f"cell {i}: warning printed: {output['text'][:300]}")
    return found


def test_every_notebook_is_known_here():
    assert {nb.stem for nb in NOTEBOOKS} == set(FIGURES)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_seeds_from_another_directory(notebook, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    nb = _papermill(notebook, out, cwd=tmp_path)
    assert _errors(nb) == []
    for name in FIGURES[notebook.stem]:
        for ext in ("png", "svg", "pdf"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 1000, name
        assert (out / "data" / f"{name}.csv").exists(), name
        caption = json.loads((out / "figures" / f"{name}.json").read_text())["caption"]
        assert caption, f"{name} has no caption"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_a_csv_corpus_with_its_own_columns(notebook, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    nb = _papermill(
        notebook,
        out,
        tmp_path,
        f"corpus_path={WIRE_CSV}",
        "text_column=body",
        "date_column=published",
        "title_column=headline",
    )
    assert _errors(nb) == []
    if notebook.stem == "02_event_frequency":
        # Five days of wire copy, zero-filled: one row per (day, event) in the shipped taxonomy.
        mix = (out / "data" / "event_mix.csv").read_text().splitlines()
        assert len(mix) == 1 + 5 * 15
        evidence = (out / "data" / "event_evidence.csv").read_text()
        assert "Freedom Square" in evidence or "struck" in evidence
    if notebook.stem == "03_sentiment_over_time":
        tone = (out / "data" / "tone_over_time.csv").read_text().splitlines()
        assert len(tone) == 1 + 5


def test_a_bad_parameter_stops_the_notebook_with_a_message_naming_it(tmp_path):
    notebook = config.NOTEBOOKS_DIR / "02_event_frequency.ipynb"
    args = [sys.executable, "-m", "papermill", str(notebook), str(tmp_path / "out.ipynb")]
    args += ["-p", "freq", "Y", "--no-progress-bar"]
    result = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "parameter 'freq' = 'Y'" in result.stderr


def test_event_notebook_runs_unchanged_on_a_dask_cluster(tmp_path):
    """Only parameters change: the same notebook on a Dask scheduler gives the same tables."""
    distributed = pytest.importorskip("distributed")
    notebook = config.NOTEBOOKS_DIR / "02_event_frequency.ipynb"
    corpus = (f"corpus_path={WIRE_CSV}", "text_column=body", "date_column=published")
    outputs = {}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        runs = {
            "local": ("workers=2",),
            "dask": ("engine=dask", f"scheduler={cluster.scheduler_address}"),
        }
        for name, compute in runs.items():
            out = tmp_path / name
            out.mkdir()
            # A cache folder per run, or the second run would read the first one's results.
            env = {"HELPERS_CACHE_DIR": str(tmp_path / f"cache-{name}")}
            nb = _papermill(notebook, out, tmp_path, *corpus, *compute, env=env)
            assert _errors(nb) == []
            outputs[name] = {p.name: p.read_bytes() for p in sorted((out / "data").glob("*.csv"))}
        assert "analyze_texts" in cluster.scheduler.task_prefixes  # the cluster did the work
    assert len(outputs["dask"]) >= 4
    assert outputs["dask"] == outputs["local"]
