"""The preview's index page loads in a real browser (headless Chromium) without errors.

Chromium is Debian's ``chromium`` package; ``.ci/run`` installs it and runs these tests with
``pytest -m browser`` (the default run leaves them out). A missing browser fails this test with
instructions rather than skipping it, so the check can never silently stop running.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.config import Settings
from bot.context import Services
from bot.review.preview import build_preview
from tests.consoleproc import HANG_GUARD

pytestmark = pytest.mark.browser

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0")


def chromium() -> str:
    """The Chromium executable, or a failed test saying how to install it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("headless Chromium is needed for this test: "
                    "apt-get update && apt-get install -y chromium")
    return found


def browse(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Chromium once with its own throw-away profile."""
    profile = tmp_path / "profile"
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=HANG_GUARD, check=False)


def test_index_loads_in_chromium_without_errors(tmp_path: Path, services: Services) -> None:
    index = build_preview(Settings(token=""), tmp_path / "site")
    result = browse(tmp_path, "--dump-dom", index.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<h1>Content preview</h1>" in dom
    for section in services.content.walk():
        assert html.escape(section.title, quote=False) in dom, section.id
    # Page errors and console messages (uncaught exceptions, CSP, ...) are logged as CONSOLE.
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []

