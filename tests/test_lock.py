"""``requirements.lock`` (what the image installs) agrees with ``pyproject.toml``.

Every runtime dependency, and every package its requested extras need, is pinned in the lock
within the range pyproject.toml allows, with hashes. When this fails, regenerate the lock with
the one command in :data:`REGENERATE` (README, "Reproducible deploys").
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = ".venv/bin/pip install -e '.[lock]' && .venv/bin/pip-compile pyproject.toml"
HINT = f"requirements.lock disagrees with pyproject.toml: regenerate it with `{REGENERATE}`"


def locked() -> dict[str, tuple[str, int]]:
    """Each pinned package of the lock: its version and how many hashes it carries."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, tuple[str, int]] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)(.*)$", line.split("#")[0].strip())
        assert match, f"not a pinned requirement: {line!r}"
        name, version, rest = match.groups()
        pins[canonicalize_name(name)] = (version, rest.count("--hash=sha256:"))
    return pins


def declared() -> list[Requirement]:
    """The runtime dependencies in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"]]


def extras_needs(requirement: Requirement) -> list[Requirement]:
    """What the extras of ``requirement`` (e.g. ``[webhooks]``) add, per the installed metadata."""
    needs = []
    for line in metadata.requires(requirement.name) or []:
        need = Requirement(line)
        if need.marker and any(need.marker.evaluate({"extra": extra})
                               for extra in requirement.extras):
            needs.append(need)
    return needs


def test_every_dependency_is_pinned_within_its_range() -> None:
    pins = locked()
    for requirement in declared():
        for wanted in [requirement, *extras_needs(requirement)]:
            name = canonicalize_name(wanted.name)
            assert name in pins, f"{wanted.name} is not in the lock. {HINT}"
            version, _ = pins[name]
            assert wanted.specifier.contains(version, prereleases=True), (
                f"the lock pins {wanted.name}=={version}, outside {wanted.specifier}. {HINT}")


def test_every_pin_carries_hashes() -> None:
    unhashed = [name for name, (_, hashes) in locked().items() if hashes == 0]
    assert unhashed == [], f"pinned without --hash: {unhashed}. {HINT}"


def test_each_dependency_is_declared_once() -> None:
    names = [canonicalize_name(r.name) for r in declared()]
    assert sorted(names) == sorted(set(names)), names


def test_aiohttp_floor_excludes_the_known_server_bugs() -> None:
    # CVE-2025-69223 (zip bomb, <= 3.13.2), CVE-2024-52304 and CVE-2025-53643 (smuggling).
    (aiohttp,) = [r for r in declared() if r.name == "aiohttp"]
    assert not aiohttp.specifier.contains("3.13.2")
    assert aiohttp.specifier.contains("3.13.3")
