"""Print pip constraints pinning each runtime dependency of pyproject.toml to its floor.

``.ci/run`` installs the bot with these constraints into a separate venv and runs a fast subset
of the tests, so a floor (``>=X``) that no longer works fails CI instead of a deployer's install.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def floors(pyproject: Path) -> list[str]:
    """``name==X`` for every dependency declared ``>=X``; a dependency without a floor fails."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    pins = []
    for requirement in project["dependencies"]:
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", requirement)
        assert match, requirement
        name, spec = match.group(1), match.group(3)
        floor = re.search(r">=\s*([^,;\s]+)", spec)
        if floor is None:
            sys.exit(f"{name} has no floor (>=X) in pyproject.toml: {requirement!r}")
        pins.append(f"{name}=={floor.group(1)}")
    return pins


if __name__ == "__main__":
    print("\n".join(floors(ROOT / "pyproject.toml")))
