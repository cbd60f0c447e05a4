"""The code's own checks, run with the suite so the README's test command runs them too:
``ruff check`` (lint), ``ruff format --check`` (one format) and ``lint-imports`` (the layers of
``docs/ARCHITECTURE.md``, declared in ``pyproject.toml`` under ``[tool.importlinter]``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it comes with the test extra (pip install '.[test]')")
    return found


def _run(args: list[str]) -> None:
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"


def test_ruff_check():
    _run([_tool("ruff"), "check", "."])


def test_ruff_format():
    _run([_tool("ruff"), "format", "--check", "."])


def test_import_layers():
    _run([_tool("lint-imports")])
