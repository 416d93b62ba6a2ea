"""pyproject.toml is the one source of dependency truth; environment.yml must list the same."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement

from helpers import config


def _compatible_to_range(spec: str) -> str:
    """``~=3.1`` -> ``>=3.1,<4``; ``~=0.3`` -> ``>=0.3,<0.4`` (PEP 440 compatible release)."""
    match = re.fullmatch(r"~=(\d+)\.(\d+)", spec)
    assert match, f"pyproject pins must be compatible releases (~=X.Y), got {spec!r}"
    major, minor = int(match[1]), int(match[2])
    upper = f"0.{minor + 1}" if major == 0 else f"{major + 1}"
    return f">={major}.{minor},<{upper}"


def _pyproject_deps() -> dict[str, str]:
    data = tomllib.loads((config.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = {}
    for line in data["project"]["dependencies"]:
        req = Requirement(line)
        deps[req.name.lower()] = _compatible_to_range(str(req.specifier))
    return deps


def _environment_deps() -> dict[str, str]:
    env = yaml.safe_load((config.REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = {}
    entries = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            entries.extend(item.get("pip", []))
        else:
            entries.append(item)
    for entry in entries:
        if entry.startswith("-e") or entry in {"pip"} or entry.startswith("python"):
            continue
        name, spec = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry).groups()
        deps[name.lower()] = spec.replace(" ", "")
    return deps


def test_environment_yml_lists_exactly_the_pyproject_dependencies():
    assert _environment_deps() == _pyproject_deps()


def test_environment_yml_installs_the_project_itself():
    text = (config.REPO_ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "-e . --no-deps" in text
