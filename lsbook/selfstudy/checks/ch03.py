"""Checks of the exercises of chapter 3, "The information-theoretic view".

The chapter glues the exercise data below (``WEATHER_P``, ``FLOOR_K``, ...),
so the text quotes the very values the checks use.
"""

from __future__ import annotations

import numpy as np

from ...core.information import confidence_penalty, confidence_penalty_grad, entropy, kl_divergence
from ...core.loss import cross_entropy, cross_entropy_grad
from ...core.softmax import log_softmax, softmax
from ...core.targets import smooth_labels
from .. import mistakes
from ..check import register
from ..compare import Case, check_function, compare
from ..wrong_answers import one_hot, others_target, overwritten_target

# Exercise 3.1: eps * KL(U || p) for the weather example of chapter 1 -----------------------------

WEATHER_P = np.array([0.1, 0.2, 0.6, 0.1])
WEATHER_CLASS = 2
WEATHER_EPS = 0.1
_UNIFORM = np.full(WEATHER_P.size, 1.0 / WEATHER_P.size)
KL_SHARE = WEATHER_EPS * float(kl_divergence(_UNIFORM, WEATHER_P))


@register("3.1", solution=KL_SHARE)
def check_kl_share(answer) -> None:
    smoothed = float(cross_entropy(np.log(WEATHER_P), WEATHER_CLASS, label_smoothing=WEATHER_EPS))
    hard = float(cross_entropy(np.log(WEATHER_P), WEATHER_CLASS))
    compare(answer, KL_SHARE, what="eps * KL(U || p)", mistakes=[
        ("That is KL(p || U), the reverse direction: the uniform U must come first.",
         WEATHER_EPS * float(kl_divergence(WEATHER_P, _UNIFORM))),
        ("That is KL(U || p) itself: the loss weighs it by eps.", KL_SHARE / WEATHER_EPS),
        ("That is eps * CE(U, p): it still holds the constant eps * log K.",
         KL_SHARE + WEATHER_EPS * float(entropy(_UNIFORM))),
        ("That is the whole difference L - CE(y, p), which also moves the cross-entropy term.", smoothed - hard),
    ])


# Exercise 3.2: the floor of the smoothed loss ------------------------------------------------------

FLOOR_K = 10
FLOOR_EPS = 0.1
LOSS_FLOOR = float(entropy(smooth_labels(0, FLOOR_K, FLOOR_EPS)))


@register("3.2", solution=LOSS_FLOOR)
def check_loss_floor(answer) -> None:
    q = smooth_labels(0, FLOOR_K, FLOOR_EPS)
    compare(answer, LOSS_FLOOR, what="the floor of the smoothed loss", mistakes=[
        (mistakes.NO_SMOOTHING, float(entropy(one_hot(0, FLOOR_K)))),
        ("That is -log of the true-class target, the hard-label loss at the optimum; the smoothed loss "
         "also counts the other classes.", -np.log(q[0])),
        ("That is log K, the entropy of the uniform distribution, not of the smoothed target.", np.log(FLOOR_K)),
        (mistakes.FLOOR_SMOOTHING_PART, FLOOR_EPS * np.log(FLOOR_K)),
        (mistakes.WRONG_CONVENTION, float(entropy(others_target(0, FLOOR_K, FLOOR_EPS)))),
    ])


# Exercise 3.3: fix the overwrite slip --------------------------------------------------------------


def smoothed_targets(labels, num_classes, eps):
    """The solution: lsbook's smoothed targets."""
    return smooth_labels(labels, num_classes, eps)


SMOOTHING_CASES = [
    Case("labels [2], K = 4, eps = 0.1", (np.array([2]), 4, 0.1)),
    Case("labels [0, 4, 1], K = 5, eps = 0.2", (np.array([0, 4, 1]), 5, 0.2)),
    Case("labels [1, 0], K = 2, eps = 0.3", (np.array([1, 0]), 2, 0.3)),
    Case("labels [3], K = 4, eps = 0", (np.array([3]), 4, 0.0)),
]


@register("3.3", solution=smoothed_targets)
def check_smoothed_targets(answer) -> None:
    check_function(answer, SMOOTHING_CASES, smoothed_targets, mistakes=[
        (mistakes.OVERWRITTEN_TRUE_CLASS, overwritten_target),
        (mistakes.WRONG_CONVENTION, others_target),
        (mistakes.NO_SMOOTHING, lambda labels, k, eps: one_hot(labels, k)),
    ])


# Exercises 3.4 and 3.5: the confidence penalty, its loss and its gradient ----------------------------

PENALTY_CASES = [
    Case("4 rows, K = 3, beta = 0.5",
         (np.array([[2.0, 0.5, -1.0], [0.1, 1.8, 0.2], [1.2, 0.7, 0.3], [0.0, -0.2, 2.4]]), np.array([0, 1, 0, 2]),
          0.5)),
    Case("6 random rows, K = 5, beta = 0.1",
         (np.random.default_rng(3).normal(scale=3.0, size=(6, 5)), np.array([0, 1, 2, 3, 4, 0]), 0.1)),
    Case("1 row, K = 4, beta = 2", (np.array([[4.0, -1.0, 0.0, 1.0]]), np.array([3]), 2.0)),
]


def penalised_loss(logits, labels, beta):
    """The solution of 3.4: the mean cross-entropy minus beta times the mean entropy of p."""
    return float(cross_entropy(logits, labels) + confidence_penalty(logits, beta))


@register("3.4", solution=penalised_loss)
def check_penalised_loss(answer) -> None:
    check_function(answer, PENALTY_CASES, penalised_loss, mistakes=[
        ("The entropy is added; the penalty subtracts beta * H(p), so confident predictions cost more.",
         lambda z, y, beta: float(cross_entropy(z, y) - confidence_penalty(z, beta))),
        (mistakes.FORGOT_THE_MEAN,
         lambda z, y, beta: float(cross_entropy(z, y, reduction="sum") + confidence_penalty(z, beta,
                                                                                           reduction="sum"))),
        ("The penalty is missing (the entropy of a one-hot target is zero: use the entropy of p).",
         lambda z, y, beta: float(cross_entropy(z, y))),
        (mistakes.SOFTMAX_TWICE, lambda z, y, beta: penalised_loss(softmax(z), y, beta)),
        (mistakes.IN_BITS,
         lambda z, y, beta: float(cross_entropy(z, y) + confidence_penalty(z, beta) / np.log(2))),
    ])


def penalised_grad(logits, labels, beta):
    """The solution of 3.5: the gradient of :func:`penalised_loss`."""
    return cross_entropy_grad(logits, labels) + confidence_penalty_grad(logits, beta)


def _grad_without_h(logits, labels, beta):
    p, log_p = softmax(logits), log_softmax(logits)
    return cross_entropy_grad(logits, labels) + beta * p * log_p / logits.shape[0]


@register("3.5", solution=penalised_grad)
def check_penalised_grad(answer) -> None:
    check_function(answer, PENALTY_CASES, penalised_grad, mistakes=[
        ("The penalty's gradient has the wrong sign: the gradient of -beta * H is +beta * p * (log p + H).",
         lambda z, y, beta: cross_entropy_grad(z, y) - confidence_penalty_grad(z, beta)),
        ("The H term of -p_i (log p_i + H) is missing, so the rows do not sum to zero.", _grad_without_h),
        (mistakes.FORGOT_THE_MEAN, lambda z, y, beta: z.shape[0] * penalised_grad(z, y, beta)),
        ("The penalty's gradient is missing: that is the plain cross-entropy gradient.",
         lambda z, y, beta: cross_entropy_grad(z, y)),
    ])
