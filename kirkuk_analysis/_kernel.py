"""What a brief's kernel sets up around its first imports, and no other kernel does.

A brief's kernel lives for one notebook run and shows no help to anyone, and its tables
are a few hundred rows. Some defaults cost it time there and buy it nothing:

* matplotlib writes, as it is imported, a table of every settable property of each of its
  Artist classes into that class's ``set`` docstring and into the docstrings that quote
  it (``matplotlib.artist.kwdoc``): about 0.3 s of every brief, a quarter of the
  kernel's imports. :func:`before_imports` makes those tables one line. Signatures,
  setters and behaviour are untouched; only ``help()`` in that kernel is shorter.
* pandas imports pyarrow when it is installed (about 0.15 s), and then backs its ``str``
  dtype with it; on tables this small each pyarrow call's overhead is most of an
  operation's cost: the brief's counts, tables and figures took about a third longer than
  with the same strings held in Python. :func:`before_imports` makes pyarrow import as
  if it were not installed, and :func:`after_imports` holds strings in Python even where
  pyarrow was already imported: the kernel runs as a machine without pyarrow does (the
  values, the dtype ``str`` and every output are the same; the package is tested both
  ways).
* matplotlib imports its 3-D toolkit (``mpl_toolkits.mplot3d``) to register the 3-D
  projection, which no brief draws: :func:`before_imports` makes it import as if it were
  missing, and silences the one warning matplotlib then gives (it would suggest a broken
  installation).

All are for a kernel that runs a brief and nothing else (:func:`kirkuk_analysis.brief.
preload_code`); a researcher's own kernel keeps matplotlib's and pandas' defaults.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

#: The one line each property table becomes in a brief's kernel.
NO_PROPERTY_TABLE = "Properties: see the set_* methods (table left out in a brief's kernel)."

#: The module whose ``kwdoc`` builds the tables.
_ARTIST = "matplotlib.artist"


def _short_kwdoc(artist) -> str:
    return NO_PROPERTY_TABLE


class _Loader(importlib.abc.Loader):
    """``matplotlib.artist``'s own loader, with ``kwdoc`` replaced once the module has run
    (its own ``Artist`` builds one table; the classes defined after it, in other modules,
    call the replacement)."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        if callable(getattr(module, "kwdoc", None)):
            module.kwdoc = _short_kwdoc

    def __getattr__(self, name):  # get_source, get_filename, ...: the real loader's
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``matplotlib.artist`` as the other finders do, and hands it :class:`_Loader`;
    removes itself from ``sys.meta_path`` on that first use."""

    def find_spec(self, name, path, target=None):
        if name != _ARTIST:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


#: Modules a brief's kernel imports as if they were not installed.
NOT_IMPORTED = ("pyarrow", "mpl_toolkits.mplot3d")

#: What matplotlib says when its 3-D toolkit does not import (silenced in a brief's kernel).
_NO_3D = "Unable to import Axes3D"


def before_imports() -> list[str]:
    """Make matplotlib's property tables one line (:data:`NO_PROPERTY_TABLE`) and
    :data:`NOT_IMPORTED` unimportable, for what this process imports from now on; return
    what was changed (nothing for a module already imported: too late for it).

    In a fresh process (it changes this one's imports for good)::

        before_imports()  # ['matplotlib.artist', 'pyarrow', 'mpl_toolkits.mplot3d']
        import pandas as pd  # as without pyarrow: str columns held in Python
    """
    changed = []
    if _ARTIST not in sys.modules:
        if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _Finder())
        changed.append(_ARTIST)
    for name in NOT_IMPORTED:
        if name not in sys.modules or sys.modules[name] is None:
            sys.modules[name] = None  # "import name" raises ImportError at once
            changed.append(name)
    if "mpl_toolkits.mplot3d" in changed:
        import warnings

        warnings.filterwarnings("ignore", message=_NO_3D, category=UserWarning)
    return changed


def after_imports() -> None:
    """Hold pandas' ``str`` columns made from now on in Python, not pyarrow (the storage a
    machine without pyarrow has).

    >>> import pandas as pd
    >>> with pd.option_context("mode.string_storage", "pyarrow"):
    ...     after_imports()
    ...     pd.Series(["a"], dtype="str").dtype.storage
    'python'
    """
    import pandas as pd

    pd.set_option("mode.string_storage", "python")
