"""The command line: `check` passes on the real content and names problems in broken content."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def test_check_passes_on_the_real_content(tmp_path: Path) -> None:
    result = _run("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 28 sections")


def test_check_reports_a_bad_command_mentioned_in_text(tmp_path: Path) -> None:
    content = tmp_path / "en"
    shutil.copytree(ROOT / "content" / "en", content)
    page = content / "lung.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee /no_such_command.\n",
                    encoding="utf-8")
    result = _run("check", "--content", str(content), cwd=tmp_path)
    assert result.returncode == 1
    assert "lung/1: mentions unknown command /no_such_command" in result.stderr


def test_check_reports_broken_front_matter(tmp_path: Path) -> None:
    content = tmp_path / "en"
    shutil.copytree(ROOT / "content" / "en", content)
    (content / "breast.md").write_text("---\nid: [unclosed\n---\nx\n", encoding="utf-8")
    result = _run("check", "--content", str(content), cwd=tmp_path)
    assert result.returncode == 1
    assert "breast.md: cannot parse front matter" in result.stderr
    assert "Traceback" not in result.stderr
