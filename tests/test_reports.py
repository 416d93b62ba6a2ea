"""Tests for helpers.reports (runner), helpers.reports_html (safe HTML) and helpers.manifest.

Fixture notebooks live in tests/fixtures/reports/ (regenerate with make_fixtures.py there); the
real notebooks are not used here. Tests that start kernels are marked slow.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from helpers import config, manifest, reports, reports_html
from helpers.params import ParameterError

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
OK = FIXTURES / "ok"
ENDINGS = FIXTURES / "endings"
CORPUS = FIXTURES / "corpus"
TAXONOMY = FIXTURES / "taxonomy.yml"  # fixed, so the manifest does not follow the live taxonomy
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    'href="javascript:alert(1)"',
)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the page's visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in {"style", "script"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"style", "script"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    return parser


def assert_inert(page: str) -> None:
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        assert tag not in {"script", "iframe", "object", "embed", "link", "base"}, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            lowered = (value or "").replace(" ", "").lower()
            assert not lowered.startswith("javascript:"), (tag, name, value)
            if name == "src":
                assert not lowered.startswith(("http:", "https:", "//")), (tag, value)
    assert reports_html.html_problems(page) == []


# --- parameters: refused before any kernel starts -------------------------------------------------


def test_values_are_yaml_data_never_code():
    values = reports.parse_assignments(
        [
            "min_docs=3",
            "events=[strike, displacement]",
            "ci=0.9",
            "text_column=null",
            "key_dates_path=",
            "seed=__import__('os')",
        ]
    )
    assert values == {
        "min_docs": 3,
        "events": ["strike", "displacement"],
        "ci": 0.9,
        "text_column": None,
        "key_dates_path": "",
        "seed": "__import__('os')",
    }
    with pytest.raises(ParameterError, match="NAME=VALUE"):
        reports.parse_assignments(["min_docs"])
    with pytest.raises(ParameterError, match="'events'"):
        reports.parse_assignments(["events=[a,"])


@pytest.fixture
def no_kernels(monkeypatch):
    import papermill

    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["-p", "min_doc=3"], "'min_doc'"),
        (["-p", "min_docs=three"], "'min_docs'"),
        (["-p", "seed=__import__('os')"], "'seed'"),
        (["--corpus", "/no/such/corpus"], "/no/such/corpus"),
        (["-p", "taxonomy_path=/no/such/taxonomy.yml"], "'taxonomy_path'"),
        (["-p", "output_dir=/tmp/x"], "'output_dir'"),
        # Valid for the schema, but the selected notebook does not declare it.
        (["--only", "01_overview", "-p", "top_n=3"], "'top_n'"),
    ],
)
def test_bad_parameters_are_refused_quickly(argv, named, tmp_path, capsys, no_kernels):
    out = tmp_path / "out"
    started = time.perf_counter()
    code = reports.cli_main(["--notebooks", str(OK), "--out", str(out), *argv])
    elapsed = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 2
    assert named in err
    assert "valid parameters" in err and "rolling_days" in err
    assert elapsed < 5
    assert not out.exists()


def test_refusal_from_a_fresh_process_takes_seconds(tmp_path):
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers",
            "reports",
            "--notebooks",
            str(OK),
            "--out",
            str(tmp_path / "o"),
            "-p",
            "bogus=1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "unknown parameter 'bogus'" in proc.stderr
    assert time.perf_counter() - started < 5


def test_params_file_and_corpus_flag(tmp_path, no_kernels):
    params = tmp_path / "p.yml"
    params.write_text("min_docs: 2\nstart: 2022-02-25\n", encoding="utf-8")
    assert reports.load_params_file(params) == {
        "min_docs": 2,
        "start": __import__("datetime").date(2022, 2, 25),
    }
    _, given, effective = reports.prepare_parameters(
        {"start": "2022-02-25", "corpus_path": str(CORPUS)}
    )
    assert given == {"start": "2022-02-25", "corpus_path": str(CORPUS.resolve())}
    assert effective["min_docs"] == 1 and "output_dir" not in effective
    bad = tmp_path / "list.yml"
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="mapping"):
        reports.load_params_file(bad)
    code = reports.cli_main(
        [
            "--notebooks",
            str(OK),
            "--out",
            str(tmp_path / "o"),
            "--corpus",
            str(CORPUS),
            "-p",
            f"corpus_path={CORPUS}",
        ]
    )
    assert code == 2


def test_discovery_skips_private_notebooks_and_checks_only():
    assert [p.name for p in reports.discover_notebooks(OK)] == [
        "01_overview.ipynb",
        "02_second.ipynb",
    ]
    assert [p.stem for p in reports.discover_notebooks(OK, ["02_second.ipynb"])] == ["02_second"]
    with pytest.raises(reports.ReportError, match="'nope'.*available: 01_overview, 02_second"):
        reports.discover_notebooks(OK, ["nope"])


def test_notebook_must_declare_output_dir(tmp_path, no_kernels):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(1)")]
    nbformat.write(nb, tmp_path / "a.ipynb")
    with pytest.raises(reports.ReportError, match="output_dir"):
        reports.render_reports({}, out_dir=tmp_path / "out", notebooks_dir=tmp_path)


def test_foreign_output_folder_is_never_replaced(tmp_path, no_kernels):
    out = tmp_path / "papers"
    out.mkdir()
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(reports.ReportError, match="refusing to replace"):
        reports.render_reports({}, out_dir=out, notebooks_dir=OK)
    assert snapshot(out) == {"thesis.tex": b"precious"}


# --- failure detection and normalisation (no kernel) ----------------------------------------------


def executed_notebook(counts, statuses=None, outputs=None):
    nb = nbformat.v4.new_notebook()
    sources = [
        "output_dir = None",
        "# Parameters\noutput_dir = '/x'",
        "x = 1",
        "",
        "\n\nprint(x)  # the last",
    ]
    tags = [["parameters"], ["injected-parameters"], [], [], []]
    for i, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        cell.execution_count = counts[i]
        cell.metadata["tags"] = tags[i]
        cell.metadata["papermill"] = {
            "status": (statuses or {}).get(i, "completed"),
            "exception": False,
        }
        cell.outputs = (outputs or {}).get(i, [])
        nb.cells.append(cell)
    nb.metadata["papermill"] = {"exception": None}
    return nb


def test_cell_that_never_ran_is_a_failure_even_when_marked_completed():
    # papermill marks cells left pending as "completed" when the kernel dies; a blank cell is
    # never executed by nbclient and must not count.
    assert reports.find_failure(executed_notebook([1, 2, 3, None, 4]), "nb") is None
    failure = reports.find_failure(executed_notebook([1, 2, 3, None, None]), "nb")
    assert (failure.cell_index, failure.first_line) == (3, "print(x)  # the last")
    assert "never ran" in failure.reason
    assert "cell 3 ('print(x)  # the last')" in str(failure)


def test_error_output_and_raised_exception_are_failures():
    error = nbformat.v4.new_output("error", ename="SystemExit", evalue="0", traceback=[])
    failure = reports.find_failure(
        executed_notebook([1, 2, 3, None, None], outputs={2: [error]}), "nb"
    )
    assert (failure.cell_index, failure.reason) == (1, "raised SystemExit: 0")
    died = reports.find_failure(
        executed_notebook([1, 2, 3, None, 4]), "nb", RuntimeError("Kernel died")
    )
    assert died.cell_index == 3 and "Kernel died" in died.reason
    bad = nbformat.v4.new_output(
        "error", ename="SyntaxError", evalue="invalid syntax", traceback=[]
    )
    injected = reports.find_failure(
        executed_notebook([1, 2, None, None, None], outputs={1: [bad]}), "nb"
    )
    assert injected.cell_index == -1 and "injected parameters" in str(injected)


def test_normalize_removes_volatile_fields():
    nb = executed_notebook([1, 2, 3, None, 4])
    nb.metadata["papermill"].update(
        start_time="t0", end_time="t1", duration=1.5, environment_variables={}
    )
    nb.metadata["widgets"] = {"state": {}}
    nb.cells[2].metadata["execution"] = {"iopub.status.busy": "t"}
    nb.cells[2].metadata["papermill"].update(start_time="t", end_time="t", duration=0.1)
    nb.cells[2].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="/tmp/.out.staging-9/figures/a.png\n")
    ]
    reports.normalize_notebook(
        nb,
        source="notebooks/a.ipynb",
        output="a.ipynb",
        replacements={"/tmp/.out.staging-9": "/tmp/out"},
    )
    text = nbformat.writes(nb)
    for volatile in (
        "start_time",
        "end_time",
        "duration",
        "environment_variables",
        "widgets",
        "iopub",
        "staging",
    ):
        assert volatile not in text
    assert [c.id for c in nb.cells] == [f"cell-{i}" for i in range(5)]
    assert nb.cells[2].outputs[0].text == "/tmp/out/figures/a.png\n"
    assert nb.metadata.papermill.input_path == "notebooks/a.ipynb"


# --- HTML safety (no kernel) ----------------------------------------------------------------------


def test_clean_html_keeps_tables_and_data_images_only():
    table = (
        '<table border="1" class="dataframe"><caption>c</caption><colgroup><col></colgroup>'
        '<thead><tr style="text-align: right;"><th>a</th></tr></thead>'
        "<tbody><tr><td>1</td></tr></tbody></table>"
    )
    cleaned = reports_html.clean_html(table)
    for tag in ("<caption>", "<colgroup>", "<thead>", "<th>a</th>", "<tbody>", "<td>1</td>"):
        assert tag in cleaned
    png = '<img src="data:image/png;base64,iVBORw0KGgo=">'
    assert reports_html.clean_html(png) == png
    for hostile in (
        '<img src="https://tracker.example/p.png">',
        '<img src="//tracker.example/p.png">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<img src=x onerror="alert(1)">',
        "<script>alert(1)</script>",
        "<style>body{}</style>",
        "<svg onload=alert(1)></svg>",
    ):
        cleaned = reports_html.clean_html(hostile)
        assert "alert" not in cleaned.replace("&gt;", ""), cleaned
        assert "tracker" not in cleaned and "data:text" not in cleaned and "<style" not in cleaned


def test_html_problems_flags_active_content():
    assert (
        reports_html.html_problems(
            '<p><a href="https://example.org">ok</a><img src="figures/a.png"></p>'
        )
        == []
    )
    for page in (
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<img src="https://example.org/a.png">',
        '<link rel="stylesheet" href="https://cdn.example/x.css">',
        "<style>@import url(https://fonts.example/f.css);</style>",
        '<meta http-equiv="refresh" content="0;url=https://example.org">',
    ):
        assert reports_html.html_problems(page), page


def test_exported_page_is_offline_and_hides_code_unless_asked():
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\n$x^2$ and <script>alert(1)</script> <b>bold</b>"),
        nbformat.v4.new_code_cell(
            "secret_source_line = 1",
            execution_count=1,
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    data={
                        "application/javascript": "alert(1)",
                        "text/vnd.mermaid": "graph TD; A-->B",
                    },
                ),
                nbformat.v4.new_output(
                    "display_data", data={"image/png": 'not base64 " onerror=alert(1) x="'}
                ),
            ],
        ),
    ]
    removed = reports_html.sanitize_outputs(nb)
    assert removed == [
        "cell 1: application/javascript",
        "cell 1: text/vnd.mermaid",
        "cell 1: image/png",
    ]
    hidden = reports_html.export_html(nb, "t")
    shown = reports_html.export_html(nb, "t", show_code=True)
    assert_inert(hidden)
    assert_inert(shown)
    assert "secret_source_line" not in hidden and "secret_source_line" in shown
    assert "<b>bold</b>" in hidden and "output removed" in hidden
    assert "require.js" not in hidden and "mathjax" not in hidden.lower()


# --- manifest (no kernel) -------------------------------------------------------------------------


def test_tree_digest_depends_on_names_and_bytes_not_location(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "sub").mkdir(parents=True)
        (folder / "x.txt").write_bytes(b"one")
        (folder / "sub" / "y.txt").write_bytes(b"two")
    expected = hashlib.sha256(b"sub/y.txt\x003\x00two" + b"x.txt\x003\x00one").hexdigest()
    assert manifest.tree_digest(a) == {"sha256": expected, "files": 2, "bytes": 6}
    assert manifest.tree_digest(b) == manifest.tree_digest(a)
    (b / "x.txt").rename(b / "z.txt")
    assert manifest.tree_digest(b)["sha256"] != expected
    single = manifest.tree_digest(a / "x.txt")["sha256"]
    assert single == hashlib.sha256(b"x.txt\x003\x00one").hexdigest()


def test_versions_and_git_never_fail(tmp_path):
    versions = manifest.package_versions()
    assert versions["papermill"] and versions["nbconvert"] and "helpers" in versions
    assert manifest.git_commit(tmp_path) is None


# --- end to end (kernels) -------------------------------------------------------------------------


RUN_PARAMETERS = {
    "corpus_path": str(CORPUS),
    "taxonomy_path": str(TAXONOMY),
    "min_docs": 2,
    "top_n": 3,
}
FIXED_GIT = {"commit": "0" * 40, "dirty": False}  # teammates commit and edit while tests run


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One successful CLI run on the fixture notebooks, then its snapshot."""
    out = tmp_path_factory.mktemp("run") / "reports"
    out.mkdir()
    (out / ".gitignore").write_text("*\n", encoding="utf-8")
    argv = ["--notebooks", str(OK), "--out", str(out), "--corpus", str(CORPUS)]
    argv += ["-p", "min_docs=2", "-p", "top_n=3", "-p", f"taxonomy_path={TAXONOMY}"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest, "git_commit", lambda *a, **k: FIXED_GIT)
        assert reports.cli_main(argv) == 0
    return out, snapshot(out)


