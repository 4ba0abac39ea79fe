"""Checks of the exercises of chapter 1, "Why one-hot targets make models over-confident".

Each checker names the typical wrong answer it recognises (the fairseq
convention, a true class that lost its share eps/K, a forgotten mean, an
overflowing softmax, ...) without revealing the right one.
"""

from __future__ import annotations

import numpy as np

from ...core.loss import cross_entropy
from ...core.softmax import log_softmax
from ...core.targets import smooth_labels
from ..check import Mistake, check_function, compare, register

# Exercise 1.1: the smoothed target for K = 10, eps = 0.1, true class 3.
TARGET_K, TARGET_EPS, TARGET_CLASS = 10, 0.1, 3


@register("1.1")
def check_targets_k10(answer) -> None:
    expected = smooth_labels(TARGET_CLASS, TARGET_K, TARGET_EPS)
    values = np.asarray(answer, dtype=float) if np.shape(answer) == expected.shape else None
    if values is not None and np.allclose(np.sort(values), np.sort(expected)) and values.argmax() != TARGET_CLASS:
        raise Mistake(f"The values are right, but the large one belongs at the true class, index {TARGET_CLASS}.")
    overwritten = np.full(TARGET_K, TARGET_EPS / TARGET_K)
    overwritten[TARGET_CLASS] = 1 - TARGET_EPS
    four_class = np.full(TARGET_K, TARGET_EPS / 4)
    four_class[TARGET_CLASS] = 1 - TARGET_EPS + TARGET_EPS / 4
    compare(
        answer,
        expected,
        what="your target",
        mistakes=[
            (
                "That is the fairseq convention, eps spread over the K - 1 wrong classes; "
                "this book spreads eps over all K classes.",
                smooth_labels(TARGET_CLASS, TARGET_K, TARGET_EPS, convention="others"),
            ),
            (
                "Your target sums to less than one: the true class keeps 1 - eps and also receives its share eps/K.",
                overwritten,
            ),
            ("Those are the K = 4 values: eps is now shared by 10 classes.", four_class),
            ("That is the one-hot target: nothing was smoothed.", np.eye(TARGET_K)[TARGET_CLASS]),
        ],
    )


# Exercise 1.2: the logit that gives the true class probability p, the K - 1 other logits being 0.
def _required_logit(p, num_classes):
    return np.log(p * (num_classes - 1) / (1 - p))


@register("1.2")
def check_required_logit(answer) -> None:
    cases = [
        ("p = 0.998, K = 4", (0.998, 4), {}),
        ("p = 0.925, K = 4", (0.925, 4), {}),
        ("p = 0.99, K = 10", (0.99, 10), {}),
        ("p = 0.2, K = 3", (0.2, 3), {}),
        ("p = 0.9001, K = 1000", (0.9001, 1000), {}),
    ]
    check_function(
        answer,
        cases,
        _required_logit,
        mistakes=[
            (
                "the true class is not among the other classes: count K - 1 of them, not K.",
                lambda p, k: np.log(p * k / (1 - p)),
            ),
            (
                "that is the two-class log-odds: the other K - 1 classes each add exp(0) = 1.",
                lambda p, k: np.log(p / (1 - p)),
            ),
            ("that is log p, which would be the logit only if the others were -inf.", lambda p, k: np.log(p)),
            ("the logit is the logarithm of that ratio.", lambda p, k: p * (k - 1) / (1 - p)),
        ],
    )


# Exercise 1.3: the true-class gradient of an over-confident prediction.
CONFIDENT_P = np.array([0.02, 0.01, 0.95, 0.02])
CONFIDENT_CLASS, CONFIDENT_EPS = 2, 0.1


@register("1.3")
def check_confident_gradient(answer) -> None:
    k = CONFIDENT_P.size
    q_true = 1 - CONFIDENT_EPS + CONFIDENT_EPS / k
    compare(
        answer,
        CONFIDENT_P[CONFIDENT_CLASS] - q_true,
        what="your gradient",
        mistakes=[
            (
                "That is the gradient with the one-hot target; use the smoothed target.",
                CONFIDENT_P[CONFIDENT_CLASS] - 1,
            ),
            (
                "The true class's target is 1 - eps + eps/K, not 1 - eps.",
                CONFIDENT_P[CONFIDENT_CLASS] - (1 - CONFIDENT_EPS),
            ),
        ],
    )


