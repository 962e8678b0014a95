"""The built package works anywhere: sdist and wheel built, installed into a fresh venv.

``python -m build`` makes the sdist, then the wheel from the sdist (so both must carry
``content/`` and ``templates/``). The wheel goes into a new virtual environment outside the
checkout, with its dependencies from ``requirements.lock`` exactly as the Dockerfile installs
them, and the CLI runs from an unrelated folder with no path into this checkout. Takes about a
minute: building and installing is the thing under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LONG = 600  # guards against a hung build or install, not a timing


@dataclass(frozen=True)
class Installed:
    """A venv with the wheel installed, and a folder outside the checkout to run it from."""

    venv: Path
    cwd: Path
    env: dict[str, str]

    def run(self, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        """``liverbot ARGS`` from the venv, in ``cwd``."""
        return subprocess.run([str(self.venv / "bin" / "liverbot"), *args], cwd=self.cwd,
                              input=stdin, capture_output=True, text=True, timeout=LONG,
                              check=False, env=self.env | env)


def _clean_env(tmp: Path) -> dict[str, str]:
    """This environment without anything that points into the checkout or its venv."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("BOT_", "PYTHON", "VIRTUAL_ENV"))}
    return env | {"BOT_DB_PATH": str(tmp / "usage.sqlite3"), "NO_COLOR": "1"}


def _step(*args: str | Path, env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=LONG, check=False)
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build sdist and wheel, install the wheel from the lock into a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = _clean_env(tmp)
    dist = tmp / "dist"
    _step(sys.executable, "-m", "build", "--outdir", dist, ROOT, env=env, cwd=tmp)
    (wheel,) = dist.glob("liverbot-*.whl")
    venv = tmp / "venv"
    _step(sys.executable, "-m", "venv", venv, env=env, cwd=tmp)
    pip = venv / "bin" / "pip"
    _step(pip, "install", "-q", "--require-hashes", "-r", ROOT / "requirements.lock",
          env=env, cwd=tmp)
    _step(pip, "install", "-q", "--no-deps", wheel, env=env, cwd=tmp)
    _step(pip, "check", env=env, cwd=tmp)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return Installed(venv, elsewhere, env)


def test_the_installed_package_is_not_the_checkout(installed: Installed) -> None:
    where = _step(installed.venv / "bin" / "python", "-c",
                  "import bot.config as c; print(c.__file__); print(c.DATA_ROOT)",
                  env=installed.env, cwd=installed.cwd).split()
    assert all(str(installed.venv) in line for line in where), where
    assert not any(str(ROOT) in line for line in where), where


def test_check_works_from_any_folder(installed: Installed) -> None:
    result = installed.run("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: "), result.stdout


def test_console_answers_start(installed: Installed) -> None:
    result = installed.run("console", stdin="/start\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "Hello. I'm here to help." in result.stdout
    assert "Traceback" not in result.stderr


def test_preview_writes_a_site(installed: Installed) -> None:
    result = installed.run("preview", "site")
    assert result.returncode == 0, result.stderr
    index = installed.cwd / "site" / "index.html"
    assert "<h1>Content preview</h1>" in index.read_text(encoding="utf-8")
    assert (installed.cwd / "site" / "style.css").is_file()


def test_version(installed: Installed) -> None:
    result = installed.run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "liverbot 0.1.0"


def test_a_deployers_own_copy_of_content_and_templates(installed: Installed,
                                                       tmp_path: Path) -> None:
    content, templates = tmp_path / "content", tmp_path / "templates"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "templates", templates)
    welcome = templates / "welcome.html.j2"
    welcome.write_text(welcome.read_text(encoding="utf-8").replace(
        "Hello. I'm here to help.", "Welcome to the clinic's own copy."), encoding="utf-8")
    result = installed.run("console", stdin="/start\n/quit\n",
                           BOT_CONTENT_DIR=str(content), BOT_TEMPLATES_DIR=str(templates))
    assert result.returncode == 0, result.stderr
    assert "Welcome to the clinic's own copy." in result.stdout
    missing = installed.run("check", BOT_CONTENT_DIR=str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("configuration error: BOT_CONTENT_DIR must be an existing")
