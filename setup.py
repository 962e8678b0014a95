"""Build hook: ship the top-level ``content/``, ``templates/`` and ``locale/`` inside the package.

They stay at the top of the repository (the layout is part of the design); at build time they are
copied to ``bot/_data/`` in the wheel, where :mod:`bot.config` finds them once installed. An
editable install reads them from the checkout instead, so nothing is copied then.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_DIRS = ("content", "templates", "locale")


class BuildWithData(build_py):
    """``build_py`` that also copies the data folders into ``bot/_data``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for name in DATA_DIRS:
            target = Path(self.build_lib) / "bot" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(root / name, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo~"))


setup(cmdclass={"build_py": BuildWithData})
