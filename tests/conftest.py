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


# What every developer and CI run has beside the project (../shared/README.md); a researcher
# whose article texts live elsewhere sets KIRKUK_ARTICLES (docs/curating.md).
SHARED = Path(os.environ.get("KIRKUK_SHARED") or ROOT.parent / "shared")


def _required(path: Path, what: str) -> Path:
    """``path``, or a skip naming it; under ``CI=true`` a failure, since CI must audit."""
    if path.exists():
        return path
    message = f"{what} is not at {path}: the audit against the articles cannot run"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + " (CI=true: failing, not skipping)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    """The folder of article texts the data was coded from: ``$KIRKUK_ARTICLES`` when set,
    else ``../shared/articles``. They stay out of the repository (the outlets' words)."""
    folder = Path(os.environ.get("KIRKUK_ARTICLES") or SHARED / "articles")
    return _required(folder, "the folder of article texts")


@pytest.fixture(scope="session")
def evidence_checker() -> Path:
    """The shared reference checker the project's audit must agree with."""
    return _required(SHARED / "tools" / "check_evidence.py", "the shared evidence checker")


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped data package."""
    from kirkuk_analysis import _paths

    target = tmp_path / "data"
    shutil.copytree(_paths.data_dir(), target)
    return target
