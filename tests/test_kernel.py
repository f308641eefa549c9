"""The set-up a brief's kernel does around its first imports (kirkuk_analysis._kernel), run
in fresh interpreters: it changes a process's imports for good."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kirkuk_analysis import _kernel


def _run(code: str) -> dict:
    """``code`` in a fresh interpreter; the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_before_the_imports_matplotlib_keeps_its_setters_and_leaves_out_the_tables_and_3d():
    pytest.importorskip("pyarrow")  # else there is nothing to leave out
    got = _run(
        "import inspect, json, warnings\n"
        "from kirkuk_analysis import _kernel\n"
        "with warnings.catch_warnings(record=True) as said:\n"
        "    warnings.simplefilter('always')\n"
        "    changed = _kernel.before_imports()\n"
        "    import matplotlib.artist, matplotlib.lines, matplotlib.pyplot as plt\n"
        "import matplotlib.projections\n"
        "from matplotlib.lines import Line2D\n"
        "line = Line2D([0], [0])\n"
        "line.set(lw=2, color='red')  # an alias and a property: set() works as before\n"
        "try:\n"
        "    import pyarrow\n"
        "    arrow = True\n"
        "except ImportError:\n"
        "    arrow = False\n"
        "print(json.dumps({\n"
        "    'changed': changed,\n"
        "    'doc': Line2D.set.__doc__.rstrip().splitlines()[-1],\n"
        "    'params': 'linewidth' in inspect.signature(Line2D.set).parameters,\n"
        "    'lw': line.get_linewidth(),\n"
        "    'source': 'def kwdoc' in inspect.getsource(matplotlib.artist),\n"
        "    'arrow': arrow,\n"
        "    'said': [str(w.message) for w in said],\n"
        "    'projections': matplotlib.projections.get_projection_names(),\n"
        "}))\n"
    )
    assert got["changed"] == ["matplotlib.artist", "pyarrow", "mpl_toolkits.mplot3d"]
    assert not [m for m in got["said"] if "Axes3D" in m]  # no word of a broken install
    assert "3d" not in got["projections"] and "rectilinear" in got["projections"]
    assert got["doc"] == _kernel.NO_PROPERTY_TABLE
    assert got["params"] and got["lw"] == 2
    assert got["source"]  # the module's own loader still answers for it
    assert got["arrow"] is False


def test_too_late_for_modules_already_imported():
    pytest.importorskip("pyarrow")
    got = _run(
        "import json, pyarrow, matplotlib.pyplot\n"
        "from kirkuk_analysis import _kernel\n"
        "changed = _kernel.before_imports()\n"
        "from matplotlib.lines import Line2D\n"
        "import pyarrow as pa\n"
        "print(json.dumps({'changed': changed, 'doc': Line2D.set.__doc__,\n"
        "                  'arrow': pa.array([1]).to_pylist()}))\n"
    )
    assert got["changed"] == []
    assert _kernel.NO_PROPERTY_TABLE not in got["doc"]
    assert got["arrow"] == [1]


def test_after_the_imports_strings_are_held_in_python():
    got = _run(
        "import json\n"
        "from kirkuk_analysis import _kernel\n"
        "import pandas as pd, kirkuk_analysis\n"
        "_kernel.after_imports()\n"
        "ds = kirkuk_analysis.load()\n"
        "print(json.dumps({'series': pd.Series(['a'], dtype='str').dtype.storage,\n"
        "                  'loaded': ds.incidents.incident_id.dtype.storage,\n"
        "                  'dtype': str(ds.incidents.incident_id.dtype)}))\n"
    )
    assert got == {"series": "python", "loaded": "python", "dtype": "str"}