@pytest.mark.slow
def test_cli_end_to_end(published):
    out, files = published
    assert set(files) == {
        ".gitignore",
        "01_overview.ipynb",
        "01_overview.html",
        "02_second.ipynb",
        "02_second.html",
        "figures/squares.png",
        "figures/squares.svg",
        "figures/squares.json",
        "data/squares.csv",
        "data/corpus_summary.csv",
        "index.html",
        "manifest.json",
    }
    assert not list(out.parent.glob(".reports.*")), "staging folder left behind"
    data = json.loads(files["manifest.json"])
    assert data["parameters"] == RUN_PARAMETERS
    assert [nb["parameters"] for nb in data["notebooks"]] == [
        {"corpus_path": str(CORPUS), "min_docs": 2, "taxonomy_path": str(TAXONOMY)},
        {"top_n": 3},
    ]
    assert data["taxonomy"] == {
        "path": manifest.display_path(TAXONOMY),
        "sha256": manifest.sha256_file(TAXONOMY),
    }
    assert data["git"] == FIXED_GIT
    assert data["corpus"] == {"path": manifest.display_path(CORPUS), **manifest.tree_digest(CORPUS)}
    for entry in data["figures"] + data["data"] + data["reports"]:
        assert entry["sha256"] == hashlib.sha256(files[entry["path"]]).hexdigest()
    assert data["versions"]["papermill"] and data["python"] == ".".join(
        map(str, sys.version_info[:3])
    )
    executed = nbformat.reads(files["01_overview.ipynb"].decode(), as_version=4)
    assert executed.metadata.papermill.parameters["output_dir"] == str(out)
    assert [c.id for c in executed.cells] == [f"cell-{i}" for i in range(len(executed.cells))]
    for name, content in files.items():
        if name.endswith((".ipynb", ".html", ".json")):
            text = content.decode()
            assert (
                ".staging-" not in text and '"start_time"' not in text and '"duration"' not in text
            ), name
    index = parse(files["index.html"].decode())
    links = {attrs.get("href") for tag, attrs in index.tags if tag == "a"}
    assert {
        "01_overview.html",
        "02_second.ipynb",
        "figures/squares.svg",
        "data/squares.csv",
        "manifest.json",
    } <= links
    assert "Squares <b>of</b> 1-3." in "".join(index.text)  # caption from a file, escaped
    assert "from helpers.params import validate" not in files["01_overview.html"].decode()


