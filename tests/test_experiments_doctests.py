"""The examples in the docstrings of lsbook.experiments run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["calibration", "data", "distillation", "intervals", "penultimate", "report", "scores"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"lsbook.experiments.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
