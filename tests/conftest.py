"""Session fixtures shared by the browser tests: one Chromium, the seeds' reports built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_support import chromium
from helpers import reports


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium (skips the test, with the install command, when missing)."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def seeds_reports(tmp_path_factory) -> Path:
    """``make reports`` on the seeds, into a temporary folder (about 20 s: three kernels)."""
    out = tmp_path_factory.mktemp("seeds") / "reports"
    result = reports.render_reports({}, out_dir=out, progress=False)
    assert result.ok, result.message
    return out
