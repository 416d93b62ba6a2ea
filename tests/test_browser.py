"""The published reports in a real browser: inert, offline, complete.

Every page of a report set (each notebook's HTML and index.html) is opened from disk in headless
Chromium. A page passes when no dialog opened, no request went anywhere but ``file:``/``data:``
(others are aborted before they leave the machine), nothing was logged as a console error, every
``<img>`` loaded, and, for the hostile corpus, the script-like strings from the articles are on
the page as text. Two report sets are built once per session with
:func:`helpers.reports.render_reports`: the seeds (``seeds_reports`` in conftest.py) and a corpus
whose file names, ids and text are XSS and template-injection payloads.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from browser_support import PageWatch, broken_images
from helpers import config, reports

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '"><iframe src=javascript:alert(1)>',
    "{{7*7}}",
    "[x](javascript:alert(1))",
)
# The corpus folder's own name: it reaches index.html as the corpus path, and the notebooks as
# an injected string parameter (a quote inside a papermill parameter).
FOLDER_PAYLOAD = '"><iframe src=javascript:alert(1)>'

# Anything that would make a payload live, looked up in the rendered DOM.
ACTIVE_JS = """() => Array.from(document.querySelectorAll(
    'script, iframe, object, embed, [onload], [onerror], [onclick], a[href^="javascript:" i]'
)).map(e => e.outerHTML.slice(0, 120))"""


def write_hostile_corpus(parent: Path) -> Path:
    """A folder of dated articles whose names, ids and text are payloads; returns the folder.

    Payloads without a slash name ``.txt`` files (the file name becomes the doc_id, shown in the
    ledger, evidence and extremes tables); the two with a slash are ids in a CSV. Every article
    says "Russian missiles struck a gas pipeline" and "Shelling killed ... civilians", so each
    one has event hits (evidence table) and a strongly negative sentence (extremes table) that
    carry its payload in the text too.
    """
    folder = parent / f"corpus {FOLDER_PAYLOAD}"
    folder.mkdir(parents=True)

    def body(payload: str) -> str:
        return f"Russian missiles struck a gas pipeline {payload} today. Shelling killed {payload}."

    as_files = [p for p in PAYLOADS if "/" not in p]
    for day, payload in enumerate(as_files):
        text = f" date 2022-02-{24 + day % 3} {body(payload)}\n\nTroops fled the city.\n"
        (folder / f"{payload}.txt").write_text(text, encoding="utf-8")
    with (folder / "wire.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "title", "text"])
        for day, payload in enumerate(p for p in PAYLOADS if "/" in p):
            writer.writerow([payload, f"2022-02-2{5 + day}", payload, body(payload)])
    return folder


@pytest.fixture(scope="session")
def hostile_reports(tmp_path_factory) -> Path:
    """The reports rendered from the hostile corpus, code shown (the other HTML template path)."""
    corpus = write_hostile_corpus(tmp_path_factory.mktemp("hostile"))
    out = corpus.parent / "reports"
    result = reports.render_reports(
        {"corpus_path": str(corpus)}, out_dir=out, show_code=True, progress=False
    )
    assert result.ok, result.message
    return out


def pages(report_dir: Path) -> list[Path]:
    found = sorted(report_dir.glob("*.html"))
    assert report_dir / "index.html" in found and len(found) >= 2, found
    return found


def expected_images(page: Path, report_dir: Path) -> int:
    """How many figures a page must show: index.html one per saved PNG, a notebook's page one
    per ``plotting.publish`` call in its source."""
    if page.name == "index.html":
        return len(list((report_dir / "figures").glob("*.png")))
    source = (config.NOTEBOOKS_DIR / f"{page.stem}.py").read_text(encoding="utf-8")
    return len(re.findall(r"\bplotting\.publish\(", source))


def open_page(browser, page_path: Path) -> tuple[object, PageWatch]:
    watch = PageWatch()
    page = watch.attach(browser.new_page())
    page.goto(page_path.as_uri(), wait_until="load")
    return page, watch


def check_page(browser, page_path: Path, report_dir: Path) -> str:
    """Open one page, assert it behaved, return its visible text."""
    page, watch = open_page(browser, page_path)
    try:
        images = page.evaluate("() => document.images.length")
        assert watch.problems() == [], page_path.name
        assert broken_images(page) == [], page_path.name
        assert images >= expected_images(page_path, report_dir), page_path.name
        assert page.evaluate(ACTIVE_JS) == [], page_path.name
        return page.inner_text("body")
    finally:
        page.close()


def test_harness_catches_what_it_must(browser, tmp_path):
    # The checks below are only worth something if a live payload would trip them.
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<p>x</p><img src='https://example.invalid/pixel.png'><img src='missing.png'>"
        "<script>alert(1); console.error('boom')</script>",
        encoding="utf-8",
    )
    page, watch = open_page(browser, bad)
    try:
        problems = watch.problems()
        assert any(p.startswith("dialog opened: alert: 1") for p in problems), problems
        assert any("example.invalid" in p for p in problems), problems
        assert any("boom" in p for p in problems), problems
        assert len(broken_images(page)) == 2
        assert page.evaluate(ACTIVE_JS) != []
    finally:
        page.close()


def test_seeds_reports_load_offline_with_every_figure(browser, seeds_reports):
    for page_path in pages(seeds_reports):
        text = check_page(browser, page_path, seeds_reports)
        assert text.strip(), page_path.name


def test_hostile_corpus_shows_as_text_and_never_runs(browser, hostile_reports):
    visible = {
        page_path.name: check_page(browser, page_path, hostile_reports)
        for page_path in pages(hostile_reports)
    }
    # The ledger names every file and record: all payloads, verbatim.
    overview = visible["01_corpus_overview.html"]
    assert [p for p in PAYLOADS if p not in overview] == []
    assert FOLDER_PAYLOAD in visible["index.html"]
    # Evidence and extremes tables quote the articles' ids and text (the cleaner strips real
    # HTML tags from article text, so not every payload survives into a sentence).
    for name in ("02_event_frequency.html", "03_sentiment_over_time.html"):
        shown = [p for p in PAYLOADS if p in visible[name]]
        assert len(shown) >= 3, (name, shown)
