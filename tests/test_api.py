"""The public API's contract for what it is given: every function that takes a dataset
says so, naming itself, when given something else (a DataFrame, a path)."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kirkuk_analysis import analysis, export, plots, report  # noqa: E402


def _takers():
    for module in (analysis, report, plots, export):
        for name in module.__all__:
            func = getattr(module, name)
            if not inspect.isfunction(func):
                continue
            params = list(inspect.signature(func).parameters.values())
            if params and params[0].name == "ds":
                yield pytest.param(func, params, id=f"{module.__name__.split('.')[-1]}.{name}")


TAKERS = list(_takers())


def test_the_public_functions_taking_a_dataset_are_found():
    names = {p.id for p in TAKERS}
    assert {"analysis.incident_table", "report.narrative", "plots.timeline",
            "export.to_acled"} <= names  # fmt: skip


@pytest.mark.parametrize("wrong", [pd.DataFrame({"incident_id": ["I01"]}), "data/"])
@pytest.mark.parametrize(("func", "params"), TAKERS)
def test_a_function_given_no_dataset_says_what_it_takes(func, params, wrong):
    # the other required arguments: anything, the dataset is checked first
    required = [p for p in params[1:] if p.default is inspect.Parameter.empty and
                p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]  # fmt: skip
    with pytest.raises(TypeError) as raised:
        func(wrong, *[None] * len(required))
    message = str(raised.value)
    assert message.startswith(f"{func.__name__} takes a Dataset")
    assert f"not {type(wrong).__name__}" in message
