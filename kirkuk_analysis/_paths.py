"""Where the shipped files live, from an installed wheel or from a checkout.

An installed wheel carries the data package at ``kirkuk_analysis/data_package/`` and the brief
notebook at ``kirkuk_analysis/notebooks/`` (hatchling ``force-include``). In a checkout (or an
editable install) they are at the repository root: ``data/`` and ``notebooks/``. The package
copy is looked at first, then the repository root.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def _first_existing(*candidates: Path, marker: str) -> Path:
    for candidate in candidates:
        if (candidate / marker).is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"cannot find {marker} (looked in: {looked})")


def data_dir() -> Path:
    """The folder holding the shipped ``datapackage.json`` and its CSV tables."""
    return _first_existing(
        PACKAGE_DIR / "data_package", REPO_ROOT / "data", marker="datapackage.json"
    )


def notebooks_dir() -> Path:
    """The folder holding ``brief.ipynb``."""
    return _first_existing(PACKAGE_DIR / "notebooks", REPO_ROOT / "notebooks", marker="brief.ipynb")


def geo_dir() -> Path:
    """The folder holding the Natural Earth boundary files (``iraq_admin1.geojson``...)."""
    return _first_existing(PACKAGE_DIR / "geo", marker="iraq_admin1.geojson")


def templates_dir() -> Path:
    """The nbconvert template folder (``brief/``) used to render the brief to HTML."""
    return _first_existing(PACKAGE_DIR / "templates", marker="brief/index.html.j2")
