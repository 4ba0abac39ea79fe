"""Checks of the exercises of chapter 3, "The information-theoretic view".

The exercise parameters live here too, so the notebook quotes (glues) the
same values that the checks use.
"""

from __future__ import annotations

import numpy as np

from ...core.information import confidence_penalty, confidence_penalty_grad, entropy, kl_divergence
from ...core.loss import cross_entropy, cross_entropy_grad
from ...core.softmax import log_softmax, softmax
from ...core.targets import smooth_labels
from ..check import check_function, compare, register

# Exercise 3.1: the weather example of chapter 1.
WEATHER_P = np.array([0.1, 0.2, 0.6, 0.1])
WEATHER_CLASS = 2
WEATHER_EPS = 0.1

# Exercise 3.2: the floor of the smoothed loss.
FLOOR_K = 10
FLOOR_EPS = 0.1


def _uniform(k: int) -> np.ndarray:
    return np.full(k, 1.0 / k)


@register("3.1")
def check_kl_share(answer) -> None:
    """eps * KL(U || p) for the weather example."""
    k, eps = WEATHER_P.size, WEATHER_EPS
    kl = float(kl_divergence(_uniform(k), WEATHER_P))
    smoothed = float(cross_entropy(np.log(WEATHER_P), WEATHER_CLASS, label_smoothing=eps))
    hard = -np.log(WEATHER_P[WEATHER_CLASS])
    compare(
        answer,
        eps * kl,
        what="eps * KL(U || p)",
        mistakes=[
            ("That is KL(p || U), the reverse direction: the uniform U must come first.",
             eps * float(kl_divergence(WEATHER_P, _uniform(k)))),
            ("That is KL(U || p) itself: the loss weighs it by eps.", kl),
            ("That is eps * CE(U, p): it still holds the constant eps * log K.", eps * (kl + np.log(k))),
            ("That is the whole difference L - CE(y, p), which also moves the cross-entropy term.", smoothed - hard),
        ],
    )


@register("3.2")
def check_loss_floor(answer) -> None:
    """The lowest smoothed loss any prediction reaches: H(q)."""
    q = smooth_labels(0, FLOOR_K, FLOOR_EPS)
    q_others = smooth_labels(0, FLOOR_K, FLOOR_EPS, convention="others")
    compare(
        answer,
        float(entropy(q)),
        what="the floor of the smoothed loss",
        mistakes=[
            ("Zero is the floor of the hard-label loss; with a smoothed target no prediction reaches it.", 0.0),
            ("That is -log of the true-class target, the hard-label loss at the optimum; the smoothed loss "
             "also counts the other classes.", -np.log(q[0])),
            ("That is log K, the entropy of the uniform distribution, not of the smoothed target.", np.log(FLOOR_K)),
            ("That is eps * log K, only part of the entropy of the target.", FLOOR_EPS * np.log(FLOOR_K)),
            ("That is the entropy of the eps/(K-1) target; this book uses eps/K.", float(entropy(q_others))),
        ],
    )


# Exercise 3.3: fix the overwrite slip ---------------------------------------------------------


def _overwrite_slip(labels, num_classes, eps):
    q = np.full((len(labels), num_classes), eps / num_classes)
    q[np.arange(len(labels)), labels] = 1 - eps
    return q


def _others_convention(labels, num_classes, eps):
    return smooth_labels(labels, num_classes, eps, convention="others")


def _hard_targets(labels, num_classes, eps):
    return np.eye(num_classes)[np.asarray(labels)]


SMOOTHING_CASES = [
    ("labels [2], K = 4, eps = 0.1", (np.array([2]), 4, 0.1), {}),
    ("labels [0, 4, 1], K = 5, eps = 0.2", (np.array([0, 4, 1]), 5, 0.2), {}),
    ("labels [1, 0], K = 2, eps = 0.3", (np.array([1, 0]), 2, 0.3), {}),
    ("labels [3], K = 4, eps = 0", (np.array([3]), 4, 0.0), {}),
]


@register("3.3")
def check_smoothed_targets(function) -> None:
    check_function(
        function,
        SMOOTHING_CASES,
        lambda labels, k, eps: smooth_labels(labels, k, eps),
        mistakes=[
            ("the true class was overwritten with 1 - eps, so each row sums to 1 - eps/K; "
             "add 1 - eps to the eps/K that is already there.", _overwrite_slip),
            ("the other classes get eps/(K-1) (the fairseq convention); this book spreads eps/K over all K.",
             _others_convention),
            ("the targets are still one-hot: eps was not used.", _hard_targets),
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
