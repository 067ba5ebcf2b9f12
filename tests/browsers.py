"""Finding the browser for the browser tests (test_report_browser.py, test_serve_browser.py).

``need_chromium()`` returns the Chromium executable (``$PROFILEWATCH_CHROMIUM``, ``chromium``,
``chromium-browser``, ``google-chrome``) or skips -- loudly: a warning plus a skip reason --
when none is installed (``.ci/install-browser`` installs Debian's ``chromium``).
"""
from __future__ import annotations

import os
import shutil
import warnings

import pytest


def browser_path() -> str | None:
    for candidate in (os.environ.get("PROFILEWATCH_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def skip_loudly(msg: str) -> None:
    warnings.warn(msg)
    pytest.skip(msg)


def need_chromium(what: str) -> str:
    exe = browser_path()
    if exe is None:
        skip_loudly(f"NO BROWSER: chromium not found -- {what} was NOT checked in a real browser. "
                    "Run .ci/install-browser (Debian package 'chromium') to enable these tests.")
    return exe
