"""How far a classifier's confidence is from its accuracy, and a post-hoc fix.

Explained in chapter 4, sections "Measuring calibration" and "Temperature
scaling, the post-hoc alternative". The expected calibration error (ECE) of Guo et al. (2017) sorts the
predictions into M equal bins of confidence, ``((m - 1) / M, m / M]``, and
averages ``|accuracy - mean confidence|`` over the bins, weighted by their
share of the examples. Temperature scaling divides the logits by one number
``T`` fitted on validation data to minimise the negative log-likelihood:
it changes confidence but never the predicted class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import as_class_indices, as_logits, as_probabilities, check_integer
from ..core.loss import cross_entropy


def _probs_and_labels(probs: ArrayLike, target: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate predicted distributions (N, K) and class indices (N,)."""
    if np.ndim(probs) != 2:
        raise ValueError(f"probs must have shape (N, K) with K >= 2, got {np.shape(probs)}")
    p = as_probabilities(probs, "probs", min_classes=2).astype(np.float64, copy=False)
    if p.shape[0] == 0:
        raise ValueError("probs is empty: calibration needs at least one example")
    y = as_class_indices(target, p.shape[:1], p.shape[1])
    return p, y


def _check_bins(n_bins) -> int:
    return check_integer(n_bins, "n_bins", minimum=1)


def accuracy(probs: ArrayLike, target: ArrayLike) -> float:
    """Share of examples whose most probable class is the true one."""
    from sklearn.metrics import accuracy_score

    p, y = _probs_and_labels(probs, target)
    return float(accuracy_score(y, p.argmax(axis=1)))


def negative_log_likelihood(logits: ArrayLike, target: ArrayLike) -> float:
    """Mean ``-log p_c`` of the true class (unsmoothed cross-entropy), from logits."""
    z = as_logits(logits)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {z.shape}")
    return float(cross_entropy(z, target))


@dataclass(frozen=True)
class ReliabilityData:
    """Per-bin statistics of a reliability diagram (M bins).

    ``edges`` has M + 1 entries; ``counts`` the number of examples per bin;
    ``confidence`` and ``accuracy`` the mean top probability and the share
    of correct predictions in each bin (``nan`` for an empty bin).
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


def reliability_data(probs: ArrayLike, target: ArrayLike, n_bins: int = 15) -> ReliabilityData:
    """Bin the predictions by confidence (their top probability).

    Bin m (from 1) holds confidences in ``((m - 1) / M, m / M]``, closed on
    the right as in Guo et al. (2017).
    """
    n_bins = _check_bins(n_bins)
    p, y = _probs_and_labels(probs, target)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # side="left" finds i with edges[i - 1] < c <= edges[i]: right-closed bins.
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(bins, weights=confidence, minlength=n_bins) / counts
        mean_accuracy = np.bincount(bins, weights=correct, minlength=n_bins) / counts
    return ReliabilityData(edges, counts, mean_confidence, mean_accuracy)


def expected_calibration_error(probs: ArrayLike, target: ArrayLike, n_bins: int = 15) -> float:
    """ECE with M equal-width bins (15 by default, as in the literature).

    Examples
    --------
    >>> import numpy as np
    >>> probs = np.array([[0.9, 0.1], [0.8, 0.2]])
    >>> round(expected_calibration_error(probs, [0, 1], n_bins=10), 4)
    0.35
    """
    return reliability_data(probs, target, n_bins).ece


def fit_temperature(logits: ArrayLike, target: ArrayLike, *, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """The temperature T > 0 that minimises the NLL of ``softmax(logits / T)``.

    Fit it on validation data, never on the test set. The search runs on
    ``log T`` within ``bounds`` (the NLL is smooth and, in practice,
    unimodal in T).
    """
    from scipy.optimize import minimize_scalar

    z = as_logits(logits)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {z.shape}")
    y = as_class_indices(target, z.shape[:1], z.shape[1])
    low, high = (float(b) for b in bounds)
    if not 0 < low < high:
        raise ValueError(f"bounds must satisfy 0 < low < high, got {bounds}")
    result = minimize_scalar(
        lambda log_t: float(cross_entropy(z / np.exp(log_t), y)),
        bounds=(np.log(low), np.log(high)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(np.exp(result.x))
