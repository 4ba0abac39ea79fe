"""Tests of lsbook.sequence: padded batches, shifted targets, accuracy, perplexity, the floor H(q)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lsbook
from lsbook.sequence import pad_batch, perplexity, shift_targets, smoothed_loss_floor, token_accuracy

PAD, BOS, EOS = 0, 1, 2


def test_pad_batch_adds_markers_and_padding():
    batch = pad_batch([[5, 6, 7], [8]], pad_index=PAD, bos=BOS, eos=EOS)
    np.testing.assert_array_equal(batch, [[1, 5, 6, 7, 2], [1, 8, 2, 0, 0]])
    assert batch.dtype == np.int64


def test_pad_batch_rejects_bad_tokens():
    with pytest.raises(TypeError, match="sequences"):
        pad_batch([[1.5, 2]])
    with pytest.raises(ValueError, match="at least one"):
        pad_batch([])


def test_shift_targets_pairs_each_input_with_the_next_token():
    tokens = pad_batch([[5, 6], [7]], pad_index=PAD, bos=BOS, eos=EOS)
    inputs, targets = shift_targets(tokens)
    np.testing.assert_array_equal(inputs, [[1, 5, 6], [1, 7, 2]])
    np.testing.assert_array_equal(targets, [[5, 6, 2], [7, 2, 0]])
    # The decoder reads BOS but never has to predict it; it must predict EOS.
    assert not np.any(targets == BOS) and np.all(np.sum(targets == EOS, axis=1) == 1)


@pytest.mark.parametrize("bad", [[1, 2, 3], [[1]], [[1.0, 2.0]]])
def test_shift_targets_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match="tokens"):
        shift_targets(bad)


def test_token_accuracy_ignores_padding():
    logits = np.array([[[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]]])  # predicts 0, 1, 2
    targets = np.array([[0, 2, 2]])
    assert token_accuracy(logits, targets) == pytest.approx(2 / 3)
    # Position 1 is padding (index 2 would be wrong there): it leaves the count too.
    assert token_accuracy(logits, np.array([[0, -100, 2]]), ignore_index=-100) == 1.0
    assert math.isnan(token_accuracy(logits, np.full((1, 3), -100), ignore_index=-100))


def test_token_accuracy_checks_shapes():
    with pytest.raises(ValueError, match=r"\btarget\b"):
        token_accuracy(np.zeros((2, 3, 4)), np.zeros((2, 4), dtype=int))


def test_perplexity_is_exp_of_the_unsmoothed_nll_over_kept_tokens():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 5, 7))
    targets = rng.integers(1, 7, size=(2, 5))
    targets[1, 3:] = PAD
    log_p = lsbook.log_softmax(logits)
    kept = targets != PAD
    nll = -np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0][kept].mean()
    assert perplexity(logits, targets, ignore_index=PAD) == pytest.approx(math.exp(nll), rel=1e-12)
    # Uniform logits: perplexity equals the vocabulary size.
    assert perplexity(np.zeros((3, 7)), np.array([1, 2, 3])) == pytest.approx(7.0, rel=1e-12)


@pytest.mark.parametrize("k, eps", [(2, 0.1), (4, 0.1), (10, 0.3), (1000, 0.1)])
def test_floor_is_the_entropy_of_the_target_and_the_minimum_of_the_loss(k, eps):
    q = lsbook.smooth_labels(0, k, eps)
    entropy = -np.sum(q * np.log(q))
    assert smoothed_loss_floor(k, eps) == pytest.approx(entropy, rel=1e-12)
    # The loss at p = q (logits log q) is the floor; any other logits give more.
    assert float(lsbook.cross_entropy(np.log(q), 0, label_smoothing=eps)) == pytest.approx(entropy, rel=1e-9)
    other = np.log(q) + np.random.default_rng(k).normal(0, 0.5, size=k)
    assert float(lsbook.cross_entropy(other, 0, label_smoothing=eps)) > entropy


def test_floor_values_and_conventions():
    assert smoothed_loss_floor(4, 0.0) == 0.0
    assert smoothed_loss_floor(4, 1.0) == pytest.approx(math.log(4))
    q_others = lsbook.smooth_labels(0, 5, 0.2, convention="others")
    assert smoothed_loss_floor(5, 0.2, convention="others") == pytest.approx(-np.sum(q_others * np.log(q_others)))
    with pytest.raises(ValueError, match="label_smoothing"):
        smoothed_loss_floor(4, 1.5)
