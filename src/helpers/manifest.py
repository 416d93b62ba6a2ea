"""Provenance of a report run: what went in (parameters, corpus, taxonomy, code, versions) and
what came out (every published file with its sha256).

The manifest is deterministic: the same inputs and outputs give the same bytes. It holds no
wall-clock time, no process id and no temporary path, and its keys are sorted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import re
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from . import config

__all__ = [
    "MANIFEST_NAME",
    "TOOL",
    "sha256_file",
    "tree_digest",
    "package_versions",
    "git_commit",
    "display_path",
    "file_entries",
    "build_manifest",
    "write_json",
]

MANIFEST_NAME = "manifest.json"
# Written into every manifest; a folder whose manifest carries it may be replaced by the runner.
TOOL = "helpers.reports"

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _tree_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        (p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix()
    )


def tree_digest(path: str | Path) -> dict[str, Any]:
    """Content hash of a file or folder (recursively), independent of where it lives.

    For each regular file, in order of its relative POSIX path, the digest takes the relative path,
    a NUL, the size in bytes, a NUL and the file's bytes; a single file is hashed under its own
    name. Renaming, adding, removing or editing any file changes the hash; moving the whole folder
    or touching timestamps does not.

    Returns
    -------
    dict
        ``sha256`` (hex), ``files`` (count) and ``bytes`` (total size).
    """
    root = Path(path).expanduser()
    base = root.parent if root.is_file() else root
    digest = hashlib.sha256()
    n_files = n_bytes = 0
    for file in _tree_files(root):
        size = file.stat().st_size
        digest.update(file.relative_to(base).as_posix().encode("utf-8") + b"\0")
        digest.update(str(size).encode("ascii") + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        n_files += 1
        n_bytes += size
    return {"sha256": digest.hexdigest(), "files": n_files, "bytes": n_bytes}


def _requirement_names(distribution: str) -> list[str]:
    try:
        requires = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return []
    names = []
    for requirement in requires:
        # Optional extras ("; extra == 'dev'") are tools, not what the reports ran on.
        if "extra" in requirement.partition(";")[2]:
            continue
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        if match:
            names.append(match.group(0))
    return names


def package_versions(extra: Iterable[str] = ()) -> dict[str, str | None]:
    """Installed version of ``helpers``, each of its runtime dependencies and ``extra`` names.

    Returns
    -------
    dict
        Distribution name (as declared) to version string, or None when it is not installed.
    """
    names = {"helpers", *_requirement_names("helpers"), *extra}
    versions: dict[str, str | None] = {}
    for name in sorted(names, key=str.lower):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(
    repo: str | Path = config.REPO_ROOT, *, exclude: Path | None = None
) -> dict[str, Any] | None:
    """The checkout's commit and whether tracked files differ from it; None outside a checkout.

    ``exclude`` (the folder a run publishes into) is left out of the comparison: re-rendering
    it in place changes it, and the rendered output is not what produced it.
    """
    pathspec = ["--", "."]
    if exclude is not None:
        with contextlib.suppress(ValueError):
            inside = Path(exclude).resolve().relative_to(Path(repo).resolve()).as_posix()
            pathspec.append(f":(exclude){inside}")
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", *pathspec],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return {"commit": head.stdout.strip(), "dirty": dirty}


def display_path(path: str | Path) -> str:
    """A path as recorded in reports: relative to the repository when inside it, else absolute."""
    resolved = Path(path).expanduser().resolve()
    try:
        return resolved.relative_to(config.REPO_ROOT).as_posix()
    except ValueError:
        return resolved.as_posix()


def file_entries(
    root: Path, folder: str, *, suffixes: Iterable[str] | None = None
) -> list[dict[str, str]]:
    """``{"path", "sha256"}`` for every file under ``root/folder``, sorted by relative path."""
    base = root / folder if folder else root
    if not base.is_dir():
        return []
    wanted = set(suffixes) if suffixes is not None else None
    entries = []
    for file in sorted(base.rglob("*") if folder else base.iterdir()):
        if not file.is_file() or (wanted is not None and file.suffix not in wanted):
            continue
        entries.append({"path": file.relative_to(root).as_posix(), "sha256": sha256_file(file)})
    return sorted(entries, key=lambda e: e["path"])


def build_manifest(
    out_dir: Path,
    *,
    parameters: Mapping[str, Any],
    effective_parameters: Mapping[str, Any],
    corpus: Path,
    taxonomy: Path,
    notebooks: list[dict[str, Any]],
    show_code: bool,
    published_dir: Path | None = None,
) -> dict[str, Any]:
    """The manifest of a finished run whose files are all in ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder holding the run's notebooks, HTML, ``figures/`` and ``data/``.
    parameters
        The parameters given to the run (after validation, paths absolute).
    effective_parameters
        Every parameter with the value in force, defaults included.
    corpus, taxonomy
        The corpus and taxonomy actually analysed.
    notebooks
        One dict per notebook run (name, source, parameters passed, outputs).
    show_code
        Whether the HTML shows code cells.
    published_dir
        Where the run will be published; left out of the git "working tree modified" check.
    """
    corpus_info = {"path": display_path(corpus), **tree_digest(corpus)} if corpus.exists() else None
    taxonomy_info = (
        {"path": display_path(taxonomy), "sha256": sha256_file(taxonomy)}
        if taxonomy.is_file()
        else None
    )
    return {
        "tool": TOOL,
        "parameters": dict(parameters),
        "effective_parameters": dict(effective_parameters),
        "corpus": corpus_info,
        "taxonomy": taxonomy_info,
        "notebooks": notebooks,
        "reports": file_entries(out_dir, "", suffixes={".ipynb", ".html"}),
        "figures": file_entries(out_dir, "figures"),
        "data": file_entries(out_dir, "data"),
        "show_code": show_code,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "versions": package_versions(),
        "git": git_commit(exclude=published_dir),
    }


def write_json(data: Any, path: Path) -> None:
    """Write JSON deterministically: sorted keys, two-space indent, UTF-8, final newline."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
