"""The examples in lsbook's docstrings run and give what they show, in every module."""

import doctest
import importlib
import pkgutil

import pytest

import lsbook

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(lsbook.__path__, prefix="lsbook.") if not info.ispkg
)
#: Modules whose docstrings must show at least one example: the ones a reader calls directly.
MUST_HAVE_EXAMPLES = {
    "lsbook.core.targets", "lsbook.core.loss", "lsbook.sequence.tokens",
    *(f"lsbook.experiments.{name}" for name in
      ["calibration", "data", "distillation", "intervals", "penultimate", "report", "scores"]),
}


def test_the_package_walk_finds_the_modules():
    assert MUST_HAVE_EXAMPLES <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    if name in MUST_HAVE_EXAMPLES:
        assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} fail"