@pytest.mark.slow
def test_second_run_is_byte_identical(published, monkeypatch):
    out, first = published
    monkeypatch.setattr(manifest, "git_commit", lambda *a, **k: FIXED_GIT)
    # Same parameters in another order, through the Python API instead of the CLI.
    params = dict(reversed(RUN_PARAMETERS.items()))
    result = reports.render_reports(params, out_dir=out, notebooks_dir=OK, progress=False)
    assert result.ok, result.message
    second = snapshot(out)
    assert second.keys() == first.keys()
    assert [name for name in first if first[name] != second[name]] == []


@pytest.mark.slow
def test_hostile_corpus_text_is_inert_and_visible(published):
    out, files = published
    for name in ("01_overview.html", "02_second.html", "index.html"):
        assert_inert(files[name].decode())
    text = "".join(parse(files["01_overview.html"].decode()).text)
    for payload in PAYLOADS:
        assert payload in text  # printed and tabulated article text shows as text
    assert "kept" in text and "pwned" not in files["01_overview.html"].decode()


ENDING_CASES = {
    "value_error": (2, "raise ValueError('boom')", "ValueError: boom"),
    "system_exit_zero": (2, "raise SystemExit(0)", "SystemExit"),
    "bare_system_exit": (2, "raise SystemExit", "SystemExit"),
    "sys_exit_three": (2, "import sys", "SystemExit: 3"),
    "os_exit_middle": (2, "import os", "kernel stopped"),
    # The kernel's execute_input for the dying cell may or may not arrive before it dies (a race
    # that load decides); the report must name the same cell and reason either way.
    "os_exit_last": (2, "import os", "kernel stopped"),
}


