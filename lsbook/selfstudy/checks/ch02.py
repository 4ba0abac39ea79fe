"""Checks of the exercises of chapter 2, "The gradient, derived and checked"."""

from __future__ import annotations

import numpy as np

from ...core.loss import cross_entropy_grad
from ...core.targets import optimal_logit_gap, smooth_labels
from .. import mistakes
from ..check import register
from ..compare import Case, check_function, compare
from ..wrong_answers import gradient_slips, overwritten_target

# Exercise 2.1: the gradient of an over-confident five-class prediction -------------------------

EX21_PROBS = np.array([0.96, 0.01, 0.01, 0.015, 0.005])
EX21_TRUE_CLASS = 0
EX21_EPSILON = 0.1
OVERCONFIDENT_GRADIENT = cross_entropy_grad(np.log(EX21_PROBS), EX21_TRUE_CLASS, label_smoothing=EX21_EPSILON)


@register("2.1", solution=OVERCONFIDENT_GRADIENT)
def check_overconfident_gradient(answer) -> None:
    logits, k = np.log(EX21_PROBS), EX21_PROBS.size
    compare(answer, OVERCONFIDENT_GRADIENT, what="your gradient", mistakes=[
        (mistakes.NO_SMOOTHING, cross_entropy_grad(logits, EX21_TRUE_CLASS)),
        (mistakes.WRONG_CONVENTION,
         cross_entropy_grad(logits, EX21_TRUE_CLASS, label_smoothing=EX21_EPSILON, convention="others")),
        (mistakes.OVERWRITTEN_TRUE_CLASS, EX21_PROBS - overwritten_target(EX21_TRUE_CLASS, k, EX21_EPSILON)),
    ])


# Exercise 2.2: the optimal logit gap in the other convention --------------------------------------


def optimal_gap_others(epsilon, num_classes):
    """The solution: lsbook's optimal gap, in the exercise's argument order."""
    return optimal_logit_gap(num_classes, epsilon, convention="others")


@register("2.2", solution=optimal_gap_others)
def check_optimal_gap_others(answer) -> None:
    cases = [Case(f"epsilon={eps}, num_classes={k}", (eps, k)) for eps, k in [(0.1, 4), (0.1, 1000), (0.2, 10),
                                                                                (0.05, 3)]]
    check_function(answer, cases, optimal_gap_others, mistakes=[
        ("That is the gap of this book's uniform convention; the exercise asks for fairseq's, where the true "
         "class gets exactly 1 - eps and each other class eps/(K-1).",
         lambda eps, k: optimal_logit_gap(k, eps)),
        (mistakes.OTHER_CLASSES_COUNT, lambda eps, k: np.log((1.0 - eps) / (eps / k))),
        (mistakes.RATIO_NOT_ITS_LOG, lambda eps, k: np.exp(optimal_gap_others(eps, k))),
        ("That is the target probability of the true class, not a gap between logits.", lambda eps, k: 1.0 - eps),
    ])


# Exercise 2.3: the bound on a smoothed classifier's confidence ------------------------------------

EX23_NUM_CLASSES = 10
EX23_EPSILON = 0.1
CONFIDENCE_BOUND = smooth_labels(0, EX23_NUM_CLASSES, EX23_EPSILON)[0]


@register("2.3", solution=CONFIDENCE_BOUND)
def check_confidence_bound(answer) -> None:
    compare(answer, CONFIDENCE_BOUND, atol=1e-4, what="your bound", mistakes=[
        (mistakes.OVERWRITTEN_TRUE_CLASS, 1.0 - EX23_EPSILON),
        (mistakes.NO_SMOOTHING, 1.0),
        (mistakes.WRONG_CLASS_TARGET, EX23_EPSILON / EX23_NUM_CLASSES),
        ("That is the bound for K = 4; here K = 10.", smooth_labels(0, 4, EX23_EPSILON)[0]),
    ])


# Exercise 2.4: the gradient of the mean loss over a batch -----------------------------------------


def mean_smoothed_grad(logits, labels, epsilon):
    """The solution: lsbook's gradient, with the exercise's argument names."""
    return cross_entropy_grad(logits, labels, label_smoothing=epsilon)


@register("2.4", solution=mean_smoothed_grad)
def check_mean_gradient(answer) -> None:
    rng = np.random.default_rng(24)
    batch_of_four = np.array([[2.0, 0.5, -1.0], [0.1, 1.8, 0.2], [1.2, 0.7, 0.3], [0.0, -0.2, 2.4]])
    cases = [
        Case("the batch of four (K = 3, eps = 0.1)", (batch_of_four, np.array([0, 1, 0, 2]), 0.1)),
        Case("a random batch (N = 6, K = 7, eps = 0.2)", (rng.normal(size=(6, 7)), rng.integers(0, 7, size=6), 0.2)),
        Case("a single row (N = 1, K = 5, eps = 0.3)", (rng.normal(size=(1, 5)), np.array([3]), 0.3)),
    ]
    check_function(answer, cases, mean_smoothed_grad, mistakes=gradient_slips())


# Exercise 2.5: the optimal gaps z_c - z_j for the target (1 - eps) y + eps u with a prior u --------


def _prior_target(label, prior, epsilon):
    """(1 - eps) y + eps u."""
    target = epsilon * np.asarray(prior, dtype=float)
    target[label] += 1.0 - epsilon
    return target


def optimal_gaps(label, prior, epsilon):
    """The solution: at the minimum p = q, so z_c - z_j = log(q_c / q_j)."""
    target = _prior_target(label, prior, epsilon)
    return np.log(target[label] / target)


def _gaps_without_prior_on_true_class(label, prior, epsilon):
    target = epsilon * np.asarray(prior, dtype=float)
    target[label] = 1.0 - epsilon
    return np.log(target[label] / target)


@register("2.5", solution=optimal_gaps)
def check_prior_optimum(answer) -> None:
    cases = [
        Case("the weather example (label 2, prior [0.5, 0.3, 0.05, 0.15], eps = 0.1)",
             (2, np.array([0.5, 0.3, 0.05, 0.15]), 0.1)),
        Case("a uniform prior (label 0, K = 4, eps = 0.1)", (0, np.full(4, 0.25), 0.1)),
        Case("label 1, prior [0.1, 0.6, 0.3], eps = 0.3", (1, np.array([0.1, 0.6, 0.3]), 0.3)),
    ]
    check_function(answer, cases, optimal_gaps, mistakes=[
        ("Those are the gaps for the uniform prior: use the prior u in place of 1/K.",
         lambda label, prior, e: optimal_gaps(label, np.full(len(prior), 1.0 / len(prior)), e)),
        ("The true class also receives its share eps * u_c of the prior, on top of 1 - eps.",
         _gaps_without_prior_on_true_class),
        (mistakes.RATIO_NOT_ITS_LOG, lambda label, prior, e: np.exp(optimal_gaps(label, prior, e))),
        ("Those are the optimal probabilities q, not gaps between logits: take log(q_c / q_j).", _prior_target),
    ])
