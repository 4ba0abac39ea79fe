"""How good a classifier's probabilities are: accuracy, NLL, Brier score, ECE.

Explained in chapter 4, section "Measuring calibration". Three of the scores
are means over the test examples: accuracy (is the top class right?), the
negative log-likelihood ``-log p_c`` and the Brier score
``sum_k (p_k - [k = c])^2``. The NLL and the Brier score are *proper*: a
model minimises their expectation by predicting the true probabilities.
The expected calibration error (ECE) of Guo et al. (2017) is not a mean over
examples: it sorts the predictions into M bins by confidence (their top
probability) and averages ``|accuracy - mean confidence|`` over the bins,
weighted by their share of the examples. Bins of equal width,
``((m - 1) / M, m / M]``, are the literature's default; bins of equal mass
(each holding about n / M predictions) do not leave most bins nearly empty
when most confidences sit near 1.

The binned ECE is biased upward: a bin's observed accuracy scatters around
its true accuracy, and the absolute value of a scattered gap is larger on
average than the true gap, most of all when the gap is small and the bin
holds few predictions. :func:`squared_calibration_error` averages squared
gaps instead, for which the bias has an exact correction (Kumar et al.,
2019; chapter 4, section "How sure can we be?").

Every score accepts ``sample_weight``: one weight per example (N,), or a
stack of weight vectors (B, N) to score B resamples of the test set at once
(see :mod:`lsbook.experiments.intervals`). A weight of 2 counts an example
twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import (
    as_class_indices,
    as_logits,
    as_probabilities,
    check_choice,
    check_integer,
    check_real,
)
from ..core.softmax import log_softmax

BINNINGS = ("equal-width", "equal-mass")


def _probs_and_labels(probs: ArrayLike, target: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate predicted distributions (N, K) and class indices (N,)."""
    if np.ndim(probs) != 2:
        raise ValueError(f"probs must have shape (N, K) with K >= 2, got {np.shape(probs)}")
    p = as_probabilities(probs, "probs", min_classes=2).astype(np.float64, copy=False)
    if p.shape[0] == 0:
        raise ValueError("probs is empty: a score needs at least one example")
    y = as_class_indices(target, p.shape[:1], p.shape[1])
    return p, y


