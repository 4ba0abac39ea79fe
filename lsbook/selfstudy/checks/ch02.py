"""Checks of the exercises of chapter 2, "The gradient, derived and checked".

Every expected value is computed here from :mod:`lsbook` or from the formula
the exercise asks for, never typed, and every typical wrong answer is
computed by the wrong method it stands for, so a learner who makes that
mistake is told which one it looks like.
"""

from __future__ import annotations

import numpy as np

from ...core.loss import cross_entropy_grad
from ...core.softmax import softmax
from ...core.targets import optimal_logit_gap, smooth_labels
from ..check import check_function, compare, register

# Exercise 2.1: an over-confident five-class prediction.
EX21_PROBS = np.array([0.96, 0.01, 0.01, 0.015, 0.005])
EX21_TRUE_CLASS = 0
EX21_EPSILON = 0.1

# Exercise 2.3: the bound on a smoothed classifier's confidence.
EX23_NUM_CLASSES = 10
EX23_EPSILON = 0.1


def _onehot(labels, num_classes: int) -> np.ndarray:
    return np.eye(num_classes)[np.asarray(labels)]


def _overwritten_target(labels, num_classes: int, epsilon: float) -> np.ndarray:
    """The slip: fill with eps/K, then overwrite (not add to) the true class with 1 - eps."""
    target = np.full(np.shape(labels) + (num_classes,), epsilon / num_classes)
    np.put_along_axis(target, np.asarray(labels)[..., None], 1.0 - epsilon, axis=-1)
    return target


@register("2.1")
def check_overconfident_gradient(answer) -> None:
    num_classes = EX21_PROBS.size
    logits = np.log(EX21_PROBS)
    expected = cross_entropy_grad(logits, EX21_TRUE_CLASS, label_smoothing=EX21_EPSILON)
    mistakes = [
        (
            "This is the gradient for the hard one-hot target; use the smoothed target q.",
            cross_entropy_grad(logits, EX21_TRUE_CLASS),
        ),
        (
            "This uses the fairseq convention (true class 1 - eps, others eps/(K-1)); "
            "the book's convention gives every class eps/K and the true class 1 - eps + eps/K.",
            cross_entropy_grad(logits, EX21_TRUE_CLASS, label_smoothing=EX21_EPSILON, convention="others"),
        ),
        (
            "Your target gives the true class 1 - eps and does not sum to one: "
            "the true class keeps its share eps/K too.",
            EX21_PROBS - _overwritten_target(EX21_TRUE_CLASS, num_classes, EX21_EPSILON),
        ),
    ]
    compare(answer, expected, mistakes=mistakes, what="your gradient")


# The exercise's argument order, (epsilon, num_classes), over lsbook's optimal gap.
def _gap_uniform(epsilon, num_classes):
    return optimal_logit_gap(num_classes, epsilon)


def _gap_others(epsilon, num_classes):
    return optimal_logit_gap(num_classes, epsilon, convention="others")


@register("2.2")
def check_optimal_gap_others(answer) -> None:
    cases = [
        (f"epsilon={epsilon}, num_classes={k}", (epsilon, k), {})
        for epsilon, k in [(0.1, 4), (0.1, 1000), (0.2, 10), (0.05, 3)]
    ]
    mistakes = [
        (
            "this is the gap of the uniform convention; in the fairseq convention the true class "
            "gets exactly 1 - eps and each other class eps/(K-1).",
            _gap_uniform,
        ),
        (
            "each wrong class gets eps/(K-1) in this convention, not eps/K.",
            lambda epsilon, k: np.log((1.0 - epsilon) / (epsilon / k)),
        ),
        (
            "this is the ratio of the two probabilities; the logit gap is its logarithm.",
            lambda epsilon, k: np.exp(_gap_others(epsilon, k)),
        ),
        ("this is the target probability of the true class, not a logit gap.", lambda epsilon, k: 1.0 - epsilon),
    ]
    check_function(answer, cases, _gap_others, mistakes=mistakes)


@register("2.3")
def check_confidence_bound(answer) -> None:
    expected = smooth_labels(0, EX23_NUM_CLASSES, EX23_EPSILON)[0]
    mistakes = [
        ("That is 1 - eps: the true class also receives its share eps/K of the uniform part.", 1.0 - EX23_EPSILON),
        ("That is the bound for hard targets, which smoothing removes.", 1.0),
        (
            "That is the target of one wrong class; the question asks about the top probability.",
            EX23_EPSILON / EX23_NUM_CLASSES,
        ),
        ("That is the bound for K = 4; here K = 10.", smooth_labels(0, 4, EX23_EPSILON)[0]),
    ]
    compare(answer, expected, mistakes=mistakes, atol=1e-4, what="your bound")


