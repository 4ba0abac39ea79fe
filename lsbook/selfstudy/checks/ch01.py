"""Checks of the exercises of chapter 1, "Why one-hot targets make models over-confident".

Each checker names the typical wrong answer it recognises (the fairseq
convention, a true class that lost its share eps/K, the spacing of floats
above one taken for the spacing below it, ...) without revealing the right
one.
"""

from __future__ import annotations

import numpy as np

from ...core.precision import rounding_gap
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


# Exercise 1.3: the split of the loss difference, smoothed minus hard, for the K = 5 example.
SPLIT_P = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
SPLIT_CLASS, SPLIT_EPS = 1, 0.1


def _split(p, c, true_target, off_target):
    """(sum of the off-class terms, change of the true-class term) for the given target values."""
    others = np.delete(p, c)
    return np.array([-off_target * np.log(others).sum(), (1 - true_target) * np.log(p[c])])


@register("1.3")
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


# Exercise 1.4: the logit gap from which a probability rounded to `bits` significand bits is exactly 1.
def _rounding_gap(num_classes, bits):
    return rounding_gap(num_classes, bits)


def _via_rounded_probability(num_classes, bits):
    p = 1 - np.float64(2.0) ** -(bits + 1)  # exactly 1 for 53 bits
    with np.errstate(divide="ignore"):
        return np.log(p * (num_classes - 1) / (1 - p))


@register("1.4")
def check_rounding_gap(answer) -> None:
    cases = [
        (f"K = {k}, {bits} bits ({name})", (k, bits), {})
        for k, bits, name in [(4, 24, "float32"), (4, 8, "bfloat16"), (1000, 8, "bfloat16"),
                              (32000, 11, "float16"), (2, 53, "float64")]
    ]
    check_function(
        answer,
        cases,
        _rounding_gap,
        rtol=1e-7,
        atol=1e-9,
        mistakes=[
            (
                "p rounds to one already at the midpoint between 1 - 2**-bits and 1, "
                "half a spacing below one: use 2**-(bits + 1), not 2**-bits.",
                lambda k, bits: np.log((k - 1) * (1 - 2.0**-bits) / 2.0**-bits),
            ),
            (
                "2**-(bits - 1) is the spacing of the numbers just above one (the machine epsilon); "
                "below one the numbers lie twice as close.",
                lambda k, bits: np.log((k - 1) * (1 - 2.0 ** -(bits - 1)) / 2.0 ** -(bits - 1)),
            ),
            (
                "count the other classes: there are K - 1 of them, not K.",
                lambda k, bits: _rounding_gap(k + 1, bits),
            ),
            (
                "close: that is the approximation log(K - 1) + (bits + 1) log 2; keep the factor 1 - d "
                "of the exact probability 1 - d.",
                lambda k, bits: np.log(k - 1) + (bits + 1) * np.log(2),
            ),
            ("the gap is the logarithm of that ratio.", lambda k, bits: np.exp(_rounding_gap(k, bits))),
            (
                "for 53 bits, 1 - 2**-54 is itself exactly 1 in float64, so 1 - p is 0: "
                "write 1 - p as d = 2**-(bits + 1) directly instead of subtracting.",
                _via_rounded_probability,
            ),
        ],
    )


# Exercise 1.5: the expected one-hot target when a label is flipped to one of the K - 1 wrong classes.
def _flipped_target(label, num_classes, flip_rate):
    return smooth_labels(label, num_classes, flip_rate, convention="others")


@register("1.5")
def check_flipped_target(answer) -> None:
    cases = [
        ("label 2, K = 4, flip rate 0.1", (2, 4, 0.1), {}),
        ("label 0, K = 10, flip rate 0.3", (0, 10, 0.3), {}),
        ("label 1, K = 2, flip rate 0.2", (1, 2, 0.2), {}),
        ("label 3, K = 5, flip rate 0", (3, 5, 0.0), {}),
    ]
    check_function(
        answer,
        cases,
        _flipped_target,
        mistakes=[
            (
                "that is the uniform replacement of the chapter, where the draw may land on the true class "
                "again; here a flipped label is always wrong, so r is shared by the K - 1 wrong classes only.",
                lambda label, k, r: smooth_labels(label, k, r),
            ),
            (
                "the true class loses the whole flip rate r: it keeps 1 - r, with nothing added back.",
                lambda label, k, r: _flipped_target(label, k, r) + np.eye(k)[label] * r / (k - 1),
            ),
            (
                "your target does not sum to one: the K - 1 wrong classes share r, so each gets r/(K - 1).",
                lambda label, k, r: np.where(np.arange(k) == label, 1 - r, r / k),
            ),
            ("the true class should keep 1 - r of its mass.", lambda label, k, r: np.eye(k)[label]),
        ],
    )
