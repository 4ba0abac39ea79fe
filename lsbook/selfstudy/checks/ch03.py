"""Checks of the exercises of chapter 3, "The information-theoretic view".

The exercise parameters live here too, so the notebook quotes (glues) the
same values that the checks use. Exercise 3.6 asks for a counterexample, so
its check tests the property (a midpoint above the average) instead of
comparing with one expected answer.
"""

from __future__ import annotations

import numpy as np

from ...core.information import confidence_penalty, confidence_penalty_grad, entropy, kl_divergence
from ...core.loss import cross_entropy, cross_entropy_grad
from ...core.softmax import log_softmax, softmax
from ...core.targets import smooth_labels
from ..check import Mistake, check_function, compare, register

# Exercise 3.2: how much of a logged smoothed loss training can still remove.
FLOOR_K = 10
FLOOR_EPS = 0.1
LOGGED_LOSS = 0.62

# Exercise 3.3: the weather example of chapter 1, smoothed towards a prior.
WEATHER_P = np.array([0.1, 0.2, 0.6, 0.1])
WEATHER_CLASS = 2
WEATHER_EPS = 0.1
PRIOR = np.array([0.5, 0.3, 0.05, 0.15])

# Exercise 3.6: a counterexample to convexity of CE - beta H(p), true class 0.
NONCONVEX_K = 3
NONCONVEX_BETA = 0.5


def _uniform(k: int) -> np.ndarray:
    return np.full(k, 1.0 / k)


# Exercise 3.1: the uniform-convention strength of an "others" target -----------------------


def _uniform_equivalent(eps_others, num_classes):
    if not 0 <= eps_others <= (num_classes - 1) / num_classes:
        raise ValueError(f"eps_others = {eps_others} has no uniform-convention equivalent for K = {num_classes}")
    return eps_others * num_classes / (num_classes - 1)


@register("3.1")
def check_uniform_equivalent(function) -> None:
    cases = [
        ("eps_others = 0.1, K = 4", (0.1, 4), {}),
        ("eps_others = 0.1, K = 1000", (0.1, 1000), {}),
        ("eps_others = 0.3, K = 2", (0.3, 2), {}),
        ("eps_others = 0, K = 5", (0.0, 5), {}),
        ("eps_others = 0.75, K = 4 (the largest with an equivalent)", (0.75, 4), {}),
        ("eps_others = 0.9, K = 4", (0.9, 4), {}),
    ]
    check_function(
        function,
        cases,
        _uniform_equivalent,
        mistakes=[
            (
                "the factor is upside down: the uniform convention spreads eps over K classes, more than K - 1, "
                "so it needs the larger strength.",
                lambda e, k: e * (k - 1) / k,
            ),
            ("the two conventions give different targets for the same eps: convert it.", lambda e, k: e),
            (
                "compare one wrong class in each target: eps/K against eps_others/(K - 1).",
                lambda e, k: e * k / (k + 1),
            ),
        ],
    )


# Exercise 3.2: the part of the logged loss above the floor H(q) ------------------------------


@register("3.2")
def check_removable_loss(answer) -> None:
    """The logged loss minus the floor H(q): the mean KL(q || p) that training can still remove."""
    q = smooth_labels(0, FLOOR_K, FLOOR_EPS)
    floor = float(entropy(q))
    q_others = smooth_labels(0, FLOOR_K, FLOOR_EPS, convention="others")
    compare(
        answer,
        LOGGED_LOSS - floor,
        what="the removable part of the loss",
        mistakes=[
            ("That is the floor H(q) itself, the part no training removes; subtract it from the logged loss.",
             floor),
            ("That is the whole logged loss: a smoothed loss cannot fall to zero.", LOGGED_LOSS),
            ("That subtracts log K, the entropy of the uniform distribution, not of the smoothed target.",
             LOGGED_LOSS - np.log(FLOOR_K)),
            ("That subtracts -log q_c, which counts only the true class of the target's entropy.",
             LOGGED_LOSS + np.log(q[0])),
            ("That uses the entropy of the eps/(K-1) target; this book uses eps/K.",
             LOGGED_LOSS - float(entropy(q_others))),
        ],
    )


# Exercise 3.3: the KL split for a prior -------------------------------------------------------


def _prior_split(prior):
    p, c, e = WEATHER_P, WEATHER_CLASS, WEATHER_EPS
    return np.array([(1 - e) * -np.log(p[c]), e * float(entropy(prior)), e * float(kl_divergence(prior, p))])


@register("3.3")
def check_prior_split(answer) -> None:
    expected = _prior_split(PRIOR)
    p, e = WEATHER_P, WEATHER_EPS
    reversed_kl = expected.copy()
    reversed_kl[2] = e * float(kl_divergence(p, PRIOR))
    ce_not_h = expected.copy()
    ce_not_h[1] = e * float(entropy(PRIOR) + kl_divergence(PRIOR, p))
    unscaled = np.array([expected[0] / (1 - e), expected[1] / e, expected[2] / e])
    compare(
        answer,
        expected,
        what="your split",
        mistakes=[
            ("That is the split for the uniform prior; use u in place of U (its entropy and its KL term).",
             _prior_split(_uniform(p.size))),
            ("The constant is eps H(u): for a non-uniform prior it is no longer eps log K.",
             np.array([expected[0], e * np.log(p.size), expected[2]])),
            ("The KL term runs the other way: KL(u || p), an average under the prior u.", reversed_kl),
            ("The constant is eps H(u) alone; eps CE(u, p) still contains the KL term.", ce_not_h),
            ("Each part carries its weight: (1 - eps) for the hard loss, eps for the other two.", unscaled),
            ("Right numbers, wrong order: the scaled hard loss, then the constant, then the KL term.",
             expected[[0, 2, 1]]),
        ],
    )


