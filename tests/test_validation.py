"""The shared argument checks (lsbook.core._checks): one rule each, naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

from lsbook.core._checks import as_probabilities, check_integer, check_real, probability_tolerance


@pytest.mark.parametrize("bad", [True, np.bool_(False), 2.0, "3", None])
def test_check_integer_rejects_what_is_not_a_whole_number(bad):
    with pytest.raises(TypeError, match=r"^epochs must be an integer"):
        check_integer(bad, "epochs")


def test_check_integer_accepts_numpy_integers_and_applies_the_minimum():
    assert check_integer(np.int32(3), "n") == 3 and type(check_integer(np.int64(3), "n")) is int
    with pytest.raises(ValueError, match=r"^n must be at least 1, got 0"):
        check_integer(0, "n", minimum=1)


@pytest.mark.parametrize("bad", [True, "0.1", None, 1j])
def test_check_real_rejects_non_numbers_and_bools(bad):
    with pytest.raises(TypeError, match=r"^beta must be a real number"):
        check_real(bad, "beta")


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        (float("nan"), {}, "finite"),
        (float("inf"), {}, "finite"),
        (0.0, {"positive": True}, "positive"),
        (-0.5, {"minimum": 0.0}, r"\[0, inf\]"),
        (1.5, {"minimum": 0.0, "maximum": 1.0}, r"\[0, 1\]"),
    ],
)
def test_check_real_names_the_rule_that_failed(value, options, message):
    with pytest.raises(ValueError, match=rf"^step must .*{message}"):
        check_real(value, "step", **options)


def test_check_real_returns_a_float():
    assert check_real(np.float32(0.25), "x", minimum=0.0, maximum=1.0) == 0.25
    assert type(check_real(1, "x")) is float


def test_one_probability_rule_for_every_dtype():
    assert probability_tolerance(np.float64) == 1e-6
    assert probability_tolerance(np.float32) == probability_tolerance(np.float16) == 1e-3
    rows = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    assert as_probabilities(rows, "q") is not None
    with pytest.raises(ValueError, match=r"^each row of q must sum to 1 .*worst sums to 1\.0001"):
        as_probabilities(rows + [[1e-4, 0, 0], [0, 0, 0]], "q")
    # The same slip is within float32 rounding of a long row, so it passes there.
    as_probabilities((rows + [[1e-4, 0, 0], [0, 0, 0]]).astype(np.float32), "q")


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        (np.array([[0.5, -0.1, 0.6]]), ValueError, "not logits"),
        (np.array([[0.5, np.nan, 0.5]]), ValueError, "finite"),
        (np.array([True, False]), TypeError, "dtype bool"),
        (np.array(0.5), ValueError, "class axis"),
        (np.array(["a", "b"]), TypeError, "probabilities"),
    ],
)
def test_as_probabilities_names_the_argument(values, error, message):
    with pytest.raises(error, match=rf"^p .*{message}"):
        as_probabilities(values, "p")
