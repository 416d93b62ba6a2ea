"""Helpers for news-coverage notebooks: load a corpus, find event mentions, score tone, aggregate by
day, plot, and render reports.

Import the modules you need (``from helpers import corpus, text, events``); importing this package
does no work.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("helpers")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
