"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright.

Playwright's own browser download is not used (it needs the network); every test launches the
system chromium with the flags below, in a fresh temporary profile. :class:`PageWatch` records
what a page did that a report must never do: open a dialog, fetch from anywhere but the allowed
origins, log a console error or throw.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SKIP_REASON = "Debian's chromium is not installed: apt-get install chromium"

# Every <img> with its load state; naturalWidth is 0 for an image that failed to load.
IMAGES_JS = """() => Array.from(document.images).map(img => ({
    src: img.currentSrc.slice(0, 80), complete: img.complete, width: img.naturalWidth }))"""


def chromium_path() -> str:
    """Path of Debian's chromium, or skip the calling test with the install command."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None
    )
    if found is None:
        pytest.skip(SKIP_REASON)
    return found


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright ``Browser``), closed on exit.

    ``launch`` gives every run a fresh temporary profile, so nothing of a user's browser state
    is read or written.
    """
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageWatch:
    """Everything a page did that a test may forbid.

    ``allowed`` are URL prefixes a request may go to (``file:`` and ``data:`` for an offline
    report; the server's origin for JupyterLab). Other requests are aborted before they leave
    the machine and recorded in ``blocked``; dialogs are dismissed and recorded.
    """

    allowed: Sequence[str] = ("file:", "data:")
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    ignore_console: Sequence[str] = ()

    def attach(self, page: Any) -> Any:
        """Start watching ``page`` (call before navigating); returns the page."""
        page.route("**/*", self._route)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda socket: self._check(socket.url))
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return page

    def _check(self, url: str) -> bool:
        if url.startswith(tuple(self.allowed)):
            return True
        self.blocked.append(url)
        return False

    def _route(self, route: Any) -> None:
        if self._check(route.request.url):
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if message.type == "error" and not any(s in message.text for s in self.ignore_console):
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def problems(self) -> list[str]:
        """One line per forbidden event; empty when the page behaved."""
        # A request the route did not see (e.g. a service worker's) is still checked here.
        unseen = [u for u in self.requests if not u.startswith(tuple(self.allowed))]
        blocked = list(dict.fromkeys(self.blocked + unseen))
        return (
            [f"dialog opened: {d}" for d in self.dialogs]
            + [f"request left the machine: {u[:120]}" for u in blocked]
            + [f"console error: {c[:300]}" for c in self.console_errors]
            + [f"uncaught exception: {e[:300]}" for e in self.page_errors]
        )


def broken_images(page: Any) -> list[dict[str, Any]]:
    """The page's ``<img>`` elements that did not load (naturalWidth 0)."""
    return [img for img in page.evaluate(IMAGES_JS) if not img["complete"] or img["width"] == 0]
