"""Shared fixtures. Plots never open a window: MPLBACKEND=Agg for this process and children."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

os.environ["MPLBACKEND"] = "Agg"

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli_command() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).parent / "kirkuk-analysis"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "kirkuk_analysis.cli"]


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped data package."""
    from kirkuk_analysis import _paths

    target = tmp_path / "data"
    shutil.copytree(_paths.data_dir(), target)
    return target
