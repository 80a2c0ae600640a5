"""The project's own lint, format and type checks, so `.ci/run` (and a plain `pytest`) enforce
them: ruff (lint and format) and mypy, with the settings in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["asymbl_sf", "tests", "benchmarks"]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: install the project with '.[test]'")
    return found


def test_ruff_finds_nothing_to_lint() -> None:
    done = _run(_tool("ruff"), "check", "--output-format", "concise", *CHECKED)
    assert done.returncode == 0, done.stdout + done.stderr


def test_code_is_ruff_formatted() -> None:
    done = _run(_tool("ruff"), "format", "--check", *CHECKED)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_no_type_errors() -> None:
    done = _run(sys.executable, "-m", "mypy", "asymbl_sf")
    assert done.returncode == 0, done.stdout + done.stderr
