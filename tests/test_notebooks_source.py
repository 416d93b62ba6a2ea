"""The notebooks as source: paired with text, stripped, one schema for their parameters.

Each ``notebooks/*.ipynb`` must have a percent-format ``.py`` twin with the same cells (jupytext),
carry no outputs, have exactly one ``parameters`` cell whose names all come from
``helpers.params`` with the schema's defaults, declare ``output_dir``, and pass every declared
parameter to ``helpers.params.validate``. No kernel starts here except in the one slow test, which
renders the template notebook of notebooks/README.md to prove a new notebook needs no registration.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from helpers import config, lab, reports
from helpers.params import PARAMETER_NAMES, Params

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
README = config.NOTEBOOKS_DIR / "README.md"
ids = [p.stem for p in NOTEBOOKS]


def cells(nb) -> list[tuple[str, str, list[str]]]:
    """What a reviewer sees in the diff: type, source and tags of each cell."""
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


def parameters_cell(nb) -> str:
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{len(tagged)} cells tagged 'parameters'; expected exactly one"
    assert tagged[0].cell_type == "code"
    return tagged[0].source


def declared_defaults(source: str) -> dict[str, object]:
    """``name = literal`` assignments of a parameters cell, as values."""
    defaults = {}
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.unparse(node)
        target = node.targets[0]
        assert isinstance(target, ast.Name), ast.unparse(node)
        defaults[target.id] = ast.literal_eval(node.value)
    return defaults


def validate_keywords(nb) -> set[str]:
    """Keyword names of the ``validate(...)`` call(s) in code cells other than parameters."""
    code = "\n".join(
        c.source
        for c in nb.cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
    )
    tree = ast.parse(code)
    imported = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "helpers.params"
        and any(alias.name == "validate" for alias in node.names)
        for node in ast.walk(tree)
    )
    assert imported, "no `from helpers.params import validate`"
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "validate"
    ]
    assert calls, "helpers.params.validate is never called"
    return {kw.arg for call in calls for kw in call.keywords}


def check_parameters(nb) -> dict[str, object]:
    """The rules for a notebook's parameters; returns its declared defaults."""
    defaults = declared_defaults(parameters_cell(nb))
    assert sorted(set(defaults) - set(PARAMETER_NAMES)) == [], "not in helpers.params"
    assert "output_dir" in defaults
    assert validate_keywords(nb) == set(defaults), "validate() must receive every parameter"
    for name, value in defaults.items():
        schema = Params.model_fields[name].default
        assert value == schema, f"{name} defaults to {value!r}; helpers.params says {schema!r}"
    return defaults


def test_every_notebook_is_found():
    assert NOTEBOOKS, f"no notebooks in {config.NOTEBOOKS_DIR}"
    assert [p.stem for p in reports.discover_notebooks(config.NOTEBOOKS_DIR)] == ids
    orphans = [
        p.name for p in config.NOTEBOOKS_DIR.glob("*.py") if not p.with_suffix(".ipynb").exists()
    ]
    assert orphans == [], "a .py without its .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_paired_percent_script_has_the_same_cells(path):
    nb = nbformat.read(path, as_version=4)
    twin = path.with_suffix(".py")
    assert twin.exists(), f"run: jupytext --set-formats ipynb,py:percent {path.name}"
    formats = nb.metadata.get("jupytext", {}).get("formats", "")
    assert set(formats.split(",")) == {"ipynb", "py:percent"}, formats
    text = twin.read_text(encoding="utf-8")
    assert "format_name: percent" in text
    paired = jupytext.reads(text, fmt="py:percent")
    assert cells(paired) == cells(nb), f"out of sync: jupytext --sync notebooks/{twin.name}"
    assert paired.metadata.get("kernelspec") == nb.metadata.get("kernelspec")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_source_notebook_carries_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    executed = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert executed == [], f"outputs in cells {executed}: nbstripout notebooks/{path.name}"
    assert "papermill" not in nb.metadata and "widgets" not in nb.metadata
    # Lab (via make lab) and papermill (via make reports) must both pick the project's kernel.
    assert nb.metadata.kernelspec.name == lab.KERNEL_NAME == reports.KERNEL_NAME


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_parameters_come_from_the_one_schema(path):
    check_parameters(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_papermill_reads_every_parameter(path, caplog):
    """`python -m helpers reports` passes a notebook only what papermill finds in its cell.

    papermill's parser skips, with a logged warning, a line with a second ``=`` (in a comment,
    say); that parameter would then be refused as declared by no notebook.
    """
    import papermill

    declared = declared_defaults(parameters_cell(nbformat.read(path, as_version=4)))
    assert sorted(papermill.inspect_notebook(str(path))) == sorted(declared)
    assert "Unable to parse" not in caplog.text


def test_same_parameter_same_default_everywhere():
    seen: dict[str, dict[str, object]] = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for name, value in declared_defaults(parameters_cell(nb)).items():
            seen.setdefault(name, {})[path.stem] = value
    differing = {
        name: by_nb for name, by_nb in seen.items() if len(set(map(repr, by_nb.values()))) > 1
    }
    assert differing == {}


def test_checks_catch_a_bad_notebook():
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("output_dir = None\nmin_doc = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "from helpers.params import validate\nvalidate(output_dir=output_dir)"
        ),
    ]
    with pytest.raises(AssertionError, match="not in helpers.params"):
        check_parameters(nb)
    params.source = "output_dir = None\nmin_docs = 2"
    with pytest.raises(AssertionError, match="validate"):
        check_parameters(nb)
    nb.cells[
        1
    ].source = (
        "from helpers.params import validate\nvalidate(output_dir=output_dir, min_docs=min_docs)"
    )
    with pytest.raises(AssertionError, match="min_docs defaults to 2"):
        check_parameters(nb)
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}))
    with pytest.raises(AssertionError, match="exactly one"):
        parameters_cell(nb)