def _reference_mean_grad(logits, labels, epsilon):
    return cross_entropy_grad(logits, labels, label_smoothing=epsilon)


def _mean_grad_with_target(target_fn):
    """A gradient of the mean loss that uses a (possibly wrong) target."""

    def gradient(logits, labels, epsilon):
        logits = np.asarray(logits, dtype=float)
        return (softmax(logits) - target_fn(labels, logits.shape[-1], epsilon)) / logits.shape[0]

    return gradient


@register("2.4")
def check_mean_gradient(answer) -> None:
    rng = np.random.default_rng(24)
    batch_of_four = np.array([[2.0, 0.5, -1.0], [0.1, 1.8, 0.2], [1.2, 0.7, 0.3], [0.0, -0.2, 2.4]])
    cases = [
        ("the batch of four (K = 3, eps = 0.1)", (batch_of_four, np.array([0, 1, 0, 2]), 0.1), {}),
        ("a random batch (N = 6, K = 7, eps = 0.2)", (rng.normal(size=(6, 7)), rng.integers(0, 7, size=6), 0.2), {}),
        ("a single row (N = 1, K = 5, eps = 0.3)", (rng.normal(size=(1, 5)), np.array([3]), 0.3), {}),
    ]
    smoothed = _mean_grad_with_target(smooth_labels)
    mistakes = [
        (
            "forgot the mean: the gradient of the mean loss divides every row by N.",
            lambda z, y, e: smoothed(z, y, e) * np.shape(z)[0],
        ),
        ("wrong sign: the gradient is p - q, not q - p.", lambda z, y, e: -smoothed(z, y, e)),
        (
            "used hard targets: the smoothing strength was ignored.",
            _mean_grad_with_target(lambda y, k, e: _onehot(y, k)),
        ),
        (
            "wrong convention: the book's target gives every class eps/K, not eps/(K-1).",
            _mean_grad_with_target(lambda y, k, e: smooth_labels(y, k, e, convention="others")),
        ),
        (
            "the true class was overwritten with 1 - eps instead of receiving 1 - eps on top of eps/K.",
            _mean_grad_with_target(_overwritten_target),
        ),
        (
            "used the logits as if they were probabilities: apply softmax first.",
            lambda z, y, e: (np.asarray(z) - smooth_labels(y, np.shape(z)[-1], e)) / np.shape(z)[0],
        ),
    ]
    check_function(answer, cases, _reference_mean_grad, mistakes=mistakes)


# Exercise 2.5: the optimal gaps z_c - z_j for the target (1 - eps) y + eps u with a prior u.
def _prior_target(label, prior, epsilon):
    target = epsilon * np.asarray(prior, dtype=float)
    target[label] += 1.0 - epsilon
    return target


def _optimal_gaps(label, prior, epsilon):
    target = _prior_target(label, prior, epsilon)
    return np.log(target[label] / target)


def _gaps_without_prior_on_true_class(label, prior, epsilon):
    target = epsilon * np.asarray(prior, dtype=float)
    target[label] = 1.0 - epsilon
    return np.log(target[label] / target)


@register("2.5")
def check_prior_optimum(answer) -> None:
    cases = [
        ("the weather example (label 2, prior [0.5, 0.3, 0.05, 0.15], eps = 0.1)",
         (2, np.array([0.5, 0.3, 0.05, 0.15]), 0.1), {}),
        ("a uniform prior (label 0, K = 4, eps = 0.1)", (0, np.full(4, 0.25), 0.1), {}),
        ("label 1, prior [0.1, 0.6, 0.3], eps = 0.3", (1, np.array([0.1, 0.6, 0.3]), 0.3), {}),
    ]
    mistakes = [
        (
            "these are the gaps for the uniform prior: use the prior u in place of 1/K.",
            lambda label, prior, e: _optimal_gaps(label, np.full(len(prior), 1.0 / len(prior)), e),
        ),
        (
            "the true class also receives its share eps * u_c of the prior, on top of 1 - eps.",
            _gaps_without_prior_on_true_class,
        ),
        (
            "the sign is flipped: the gap is z_c - z_j, the true logit minus the other.",
            lambda label, prior, e: -_optimal_gaps(label, prior, e),
        ),
        (
            "that is the ratio q_c / q_j; the logit gap is its logarithm.",
            lambda label, prior, e: np.exp(_optimal_gaps(label, prior, e)),
        ),
        (
            "those are the optimal probabilities q, not logit gaps.",
            _prior_target,
        ),
    ]
    check_function(answer, cases, _optimal_gaps, mistakes=mistakes)