# Exercises 3.4 and 3.5: the confidence penalty -----------------------------------------------

PENALTY_CASES = [
    (
        "4 rows, K = 3, beta = 0.5",
        (np.array([[2.0, 0.5, -1.0], [0.1, 1.8, 0.2], [1.2, 0.7, 0.3], [0.0, -0.2, 2.4]]), np.array([0, 1, 0, 2]), 0.5),
        {},
    ),
    (
        "6 random rows, K = 5, beta = 0.1",
        (np.random.default_rng(3).normal(scale=3.0, size=(6, 5)), np.array([0, 1, 2, 3, 4, 0]), 0.1),
        {},
    ),
    ("1 row, K = 4, beta = 2", (np.array([[4.0, -1.0, 0.0, 1.0]]), np.array([3]), 2.0), {}),
]


def _penalised_loss(logits, labels, beta):
    return float(cross_entropy(logits, labels) + confidence_penalty(logits, beta))


def _bits_entropy(logits, labels, beta):
    return float(cross_entropy(logits, labels) + confidence_penalty(logits, beta) / np.log(2))


@register("3.4")
def check_penalised_loss(function) -> None:
    check_function(
        function,
        PENALTY_CASES,
        _penalised_loss,
        mistakes=[
            ("the entropy is added; the penalty subtracts beta * H(p), so confident predictions cost more.",
             lambda z, y, beta: float(cross_entropy(z, y) - confidence_penalty(z, beta))),
            ("that is a sum over rows; return the mean.",
             lambda z, y, beta: float(cross_entropy(z, y, reduction="sum") + confidence_penalty(z, beta,
                                                                                                reduction="sum"))),
            ("the penalty is missing (the entropy of a one-hot target is zero: use the entropy of p).",
             lambda z, y, beta: float(cross_entropy(z, y))),
            ("softmax was applied twice: probabilities were passed where logits are expected.",
             lambda z, y, beta: _penalised_loss(softmax(z), y, beta)),
            ("the entropy is in bits; use natural logarithms.", _bits_entropy),
        ],
    )


def _penalised_grad(logits, labels, beta):
    return cross_entropy_grad(logits, labels) + confidence_penalty_grad(logits, beta)


def _grad_without_h(logits, labels, beta):
    p, log_p = softmax(logits), log_softmax(logits)
    return cross_entropy_grad(logits, labels) + beta * p * log_p / logits.shape[0]


@register("3.5")
def check_penalised_grad(function) -> None:
    check_function(
        function,
        PENALTY_CASES,
        _penalised_grad,
        mistakes=[
            ("the penalty's gradient has the wrong sign: the gradient of -beta * H is +beta * p * (log p + H).",
             lambda z, y, beta: cross_entropy_grad(z, y) - confidence_penalty_grad(z, beta)),
            ("the H term of -p_i (log p_i + H) is missing, so the rows do not sum to zero.", _grad_without_h),
            ("that is the gradient of the sum over rows; the loss is a mean.",
             lambda z, y, beta: z.shape[0] * _penalised_grad(z, y, beta)),
            ("the penalty's gradient is missing: that is the plain cross-entropy gradient.",
             lambda z, y, beta: cross_entropy_grad(z, y)),
        ],
    )


# Exercise 3.6: the confidence-penalised loss is not convex in the logits -----------------------


def _penalised_loss_of(logits) -> float:
    logits = np.atleast_2d(logits)
    target = np.zeros(logits.shape[0], dtype=int)
    return float(cross_entropy(logits, target) + confidence_penalty(logits, NONCONVEX_BETA))


@register("3.6")
def check_nonconvex_pair(answer) -> None:
    if callable(answer):
        raise Mistake("Expected two logit vectors, np.array([z_a, z_b]), not a function.")
    try:
        points = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        points = None
    if points is None or points.shape != (2, NONCONVEX_K):
        raise Mistake(f"Expected an array of shape (2, {NONCONVEX_K}): two logit vectors, one per row.")
    if not np.all(np.isfinite(points)):
        raise Mistake("Your logits contain nan or inf; use finite numbers.")
    z_a, z_b = points
    step = z_b - z_a
    if np.allclose(step, step.mean(), atol=1e-9):
        raise Mistake(
            "Your two points differ by the same amount in every logit (or not at all): the softmax ignores "
            "such a shift, so the loss is constant between them. Move the logits relative to each other."
        )
    midpoint = _penalised_loss_of((z_a + z_b) / 2)
    average = (_penalised_loss_of(z_a) + _penalised_loss_of(z_b)) / 2
    if not midpoint > average + 1e-9 * max(1.0, abs(average)):
        raise Mistake(
            "On your pair the midpoint's loss is not above the average of the two ends, so the pair does not "
            "show non-convexity. Look where the prediction is already very confident in the true class."
        )
