"""Hatchling build hook: put data/ and notebooks/brief.ipynb inside the regular wheel.

Editable installs skip this (they read the files from the checkout through
kirkuk_analysis/_paths.py), so a working tree without data/ still installs.
"""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SHIPPED = {
    "data": "kirkuk_analysis/data_package",
    "notebooks/brief.ipynb": "kirkuk_analysis/notebooks/brief.ipynb",
}


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        for source, target in SHIPPED.items():
            if not (root / source).exists():
                raise FileNotFoundError(f"cannot build the wheel: {source} is missing")
            build_data["force_include"][str(root / source)] = target
