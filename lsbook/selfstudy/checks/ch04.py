"""Checks of the exercises of chapter 4, calibration."""

from __future__ import annotations

import numpy as np

from ...core.softmax import softmax
from ...experiments.calibration import fit_temperature
from ...experiments.scores import calibrated_labels, expected_calibration_error, reliability_data
from .. import mistakes
from ..check import register
from ..compare import Case, check_function, compare

# Exercise 4.1: the training-set ECE of a perfectly fitted smoothed model --------------------------
# Confidence 1 - eps + eps/K on every training image, all of them right: the ECE is eps - eps/K.

FIT_EPS, FIT_K = 0.1, 10
FIT_CONFIDENCE = 1 - FIT_EPS + FIT_EPS / FIT_K
PERFECT_FIT_ECE = 1.0 - FIT_CONFIDENCE


@register("4.1", solution=PERFECT_FIT_ECE)
def check_perfect_fit_ece(answer) -> None:
    compare(answer, PERFECT_FIT_ECE, what="the ECE", mistakes=[
        (mistakes.OVERWRITTEN_TRUE_CLASS, FIT_EPS),
        ("That is the confidence; the ECE is the gap between accuracy and confidence.", FIT_CONFIDENCE),
        (mistakes.WRONG_CLASS_TARGET, FIT_EPS / FIT_K),
    ])


# Exercise 4.2: the expected calibration error with right-closed bins ------------------------------


def _ece_of(confidence, correct, n_bins, *, closed_on="right") -> float:
    """The ECE of given confidences, with bins closed on the right (the definition) or on the left (the slip)."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    side = "left" if closed_on == "right" else "right"  # searchsorted's side: which neighbour an edge value joins
    bins = np.clip(np.searchsorted(edges, confidence, side=side) - 1, 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    kept = counts > 0
    gaps = np.abs(np.bincount(bins, weights=correct - confidence, minlength=n_bins)[kept]) / counts[kept]
    return float(np.sum(counts[kept] / counts.sum() * gaps))


def _bins_closed_on_the_left(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=float)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    return _ece_of(probs.max(axis=1), correct, n_bins, closed_on="left")


def _true_class_probability(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=float)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    return _ece_of(probs[np.arange(len(labels)), labels], correct, n_bins)


def _unweighted_bins(probs, labels, n_bins=15):
    data = reliability_data(probs, labels, n_bins)
    kept = data.counts > 0
    return float(np.mean(np.abs(data.accuracy[kept] - data.confidence[kept])))


def _signed_gaps(probs, labels, n_bins=15):
    data = reliability_data(probs, labels, n_bins)
    kept = data.counts > 0
    return float(abs(np.sum(data.counts[kept] / data.counts.sum() * (data.accuracy[kept] - data.confidence[kept]))))


def _calibration_cases() -> list[Case]:
    rng = np.random.default_rng(4)
    probs = softmax(rng.normal(0.0, 2.0, (200, 5)))
    labels = rng.integers(0, 5, 200)
    # Under-confident in one bin, over-confident in another: signed gaps would cancel.
    mixed = np.array([[0.62, 0.38]] * 4 + [[0.93, 0.07]] * 4)
    # Confidences exactly on bin edges (0.5 and 0.75 with four bins) test which side is closed.
    edges = np.array([[0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.9, 0.1], [0.6, 0.4], [0.5, 0.5]])
    return [
        Case("200 random predictions, 15 bins", (probs, labels), {"n_bins": 15}),
        Case("200 random predictions, 5 bins", (probs, labels), {"n_bins": 5}),
        Case("predictions under-confident in one bin and over-confident in another, 10 bins",
             (mixed, np.array([0, 0, 0, 0, 0, 1, 0, 1])), {"n_bins": 10}),
        Case("confidences that sit exactly on bin edges, 4 bins", (edges, np.array([0, 1, 1, 0, 1, 1])),
             {"n_bins": 4}),
    ]


@register("4.2", solution=expected_calibration_error)
def check_expected_calibration_error(answer) -> None:
    check_function(answer, _calibration_cases(), expected_calibration_error, mistakes=[
        ("Bins must be closed on the right, ((m-1)/M, m/M]; yours put edge values in the next bin up.",
         _bins_closed_on_the_left),
        ("Each bin's gap must be weighted by its share of the examples, |B_m| / n.", _unweighted_bins),
        ("The confidence is the top probability, not the probability of the true class.", _true_class_probability),
        ("Take the absolute gap in each bin before summing; signed gaps cancel.", _signed_gaps),
    ])


# Exercise 4.3: temperature scaling, fitted on the NLL ---------------------------------------------


def _temperature_cases() -> list[Case]:
    rng = np.random.default_rng(5)
    cases = []
    for true_temperature, n in ((2.0, 3000), (0.7, 2000)):
        logits = rng.normal(0.0, 2.5, (n, 4))
        p = softmax(logits / true_temperature)
        labels = calibrated_labels(p, rng)
        cases.append(Case(f"{n} over-/under-confident predictions", (logits, labels)))
    return cases


@register("4.3", solution=fit_temperature)
def check_temperature(answer) -> None:
    check_function(answer, _temperature_cases(), fit_temperature, rtol=1e-2, atol=1e-3, mistakes=[
        (mistakes.TEMPERATURE_MULTIPLIES, lambda logits, labels: 1.0 / fit_temperature(logits, labels)),
        (mistakes.SOFTMAX_TWICE, lambda logits, labels: fit_temperature(softmax(logits), labels)),
    ])


# Exercise 4.4: a smoothing strength that decays linearly to zero at the last epoch ------------------


def linear_decay(epoch, epochs, eps_max):
    """The solution: eps_max at epoch 0, 0 at epoch epochs - 1."""
    return eps_max * (1.0 - epoch / (epochs - 1))


@register("4.4", solution=linear_decay)
def check_schedule(answer) -> None:
    cases = [
        Case(f"epoch {epoch} of {epochs}, eps_max = {eps_max}", (epoch, epochs, eps_max))
        for epochs, eps_max in ((30, 0.1), (5, 0.3))
        for epoch in (0, 1, epochs // 2, epochs - 1)
    ]
    check_function(answer, cases, linear_decay, mistakes=[
        ("The last epoch is epochs - 1, so divide by epochs - 1 to reach 0 there.",
         lambda epoch, epochs, eps_max: eps_max * (1.0 - epoch / epochs)),
        ("The strength should start at eps_max and decrease, not grow from 0.",
         lambda epoch, epochs, eps_max: eps_max * epoch / (epochs - 1)),
    ])


# Exercise 4.5: the ECE with bins of equal mass ---------------------------------------------------


def ece_equal_mass(probs, labels, n_bins=15):
    """The solution: lsbook's equal-mass ECE."""
    return expected_calibration_error(probs, labels, n_bins, binning="equal-mass")


