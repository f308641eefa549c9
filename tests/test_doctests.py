"""The examples in the docstrings of the modules without a test file of their own run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "name",
    [
        "data",
        "dates",
        "counts",
        "curate",
        "audit",
        "text",
        "_json",
        "_outputs",
        "brief",
        "_chromium",
        "_kernel",
        "_early_kernel",
    ],
)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"kirkuk_analysis.{name}")
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