def _weights(sample_weight, n: int) -> np.ndarray | None:
    """``None``, or finite non-negative weights of shape (N,) or (B, N), each row with a positive sum."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype == bool or not (np.issubdtype(w.dtype, np.floating) or np.issubdtype(w.dtype, np.integer)):
        raise TypeError(f"sample_weight must hold real numbers, got dtype {w.dtype}")
    if w.ndim not in (1, 2) or w.shape[-1] != n:
        raise ValueError(f"sample_weight must have shape ({n},) or (B, {n}), one weight per example; got {w.shape}")
    w = w.astype(np.float64)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative")
    if np.any(w.sum(axis=-1) <= 0):
        raise ValueError("sample_weight must give some example a positive weight")
    return w


def _weighted_mean(values: np.ndarray, weights: np.ndarray | None):
    """Mean of per-example ``values`` (N,): a float, or (B,) for stacked weights."""
    if weights is None:
        return float(values.mean())
    result = (weights @ values) / weights.sum(axis=-1)
    return float(result) if weights.ndim == 1 else result


def accuracy(probs: ArrayLike, target: ArrayLike, *, sample_weight: ArrayLike | None = None):
    """Share of examples whose most probable class is the true one.

    Examples
    --------
    >>> accuracy([[0.7, 0.3], [0.4, 0.6]], [0, 0])
    0.5
    """
    p, y = _probs_and_labels(probs, target)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    return _weighted_mean(correct, _weights(sample_weight, y.size))


def negative_log_likelihood(logits: ArrayLike, target: ArrayLike, *, sample_weight: ArrayLike | None = None):
    """Mean ``-log p_c`` of the true class (the unsmoothed cross-entropy), from logits.

    Examples
    --------
    >>> round(negative_log_likelihood([[0.0, 0.0]], [1]), 6)  # -log(1/2)
    0.693147
    """
    z = as_logits(logits)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {z.shape}")
    y = as_class_indices(target, z.shape[:1], z.shape[1])
    losses = -log_softmax(z.astype(np.float64))[np.arange(y.size), y]
    return _weighted_mean(losses, _weights(sample_weight, y.size))


def brier_score(probs: ArrayLike, target: ArrayLike, *, sample_weight: ArrayLike | None = None):
    """Mean squared distance between ``probs`` and the one-hot target, summed over classes.

    0 for certain, correct predictions; 2 for certain, wrong ones; a
    uniform guess over K classes scores ``1 - 1/K``.

    Examples
    --------
    >>> round(brier_score([[0.7, 0.2, 0.1]], [0]), 6)  # 0.3**2 + 0.2**2 + 0.1**2
    0.14
    """
    p, y = _probs_and_labels(probs, target)
    squared = np.sum(p**2, axis=1) - 2.0 * p[np.arange(y.size), y] + 1.0
    return _weighted_mean(squared, _weights(sample_weight, y.size))


def _check_bins(n_bins) -> int:
    return check_integer(n_bins, "n_bins", minimum=1)


def _equal_width_bins(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin m (from 0) holds ``(m / M, (m + 1) / M]``: closed on the right, as in Guo et al."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # side="left" finds i with edges[i - 1] < c <= edges[i].
    return np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)


def _equal_mass_bins(confidence: np.ndarray, n_bins: int, weights: np.ndarray | None) -> np.ndarray:
    """Sort by confidence and cut the total weight into M equal parts.

    Each prediction goes to the bin that holds the middle of its own weight,
    so n unweighted predictions fill the bins as evenly as n / M allows.
    Returns bins of shape (N,), or (B, N) for stacked weights.
    """
    order = np.argsort(confidence, kind="stable")
    w = np.ones(confidence.size) if weights is None else weights
    sorted_w = w[..., order]
    middle = np.cumsum(sorted_w, axis=-1) - 0.5 * sorted_w
    sorted_bins = np.floor(n_bins * middle / sorted_w.sum(axis=-1, keepdims=True)).astype(np.int64)
    bins = np.empty_like(sorted_bins)
    bins[..., order] = np.clip(sorted_bins, 0, n_bins - 1)
    return bins


@dataclass(frozen=True)
class ReliabilityData:
    """Per-bin statistics of a reliability diagram (M bins).

    ``edges`` has M + 1 entries (for equal-mass bins, the midpoints between
    neighbouring bins' confidences, with 0 and 1 at the ends); ``counts``
    the number of examples per bin; ``confidence`` and ``accuracy`` the mean
    top probability and the share of correct predictions in each bin
    (``nan`` for an empty bin).
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def n_bins(self) -> int:
        return self.counts.size

    @property
    def ece(self) -> float:
        """Expected calibration error: bin gaps weighted by bin shares."""
        kept = self.counts > 0
        shares = self.counts[kept] / self.counts.sum()
        return float(np.sum(shares * np.abs(self.accuracy[kept] - self.confidence[kept])))


def _confidence_and_correct(probs, target) -> tuple[np.ndarray, np.ndarray]:
    p, y = _probs_and_labels(probs, target)
    return p.max(axis=1), (p.argmax(axis=1) == y).astype(np.float64)


def reliability_data(
    probs: ArrayLike, target: ArrayLike, n_bins: int = 15, *, binning: str = "equal-width"
) -> ReliabilityData:
    """Bin the predictions by confidence (their top probability).

    With ``binning="equal-width"`` bin m (from 1) holds confidences in
    ``((m - 1) / M, m / M]``, closed on the right as in Guo et al. (2017);
    with ``"equal-mass"`` each bin holds about N / M predictions.
    """
    n_bins = _check_bins(n_bins)
    check_choice(binning, BINNINGS, "binning")
    confidence, correct = _confidence_and_correct(probs, target)
    if binning == "equal-width":
        bins = _equal_width_bins(confidence, n_bins)
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        bins = _equal_mass_bins(confidence, n_bins, None)
        lows = np.array([confidence[bins == m].min() if np.any(bins == m) else np.nan for m in range(n_bins)])
        highs = np.array([confidence[bins == m].max() if np.any(bins == m) else np.nan for m in range(n_bins)])
        inner = np.fmax.accumulate(np.nan_to_num(0.5 * (highs[:-1] + lows[1:]), nan=0.0))
        edges = np.concatenate([[0.0], inner, [1.0]])
    counts = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(bins, weights=confidence, minlength=n_bins) / counts
        mean_accuracy = np.bincount(bins, weights=correct, minlength=n_bins) / counts
    return ReliabilityData(edges, counts, mean_confidence, mean_accuracy)


def _bin_sums(bins: np.ndarray, w: np.ndarray, values: tuple[np.ndarray, ...], n_bins: int) -> list[np.ndarray]:
    """Per-bin weighted sums (..., M) of each of ``values`` (N,), for bins (N,) or (B, N)."""
    if bins.ndim == 1:  # the same bins for every weight vector: one product sums them all
        members = np.eye(n_bins)[bins]  # (N, M)
        return [w @ (members * v[:, None]) for v in values]
    return [np.stack([np.sum(w * v * (bins == m), axis=-1) for m in range(n_bins)], axis=-1) for v in values]


def _binned_sums(probs, target, n_bins, binning, sample_weight):
    """Per-bin total weight, weighted hits and weighted confidence (..., M), and the total weight (...)."""
    n_bins = _check_bins(n_bins)
    check_choice(binning, BINNINGS, "binning")
    confidence, correct = _confidence_and_correct(probs, target)
    weights = _weights(sample_weight, confidence.size)
    w = np.ones(confidence.size) if weights is None else weights
    if binning == "equal-width":
        bins = _equal_width_bins(confidence, n_bins)
    else:
        bins = _equal_mass_bins(confidence, n_bins, weights)
    count, hits, confident = _bin_sums(bins, w, (np.ones(confidence.size), correct, confidence), n_bins)
    return count, hits, confident, w.sum(axis=-1)


def _as_result(value):
    return float(value) if np.ndim(value) == 0 else value


def expected_calibration_error(
    probs: ArrayLike,
    target: ArrayLike,
    n_bins: int = 15,
    *,
    binning: str = "equal-width",
    sample_weight: ArrayLike | None = None,
):
    """ECE with M bins (15 by default, as in the literature), of equal width or equal mass.

    ``sum_m |B_m| / n * |acc(B_m) - conf(B_m)|``, which equals
    ``sum_m |sum over B_m of (correct - confidence)| / n``. With stacked
    weights (B, N) it returns B values; equal-mass bins are then cut anew
    for each weight vector.

    Examples
    --------
    >>> import numpy as np
    >>> probs = np.array([[0.9, 0.1], [0.8, 0.2]])
    >>> round(expected_calibration_error(probs, [0, 1], n_bins=10), 4)  # (|1 - 0.9| + |0 - 0.8|) / 2
    0.45
    """
    count, hits, confident, total = _binned_sums(probs, target, n_bins, binning, sample_weight)
    return _as_result(np.abs(hits - confident).sum(axis=-1) / total)


def squared_calibration_error(
    probs: ArrayLike,
    target: ArrayLike,
    n_bins: int = 15,
    *,
    binning: str = "equal-mass",
    debiased: bool = True,
    sample_weight: ArrayLike | None = None,
):
    """Mean squared gap between accuracy and confidence over M bins, debiased by default.

    The plug-in value is ``sum_m |B_m| / n * (acc(B_m) - conf(B_m))**2``.
    It is biased upward: ``acc(B_m)`` is a mean of ``|B_m|`` outcomes, and
    its sampling variance adds to the squared gap on average. The debiased
    estimate of Kumar et al. (2019) subtracts an unbiased estimate of that
    variance from each bin, ``acc (1 - acc) / (|B_m| - 1)`` (as
    ``unbiased_square_ce`` in ``calibration/utils.py`` of
    p-lambda/verified_calibration does). A bin of fewer than two examples
    has no variance estimate and counts as 0, as there. The debiased value
    can be slightly negative for a well-calibrated model.

    Unlike the absolute gap of the ECE, the squared gap has an unbiased
    estimate: its expectation is a polynomial in the bin's true accuracy,
    and no estimate of ``|acc - conf|`` can have an expectation that is not
    one. Weights count examples (a weight of 2 is an example drawn twice),
    so ``|B_m|`` is a bin's total weight; stacked weights (B, N) give B
    values, with equal-mass bins cut anew for each.

    Examples
    --------
    >>> import numpy as np
    >>> coin = np.full((4, 2), 0.5)  # confidence 0.5, right on two of four: one bin, gap 0
    >>> squared_calibration_error(coin, [0, 0, 1, 1], n_bins=1, debiased=False)
    0.0
    >>> round(squared_calibration_error(coin, [0, 0, 1, 1], n_bins=1), 4)  # 0 - (1/2)(1/2) / 3
    -0.0833
    """
    if not isinstance(debiased, (bool, np.bool_)):
        raise TypeError(f"debiased must be True or False, got {debiased!r}")
    count, hits, confident, total = _binned_sums(probs, target, n_bins, binning, sample_weight)
    size = np.where(count > 0, count, 1.0)
    accuracy_ = hits / size
    squared = count * (accuracy_ - confident / size) ** 2
    if debiased:
        variance = accuracy_ * (1.0 - accuracy_) / np.where(count > 1, count - 1.0, 1.0)
        squared = np.where(count >= 2, squared - count * variance, 0.0)
    return _as_result(squared.sum(axis=-1) / total)


def fraction_above(probs: ArrayLike, threshold: float) -> float:
    """Share of predictions whose confidence (top probability) exceeds ``threshold``.

    Chapter 4, section "The confidence bound that is not a cap", applies it
    with ``threshold = 1 - eps + eps/K``, the confidence a smoothed model is
    trained toward.

    Examples
    --------
    >>> fraction_above([[0.95, 0.05], [0.6, 0.4]], 0.91)
    0.5
    """
    threshold = check_real(threshold, "threshold", minimum=0.0, maximum=1.0)
    if np.ndim(probs) != 2:
        raise ValueError(f"probs must have shape (N, K), got {np.shape(probs)}")
    p = as_probabilities(probs, "probs", min_classes=2)
    if p.shape[0] == 0:
        raise ValueError("probs is empty: a score needs at least one example")
    return float(np.mean(p.max(axis=1) > threshold))


def confidence_gap(probs: ArrayLike, target: ArrayLike, *, sample_weight: ArrayLike | None = None):
    """Mean confidence minus accuracy: above 0 for an over-confident model, below 0 for an under-confident one.

    Unlike the ECE it is a mean over examples, so it is unbiased and its
    bootstrap interval is the central share of the resamples; but gaps of
    opposite sign in different bins cancel in it. Chapter 4, section "When
    the ECE and the NLL disagree", uses it beside the ECE.

    Examples
    --------
    >>> round(confidence_gap([[0.9, 0.1], [0.2, 0.8]], [0, 0]), 4)  # (0.9 + 0.8) / 2 - 1 / 2
    0.35
    """
    confidence, correct = _confidence_and_correct(probs, target)
    return _weighted_mean(confidence - correct, _weights(sample_weight, correct.size))


def calibrated_labels(probs: ArrayLike, rng: np.random.Generator) -> np.ndarray:
    """Labels drawn from ``probs`` itself, one per row: against them the model is calibrated by construction.

    Scoring a model on such labels shows what a score reads for a perfectly
    calibrated model on a test set of this size: its noise floor (chapter 4,
    section "When the ECE and the NLL disagree").

    Examples
    --------
    >>> calibrated_labels([[1.0, 0.0], [0.0, 1.0]], np.random.default_rng(0)).tolist()
    [0, 1]
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if np.ndim(probs) != 2:
        raise ValueError(f"probs must have shape (N, K), got {np.shape(probs)}")
    p = as_probabilities(probs, "probs", min_classes=2)
    draws = rng.random((p.shape[0], 1))
    # the first class whose cumulative probability passes the draw; clipped against rounding at the end
    return np.minimum((np.cumsum(p, axis=1) <= draws).sum(axis=1), p.shape[1] - 1)

