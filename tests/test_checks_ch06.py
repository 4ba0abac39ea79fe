"""The checks of chapter 6: independent reference answers pass, typical mistakes are named."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lsbook
from lsbook import check
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.checks import ch06

# 6.1 -------------------------------------------------------------------------------------------


def mean_loss(logits, labels, num_classes, epsilon):
    labels = np.asarray(labels).astype(int)
    q = lsbook.smooth_labels(labels, num_classes, epsilon)
    return np.array([-(q * lsbook.log_softmax(logits)).sum(axis=1).mean()])


def test_6_1_reference_passes():
    assert check("6.1", mean_loss)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda z, y, k, eps: lsbook.cross_entropy(z, y, label_smoothing=eps),
         "your function returned a number (float64); it should return an array of shape (1,)."),
        (lambda z, y, k, eps: np.array([lsbook.cross_entropy(z, y, label_smoothing=eps, convention="others")]),
         mistakes.WRONG_CONVENTION),
        (lambda z, y, k, eps: mean_loss(lsbook.softmax(z), y, k, eps), mistakes.SOFTMAX_TWICE),
        (lambda z, y, k, eps: mean_loss(z, y, k, eps) * len(y), mistakes.FORGOT_THE_MEAN),
        (lambda z, y, k, eps: mean_loss(z, y, k, 0.0), mistakes.NO_SMOOTHING),
    ],
    ids=["scalar", "convention", "softmax twice", "sum", "no smoothing"],
)
def test_6_1_names_typical_mistakes(wrong, message):
    verdict = check("6.1", wrong)
    assert not verdict and verdict.attempted
    assert message in verdict.message


# 6.2 -------------------------------------------------------------------------------------------


def padded_loss(logits, targets, pad_index, epsilon):
    kept = targets != pad_index
    q = lsbook.smooth_labels(np.where(kept, targets, 0), logits.shape[-1], epsilon)
    per_token = -(q * lsbook.log_softmax(logits)).sum(axis=-1)
    return per_token[kept].sum() / kept.sum()


def test_6_2_reference_passes():
    assert check("6.2", padded_loss)


def test_6_2_names_typical_mistakes():
    def not_masked(z, y, pad, eps):
        return float(lsbook.cross_entropy(z, y, label_smoothing=eps))

    def padding_in_the_mean(z, y, pad, eps):
        return float(lsbook.cross_entropy(z, y, label_smoothing=eps, ignore_index=pad, reduction="sum") / y.size)

    assert check("6.2", not_masked).message.startswith(mistakes.PADDING_NOT_MASKED)
    assert check("6.2", padding_in_the_mean).message.startswith(mistakes.PADDING_COUNTED)
    assert "mean per sequence" in check("6.2", lambda z, y, pad, eps: per_sequence_mean(z, y, pad, eps)).message
    assert check("6.2", lambda z, y, pad, eps: padded_loss(z, y, pad, eps) * (y != pad).sum()).message.startswith(
        mistakes.FORGOT_THE_MEAN)


def per_sequence_mean(logits, targets, pad, eps):
    losses = lsbook.cross_entropy(logits, targets, label_smoothing=eps, ignore_index=pad, reduction="none")
    return float(np.mean(losses.sum(axis=1) / (targets != pad).sum(axis=1)))


# 6.3 -------------------------------------------------------------------------------------------


def test_6_3_reference_passes_and_mistakes_are_named():
    from lsbook.sequence import smoothed_loss_floor

    k, eps = ch06.FLOOR_VOCAB, ch06.FLOOR_EPSILON
    assert check("6.3", smoothed_loss_floor(k, eps))
    assert check("6.3", smoothed_loss_floor(k, eps) / math.log(2)).message == mistakes.IN_BITS
    assert check("6.3", eps * math.log(k)).message == mistakes.FLOOR_SMOOTHING_PART


# 6.4 -------------------------------------------------------------------------------------------


def test_6_4_reference_passes_and_mistakes_are_named():
    w, c, eps = np.array(ch06.WEIGHTED_W), ch06.WEIGHTED_TRUE, ch06.WEIGHTED_EPSILON
    q = lsbook.smooth_labels(c, len(w), eps)
    assert check("6.4", (w * q / np.sum(w * q))[c])
    assert "optimum without weights" in check("6.4", q[c]).message
    assert check("6.4", w[c] * q[c]).message == mistakes.NOT_RENORMALISED


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
    assert check("6.5", lambda z, y, pad, eps: float(np.exp(padded_loss(z, y, pad, 0.0))))


def test_6_5_names_typical_mistakes():
    def smoothed(z, y, pad, eps):
        return float(np.exp(lsbook.cross_entropy(z, y, label_smoothing=eps, ignore_index=pad)))

    def forgot_exp(z, y, pad, eps):
        return float(lsbook.cross_entropy(z, y, ignore_index=pad))

    assert "smoothed loss" in check("6.5", smoothed).message
    assert "exponential" in check("6.5", forgot_exp).message
    assert check("6.5", lambda z, y, pad, eps: 2.0 ** padded_loss(z, y, pad, 0.0)).message.startswith(mistakes.IN_BITS)
    assert check("6.5", lambda z, y, pad, eps: lsbook.sequence.perplexity(z, y)).message.startswith(
        mistakes.PADDING_NOT_MASKED)


# 6.6 -------------------------------------------------------------------------------------------


def accumulated_loss(micro_batches, pad_index, epsilon):
    total, count = 0.0, 0
    for logits, targets in micro_batches:
        kept = targets != pad_index
        q = lsbook.smooth_labels(np.where(kept, targets, 0), logits.shape[-1], epsilon)
        per_token = -(q * lsbook.log_softmax(logits)).sum(axis=-1)
        total += per_token[kept].sum()
        count += kept.sum()
    return total / count


def test_6_6_reference_passes():
    assert check("6.6", accumulated_loss)


def test_6_6_names_the_mean_of_means():
    def mean_of_means(micro_batches, pad_index, epsilon):
        return float(np.mean([accumulated_loss([mb], pad_index, epsilon) for mb in micro_batches]))

    verdict = check("6.6", mean_of_means)
    assert not verdict and verdict.attempted
    assert "mean of the micro-batch means" in verdict.message


def test_6_6_the_cases_really_differ_in_token_counts():
    for case in ch06._micro_batch_cases():
        micro_batches, pad, _ = case.args
        counts = {int((y != pad).sum()) for _, y in micro_batches}
        assert len(counts) == len(micro_batches)  # otherwise the mean of means would be right too