def _groups_in_data_order(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=float)
    confidence, correct = probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(float)
    groups = np.array_split(np.arange(confidence.size), n_bins)
    return float(sum(abs(np.sum(correct[g] - confidence[g])) for g in groups) / confidence.size)


def _equal_mass_signed(probs, labels, n_bins=15):
    probs = np.asarray(probs, dtype=float)
    confidence, correct = probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(float)
    groups = np.array_split(np.argsort(confidence), n_bins)
    return float(abs(sum(np.sum(correct[g] - confidence[g]) for g in groups)) / confidence.size)


def _equal_mass_cases() -> list[Case]:
    # Labels drawn from sharper or flatter versions of the predictions: some bins over-confident,
    # others under-confident, so that the binning matters (with one sign everywhere it would not).
    rng = np.random.default_rng(9)
    logits = rng.normal(0.0, 2.0, (240, 4))  # continuous confidences: no ties to order
    probs = softmax(logits)
    mixed = calibrated_labels(softmax(np.where(probs.max(axis=1, keepdims=True) > 0.7, 0.5, 2.0) * logits), rng)
    confident = softmax(rng.normal(0.0, 1.5, (60, 3)) * 2.5)
    return [
        Case("240 predictions, 15 bins of 16", (probs, mixed), {"n_bins": 15}),
        Case("240 predictions, 4 bins of 60", (probs, mixed), {"n_bins": 4}),
        Case("60 predictions, 6 bins of 10", (confident, calibrated_labels(softmax(np.log(confident) / 2), rng)),
             {"n_bins": 6}),
    ]


@register("4.5", solution=ece_equal_mass)
def check_equal_mass_ece(answer) -> None:
    check_function(answer, _equal_mass_cases(), ece_equal_mass, mistakes=[
        ("Those are bins of equal width; bins of equal mass each hold N / M predictions, cut from the "
         "predictions sorted by confidence.", expected_calibration_error),
        ("Sort the predictions by confidence before cutting them into groups: neighbours in the data's "
         "order are not a bin.", _groups_in_data_order),
        ("Take the absolute gap in each bin before summing; signed gaps cancel.", _equal_mass_signed),
    ])
