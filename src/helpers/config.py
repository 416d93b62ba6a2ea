"""One place for paths and defaults.

Every path is anchored on this file, never on the current working directory, so notebooks run
under papermill from any directory and still find the corpus and the package data.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"

# The repository root exists only in a source checkout (editable install, src layout).
REPO_ROOT = PACKAGE_DIR.parents[1]
SEEDS_DIR = REPO_ROOT / "seeds"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
REPORTS_DIR = REPO_ROOT / "reports"

# Cached analyses (helpers.pipeline): inside a source checkout next to the code (git-ignored);
# for an installed package, the user's cache folder. HELPERS_CACHE_DIR overrides both.
_IN_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file()
CACHE_DIR = Path(
    os.environ.get("HELPERS_CACHE_DIR")
    or (REPO_ROOT / ".cache" if _IN_CHECKOUT else Path.home() / ".cache" / "news-coverage-helpers")
)
# Memory-mapped result tables of large analyses (helpers.spill); files are unlinked once mapped.
SCRATCH_DIR = Path(os.environ.get("HELPERS_SCRATCH_DIR") or CACHE_DIR / "scratch")

DEFAULT_TAXONOMY = DATA_DIR / "taxonomy.yml"
DEFAULT_KEY_DATES = DATA_DIR / "key_dates_ukraine_2022.yml"

# VADER authors' convention for labelling a compound score.
POS_THRESHOLD = 0.05
NEG_THRESHOLD = -0.05
