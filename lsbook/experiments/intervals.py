"""Paired bootstrap intervals for a difference in test scores.

Explained in chapter 4, section "How sure can we be?". Two kinds of luck move
a test score: which test images happened to be drawn, and how a training run
went (its seed). A paired bootstrap resamples both. Each resample draws N
test images with replacement and S training seeds with replacement, and
scores both methods on the *same* images and seeds, so the difference keeps
what they share (the hard images are hard for both). The spread of the
resampled differences gives the interval (see :func:`bootstrap_interval`
for why it is reflected around the estimate).

When the test images come in strata scored by different models (the five
splits of chapter 4, each with its own test fold and its own networks),
each stratum is resampled on its own and the differences are averaged over
strata, weighted by their number of test images.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import check_choice, check_integer, check_real


@dataclass(frozen=True)
class Interval:
    """An estimate with a confidence interval ``[low, high]``."""

    estimate: float
    low: float
    high: float
    confidence: float = 0.95

    def excludes(self, value: float = 0.0) -> bool:
        """True when ``value`` lies outside the interval."""
        return bool(value < self.low or value > self.high)

    def format(self, digits: int = 3, *, signed: bool = True) -> str:
        """``+0.012 [0.004, 0.020]``: the estimate (with its sign when ``signed``), then the interval."""

        def show(x: float, sign: str = "") -> str:
            # A minus sign, not a hyphen; and no "-0.000".
            text = format(0.0 if round(x, digits) == 0 else x, f"{sign}.{digits}f")
            return text.replace("-", "\u2212")

        return f"{show(self.estimate, '+' if signed else '')} [{show(self.low)}, {show(self.high)}]"

    def __str__(self) -> str:
        return self.format()


def bootstrap_interval(
    estimate: float, draws: ArrayLike, *, confidence: float = 0.95, method: str = "basic"
) -> Interval:
    """A ``confidence`` interval for ``estimate`` from its bootstrap ``draws``.

    ``method="percentile"`` takes the central ``confidence`` share of the
    draws. ``method="basic"`` (the default) reflects it around the estimate,
    ``[2 * estimate - high, 2 * estimate - low]``: if resampling moves the
    statistic down by 0.01 to 0.03, the truth is taken to lie 0.01 to 0.03
    above the estimate. The two agree when the draws centre on the estimate,
    as they do for a mean (accuracy, NLL, Brier score); they differ for a
    statistic that resampling biases, such as the ECE, whose absolute bin
    gaps grow with the noise a resample adds (chapter 4, section "How sure
    can we be?").

    Examples
    --------
    >>> str(bootstrap_interval(0.5, [0.0, 0.5, 0.5, 1.0], confidence=0.5, method="percentile"))
    '+0.500 [0.375, 0.625]'
    >>> str(bootstrap_interval(1.0, [0.5, 0.6, 0.7, 0.8], confidence=0.5))
    '+1.000 [1.275, 1.425]'
    """
    confidence = check_real(confidence, "confidence", minimum=0.0, maximum=1.0)
    if confidence in (0.0, 1.0):
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    check_choice(method, ("basic", "percentile"), "method")
    d = np.asarray(draws, dtype=np.float64)
    if d.ndim != 1 or d.size < 2 or not np.all(np.isfinite(d)):
        raise ValueError(f"draws must be a vector of at least two finite numbers, got shape {d.shape}")
    tail = 0.5 * (1.0 - confidence)
    low, high = np.quantile(d, [tail, 1.0 - tail])
    if method == "basic":
        low, high = 2.0 * estimate - high, 2.0 * estimate - low
    return Interval(float(estimate), float(low), float(high), confidence)


def resample_counts(n_items: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of ``n_items`` is drawn in each resample: (n_resamples, n_items) integer counts.

    A resample draws ``n_items`` items with replacement; the counts are its
    multinomial weights, so a score computed with ``sample_weight=counts``
    is the score of the resampled set.
    """
    n_items = check_integer(n_items, "n_items", minimum=1)
    n_resamples = check_integer(n_resamples, "n_resamples", minimum=2)
    return rng.multinomial(n_items, np.full(n_items, 1.0 / n_items), size=n_resamples)


Metric = Callable[..., object]


def _as_stratum(first, second, target) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    y = np.asarray(target)
    if a.ndim == 2:  # one model each: a seeds axis of length 1
        a, b = a[None], b[None]
    if a.ndim != 3 or a.shape != b.shape:
        raise ValueError(
            "first and second must have the same shape, (N, K) for one model each or (S, N, K) for S "
            f"paired models; got {np.shape(first)} and {np.shape(second)}"
        )
    if y.shape != a.shape[1:2]:
        raise ValueError(f"target must have shape ({a.shape[1]},), one label per test item; got {y.shape}")
    return a, b, y


def _stratum_draws(metric, a, b, y, n_resamples, rng) -> tuple[float, np.ndarray, int]:
    """Point difference and its (n_resamples,) bootstrap draws for one stratum."""
    seeds, n = a.shape[0], a.shape[1]
    counts = resample_counts(n, n_resamples, rng)
    estimate = np.mean([float(metric(a[s], y)) - float(metric(b[s], y)) for s in range(seeds)])
    # per_seed[s, r]: the difference of seed s on resample r of the test items.
    per_seed = np.array(
        [np.asarray(metric(a[s], y, sample_weight=counts)) - np.asarray(metric(b[s], y, sample_weight=counts))
         for s in range(seeds)]
    )
    if per_seed.shape != (seeds, n_resamples):
        raise ValueError("metric must return one value per weight vector when given stacked sample_weight (B, N)")
    chosen = rng.integers(0, seeds, size=(n_resamples, seeds))  # the same seeds for both methods: paired
    draws = per_seed[chosen, np.arange(n_resamples)[:, None]].mean(axis=1)
    return float(estimate), draws, n


def paired_bootstrap(
    metric: Metric,
    first: ArrayLike | Sequence[ArrayLike],
    second: ArrayLike | Sequence[ArrayLike],
    target: ArrayLike | Sequence[ArrayLike],
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    method: str = "basic",
) -> Interval:
    """Interval for ``metric(first) - metric(second)``, resampling test items and seeds together.

    Parameters
    ----------
    metric : callable
        ``metric(predictions, target, sample_weight=None)``: a score of one
        model's predictions (N, K) that accepts stacked weights (B, N) and
        then returns B values, as every score in
        :mod:`lsbook.experiments.scores` does.
    first, second : array_like
        Predictions of the two methods, (N, K) for one model each or
        (S, N, K) for S models (seeds); seed s of ``first`` is paired with
        seed s of ``second``. A list of such arrays is a list of strata,
        each resampled separately.
    target : array_like
        The labels (N,), or a list of them, one per stratum.
    n_resamples, confidence, seed
        Number of bootstrap resamples, coverage of the interval, and the
        seed of the resampling.
    method : str
        ``"basic"`` or ``"percentile"``, as for :func:`bootstrap_interval`.

    Returns
    -------
    Interval
        The mean difference over seeds (and strata, weighted by size) with
        its percentile interval.
    """
    if not callable(metric):
        raise TypeError(f"metric must be a function (predictions, target, sample_weight=None), got {metric!r}")
    n_resamples = check_integer(n_resamples, "n_resamples", minimum=2)
    seed = check_integer(seed, "seed", minimum=0)
    stratified = isinstance(first, (list, tuple))
    strata = list(zip(first, second, target, strict=True)) if stratified else [(first, second, target)]
    if not strata:
        raise ValueError("first, second and target must hold at least one stratum")
    rng = np.random.default_rng(seed)
    results = [_stratum_draws(metric, *_as_stratum(*stratum), n_resamples, rng) for stratum in strata]
    sizes = np.array([n for _, _, n in results], dtype=np.float64)
    estimate = float(np.dot([e for e, _, _ in results], sizes) / sizes.sum())
    draws = np.stack([d for _, d, _ in results]).T @ sizes / sizes.sum()
    return bootstrap_interval(estimate, draws, confidence=confidence, method=method)
