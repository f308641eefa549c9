"""A notebook of one probe cell, run as the brief runs its notebook, for what the brief's
kernel saw (its imports, its process, its settings)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from kirkuk_analysis import brief


def probe_printed(
    folder: Path, code: str, parameters: str = "start = end = None", ahead=None
) -> str:
    """What ``code`` printed, run in a notebook whose parameters cell is ``parameters``
    through :func:`kirkuk_analysis.brief.execute_notebook` (the brief's kernel, preload and
    all; with ``ahead``, the kernel process :func:`kirkuk_analysis._early_kernel.ahead`
    started, as ``kirkuk-analysis brief`` runs it); its files go in ``folder``."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(code),
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )
    source = folder / "probe.ipynb"
    nbformat.write(notebook, str(source))
    executed = folder / "run.ipynb"
    if ahead is None:
        brief.execute_notebook(brief.validate_params(), executed, notebook=source)
    else:
        brief._execute_notebook(brief.validate_params(), executed, notebook=source, ahead=ahead)
    nb = nbformat.read(str(executed), as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
