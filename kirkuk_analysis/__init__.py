"""ISIS attacks in Iraq's disputed territories, 2020-2024: data, analysis and briefs.

``import kirkuk_analysis`` stays light: pandas, matplotlib and papermill are imported only
by the functions that need them.

The one obvious door to the data is :func:`kirkuk_analysis.load`, which returns the
validated tables of the shipped data package (``data/``).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Dataset", "DataValidationError", "load", "__version__"]


def __getattr__(name: str):
    # Resolved lazily so that importing the package does not import pandas.
    if name in {"load", "Dataset", "DataValidationError"}:
        from kirkuk_analysis import data

        return getattr(data, name)
    raise AttributeError(f"module 'kirkuk_analysis' has no attribute {name!r}")
