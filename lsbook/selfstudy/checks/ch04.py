"""Checks of the exercises of chapter 4, calibration."""

from __future__ import annotations

import numpy as np

from ...core.softmax import softmax
from ...experiments.calibration import expected_calibration_error, fit_temperature
from ..check import check_function, compare, register

# 4.1 A perfectly fitted smoothed model: confidence 1 - eps + eps/K on every
# training image, all of them right. Its ECE is the gap eps - eps/K.
_EPS, _K = 0.1, 10


@register("4.1")
def _ece_of_a_perfect_smoothed_fit(answer):
    confidence = 1 - _EPS + _EPS / _K
    compare(
        answer,
        1.0 - confidence,
        mistakes={
            "That is eps itself: the true class keeps eps/K of the smoothing mass too.": _EPS,
            "That is the confidence; the ECE is the gap between accuracy and confidence.": confidence,
            "That is eps/K, the target of one wrong class, not the calibration gap.": _EPS / _K,
        },
        what="the ECE",
    )


# 4.2 Expected calibration error with Guo et al.'s right-closed bins.


def _bins_closed_on_the_left(probs, labels, n_bins=15):
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    bins = np.clip(np.floor(confidence * n_bins).astype(int), 0, n_bins - 1)
    return _ece_from_bins(bins, confidence, correct, n_bins, weighted=True)


def _unweighted_bins(probs, labels, n_bins=15):
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    bins = np.clip(np.searchsorted(np.linspace(0, 1, n_bins + 1), confidence, side="left") - 1, 0, n_bins - 1)
    return _ece_from_bins(bins, confidence, correct, n_bins, weighted=False)


def _true_class_probability(probs, labels, n_bins=15):
    confidence = probs[np.arange(len(labels)), labels]
    correct = probs.argmax(axis=1) == labels
    bins = np.clip(np.searchsorted(np.linspace(0, 1, n_bins + 1), confidence, side="left") - 1, 0, n_bins - 1)
    return _ece_from_bins(bins, confidence, correct, n_bins, weighted=True)


def _signed_gaps(probs, labels, n_bins=15):
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    bins = np.clip(np.searchsorted(np.linspace(0, 1, n_bins + 1), confidence, side="left") - 1, 0, n_bins - 1)
    total = 0.0
    for m in range(n_bins):
        inside = bins == m
        if inside.any():
            total += inside.mean() * (correct[inside].mean() - confidence[inside].mean())
    return abs(total)


def _ece_from_bins(bins, confidence, correct, n_bins, weighted):
    gaps, shares = [], []
    for m in range(n_bins):
        inside = bins == m
        if inside.any():
            gaps.append(abs(correct[inside].mean() - confidence[inside].mean()))
            shares.append(inside.mean())
    gaps, shares = np.array(gaps), np.array(shares)
    return float(np.sum(shares * gaps)) if weighted else float(gaps.mean())


def _calibration_cases():
    rng = np.random.default_rng(4)
    probs = softmax(rng.normal(0.0, 2.0, (200, 5)))
    labels = rng.integers(0, 5, 200)
    # Confidences exactly on bin edges (0.5 and 0.75 with four bins) test which side is closed.
    edges = np.array([[0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.9, 0.1], [0.6, 0.4], [0.5, 0.5]])
    return [
        ("200 random predictions, 15 bins", (probs, labels), {"n_bins": 15}),
        ("200 random predictions, 5 bins", (probs, labels), {"n_bins": 5}),
        ("confidences that sit exactly on bin edges, 4 bins", (edges, np.array([0, 1, 1, 0, 1, 1])), {"n_bins": 4}),
    ]


@register("4.2")
def _expected_calibration_error(answer):
    check_function(
        answer,
        _calibration_cases(),
        expected_calibration_error,
        mistakes={
            "bins must be closed on the right, ((m-1)/M, m/M]; yours put edge values in the next bin up.": (
                _bins_closed_on_the_left
            ),
            "each bin's gap must be weighted by its share of the examples, |B_m| / n.": _unweighted_bins,
            "the confidence is the top probability, not the probability of the true class.": (
                _true_class_probability
            ),
            "take the absolute gap in each bin before summing; signed gaps cancel.": _signed_gaps,
        },
    )


# 4.3 Temperature scaling fitted on NLL.


def _multiplied_by_temperature(logits, labels):
    return 1.0 / fit_temperature(logits, labels)


def _fitted_on_probabilities(logits, labels):
    return fit_temperature(softmax(logits), labels)


def _temperature_cases():
    rng = np.random.default_rng(5)
    cases = []
    for true_temperature, n in ((2.0, 3000), (0.7, 2000)):
        logits = rng.normal(0.0, 2.5, (n, 4))
        p = softmax(logits / true_temperature)
        labels = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
        cases.append((f"{n} over-/under-confident predictions", (logits, labels), {}))
    return cases


@register("4.3")
def _temperature(answer):
    check_function(
        lambda logits, labels: float(answer(logits, labels)),
        _temperature_cases(),
        fit_temperature,
        mistakes={
            "you return 1/T: the scaled logits are z / T, not z * T.": _multiplied_by_temperature,
            "scale the logits, not the probabilities: softmax(softmax(z) / T) is not what is fitted.": (
                _fitted_on_probabilities
            ),
        },
        rtol=1e-2,
        atol=1e-3,
    )


# 4.4 A smoothing strength that decays linearly to zero at the last epoch.


def linear_decay(epoch, epochs, eps_max):
    """The reference schedule: eps_max at epoch 0, 0 at epoch epochs - 1."""
    return eps_max * (1.0 - epoch / (epochs - 1))


def _never_reaches_zero(epoch, epochs, eps_max):
    return eps_max * (1.0 - epoch / epochs)


def _grows(epoch, epochs, eps_max):
    return eps_max * epoch / (epochs - 1)


@register("4.4")
def _schedule(answer):
    cases = [
        (f"epoch {epoch} of {epochs}, eps_max = {eps_max}", (epoch, epochs, eps_max), {})
        for epochs, eps_max in ((30, 0.1), (5, 0.3))
        for epoch in (0, 1, epochs // 2, epochs - 1)
    ]
    check_function(
        lambda epoch, epochs, eps_max: float(answer(epoch, epochs, eps_max)),
        cases,
        linear_decay,
        mistakes={
            "the last epoch is epochs - 1, so divide by epochs - 1 to reach 0 there.": _never_reaches_zero,
            "the strength should start at eps_max and decrease, not grow from 0.": _grows,
        },
    )
