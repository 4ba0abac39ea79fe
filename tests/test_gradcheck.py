"""Tests of lsbook.core.gradcheck: exact where the arithmetic allows, the real gradient, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import lsbook
from lsbook.core.gradcheck import numeric_gradient

A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, -1.0], [0.0, -1.0, 4.0]])  # symmetric
B = np.array([0.5, -2.0, 1.0])


def quadratic(z):
    return float(0.5 * z @ A @ z + B @ z)


def test_a_quadratic_is_differentiated_exactly():
    """Central differences have no truncation error on a quadratic: only rounding remains."""
    z = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(numeric_gradient(quadratic, z), A @ z + B, rtol=0, atol=1e-8)
    # A power-of-two step and small integers keep every operation exact, so equality holds to the bit.
    grid = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(numeric_gradient(quadratic, grid, step=0.5), A @ grid + B)


def test_shape_dtype_and_input_left_alone():
    z = np.arange(6, dtype=np.float32).reshape(2, 3)
    before = z.copy()
    grad = numeric_gradient(lambda x: float((x**2).sum()), z)
    assert grad.shape == (2, 3) and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * before, atol=1e-7)
    np.testing.assert_array_equal(z, before)


def test_each_entry_is_its_own_partial_derivative():
    """A function of one entry only has a gradient that is zero elsewhere: no mixing up of indices."""
    z = np.array([[0.1, 0.2], [0.3, 0.4]])
    grad = numeric_gradient(lambda x: float(np.sin(x[1, 0])), z)
    expected = np.zeros((2, 2))
    expected[1, 0] = np.cos(0.3)
    np.testing.assert_allclose(grad, expected, atol=1e-9)


@pytest.mark.parametrize("step", [1e-6, 1e-5])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_matches_the_analytic_cross_entropy_gradient(step, reduction):
    rng = np.random.default_rng(5)
    logits = rng.normal(scale=2.0, size=(4, 6))
    labels = rng.integers(0, 6, size=4)
    kwargs = {"label_smoothing": 0.1, "reduction": reduction}
    numeric = numeric_gradient(lambda z: lsbook.cross_entropy(z, labels, **kwargs), logits, step=step)
    np.testing.assert_allclose(numeric, lsbook.cross_entropy_grad(logits, labels, **kwargs), atol=1e-8)


def test_exported_from_the_package():
    assert lsbook.numeric_gradient is numeric_gradient
    assert "numeric_gradient" in lsbook.__all__


@pytest.mark.parametrize(
    ("step", "error"),
    [(0.0, ValueError), (-1e-6, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
     ("1e-6", TypeError), (None, TypeError), (True, TypeError)],
)
def test_rejects_a_bad_step(step, error):
    with pytest.raises(error, match=r"\bstep\b"):
        numeric_gradient(quadratic, np.zeros(3), step=step)


def test_rejects_a_function_that_is_not_callable():
    with pytest.raises(TypeError, match=r"\bfunction\b.*callable"):
        numeric_gradient(np.zeros(3), np.zeros(3))


def test_rejects_a_function_that_does_not_return_one_number():
    """An unreduced loss (one value per row) would otherwise fail deep inside NumPy or be silently summed."""
    with pytest.raises(ValueError, match=r"\bfunction\b.*single number"):
        numeric_gradient(lambda z: lsbook.cross_entropy(z, [0, 1], reduction="none"), np.zeros((2, 3)))


@pytest.mark.parametrize(("logits", "error"), [(3.0, ValueError), (np.array(["a", "b"]), TypeError)])
def test_rejects_bad_logits(logits, error):
    with pytest.raises(error, match=r"\blogits\b"):
        numeric_gradient(lambda z: 0.0, logits)
