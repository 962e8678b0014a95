"""The package's architecture, checked: no module imports one above its layer, and no loops.

Layers, top to bottom (``bot/*/__init__.py`` say the same in words)::

    __main__ → console, review, startup → app → handlers, bundles, menus → context
             → search, usage → content
             → transport → config, logs

A module may import its own package and anything in a lower layer; never a higher layer, and
never a different package of its own layer (search and usage know nothing of each other).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS: dict[str, int] = {
    "bot.__main__": 0,
    "bot.console": 1, "bot.review": 1, "bot.startup": 1,
    "bot.app": 2,
    "bot.handlers": 3, "bot.bundles": 3, "bot.menus": 3,
    "bot.context": 4,
    "bot.search": 5, "bot.usage": 5,
    "bot.content": 6,
    "bot.transport": 7,
    "bot.config": 8, "bot.logs": 8,
}


def module_name(path: Path) -> str:
    """``bot/search/index.py`` → ``bot.search.index``; ``__init__`` names its package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit(module: str) -> str:
    """The layered unit a module belongs to: its subpackage, or the top-level module itself."""
    for name in sorted(LAYERS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to the docs")


def imports_of(path: Path) -> set[str]:
    """Every ``bot`` module ``path`` imports, at any depth of the file (type-checking included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "bot")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "bot":
                continue
            for alias in node.names:  # ``from bot.usage import stats`` imports a module
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found - {"bot"}


MODULES: dict[str, Path] = {module_name(p): p for p in (ROOT / "bot").rglob("*.py")}
GRAPH: dict[str, set[str]] = {name: imports_of(path) for name, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        if name != "bot":
            unit(name)


def test_no_module_imports_upward_or_sideways() -> None:
    wrong = []
    for name, targets in GRAPH.items():
        if name == "bot":
            continue
        for target in targets:
            here, there = unit(name), unit(target)
            if here != there and LAYERS[there] <= LAYERS[here]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "imports against the layering:\n" + "\n".join(sorted(wrong))


def test_no_import_loop() -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    loops: list[str] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(GRAPH.get(name, ())):
            if target not in MODULES:
                continue
            if state.get(target) == 1:
                loops.append(" → ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(MODULES):
        if name not in state:
            visit(name, [name])
    assert not loops, "import loops:\n" + "\n".join(loops)


def test_the_checker_sees_a_planted_violation(tmp_path: Path) -> None:
    """The walk must catch what it is for: a content module importing search."""
    planted = tmp_path / "planted.py"
    planted.write_text("from bot.search.index import SearchIndex\n", encoding="utf-8")
    assert imports_of(planted) == {"bot.search.index"}
    assert LAYERS[unit("bot.search.index")] <= LAYERS[unit("bot.content.keyboards")]


def test_every_subpackage_says_its_job_and_what_it_may_import() -> None:
    for init in (ROOT / "bot").glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, f"{init.relative_to(ROOT)} does not say what it may import"
