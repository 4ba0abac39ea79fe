"""The checks of chapter 6: reference answers pass, typical mistakes are named, stubs are not attempted."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lsbook
from lsbook import check
from lsbook.selfstudy.checks import ch06


def _stub(*args):
    raise NotImplementedError


# 6.1 -------------------------------------------------------------------------------------------


def test_6_1_reference_passes():
    assert check("6.1", ch06.mean_loss_reference)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda z, y, k, eps: lsbook.cross_entropy(z, y, label_smoothing=eps), "scalar"),
        (
            lambda z, y, k, eps: np.array([lsbook.cross_entropy(z, y, label_smoothing=eps, convention="others")]),
            "convention",
        ),
        (
            lambda z, y, k, eps: np.array([lsbook.cross_entropy(lsbook.softmax(z), y, label_smoothing=eps)]),
            "probabilities passed as logits",
        ),
        (
            lambda z, y, k, eps: np.array([lsbook.cross_entropy(z, y, label_smoothing=eps, reduction="sum")]),
            "forgot the mean",
        ),
    ],
)
def test_6_1_names_typical_mistakes(wrong, message):
    verdict = check("6.1", wrong)
    assert not verdict and verdict.attempted
    assert message in verdict.message


def test_6_1_stub_is_not_attempted():
    verdict = check("6.1", _stub)
    assert not verdict and not verdict.attempted


# 6.2 -------------------------------------------------------------------------------------------


def test_6_2_reference_passes():
    assert check("6.2", ch06.padded_loss_reference)


def test_6_2_names_typical_mistakes():
    def not_masked(z, y, pad, eps):
        return float(lsbook.cross_entropy(z, y, label_smoothing=eps))

    def padding_in_the_mean(z, y, pad, eps):
        return float(lsbook.cross_entropy(z, y, label_smoothing=eps, ignore_index=pad, reduction="sum") / y.size)

    assert "padding not masked" in check("6.2", not_masked).message
    assert "still counted in the mean" in check("6.2", padding_in_the_mean).message


def test_6_2_stub_is_not_attempted():
    assert not check("6.2", _stub).attempted


# 6.3 -------------------------------------------------------------------------------------------


def test_6_3_reference_passes_and_mistakes_are_named():
    from lsbook.sequence import smoothed_loss_floor

    k, eps = ch06.FLOOR_VOCAB, ch06.FLOOR_EPSILON
    assert check("6.3", smoothed_loss_floor(k, eps))
    assert "bits" in check("6.3", smoothed_loss_floor(k, eps) / math.log(2)).message
    assert "smoothing part alone" in check("6.3", eps * math.log(k)).message
    assert not check("6.3", None).attempted


# 6.4 -------------------------------------------------------------------------------------------


def test_6_4_reference_passes_and_mistakes_are_named():
    w, c, eps = np.array(ch06.WEIGHTED_W), ch06.WEIGHTED_TRUE, ch06.WEIGHTED_EPSILON
    q = lsbook.smooth_labels(c, len(w), eps)
    assert check("6.4", (w * q / np.sum(w * q))[c])
    assert "optimum without weights" in check("6.4", q[c]).message
    assert "normalise" in check("6.4", w[c] * q[c]).message
    assert not check("6.4", ...).attempted


def test_6_4_reproduces_the_two_class_example():
    # K = 2, eps = 0.1, w = [0.1, 0.9], true class 0: from 0.95 to about 0.679.
    optimum = ch06.weighted_optimum([0.1, 0.9], 0, 0.1)
    assert optimum[0] == pytest.approx(0.095 / 0.14)
    # ... and it is the minimiser of PyTorch's weighted smoothed loss.
    grid = np.linspace(0.01, 0.99, 9801)
    losses = [lsbook.cross_entropy(np.log([p, 1 - p]), 0, label_smoothing=0.1, weight=[0.1, 0.9]) for p in grid]
    assert grid[int(np.argmin(losses))] == pytest.approx(optimum[0], abs=1e-4)


# 6.5 -------------------------------------------------------------------------------------------


def test_6_5_reference_passes():
    assert check("6.5", ch06.perplexity_reference)


def test_6_5_names_typical_mistakes():
    def smoothed(z, y, pad, eps):
        return float(np.exp(lsbook.cross_entropy(z, y, label_smoothing=eps, ignore_index=pad)))

    def forgot_exp(z, y, pad, eps):
        return float(lsbook.cross_entropy(z, y, ignore_index=pad))

    assert "smoothed loss" in check("6.5", smoothed).message
    assert "exponential" in check("6.5", forgot_exp).message
    assert not check("6.5", _stub).attempted
