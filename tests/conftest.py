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


SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    """The folder of article texts the data was coded from: ``$KIRKUK_ARTICLES`` when set,
    else ``../shared/articles``.

    They stay out of the repository (the outlets' words). Where the folder is missing the
    audit tests skip, except in CI (``CI=true``), where they fail: CI must audit.
    """
    folder = Path(os.environ.get("KIRKUK_ARTICLES") or SHARED / "articles")
    if not folder.is_dir():
        message = f"the article texts are not at {folder}: the audit against them cannot run"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + " (CI=true: failing, not skipping)")
        pytest.skip(message)
    return folder


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped data package."""
    from kirkuk_analysis import _paths

    target = tmp_path / "data"
    shutil.copytree(_paths.data_dir(), target)
    return target
