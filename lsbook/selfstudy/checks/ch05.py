"""Checks of the exercises of chapter 5, the distillation caveat."""

from __future__ import annotations

import numpy as np

from ...core.softmax import softmax
from ...core.targets import optimal_logit_gap
from ...experiments.distillation import soft_targets, wrong_class_distribution, wrong_class_rank_agreement
from ...experiments.penultimate import project_onto_templates
from .. import mistakes
from ..check import register
from ..compare import Case, check_function, compare
from ..wrong_answers import one_hot

# Exercise 5.1: a teacher's soft targets at temperature T ------------------------------------------


def _power_not_renormalised(logits, temperature):
    return softmax(np.asarray(logits, dtype=float)) ** (1.0 / temperature)


@register("5.1", solution=soft_targets)
def check_soft_targets(answer) -> None:
    rng = np.random.default_rng(6)
    cases = [
        Case("one row of logits at T = 4", (np.array([[6.0, 2.0, 1.0, -1.0]]), 4.0)),
        Case("five rows of logits at T = 2", (rng.normal(0, 3, (5, 10)), 2.0)),
        Case("three rows at T = 1 (plain softmax)", (rng.normal(0, 3, (3, 4)), 1.0)),
    ]
    check_function(answer, cases, soft_targets, mistakes=[
        (mistakes.NOT_RENORMALISED, _power_not_renormalised),
        (mistakes.TEMPERATURE_MULTIPLIES, lambda z, t: soft_targets(z, 1.0 / t)),
        (mistakes.TEMPERATURE_AFTER_SOFTMAX, lambda z, t: softmax(np.asarray(z, dtype=float)) / t),
        ("The softmax runs over the classes (the last axis), not over the examples.",
         lambda z, t: softmax(np.asarray(z, dtype=float) / t, axis=0)),
    ])


# Exercise 5.2: the soft target of a perfectly fitted smoothed teacher at temperature T -------------

TEACHER_EPS, TEACHER_K, TEACHER_T = 0.1, 10, 4.0
TEACHER_LOGITS = optimal_logit_gap(TEACHER_K, TEACHER_EPS) * one_hot(0, TEACHER_K)  # true class 0, the others 0
SOFT_TRUE_CLASS = float(soft_targets(TEACHER_LOGITS, TEACHER_T)[0])


@register("5.2", solution=SOFT_TRUE_CLASS)
def check_soft_true_class(answer) -> None:
    gap, k, t = TEACHER_LOGITS[0], TEACHER_K, TEACHER_T
    compare(answer, SOFT_TRUE_CLASS, what="the true-class soft target", mistakes=[
        ("That is the teacher's probability at T = 1; the soft target divides the logits by T.",
         float(soft_targets(TEACHER_LOGITS)[0])),
        (mistakes.TEMPERATURE_MULTIPLIES, float(soft_targets(TEACHER_LOGITS, 1.0 / t)[0])),
        (mistakes.NOT_RENORMALISED, float(soft_targets(TEACHER_LOGITS)[0]) ** (1 / t)),
        (mistakes.OTHER_CLASSES_COUNT, 1.0 / (1.0 + k * np.exp(-gap / t))),
    ])


# Exercise 5.3: coordinates of penultimate activations in the plane of three templates -------------


def _distances(points):
    """All pairwise distances: the same for every orthonormal basis of the plane, so any one is right."""
    points = np.asarray(points, dtype=float)
    return np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)


def _plane_through_origin(features, templates):
    """Projects on the span of w0 and w1: a plane through the origin, not through the templates."""
    basis, _ = np.linalg.qr(np.stack([templates[0], templates[1]], axis=1))
    return features @ basis


def _raw_differences(features, templates):
    """Uses w1 - w0 and w2 - w0 as axes without orthonormalising them."""
    return (features - templates[0]) @ np.stack([templates[1] - templates[0], templates[2] - templates[0]], axis=1)


