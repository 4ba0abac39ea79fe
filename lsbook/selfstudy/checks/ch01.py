"""Checks of the exercises of chapter 1, "Why one-hot targets make models over-confident"."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...core.precision import rounding_gap
from ...core.targets import smooth_labels, target_coefficients
from .. import mistakes
from ..check import register
from ..compare import Case, check_function, compare
from ..wrong_answers import one_hot, others_target, overwritten_target

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


# Exercise 1.3: the loss difference, smoothed minus hard, split in two for the K = 5 example -----

SPLIT_P = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
SPLIT_CLASS, SPLIT_EPS = 1, 0.1


def _split(q: np.ndarray) -> np.ndarray:
    """(sum of the off-class terms, change of the true-class term) for the target ``q``."""
    terms = -q * np.log(SPLIT_P)
    return np.array([np.delete(terms, SPLIT_CLASS).sum(), (1 - q[SPLIT_CLASS]) * np.log(SPLIT_P[SPLIT_CLASS])])


LOSS_SPLIT = _split(smooth_labels(SPLIT_CLASS, SPLIT_P.size, SPLIT_EPS))


@register("1.3", solution=LOSS_SPLIT)
def check_loss_split(answer) -> None:
    k = SPLIT_P.size
    compare(answer, LOSS_SPLIT, what="your split", mistakes=[
        ("Right numbers, wrong order: off-class terms first, then the true-class change.", LOSS_SPLIT[::-1]),
        ("The true-class term shrinks, so its change is negative; the off-class terms add a positive amount.",
         LOSS_SPLIT * [1, -1]),
        (mistakes.WRONG_CONVENTION, _split(others_target(SPLIT_CLASS, k, SPLIT_EPS))),
        (mistakes.OVERWRITTEN_TRUE_CLASS, _split(overwritten_target(SPLIT_CLASS, k, SPLIT_EPS))),
    ])


# Exercise 1.4: the logit gap from which a probability rounded to `bits` significand bits is 1 ----


def rounding_gap_of(num_classes, bits):
    """The solution: lsbook's rounding gap, in the exercise's argument order."""
    return rounding_gap(num_classes, bits)


def _gap_for_half_spacing(half_spacing: Callable) -> Callable:
    """The gap log((K - 1)(1 - d) / d) for a (possibly wrong) d = half_spacing(bits)."""
    return lambda k, bits: np.log((k - 1) * (1 - half_spacing(bits)) / half_spacing(bits))


def _via_rounded_probability(num_classes, bits):
    """The slip: p = 1 - d computed first, which is exactly 1 in float64 for 53 bits, so 1 - p is 0."""
    p = 1 - np.float64(2.0) ** -(bits + 1)
    return np.log(p * (num_classes - 1) / (1 - p))


@register("1.4", solution=rounding_gap_of)
def check_rounding_gap(answer) -> None:
    cases = [Case(f"K = {k}, {bits} bits ({name})", (k, bits))
             for k, bits, name in [(4, 24, "float32"), (4, 8, "bfloat16"), (1000, 8, "bfloat16"),
                                   (32000, 11, "float16"), (2, 53, "float64")]]
    check_function(answer, cases, rounding_gap_of, rtol=1e-7, atol=1e-9, mistakes=[
        ("A probability rounds to one already at the midpoint between 1 - 2**-bits and 1, half a spacing below "
         "one: d is 2**-(bits + 1), not 2**-bits.", _gap_for_half_spacing(lambda bits: 2.0**-bits)),
        ("2**-(bits - 1) is the spacing of the numbers just above one (the machine epsilon); below one the "
         "numbers lie twice as close, and half that spacing is d = 2**-(bits + 1).",
         _gap_for_half_spacing(lambda bits: 2.0 ** -(bits - 1))),
        (mistakes.OTHER_CLASSES_COUNT, lambda k, bits: rounding_gap(k + 1, bits)),
        ("Close: that is the approximation log(K - 1) + (bits + 1) log 2. Keep the factor 1 - d of the exact "
         "probability 1 - d.", lambda k, bits: np.log(k - 1) + (bits + 1) * np.log(2)),
        (mistakes.RATIO_NOT_ITS_LOG, lambda k, bits: np.exp(rounding_gap(k, bits))),
        ("For 53 bits, 1 - 2**-54 is itself exactly 1 in float64, so 1 - p is 0: write 1 - p as "
         "d = 2**-(bits + 1) directly instead of subtracting.", _via_rounded_probability),
    ])


# Exercise 1.5: the expected one-hot target when a label is flipped to one of the K - 1 wrong classes --


def expected_target(label, num_classes, flip_rate):
    """The solution: 1 - r on the label, r / (K - 1) on each other class (fairseq's convention, eps = r)."""
    return smooth_labels(label, num_classes, flip_rate, convention="others")


@register("1.5", solution=expected_target)
def check_expected_target(answer) -> None:
    cases = [Case("label 2, K = 4, flip rate 0.1", (2, 4, 0.1)),
             Case("label 0, K = 10, flip rate 0.3", (0, 10, 0.3)),
             Case("label 1, K = 2, flip rate 0.2", (1, 2, 0.2)),
             Case("label 3, K = 5, flip rate 0", (3, 5, 0.0))]
    check_function(answer, cases, expected_target, mistakes=[
        ("That is the uniform replacement of the chapter, where the draw may land on the true class again. "
         "Here a flipped label is always wrong, so r is shared by the K - 1 wrong classes only.",
         lambda label, k, r: smooth_labels(label, k, r)),
        ("The true class keeps 1 - r, with nothing added back: a flipped label never lands on it.",
         lambda label, k, r: expected_target(label, k, r) + one_hot(label, k) * r / (k - 1)),
        (mistakes.OTHER_CLASSES_COUNT, lambda label, k, r: np.where(np.arange(k) == label, 1 - r, r / k)),
        (mistakes.NO_SMOOTHING, lambda label, k, r: one_hot(label, k)),
    ])