def readme_template() -> str:
    found = re.search(r"```python\n(# %%.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert found, "notebooks/README.md has no ```python block of a percent-format notebook"
    return found.group(1)


@pytest.fixture
def notebooks_with_template(tmp_path) -> tuple[Path, str]:
    """A copy of notebooks/ plus the README's template, paired the way the README says."""
    folder = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS_DIR, folder)
    name = "04_readme_template"
    nb = jupytext.reads(readme_template(), fmt="py:percent")
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / f"{name}.ipynb")
    return folder, name


def test_readme_template_follows_the_rules(notebooks_with_template):
    folder, name = notebooks_with_template
    nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    check_parameters(nb)
    assert [p.stem for p in reports.discover_notebooks(folder)] == [*ids, name]


@pytest.mark.slow
def test_a_dropped_in_notebook_is_rendered_without_registration(notebooks_with_template):
    folder, name = notebooks_with_template
    out = folder.parent / "reports"
    result = reports.render_reports(
        {}, out_dir=out, notebooks_dir=folder, only=[name], progress=False
    )
    assert result.ok, result.message
    assert (out / f"{name}.html").is_file()
    assert (out / "figures" / "example_tone_trajectories.png").is_file()
    assert (out / "data" / "example_tone_trajectories.csv").is_file()


# --- the commit hooks that keep these rules ---------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.slow
def test_commit_hooks_sync_and_strip_a_notebook_edited_in_lab(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit")
    repo = tmp_path / "clone"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "src" / "helpers").mkdir(parents=True)
    (repo / "src" / "helpers" / "__init__.py").write_text("", encoding="utf-8")
    for name in (".pre-commit-config.yaml", "pyproject.toml"):
        shutil.copy2(config.REPO_ROOT / name, repo / name)
    (repo / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    source = NOTEBOOKS[0]
    ipynb, twin = repo / "notebooks" / source.name, repo / "notebooks" / f"{source.stem}.py"
    shutil.copy2(source, ipynb)
    shutil.copy2(source.with_suffix(".py"), twin)
    git(repo, "init", "-q")

    # An edit saved by a Lab without jupytext: new text, outputs, counts, the Python version.
    nb = nbformat.read(ipynb, as_version=4)
    ids_before = [c.id for c in nb.cells]
    nb.cells[0].source += "\n\nA sentence added in Lab."
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 7
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="printed\n")]
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    nbformat.write(nb, ipynb)
    stat = ipynb.stat()
    os.utime(twin, (stat.st_atime, stat.st_mtime - 60))  # the .py is the older twin
    git(repo, "add", "-A")

    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    first = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    assert first.returncode == 1, first.stdout + first.stderr  # files were modified
    second = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stdout + second.stderr  # and are now stable

    stripped = nbformat.read(ipynb, as_version=4)
    assert "A sentence added in Lab." in twin.read_text(encoding="utf-8")
    assert cells(jupytext.read(twin)) == cells(stripped)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in stripped.cells)
    assert "language_info" not in stripped.metadata
    assert [c.id for c in stripped.cells] == ids_before
