"""The committed reports/ is what `make reports` produces from this commit's code and seeds.

Regenerates every report from the seeds into a temporary folder and compares it, file by file and
byte for byte, with reports/. Only the git commit may differ (the manifest's ``git`` entry and
the index's ``<table class="git">``): a file cannot hold the hash of the commit that contains it.
If this fails after an intended change, run `make reports` and commit the result (review the
diff of reports/data/*.csv first).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from helpers import config

pytestmark = pytest.mark.slow


def _files(root):
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and "_failed" not in path.parts
    }


def _without_git(page: str) -> str:
    stripped, n = re.subn(r'<table class="git">.*?</table>', "", page, flags=re.S)
    assert n == 1, "index.html should show the git commit in exactly one table"
    return stripped


def test_committed_reports_match_a_fresh_render(tmp_path):
    assert config.REPORTS_DIR.is_dir(), "reports/ is missing: run `make reports` and commit it"
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "reports", "--out", "reports"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    fresh, committed = _files(tmp_path / "reports"), _files(config.REPORTS_DIR)
    assert sorted(fresh) == sorted(committed)
    differing = []
    for name, path in fresh.items():
        if name == "manifest.json":
            new, old = (json.loads(p.read_text()) for p in (path, committed[name]))
            new.pop("git", None), old.pop("git", None)
            versions = {
                k: (old["versions"].get(k), v)
                for k, v in new["versions"].items()
                if old["versions"].get(k) != v
            }
            assert not versions, (
                f"the environment is not the one reports/ was rendered with (committed, "
                f"installed): {versions}; install from constraints.txt (make) or run `make lock`"
            )
            if new != old:
                differing.append(name)
        elif name == "index.html":
            new, old = (
                _without_git(p.read_text(encoding="utf-8")) for p in (path, committed[name])
            )
            if new != old:
                differing.append(name)
        elif path.read_bytes() != committed[name].read_bytes():
            differing.append(name)
    assert differing == [], f"reports/ is stale; run `make reports` and commit: {differing}"