# Exercise 1.4: the split of the loss difference, smoothed minus hard, for the K = 5 example.
SPLIT_P = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
SPLIT_CLASS, SPLIT_EPS = 1, 0.1


def _split(p, c, true_target, off_target):
    """(sum of the off-class terms, change of the true-class term) for the given target values."""
    others = np.delete(p, c)
    return np.array([-off_target * np.log(others).sum(), (1 - true_target) * np.log(p[c])])


@register("1.4")
def check_split(answer) -> None:
    k, eps = SPLIT_P.size, SPLIT_EPS
    expected = _split(SPLIT_P, SPLIT_CLASS, 1 - eps + eps / k, eps / k)
    compare(
        answer,
        expected,
        what="your split",
        mistakes=[
            ("Right numbers, wrong order: off-class terms first, then the true-class change.", expected[::-1]),
            (
                "The true-class term shrinks, so its change is negative; the off-class terms add a positive amount.",
                np.array([expected[0], -expected[1]]),
            ),
            (
                "That is the fairseq convention (eps/(K - 1) for each wrong class, 1 - eps for the true one).",
                _split(SPLIT_P, SPLIT_CLASS, 1 - eps, eps / (k - 1)),
            ),
            (
                "The true class's target is 1 - eps + eps/K: it keeps its share eps/K.",
                _split(SPLIT_P, SPLIT_CLASS, 1 - eps, eps / k),
            ),
        ],
    )


# Exercise 1.5: the single-pass loss, mean over a batch.
def _reference_loss(logits, target, epsilon):
    return cross_entropy(logits, target, label_smoothing=epsilon)


def _summed_loss(logits, target, epsilon):
    return cross_entropy(logits, target, label_smoothing=epsilon, reduction="sum")


def _others_loss(logits, target, epsilon):
    return cross_entropy(logits, target, label_smoothing=epsilon, convention="others")


def _overwritten_loss(logits, target, epsilon):
    log_p = log_softmax(logits)
    rows = np.arange(log_p.shape[0])
    true_term = -(1 - epsilon) * log_p[rows, target]
    off_terms = -(epsilon / log_p.shape[1]) * (log_p.sum(axis=1) - log_p[rows, target])
    return (true_term + off_terms).mean()


def _unstable_loss(logits, target, epsilon):
    z = np.asarray(logits, dtype=float)
    with np.errstate(all="ignore"):
        lse = np.log(np.exp(z).sum(axis=1))
        rows = np.arange(z.shape[0])
        return (lse - (1 - epsilon) * z[rows, target] - epsilon / z.shape[1] * z.sum(axis=1)).mean()


def _log_of_logits_loss(logits, target, epsilon):
    z = np.asarray(logits, dtype=float)
    q = smooth_labels(target, z.shape[1], epsilon)
    with np.errstate(all="ignore"):
        return -(q * np.log(z)).sum(axis=1).mean()


@register("1.5")
def check_single_pass_loss(answer) -> None:
    batch = np.array([[2.0, 0.5, -1.0], [0.1, 1.8, 0.2], [1.2, 0.7, 0.3], [0.0, -0.2, 2.4]])
    cases = [
        ("the weather example", (np.log([[1.0, 2.0, 6.0, 1.0]]), np.array([2]), 0.1), {}),
        ("a batch of four, K = 3, eps = 0.1", (batch, np.array([0, 1, 0, 2]), 0.1), {}),
        ("eps = 0 (plain cross-entropy)", (batch, np.array([2, 2, 1, 0]), 0.0), {}),
        ("large logits", (np.array([[1000.0, 999.0, -1000.0], [-1000.0, 0.0, 1000.0]]), np.array([0, 1]), 0.2), {}),
    ]
    check_function(
        answer,
        cases,
        _reference_loss,
        mistakes=[
            ("you returned the sum over the batch; the loss is the mean.", _summed_loss),
            ("that is the fairseq convention; spread eps over all K classes.", _others_loss),
            ("the true class's target is 1 - eps + eps/K: it keeps its share eps/K.", _overwritten_loss),
            ("exp overflowed: subtract each row's maximum before exponentiating.", _unstable_loss),
            (
                "you took the log of the logits; they are not probabilities (log p = z - logsumexp(z)).",
                _log_of_logits_loss,
            ),
        ],
    )
