"""Checks of the exercises of chapter 3, "The information-theoretic view".

The chapter glues the exercise data below (``FLOOR_K``, ``PRIOR``, ...),
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
from ..wrong_answers import others_target

# Exercise 3.1: the uniform-convention strength of an "others" target --------------------------


def uniform_equivalent(eps_others, num_classes):
    """The solution: eps_others / (K - 1) = eps / K for a wrong class; no equivalent beyond (K - 1) / K."""
    if not 0 <= eps_others <= (num_classes - 1) / num_classes:
        raise ValueError(f"eps_others = {eps_others} has no uniform-convention equivalent for K = {num_classes}")
    return eps_others * num_classes / (num_classes - 1)


@register("3.1", solution=uniform_equivalent)
def check_uniform_equivalent(answer) -> None:
    cases = [
        Case("eps_others = 0.1, K = 4", (0.1, 4)),
        Case("eps_others = 0.1, K = 1000", (0.1, 1000)),
        Case("eps_others = 0.3, K = 2", (0.3, 2)),
        Case("eps_others = 0, K = 5", (0.0, 5)),
        Case("eps_others = 0.75, K = 4 (the largest with an equivalent)", (0.75, 4)),
        Case("eps_others = 0.9, K = 4 (no uniform strength gives it)", (0.9, 4), bad_input=True),
    ]
    check_function(answer, cases, uniform_equivalent, mistakes=[
        ("The factor is upside down: the uniform convention spreads eps over K classes, more than K - 1, so it "
         "needs the larger strength.", lambda e, k: e * (k - 1) / k),
        ("The same eps gives different targets in the two conventions: convert it.", lambda e, k: e),
        ("Compare one wrong class in each target: eps/K against eps_others/(K - 1).", lambda e, k: e * k / (k + 1)),
    ])


# Exercise 3.2: how much of a logged smoothed loss training can still remove ---------------------

FLOOR_K = 10
FLOOR_EPS = 0.1
LOGGED_LOSS = 0.62
LOSS_FLOOR = float(entropy(smooth_labels(0, FLOOR_K, FLOOR_EPS)))
REMOVABLE_LOSS = LOGGED_LOSS - LOSS_FLOOR


@register("3.2", solution=REMOVABLE_LOSS)
def check_removable_loss(answer) -> None:
    q = smooth_labels(0, FLOOR_K, FLOOR_EPS)
    compare(answer, REMOVABLE_LOSS, what="the removable part of the loss", mistakes=[
        ("That is the floor H(q) itself, the part no training removes: subtract it from the logged loss.",
         LOSS_FLOOR),
        ("That is the whole logged loss: a smoothed loss cannot fall to zero.", LOGGED_LOSS),
        ("That subtracts log K, the entropy of the uniform distribution, not of the smoothed target.",
         LOGGED_LOSS - np.log(FLOOR_K)),
        ("That subtracts -log q_c, the true class's part only; the entropy of the target adds up "
         "-q log q over all K classes.", LOGGED_LOSS + np.log(q[0])),
        (mistakes.WRONG_CONVENTION, LOGGED_LOSS - float(entropy(others_target(0, FLOOR_K, FLOOR_EPS)))),
    ])


# Exercise 3.3: the KL split for a prior u, on the weather example of chapter 1 ---------------------

WEATHER_P = np.array([0.1, 0.2, 0.6, 0.1])
WEATHER_CLASS = 2
WEATHER_EPS = 0.1
PRIOR = np.array([0.5, 0.3, 0.05, 0.15])


def _prior_split(prior: np.ndarray) -> np.ndarray:
    """[(1 - eps) CE(y, p), eps H(u), eps KL(u || p)]."""
    p, c, e = WEATHER_P, WEATHER_CLASS, WEATHER_EPS
    return np.array([(1 - e) * -np.log(p[c]), e * float(entropy(prior)), e * float(kl_divergence(prior, p))])


PRIOR_SPLIT = _prior_split(PRIOR)


@register("3.3", solution=PRIOR_SPLIT)
def check_prior_split(answer) -> None:
    e, k = WEATHER_EPS, WEATHER_P.size
    reversed_kl = PRIOR_SPLIT.copy()
    reversed_kl[2] = e * float(kl_divergence(WEATHER_P, PRIOR))
    cross_entropy_as_constant = PRIOR_SPLIT.copy()
    cross_entropy_as_constant[1] = e * float(entropy(PRIOR) + kl_divergence(PRIOR, WEATHER_P))
    compare(answer, PRIOR_SPLIT, what="your split", mistakes=[
        ("That is the split for the uniform prior: use u in place of U, in the constant and in the KL term.",
         _prior_split(np.full(k, 1.0 / k))),
        ("The constant is eps H(u): for a non-uniform prior it is no longer eps log K.",
         np.array([PRIOR_SPLIT[0], e * np.log(k), PRIOR_SPLIT[2]])),
        ("The KL term runs the other way: KL(u || p), an average under the prior u.", reversed_kl),
        ("The constant is eps H(u) alone; eps CE(u, p) still contains the KL term.", cross_entropy_as_constant),
        ("Each part carries its weight: 1 - eps for the hard loss, eps for the other two.",
         PRIOR_SPLIT / [1 - e, e, e]),
        ("Right numbers, wrong order: the scaled hard loss, then the constant, then the KL term.",
         PRIOR_SPLIT[[0, 2, 1]]),
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


# Exercise 3.6: the curvature of CE - beta H(p) along z = (s, 0, ..., 0), true class 0 -----------

NONCONVEX_K = 3
NONCONVEX_BETA = 0.5
NONCONVEX_S = 6.0


def _along_path(s: float) -> tuple[float, float]:
    """r = (K - 1) e^-s, the wrong classes' total odds, and s itself."""
    return (NONCONVEX_K - 1) * np.exp(-s), s


def _curvature(beta: float, s: float = NONCONVEX_S) -> float:
    """d2/ds2 of log(1 + r) - beta H(p): r / (1 + r)^2 * [1 + beta - beta s (1 - r) / (1 + r)]."""
    r, s = _along_path(s)
    return r / (1 + r) ** 2 * (1 + beta - beta * s * (1 - r) / (1 + r))


def _slope(beta: float, s: float = NONCONVEX_S) -> float:
    """d/ds of the same loss: -r / (1 + r) + beta s r / (1 + r)^2."""
    r, s = _along_path(s)
    return -r / (1 + r) + beta * s * r / (1 + r) ** 2


PENALTY_CURVATURE = _curvature(NONCONVEX_BETA)


@register("3.6", solution=PENALTY_CURVATURE)
def check_penalty_curvature(answer) -> None:
    r, s = _along_path(NONCONVEX_S)
    compare(answer, PENALTY_CURVATURE, what="your second derivative", mistakes=[
        ("That is the curvature of the cross-entropy alone, which is convex; add the penalty's -beta H(p).",
         _curvature(0.0)),
        ("That is the curvature of the penalty term alone; the loss is CE - beta H(p), both together.",
         PENALTY_CURVATURE - _curvature(0.0)),
        ("The penalty subtracts beta H(p); that is the curvature of CE + beta H(p).",
         _curvature(-NONCONVEX_BETA)),
        ("That is the first derivative, the slope; convexity is about the second.", _slope(NONCONVEX_BETA)),
        ("Close: that is the small-r approximation r (1 + beta - beta s); compute the exact second derivative.",
         r * (1 + NONCONVEX_BETA - NONCONVEX_BETA * s)),
    ])
