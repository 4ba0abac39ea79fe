"""Checks of the exercises of chapter 1, "Why one-hot targets make models over-confident"."""

from __future__ import annotations

import numpy as np

from ...core.loss import cross_entropy, cross_entropy_grad
from ...core.targets import smooth_labels, target_coefficients
from .. import mistakes
from ..check import register
from ..compare import Case, check_function, compare
from ..wrong_answers import loss_slips, one_hot, others_target, overwritten_target

# Exercise 1.1: the smoothed target for K = 10, eps = 0.1, true class 3 -------------------------

TARGET_K, TARGET_EPS, TARGET_CLASS = 10, 0.1, 3
SMOOTHED_TARGET = smooth_labels(TARGET_CLASS, TARGET_K, TARGET_EPS)


def _target_for_k4_values() -> np.ndarray:
    """The K = 4 target's two values, written into a vector of 10."""
    true_share, rest = target_coefficients(4, TARGET_EPS)
    return rest + true_share * one_hot(TARGET_CLASS, TARGET_K)


@register("1.1", solution=SMOOTHED_TARGET)
def check_smoothed_target(answer) -> None:
    misplaced = [smooth_labels(c, TARGET_K, TARGET_EPS) for c in range(TARGET_K) if c != TARGET_CLASS]
    compare(answer, SMOOTHED_TARGET, what="your target", mistakes=[
        (mistakes.WRONG_CONVENTION, others_target(TARGET_CLASS, TARGET_K, TARGET_EPS)),
        (mistakes.OVERWRITTEN_TRUE_CLASS, overwritten_target(TARGET_CLASS, TARGET_K, TARGET_EPS)),
        ("Those are the K = 4 values: here eps is shared by 10 classes.", _target_for_k4_values()),
        (mistakes.NO_SMOOTHING, one_hot(TARGET_CLASS, TARGET_K)),
        *((f"The values are right, but the large one belongs at the true class, index {TARGET_CLASS}.", wrong)
          for wrong in misplaced),
    ])


# Exercise 1.2: the logit that gives the true class probability p, the K - 1 others being 0 -----


def required_logit(p, num_classes):
    """The solution: p = e^z / (e^z + K - 1), solved for z."""
    return np.log(p * (num_classes - 1) / (1 - p))


@register("1.2", solution=required_logit)
def check_required_logit(answer) -> None:
    cases = [Case(f"p = {p}, K = {k}", (p, k)) for p, k in [(0.998, 4), (0.925, 4), (0.99, 10), (0.2, 3),
                                                             (0.9001, 1000)]]
    check_function(answer, cases, required_logit, mistakes=[
        (mistakes.OTHER_CLASSES_COUNT, lambda p, k: np.log(p * k / (1 - p))),
        ("That is the two-class log-odds: the other K - 1 classes each add exp(0) = 1.",
         lambda p, k: np.log(p / (1 - p))),
        ("That is log p, which would be the logit only if the other logits were -inf.", lambda p, k: np.log(p)),
        (mistakes.RATIO_NOT_ITS_LOG, lambda p, k: p * (k - 1) / (1 - p)),
    ])


# Exercise 1.3: the true-class gradient of an over-confident prediction -------------------------

CONFIDENT_P = np.array([0.02, 0.01, 0.95, 0.02])
CONFIDENT_CLASS, CONFIDENT_EPS = 2, 0.1
CONFIDENT_GRADIENT = cross_entropy_grad(np.log(CONFIDENT_P), CONFIDENT_CLASS, label_smoothing=CONFIDENT_EPS)[
    CONFIDENT_CLASS
]


@register("1.3", solution=CONFIDENT_GRADIENT)
def check_confident_gradient(answer) -> None:
    p_true, k = CONFIDENT_P[CONFIDENT_CLASS], CONFIDENT_P.size
    compare(answer, CONFIDENT_GRADIENT, what="your gradient", mistakes=[
        (mistakes.NO_SMOOTHING, p_true - one_hot(CONFIDENT_CLASS, k)[CONFIDENT_CLASS]),
        (mistakes.OVERWRITTEN_TRUE_CLASS,
         p_true - overwritten_target(CONFIDENT_CLASS, k, CONFIDENT_EPS)[CONFIDENT_CLASS]),
    ])


# Exercise 1.4: the loss difference, smoothed minus hard, split in two for the K = 5 example -----

SPLIT_P = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
SPLIT_CLASS, SPLIT_EPS = 1, 0.1


def _split(q: np.ndarray) -> np.ndarray:
    """(sum of the off-class terms, change of the true-class term) for the target ``q``."""
    terms = -q * np.log(SPLIT_P)
    return np.array([np.delete(terms, SPLIT_CLASS).sum(), (1 - q[SPLIT_CLASS]) * np.log(SPLIT_P[SPLIT_CLASS])])


LOSS_SPLIT = _split(smooth_labels(SPLIT_CLASS, SPLIT_P.size, SPLIT_EPS))


@register("1.4", solution=LOSS_SPLIT)
def check_loss_split(answer) -> None:
    k = SPLIT_P.size
    compare(answer, LOSS_SPLIT, what="your split", mistakes=[
        ("Right numbers, wrong order: off-class terms first, then the true-class change.", LOSS_SPLIT[::-1]),
        ("The true-class term shrinks, so its change is negative; the off-class terms add a positive amount.",
         LOSS_SPLIT * [1, -1]),
        (mistakes.WRONG_CONVENTION, _split(others_target(SPLIT_CLASS, k, SPLIT_EPS))),
        (mistakes.OVERWRITTEN_TRUE_CLASS, _split(overwritten_target(SPLIT_CLASS, k, SPLIT_EPS))),
    ])


# Exercise 1.5: the single-pass loss, mean over a batch --------------------------------------------


def smoothed_cross_entropy(logits, target, epsilon):
    """The solution: lsbook's loss, with the exercise's argument names."""
    return cross_entropy(logits, target, label_smoothing=epsilon)


@register("1.5", solution=smoothed_cross_entropy)
def check_single_pass_loss(answer) -> None:
    batch = np.array([[2.0, 0.5, -1.0], [0.1, 1.8, 0.2], [1.2, 0.7, 0.3], [0.0, -0.2, 2.4]])
    cases = [
        Case("the weather example", (np.log([[1.0, 2.0, 6.0, 1.0]]), np.array([2]), 0.1)),
        Case("a batch of four, K = 3, eps = 0.1", (batch, np.array([0, 1, 0, 2]), 0.1)),
        Case("eps = 0 (plain cross-entropy)", (batch, np.array([2, 2, 1, 0]), 0.0)),
        Case("large logits", (np.array([[1000.0, 999.0, -1000.0], [-1000.0, 0.0, 1000.0]]), np.array([0, 1]), 0.2)),
    ]
    check_function(answer, cases, smoothed_cross_entropy, mistakes=loss_slips())
