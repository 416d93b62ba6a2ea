"""Run every notebook with papermill and publish safe, deterministic reports.

``python -m helpers reports`` (and :func:`render_reports`) validates the parameters against
:mod:`helpers.params` before any kernel starts, runs ``notebooks/*.ipynb`` in name order, and
writes into the output folder (``reports/`` by default):

- ``<notebook>.ipynb``: the executed notebook, without timestamps, random ids or active outputs;
- ``<notebook>.html``: the same as an offline page (no scripts, nothing fetched), code hidden
  unless ``--show-code``;
- ``figures/`` and ``data/``: written by the notebooks themselves into the ``output_dir`` they
  are given;
- ``index.html``: the run's front page; ``manifest.json``: parameters, corpus and taxonomy hashes,
  versions, git commit and the sha256 of every published file.

The output folder is owned by the tool: a successful run replaces it as a whole (top-level dot
files such as ``.gitignore`` are carried over). The run is built in a sibling staging folder and
swapped in only when every notebook succeeded, so a failed run leaves the last good reports
byte-identical and only adds ``_failed/<notebook>.ipynb`` for inspection. A folder that holds
other files and no manifest of ours is never replaced.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import config
from . import manifest as manifest_mod
from .params import PARAMETER_NAMES, ParameterError, Params, describe_parameters, validate

__all__ = [
    "ReportError",
    "CellFailure",
    "RunResult",
    "render_reports",
    "cli_main",
    "parse_assignments",
    "load_params_file",
    "discover_notebooks",
    "find_failure",
    "normalize_notebook",
]

KERNEL_NAME = "python3"
RUNNER_PARAMETER = "output_dir"
PATH_PARAMETERS = ("corpus_path", "taxonomy_path", "metadata_path", "key_dates_path")
FAILED_DIR = "_failed"
CORPUS_SUMMARY = "data/corpus_summary.csv"

_ERROR_MARKER_TAG = "papermill-error-cell-tag"  # cells papermill inserts around a failure
_VOLATILE_PAPERMILL = ("start_time", "end_time", "duration", "environment_variables")
# A kernel env that makes str hashing (set order) and any SOURCE_DATE_EPOCH-aware writer stable.
_KERNEL_ENV = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}


class ReportError(RuntimeError):
    """The run cannot start or cannot publish (no notebooks, a notebook without parameters, an
    output folder that is not ours). Parameter problems raise :class:`ParameterError` instead."""


@dataclass(frozen=True)
class CellFailure:
    """Where and why a notebook did not run to completion.

    ``cell_index`` is the 0-based index of the cell in the source notebook (None when no cell
    is to blame, e.g. the kernel did not start); ``first_line`` is its first non-blank line.
    """

    notebook: str
    cell_index: int | None
    first_line: str | None
    reason: str

    def __str__(self) -> str:
        if self.cell_index is None:
            where = f"notebook {self.notebook!r} failed"
        elif self.cell_index < 0:
            where = f"notebook {self.notebook!r} failed in the injected parameters cell"
        else:
            where = (
                f"notebook {self.notebook!r} failed at cell {self.cell_index} ({self.first_line!r})"
            )
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class RunResult:
    """Outcome of :func:`render_reports`.

    ``ok`` is True when every notebook ran and the output folder was replaced. Otherwise
    ``failure`` says which notebook and cell, ``failed_notebook`` is the executed copy kept under
    ``out_dir/_failed/``, and the previously published files are untouched.
    """

    ok: bool
    out_dir: Path
    notebooks: tuple[str, ...]
    failure: CellFailure | None = None
    failed_notebook: Path | None = None
    removed_outputs: tuple[str, ...] = field(default_factory=tuple)

    @property
    def message(self) -> str:
        if self.ok:
            return f"wrote {len(self.notebooks)} report(s) to {self.out_dir} (open index.html)"
        text = str(self.failure)
        if self.failed_notebook is not None:
            text += f"\nthe executed notebook is kept at {self.failed_notebook}"
        return text + f"\nthe published reports in {self.out_dir} were left as they were"


# --- parameters ---------------------------------------------------------------------------------


def _refuse(problem: str) -> ParameterError:
    return ParameterError(
        f"invalid notebook parameters:\n- {problem}\nvalid parameters:\n{describe_parameters()}"
    )


def parse_value(text: str) -> Any:
    """A ``-p`` value as data: a YAML scalar or flow list (``3``, ``0.9``, ``[a, b]``, ``null``).

    YAML is parsed with the safe loader, so a value is never code. An empty value is the empty
    string (``-p key_dates_path=`` means no key dates).
    """
    if text == "":
        return ""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"cannot read {text!r} as a YAML value ({exc.problem})") from None


def parse_assignments(assignments: Sequence[str]) -> dict[str, Any]:
    """``["NAME=VALUE", ...]`` to a dict; a later assignment to the same name wins."""
    values: dict[str, Any] = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise _refuse(f"-p {item!r}: expected NAME=VALUE")
        try:
            values[name] = parse_value(text)
        except ValueError as exc:
            raise _refuse(f"parameter {name!r}: {exc}") from None
    return values


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Parameters from a YAML file holding one mapping of name to value."""
    path = Path(path).expanduser()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _refuse(f"--params {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise _refuse(f"--params {path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise _refuse(f"--params {path}: expected a mapping of parameter names to values")
    return data


def prepare_parameters(values: Mapping[str, Any]) -> tuple[Params, dict[str, Any], dict[str, Any]]:
    """Validate parameters and make them ready to inject into notebooks.

    Returns
    -------
    (Params, given, effective)
        The validated model; the given parameters as JSON values (dates as ISO strings, paths
        absolute, so a notebook running in another directory finds them); every parameter's
        value in force, defaults included.
    """
    if RUNNER_PARAMETER in values:
        raise _refuse(f"parameter {RUNNER_PARAMETER!r} is set by the report runner; use --out DIR")
    validated = validate(**values)
    dumped = validated.model_dump(mode="json")
    for name in PATH_PARAMETERS:
        if dumped.get(name):
            dumped[name] = str(Path(dumped[name]).expanduser().resolve())
    dumped.pop(RUNNER_PARAMETER, None)
    # Sorted, so the injected parameters cell does not depend on the order they were given in.
    given = {name: dumped[name] for name in sorted(values)}
    return validated, given, dumped


# --- notebooks ----------------------------------------------------------------------------------


def discover_notebooks(notebooks_dir: str | Path, only: Sequence[str] | None = None) -> list[Path]:
    """The notebooks a run executes: ``*.ipynb`` in name order, skipping names starting with
    ``_`` or ``.``; with ``only``, just those (by stem or file name)."""
    folder = Path(notebooks_dir).expanduser()
    if not folder.is_dir():
        raise ReportError(f"notebooks folder not found: {folder}")
    found = sorted(
        p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith(("_", "."))
    )
    if not found:
        raise ReportError(f"no notebooks (*.ipynb not starting with _ or .) in {folder}")
    if not only:
        return found
    by_name = {p.stem: p for p in found}
    wanted = [name.removesuffix(".ipynb") for name in only]
    missing = [name for name in wanted if name not in by_name]
    if missing:
        raise ReportError(
            f"--only: no notebook named {', '.join(map(repr, missing))} in {folder}; "
            f"available: {', '.join(by_name)}"
        )
    return [p for p in found if p.stem in set(wanted)]


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (papermill's inspection)."""
    import papermill

    try:
        return set(papermill.inspect_notebook(str(notebook)))
    except Exception as exc:  # not JSON, not a notebook, unknown kernel language, ...
        raise ReportError(f"{notebook}: cannot read its parameters cell ({exc})") from exc


@dataclass(frozen=True)
class _Plan:
    name: str
    source: Path
    parameters: dict[str, Any]


def _plan(notebooks: Sequence[Path], given: Mapping[str, Any]) -> list[_Plan]:
    known = set(PARAMETER_NAMES)
    declared = {nb: declared_parameters(nb) for nb in notebooks}
    for nb, names in declared.items():
        if RUNNER_PARAMETER not in names:
            raise ReportError(
                f"{nb}: needs a cell tagged 'parameters' that declares {RUNNER_PARAMETER} "
                "(figures and data are written there)"
            )
        unknown = sorted(names - known)
        if unknown:
            raise ReportError(
                f"{nb}: its parameters cell declares {', '.join(map(repr, unknown))}, which "
                "helpers.params does not define; every parameter must be in that one schema"
            )
    accepted = set().union(*declared.values())
    unused = sorted(set(given) - accepted)
    if unused:
        raise _refuse(
            f"parameter {', '.join(map(repr, unused))} is not declared by any selected notebook "
            f"({', '.join(nb.stem for nb in notebooks)}); they accept: "
            f"{', '.join(sorted(accepted - {RUNNER_PARAMETER}))}"
        )
    return [
        _Plan(nb.stem, nb, {k: v for k, v in given.items() if k in declared[nb]})
        for nb in notebooks
    ]


def _first_line(source: str) -> str:
    line = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


def find_failure(nb: Any, name: str, error: BaseException | None = None) -> CellFailure | None:
    """Why an executed notebook did not run to completion, or None if it did.

    papermill treats some abnormal endings as success: ``SystemExit(0)`` and bare
    ``raise SystemExit`` are ignored, and when the kernel dies (``os._exit``) the cells left
    pending are marked "completed". So this checks every code cell: no ``error`` output, no
    papermill exception flag, and an ``execution_count`` on every non-empty cell (nbclient skips
    blank ones). ``error`` is the exception papermill raised, if any; a run that raised is a
    failure even when every cell looks executed (``os._exit`` in the last cell).
    """
    cells = [c for c in nb.cells if _ERROR_MARKER_TAG not in c.get("metadata", {}).get("tags", [])]
    injected = next(
        (
            i
            for i, c in enumerate(cells)
            if "injected-parameters" in c.get("metadata", {}).get("tags", [])
        ),
        None,
    )

    def at(index: int | None, reason: str) -> CellFailure:
        if index is None:
            return CellFailure(name, None, None, reason)
        source_index = index if injected is None or index < injected else index - 1
        if index == injected:
            source_index = -1
        return CellFailure(name, source_index, _first_line(cells[index].get("source", "")), reason)

    why = f" ({type(error).__name__}: {error})" if error is not None else ""
    # papermill stamps start_time on a cell as it starts it; when the kernel dies the dying cell
    # may not have its execution_count yet (the kernel's execute_input never arrived), so the
    # last started cell, not the last numbered one, is where it stopped.
    started = [
        i
        for i, c in enumerate(cells)
        if c.get("cell_type") == "code"
        and c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    last_started = started[-1] if started else None
    last_run: int | None = None
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            first = errors[0]
            return at(index, f"raised {first.get('ename')}: {first.get('evalue')}")
        state = cell.get("metadata", {}).get("papermill", {})
        if state.get("exception") or state.get("status") == "failed":
            return at(index, f"raised an exception{why}")
        if not cell.get("source", "").strip():
            continue
        if cell.get("execution_count") is None:
            stopped = last_started if last_started is not None else last_run
            if error is not None and stopped is not None:
                return at(
                    stopped,
                    f"the kernel stopped while running this cell{why}",
                )
            return at(index, f"never ran{why or ': execution stopped before reaching it'}")
        if state.get("status") not in (None, "completed"):
            return at(index, f"did not complete (papermill status {state.get('status')!r})")
        last_run = index
    if error is not None:
        # Every cell looks executed yet papermill raised: a kernel that died in the last cell
        # (execution_count may or may not have arrived, hence the same wording either way).
        stopped = last_started if last_started is not None else last_run
        return at(stopped, f"the kernel stopped while running this cell{why}")
    if nb.get("metadata", {}).get("papermill", {}).get("exception"):
        return at(None, "papermill recorded an exception")
    return None


def _replace_strings(node: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        for old, new in replacements.items():
            node = node.replace(old, new)
        return node
    if isinstance(node, dict):
        for key in list(node):
            node[key] = _replace_strings(node[key], replacements)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            node[i] = _replace_strings(item, replacements)
    return node


def normalize_notebook(
    nb: Any, *, source: str, output: str, replacements: Mapping[str, str] | None = None
) -> Any:
    """Strip what differs between two runs of the same notebook, in place.

    Removes papermill's and nbclient's timestamps and durations (notebook and cell metadata,
    ``metadata.execution``), papermill's ``environment_variables`` and widget state; sets cell ids
    to ``cell-0``, ``cell-1``, ... (nbformat and papermill draw random ones); records the source
    and output paths as given; replaces every occurrence of each ``replacements`` key (the staging
    folder) by its value (the published folder), in sources, outputs and metadata.
    """
    state = nb.metadata.setdefault("papermill", {})
    for key in _VOLATILE_PAPERMILL:
        state.pop(key, None)
    state["input_path"] = source
    state["output_path"] = output
    nb.metadata.pop("widgets", None)
    with_ids = (nb.get("nbformat", 4), nb.get("nbformat_minor", 0)) >= (4, 5)
    for index, cell in enumerate(nb.cells):
        if with_ids:
            cell["id"] = f"cell-{index}"
        else:
            cell.pop("id", None)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        cell_state = cell.metadata.get("papermill")
        if isinstance(cell_state, dict):
            for key in _VOLATILE_PAPERMILL:
                cell_state.pop(key, None)
    if replacements:
        _replace_strings(nb, replacements)
    return nb


@contextlib.contextmanager
def _kernel_environment() -> Iterator[None]:
    # Kernels inherit this process's environment; papermill offers no other way to set it.
    saved = {key: os.environ.get(key) for key in _KERNEL_ENV}
    os.environ.update(_KERNEL_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _execute(plan: _Plan, output: Path, staging: Path, cwd: str) -> CellFailure | None:
    import nbformat
    import papermill

    parameters = dict(sorted({**plan.parameters, RUNNER_PARAMETER: str(staging)}.items()))
    engine_options: dict[str, Any] = {}
    if os.name == "posix":
        from traitlets.config import Config

        # Local sockets in the run's private temp folder instead of TCP ports on localhost:
        # nothing listens on the network, and ipykernel does not warn about plain-text TCP.
        engine_options["config"] = Config(
            {"KernelManager": {"transport": "ipc", "ip": str(Path(cwd) / "kernel")}}
        )
    error: BaseException | None = None
    try:
        papermill.execute_notebook(
            str(plan.source),
            str(output),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            cwd=cwd,
            record_timing=False,
            **engine_options,
        )
    except Exception as exc:  # every abnormal ending is a failure; the cell check says where
        error = exc
    if not output.exists():
        return CellFailure(plan.name, None, None, f"{type(error).__name__}: {error}")
    nb = nbformat.read(output, as_version=4)
    return find_failure(nb, plan.name, error)


def _figures(folder: Path) -> list[dict[str, Any]]:
    figures_dir = folder / "figures"
    if not figures_dir.is_dir():
        return []
    stems = sorted({p.stem for p in figures_dir.iterdir() if p.suffix in {".png", ".svg", ".pdf"}})
    result = []
    for stem in stems:
        meta: dict[str, Any] = {}
        sidecar = figures_dir / f"{stem}.json"
        if sidecar.is_file():
            with contextlib.suppress(ValueError, OSError):
                meta = json.loads(sidecar.read_text(encoding="utf-8"))
        caption = str(meta.get("caption") or "")
        files = [
            f"figures/{stem}{ext}"
            for ext in (".png", ".svg", ".pdf")
            if (figures_dir / f"{stem}{ext}").is_file()
        ]
        data = f"data/{stem}.csv" if (folder / "data" / f"{stem}.csv").is_file() else None
        result.append(
            {
                "name": stem,
                "caption": caption,
                "width_in": meta.get("width_in"),
                "files": files,
                "data": data,
            }
        )
    return result


def _corpus_summary(folder: Path, limit: int = 50) -> list[dict[str, str]] | None:
    path = folder / CORPUS_SUMMARY
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for _, row in zip(range(limit), csv.DictReader(handle), strict=False)]
    return rows or None


# --- publishing ---------------------------------------------------------------------------------


def _check_replaceable(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ReportError(f"--out {out_dir} exists and is not a folder")
    others = sorted(
        p.name for p in out_dir.iterdir() if p.name != FAILED_DIR and not p.name.startswith(".")
    )
    if not others:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        data = json.loads((out_dir / manifest_mod.MANIFEST_NAME).read_text(encoding="utf-8"))
        if data.get("tool") == manifest_mod.TOOL:
            return
    shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
    raise ReportError(
        f"refusing to replace {out_dir}: it holds files that helpers.reports did not write "
        f"({shown}). The output folder is owned by the tool and replaced as a whole; choose a new "
        "or empty --out folder."
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(out_dir: Path) -> None:
    # Leftovers of runs that were killed; a live run's folders are left alone.
    for pattern in (f".{out_dir.name}.staging-*", f".{out_dir.name}.old-*"):
        for path in out_dir.parent.glob(pattern):
            pid = path.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not _pid_alive(int(pid)) and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _display_path(out_dir: Path) -> str:
    """``out_dir`` relative to the working directory when inside it, else absolute."""
    try:
        return out_dir.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(out_dir)


def _publish(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    for item in out_dir.iterdir():
        if item.name.startswith(".") and item.is_file() and not (staging / item.name).exists():
            shutil.copy2(item, staging / item.name)
    if _exchange(staging, out_dir):
        shutil.rmtree(staging)  # now holds the previous reports
        return
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    os.rename(out_dir, old)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _keep_failed(out_dir: Path, executed: Path, name: str) -> Path | None:
    if not executed.exists():
        return None
    failed_dir = out_dir / FAILED_DIR
    if failed_dir.exists():
        shutil.rmtree(failed_dir)
    failed_dir.mkdir(parents=True)
    target = failed_dir / f"{name}.ipynb"
    shutil.move(str(executed), target)
    return target


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    return sys.stderr.isatty() and not os.environ.get("CI")


# --- the run ------------------------------------------------------------------------------------


def render_reports(
    params: Mapping[str, Any],
    *,
    out_dir: str | Path,
    notebooks_dir: str | Path = config.NOTEBOOKS_DIR,
    only: Sequence[str] | None = None,
    show_code: bool = False,
    progress: bool | None = None,
) -> RunResult:
    """Run the notebooks with papermill and publish their reports into ``out_dir``.

    Parameters
    ----------
    params
        Notebook parameters (names from :mod:`helpers.params`, values as data, e.g. from YAML).
        ``output_dir`` is set by the runner and may not be given.
    out_dir
        The report folder, owned by the tool: replaced as a whole when every notebook succeeded,
        left untouched (plus ``_failed/<name>.ipynb``) otherwise.
    notebooks_dir
        Folder of notebooks; every ``*.ipynb`` not starting with ``_`` or ``.`` runs, in name order.
    only
        Run just these notebooks (stems or file names).
    show_code
        Show code cells in the HTML.
    progress
        Show a progress bar; None: only on a terminal and when the ``CI`` variable is unset.

    Returns
    -------
    RunResult

    Raises
    ------
    ParameterError
        An unknown, ill-typed or unused parameter, or a missing corpus/taxonomy file. Raised before
        any kernel starts; the message names the parameter and lists the valid ones.
    ReportError
        No notebooks, a notebook without a ``parameters`` cell declaring ``output_dir``, or an
        ``out_dir`` holding files the tool did not write.
    """
    validated, given, effective = prepare_parameters(dict(params))
    notebooks = discover_notebooks(notebooks_dir, only)
    plans = _plan(notebooks, given)
    out_dir = Path(out_dir).expanduser().resolve()
    _check_replaceable(out_dir)

    import nbformat
    from tqdm.auto import tqdm

    from . import reports_html

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    # Executed notebooks and pages name the output folder as the user gave it relative to the
    # working directory ("reports"), so a committed reports/ does not carry this machine's paths.
    replacements = {str(staging): _display_path(out_dir)}
    removed: list[str] = []
    records: list[dict[str, Any]] = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix="helpers-reports-cwd-") as cwd,
            _kernel_environment(),
            tqdm(
                plans, unit="notebook", disable=not _progress_enabled(progress), file=sys.stderr
            ) as bar,
        ):
            for plan in bar:
                bar.set_description(plan.name)
                executed = staging / f"{plan.name}.ipynb"
                failure = _execute(plan, executed, staging, cwd)
                if failure is None:
                    nb = nbformat.read(executed, as_version=4)
                    normalize_notebook(
                        nb,
                        source=manifest_mod.display_path(plan.source),
                        output=executed.name,
                        replacements=replacements,
                    )
                    removed += [f"{plan.name} {line}" for line in reports_html.sanitize_outputs(nb)]
                    page = reports_html.export_html(nb, plan.name, show_code=show_code)
                    problems = reports_html.html_problems(page)
                    if problems:
                        failure = CellFailure(
                            plan.name,
                            None,
                            None,
                            "unsafe HTML after sanitising: " + "; ".join(problems[:5]),
                        )
                if failure is not None:
                    kept = _keep_failed(out_dir, executed, plan.name)
                    return RunResult(
                        False, out_dir, tuple(p.name for p in plans), failure, kept, tuple(removed)
                    )
                nbformat.write(nb, executed)
                (staging / f"{plan.name}.html").write_text(page, encoding="utf-8")
                records.append(
                    {
                        "name": plan.name,
                        "source": manifest_mod.display_path(plan.source),
                        "source_sha256": manifest_mod.sha256_file(plan.source),
                        "parameters": plan.parameters,
                        "ipynb": executed.name,
                        "html": f"{plan.name}.html",
                    }
                )
        data = manifest_mod.build_manifest(
            staging,
            parameters=given,
            effective_parameters=effective,
            corpus=validated.corpus,
            taxonomy=validated.taxonomy,
            notebooks=records,
            show_code=show_code,
            published_dir=out_dir,
        )
        data = _replace_strings(data, replacements)
        manifest_mod.write_json(data, staging / manifest_mod.MANIFEST_NAME)
        index = reports_html.render_index(
            data, figures=_figures(staging), corpus_summary=_corpus_summary(staging)
        )
        (staging / "index.html").write_text(index, encoding="utf-8")
        _publish(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return RunResult(True, out_dir, tuple(p.name for p in plans), None, None, tuple(removed))


# --- command line -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers reports",
        description=(
            "Run every notebook with papermill and publish HTML reports, figures/, data/, "
            "index.html and manifest.json into --out. The folder is replaced only when every "
            "notebook succeeds; a failed notebook is kept in OUT/_failed/."
        ),
        epilog="valid parameters (-p NAME=VALUE, or in --params FILE.yml):\n"
        + describe_parameters(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--corpus", metavar="PATH", help="corpus file or folder (= -p corpus_path=PATH)"
    )
    parser.add_argument(
        "--params", metavar="FILE.yml", help="YAML mapping of parameter names to values"
    )
    parser.add_argument(
        "-p",
        dest="assignments",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter; VALUE is YAML data (3, 0.9, [strike, displacement], null)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=str(config.REPORTS_DIR),
        help="report folder (default: reports/)",
    )
    parser.add_argument(
        "--only", nargs="+", action="extend", metavar="NAME", help="run only these notebooks"
    )
    parser.add_argument("--show-code", action="store_true", help="show code cells in the HTML")
    parser.add_argument(
        "--notebooks",
        metavar="DIR",
        default=str(config.NOTEBOOKS_DIR),
        help="notebooks folder (default: notebooks/)",
    )
    return parser


def cli_main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers reports``: 0 when published, 1 when a notebook failed, 2 on bad input."""
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help or a usage error, already printed by argparse
        return int(exc.code or 0)
    try:
        values = load_params_file(args.params) if args.params else {}
        assigned = parse_assignments(args.assignments)
        values.update(assigned)
        if args.corpus is not None:
            if "corpus_path" in assigned:
                raise _refuse("give the corpus once: --corpus or -p corpus_path, not both")
            values["corpus_path"] = str(Path(args.corpus).expanduser().resolve())
        result = render_reports(
            values,
            out_dir=args.out,
            notebooks_dir=args.notebooks,
            only=args.only,
            show_code=args.show_code,
        )
    except (ParameterError, ReportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not result.ok:
        print(f"error: {result.message}", file=sys.stderr)
        return 1
    print(result.message)
    return 0