@register("5.3", solution=project_onto_templates)
def check_projection(answer) -> None:
    rng = np.random.default_rng(7)
    templates = rng.normal(0, 1, (3, 6))
    features = np.vstack([templates, rng.normal(0, 1, (7, 6))])
    cases = [Case("the three templates and seven random points in 6 dimensions", (features, templates))]
    check_function(answer, cases, project_onto_templates, key=_distances, rtol=1e-6, atol=1e-8, mistakes=[
        ("The plane must pass through the three templates; yours passes through the origin.",
         _plane_through_origin),
        ("Orthonormalise the two directions (Gram-Schmidt or QR) before projecting.", _raw_differences),
    ])


# Exercise 5.4: the wrong-class distribution ------------------------------------------------------


def _not_renormalised(probs, labels):
    wrong = np.array(probs, dtype=float)
    wrong[np.arange(len(labels)), labels] = 0.0
    return wrong


@register("5.4", solution=wrong_class_distribution)
def check_wrong_classes(answer) -> None:
    rng = np.random.default_rng(8)
    probs = softmax(rng.normal(0, 2, (6, 5)))
    labels = rng.integers(0, 5, 6)
    labels[0] = (probs[0].argmax() + 1) % 5  # a misclassified row tells the true class from the predicted one
    check_function(answer, [Case("six predictions over five classes", (probs, labels))], wrong_class_distribution,
                   mistakes=[
                       (mistakes.NOT_RENORMALISED, _not_renormalised),
                       ("Remove the true class (the label), not the predicted one.",
                        lambda p, y: wrong_class_distribution(p, np.asarray(p).argmax(axis=1))),
                   ])


# Exercise 5.5: do two models rank the wrong classes alike? ---------------------------------------


def _spearman_over_all_classes(first, second, labels):
    ranks = [np.argsort(np.argsort(np.asarray(z, dtype=float), axis=1), axis=1) for z in (first, second)]
    k = ranks[0].shape[1]
    return 1.0 - 6.0 * np.sum((ranks[0] - ranks[1]) ** 2, axis=1) / (k * (k**2 - 1))


def _wrong_class_values(z, labels):
    z = np.asarray(z, dtype=float)
    keep = np.ones(z.shape, dtype=bool)
    keep[np.arange(len(labels)), labels] = False
    return z[keep].reshape(z.shape[0], -1)


def _pearson_of_values(first, second, labels):
    a, b = (_wrong_class_values(z, labels) for z in (first, second))
    a, b = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    return np.sum(a * b, axis=1) / np.sqrt(np.sum(a * a, axis=1) * np.sum(b * b, axis=1))


def _k_instead_of_k_minus_1(first, second, labels):
    a, b = (np.argsort(np.argsort(_wrong_class_values(z, labels), axis=1), axis=1) for z in (first, second))
    k = np.shape(first)[1]
    return 1.0 - 6.0 * np.sum((a - b) ** 2, axis=1) / (k * (k**2 - 1))


def _rank_cases() -> list[Case]:
    rng = np.random.default_rng(10)
    first = rng.normal(0.0, 2.0, (12, 10))
    second = first + rng.normal(0.0, 1.5, (12, 10))  # related rankings: agreement well above 0
    small = np.array([[9.0, 1.0, 2.0, 3.0, 0.5], [0.0, 5.0, 1.0, 2.0, 4.0]])
    return [
        Case("12 examples, K = 10, two related models", (first, second, rng.integers(0, 10, 12))),
        Case("two examples, K = 5", (small, small[:, ::-1].copy(), np.array([0, 1]))),
    ]


@register("5.5", solution=wrong_class_rank_agreement)
def check_rank_agreement(answer) -> None:
    check_function(answer, _rank_cases(), wrong_class_rank_agreement, mistakes=[
        ("Drop the true class before ranking: the agreement is about the K - 1 wrong classes only.",
         _spearman_over_all_classes),
        ("Rank the wrong classes first: a correlation of the raw values changes when the logits are "
         "transformed, a correlation of ranks does not.", _pearson_of_values),
        ("Each row ranks m = K - 1 wrong classes, so the formula divides by m (m^2 - 1), not K (K^2 - 1).",
         _k_instead_of_k_minus_1),
    ])
