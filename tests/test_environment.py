"""pyproject.toml is the one source of dependency truth; environment.yml must list the same, and
constraints.txt pins each of them to one version inside that range."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (config.REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line)
            [spec] = req.specifier
            assert spec.operator == "==", f"constraints.txt pins exact versions: {line!r}"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_constraints_pin_every_dependency_within_its_pyproject_range():
    data = tomllib.loads((config.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = list(data["project"]["dependencies"])
    for extra in data["project"]["optional-dependencies"].values():
        wanted += [line for line in extra if not line.startswith("helpers")]
    pins = _constraints()
    for line in wanted:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"constraints.txt does not pin {req.name}: run `make lock`"
        assert req.specifier.contains(pins[name]), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject's {req.specifier}"
        )


def test_installed_versions_are_the_pinned_ones():
    """The reports and their committed copy are compared byte for byte; that needs these."""
    from importlib import metadata

    pins = _constraints()
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if canonicalize_name(dist.metadata["Name"]) in pins
    }
    differing = {n: (installed[n], v) for n, v in pins.items() if installed.get(n, v) != v}
    assert not differing, f"installed (got, pinned) differ from constraints.txt: {differing}"