@pytest.mark.slow
@pytest.mark.parametrize("ending", sorted(ENDING_CASES))
def test_failed_run_keeps_published_reports(ending, published, tmp_path, capsys):
    out = tmp_path / "reports"
    shutil.copytree(published[0], out)
    before = snapshot(out)
    cell, first_line, reason = ENDING_CASES[ending]
    code = reports.cli_main(["--notebooks", str(ENDINGS), "--out", str(out), "--only", ending])
    err = capsys.readouterr().err
    assert code == 1
    assert f"notebook {ending!r} failed at cell {cell} ({first_line!r})" in err and reason in err
    after = snapshot(out)
    failed = f"_failed/{ending}.ipynb"
    assert set(after) == set(before) | {failed}
    assert all(after[name] == before[name] for name in before)
    nbformat.reads(after[failed].decode(), as_version=4)
    assert not list(tmp_path.glob(".reports.*"))


@pytest.mark.slow
def test_failure_into_a_new_folder_creates_only_failed(tmp_path):
    out = tmp_path / "new"
    result = reports.render_reports(
        {}, out_dir=out, notebooks_dir=ENDINGS, only=["value_error"], progress=False
    )
    assert not result.ok and result.failure.cell_index == 2
    assert result.failed_notebook == out / "_failed" / "value_error.ipynb"
    assert set(snapshot(out)) == {"_failed/value_error.ipynb"}


def test_default_paths_come_from_config():
    parser = reports._parser()
    args = parser.parse_args([])
    assert Path(args.out) == config.REPORTS_DIR and Path(args.notebooks) == config.NOTEBOOKS_DIR
