"""Checks of the exercises of chapter 5, the distillation caveat."""

from __future__ import annotations

import numpy as np

from ...core.softmax import softmax
from ...core.targets import optimal_logit_gap
from ...experiments.distillation import soft_targets, wrong_class_distribution
from ...experiments.penultimate import project_onto_templates
from ..check import Mistake, check_function, compare, register

# 5.1 A teacher's soft targets at temperature T.


def _power_not_renormalised(logits, temperature):
    return softmax(np.asarray(logits, dtype=float)) ** (1.0 / temperature)


def _multiplied_by_temperature(logits, temperature):
    return softmax(np.asarray(logits, dtype=float) * temperature)


def _probabilities_divided(logits, temperature):
    return softmax(np.asarray(logits, dtype=float)) / temperature


def _softmax_over_examples(logits, temperature):
    return softmax(np.asarray(logits, dtype=float) / temperature, axis=0)


@register("5.1")
def _soft_targets(answer):
    rng = np.random.default_rng(6)
    cases = [
        ("one row of logits at T = 4", (np.array([[6.0, 2.0, 1.0, -1.0]]), 4.0), {}),
        ("five rows of logits at T = 2", (rng.normal(0, 3, (5, 10)), 2.0), {}),
        ("three rows at T = 1 (plain softmax)", (rng.normal(0, 3, (3, 4)), 1.0), {}),
    ]
    check_function(
        answer,
        cases,
        soft_targets,
        mistakes={
            "raising probabilities to the power 1/T is right only if you renormalise each row afterwards.": (
                _power_not_renormalised
            ),
            "divide the logits by T; multiplying sharpens instead of softening.": _multiplied_by_temperature,
            "divide the logits by T before the softmax, not the probabilities after it.": _probabilities_divided,
            "the softmax runs over the classes (the last axis), not over the examples.": _softmax_over_examples,
        },
    )


# 5.2 The soft target of a perfectly fitted smoothed teacher at temperature T.
_EPS, _K, _T = 0.1, 10, 4.0


def _soft_true_class(eps, num_classes, temperature):
    gap = optimal_logit_gap(num_classes, eps)
    return 1.0 / (1.0 + (num_classes - 1) * np.exp(-gap / temperature))


@register("5.2")
def _perfect_teacher_at_temperature(answer):
    gap = optimal_logit_gap(_K, _EPS)
    compare(
        answer,
        _soft_true_class(_EPS, _K, _T),
        mistakes={
            "That is the teacher's probability at T = 1; the soft target divides the logits by T.": 1 - _EPS
            + _EPS / _K,
            "Divide the logit gap by T, do not multiply it.": 1.0 / (1.0 + (_K - 1) * np.exp(-_T * gap)),
            "Raising the probability to the power 1/T is not enough: the soft target must be renormalised.": (
                (1 - _EPS + _EPS / _K) ** (1 / _T)
            ),
            "There are K - 1 wrong classes, each with the same logit, not K.": 1.0 / (1.0 + _K * np.exp(-gap / _T)),
        },
        what="the true-class soft target",
    )


# 5.3 Coordinates of penultimate activations in the plane of three templates.


def _distances(points):
    points = np.asarray(points, dtype=float)
    return np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)


def _plane_through_origin(features, templates):
    """Projects on the span of w0 and w1: a plane through the origin, not through the templates."""
    basis, _ = np.linalg.qr(np.stack([templates[0], templates[1]], axis=1))
    return features @ basis


def _raw_differences(features, templates):
    """Uses w1 - w0 and w2 - w0 as axes without orthonormalising them."""
    return (features - templates[0]) @ np.stack([templates[1] - templates[0], templates[2] - templates[0]], axis=1)


@register("5.3")
def _projection(answer):
    if not callable(answer):
        raise Mistake(f"Expected a function, got {type(answer).__name__}.")
    rng = np.random.default_rng(7)
    templates = rng.normal(0, 1, (3, 6))
    features = np.vstack([templates, rng.normal(0, 1, (7, 6))])
    got = answer(features.copy(), templates.copy())
    if got is None:
        raise Mistake("Your function returned None; did you forget `return`?")
    if np.shape(got) != (features.shape[0], 2):
        raise Mistake(f"Expected coordinates of shape {(features.shape[0], 2)}, got {np.shape(got)}.")
    # Any orthonormal basis of the plane is right: compare distances, which do not depend on the choice.
    expected = _distances(project_onto_templates(features, templates))
    if np.allclose(_distances(got), expected, rtol=1e-6, atol=1e-8):
        return
    for message, wrong in (
        ("the plane must pass through the three templates; yours passes through the origin.", _plane_through_origin),
        ("orthonormalise the two directions (Gram-Schmidt or QR) before projecting.", _raw_differences),
    ):
        if np.allclose(_distances(got), _distances(wrong(features, templates)), rtol=1e-6, atol=1e-8):
            raise Mistake(message)
    raise Mistake("The distances between your projected points differ from those of a projection onto the plane.")


# 5.4 The wrong-class distribution.


def _not_renormalised(probs, labels):
    wrong = np.array(probs, dtype=float)
    wrong[np.arange(len(labels)), labels] = 0.0
    return wrong


def _predicted_class_removed(probs, labels):
    return wrong_class_distribution(probs, np.asarray(probs).argmax(axis=1))


@register("5.4")
def _wrong_classes(answer):
    rng = np.random.default_rng(8)
    probs = softmax(rng.normal(0, 2, (6, 5)))
    labels = rng.integers(0, 5, 6)
    labels[0] = (probs[0].argmax() + 1) % 5  # a misclassified row tells the true class from the predicted one
    cases = [("six predictions over five classes", (probs, labels), {})]
    check_function(
        answer,
        cases,
        wrong_class_distribution,
        mistakes={
            "after zeroing the true class, divide each row by what is left so that it sums to 1.": _not_renormalised,
            "remove the true class (the label), not the predicted one.": _predicted_class_removed,
        },
    )
