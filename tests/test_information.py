"""Tests of lsbook.core.information: hand values, identities and finite differences."""

import math

import numpy as np
import pytest

import lsbook
from lsbook.core.information import confidence_penalty, confidence_penalty_grad, entropy, kl_divergence

WEATHER_P = np.array([0.1, 0.2, 0.6, 0.1])


# entropy --------------------------------------------------------------------------------


def test_entropy_hand_values():
    assert entropy([0.5, 0.5]) == pytest.approx(math.log(2))
    assert entropy(np.full(7, 1 / 7)) == pytest.approx(math.log(7))
    assert entropy([0.0, 1.0, 0.0]) == 0.0  # 0 log 0 = 0, not nan
    expected = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert entropy([0.25, 0.75]) == pytest.approx(expected)


def test_entropy_is_row_wise():
    rows = np.array([[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(entropy(rows), [math.log(2), 0.0])
    assert entropy(rows).shape == (2,)


@pytest.mark.parametrize(
    "bad, error, words",
    [
        ([0.5, 0.6], ValueError, "sum to 1"),
        ([2.0, -1.0], ValueError, "non-negative"),
        ([np.nan, 1.0], ValueError, "finite"),
        (0.5, ValueError, "class axis"),
        (["a", "b"], TypeError, "dtype"),
        ([True, False], TypeError, "dtype"),
    ],
)
def test_entropy_rejects_bad_input(bad, error, words):
    with pytest.raises(error, match=words):
        entropy(bad)


def test_entropy_rejects_logits_with_a_hint():
    with pytest.raises(ValueError, match="not logits"):
        entropy([2.0, 0.5, -1.0])


# KL divergence --------------------------------------------------------------------------


def test_kl_hand_values():
    expected = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    assert kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected)
    assert kl_divergence(WEATHER_P, WEATHER_P) == pytest.approx(0.0, abs=1e-15)


def test_kl_is_not_symmetric():
    forward = kl_divergence([0.5, 0.5], [0.9, 0.1])
    backward = kl_divergence([0.9, 0.1], [0.5, 0.5])
    assert forward > backward + 0.1


def test_kl_zero_mass_conventions():
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2))  # q_k = 0 adds nothing
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf  # q puts mass where p has none


def test_cross_entropy_is_entropy_plus_kl():
    """CE(q, p) = H(q) + KL(q || p), with the CE from lsbook.cross_entropy."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 6))
    q = lsbook.smooth_labels(rng.integers(0, 6, size=5), 6, 0.2)
    ce = lsbook.cross_entropy(z, q, reduction="none")
    np.testing.assert_allclose(ce, entropy(q) + kl_divergence(q, lsbook.softmax(z)), rtol=1e-12)


def test_weather_smoothed_loss_splits_into_ce_and_kl_to_uniform():
    """L = (1 - eps) CE(y, p) + eps KL(U || p) + eps log K, on the weather example."""
    eps, k = 0.1, 4
    uniform = np.full(k, 1 / k)
    split = (1 - eps) * -math.log(0.6) + eps * kl_divergence(uniform, WEATHER_P) + eps * math.log(k)
    assert split == pytest.approx(0.62787890, abs=1e-8)
    assert split == pytest.approx(float(lsbook.cross_entropy(np.log(WEATHER_P), 2, label_smoothing=eps)))


def test_kl_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])


# Confidence penalty ----------------------------------------------------------------------


def test_penalty_hand_values():
    assert confidence_penalty(np.zeros(4), 0.5) == pytest.approx(-0.5 * math.log(4))
    z = np.log([0.25, 0.75])
    expected = 0.2 * (0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert confidence_penalty(z, 0.2) == pytest.approx(expected)
    assert confidence_penalty(z, 0.0) == 0.0


def test_penalty_is_reverse_kl_to_uniform_up_to_a_constant():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 5))
    beta = 0.3
    reverse_kl = kl_divergence(lsbook.softmax(z), np.full((3, 5), 0.2))
    np.testing.assert_allclose(
        confidence_penalty(z, beta, reduction="none"), beta * reverse_kl - beta * math.log(5), rtol=1e-12
    )


def test_penalty_reductions():
    z = np.array([[0.0, 0.0], [5.0, -5.0], [1.0, 2.0]])
    rows = confidence_penalty(z, 1.0, reduction="none")
    assert rows.shape == (3,)
    assert rows[0] == pytest.approx(-math.log(2))
    assert confidence_penalty(z, 1.0, reduction="sum") == pytest.approx(rows.sum())
    assert confidence_penalty(z, 1.0) == pytest.approx(rows.mean())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_penalty_grad_matches_finite_differences(reduction):
    rng = np.random.default_rng(2)
    z = rng.normal(scale=2.0, size=(4, 5))
    beta = 0.7

    def total(logits):
        return float(np.sum(confidence_penalty(logits, beta, reduction=reduction)))

    grad = confidence_penalty_grad(z, beta, reduction=reduction)
    np.testing.assert_allclose(grad, lsbook.numeric_gradient(total, z, step=1e-6), atol=1e-8)


def test_penalty_grad_formula_and_row_sums():
    """dH/dz_i = -p_i (log p_i + H): check one row by hand, and that rows sum to zero."""
    p = np.array([0.1, 0.2, 0.7])
    h = -(p * np.log(p)).sum()
    grad = confidence_penalty_grad(np.log(p), 2.0)
    np.testing.assert_allclose(grad, 2.0 * p * (np.log(p) + h), rtol=1e-12)
    assert abs(grad.sum()) < 1e-15
    # The penalty pushes the largest logit down and the smallest up.
    assert grad[2] > 0 > grad[0]


def test_penalty_at_uniform_has_zero_gradient():
    np.testing.assert_allclose(confidence_penalty_grad(np.full((2, 6), 3.0), 1.0), 0.0, atol=1e-16)


def test_penalty_with_masked_class():
    z = np.array([0.0, 0.0, -np.inf])
    assert confidence_penalty(z, 1.0) == pytest.approx(-math.log(2))
    grad = confidence_penalty_grad(z, 1.0)
    assert np.all(np.isfinite(grad)) and grad[2] == 0.0


def test_penalty_keeps_float32():
    z = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    assert confidence_penalty(z, 0.1).dtype == np.float32
    assert confidence_penalty_grad(z, 0.1).dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"beta": -0.1}, ValueError, "beta"),
        ({"beta": math.nan}, ValueError, "beta"),
        ({"beta": "0.1"}, TypeError, "beta"),
        ({"beta": True}, TypeError, "beta"),
        ({"beta": 0.1, "reduction": "avg"}, ValueError, "reduction"),
    ],
)
@pytest.mark.parametrize("function", [confidence_penalty, confidence_penalty_grad])
def test_penalty_rejects_bad_arguments(function, kwargs, error, words):
    with pytest.raises(error, match=words):
        function(np.zeros(3), **kwargs)


def test_penalty_rejects_bad_logits():
    with pytest.raises(ValueError, match="nan"):
        confidence_penalty([0.0, np.nan], 0.1)
    with pytest.raises(ValueError, match="class axis"):
        confidence_penalty(1.0, 0.1)
