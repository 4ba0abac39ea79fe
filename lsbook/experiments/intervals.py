"""Paired bootstrap intervals for a difference in test scores.

Explained in chapter 4, section "How sure can we be?". Two kinds of luck move
a test score: which test images happened to be drawn, and how a training run
went (its seed). A paired bootstrap resamples both. Each resample draws N
test images with replacement and S training seeds with replacement, and
scores both methods on the *same* images and seeds, so the difference keeps
what they share (the hard images are hard for both). The spread of the
resampled differences gives the interval: their central 95% for a score
that is a mean over test items (accuracy, NLL, Brier score), whose
resamples centre on the observed value; see :func:`bootstrap_interval`
for a debiased estimate, whose resamples do not.

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
    estimate: float,
    draws: ArrayLike,
    *,
    confidence: float = 0.95,
    method: str = "percentile",
    plugin: float | None = None,
) -> Interval:
    """A ``confidence`` interval for ``estimate`` from its bootstrap ``draws``.

    ``method="percentile"`` (the default) takes the central ``confidence``
    share of the draws: right when they centre on the estimate, as they do
    for a mean (accuracy, NLL, Brier score).

    ``method="basic"`` uses the draws' deviations from ``plugin``, the
    value of the statistic on the sample the resamples were drawn from (the
    "truth" of the resampled world), as the estimate's own deviations from
    the truth: ``[estimate - (high - plugin), estimate - (low - plugin)]``,
    with ``low, high`` the draws' central quantiles. ``plugin`` defaults to
    ``estimate``, the classical basic interval. For a debiased estimate,
    such as the debiased ECE, pass the plug-in (biased) value: the debiased
    draws scatter around it as the estimate scatters around the truth. This
    is the interval of Kumar et al.'s code (``bootstrap_uncertainty`` in
    ``calibration/utils.py`` of p-lambda/verified_calibration).

    Examples
    --------
    >>> str(bootstrap_interval(0.5, [0.0, 0.5, 0.5, 1.0], confidence=0.5))
    '+0.500 [0.375, 0.625]'
    >>> str(bootstrap_interval(1.0, [1.1, 1.2, 1.3, 1.4], confidence=0.5, method="basic", plugin=1.25))
    '+1.000 [0.925, 1.075]'
    """
    confidence = check_real(confidence, "confidence", minimum=0.0, maximum=1.0)
    if confidence in (0.0, 1.0):
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    check_choice(method, ("basic", "percentile"), "method")
    d = np.asarray(draws, dtype=np.float64)
    if d.ndim != 1 or d.size < 2 or not np.all(np.isfinite(d)):
        raise ValueError(f"draws must be a vector of at least two finite numbers, got shape {d.shape}")
    if plugin is not None and method != "basic":
        raise ValueError("plugin is used by method='basic' only")
    tail = 0.5 * (1.0 - confidence)
    low, high = np.quantile(d, [tail, 1.0 - tail])
    if method == "basic":
        centre = estimate if plugin is None else check_real(plugin, "plugin")
        low, high = estimate - (high - centre), estimate - (low - centre)
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


def _as_stratum(first, second, target) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    a = np.asarray(first, dtype=np.float64)
    b = None if second is None else np.asarray(second, dtype=np.float64)
    y = np.asarray(target)
    if a.ndim == 2:  # one model each: a seeds axis of length 1
        a = a[None]
        b = None if b is None else b[None]
    if a.ndim != 3 or (b is not None and a.shape != b.shape):
        raise ValueError(
            "first and second must have the same shape, (N, K) for one model each or (S, N, K) for S "
            f"paired models; got {np.shape(first)} and {np.shape(second)}"
        )
    if y.shape != a.shape[1:2]:
        raise ValueError(f"target must have shape ({a.shape[1]},), one label per test item; got {y.shape}")
    return a, b, y


def _score_of(metric, a, b, s, y, **weights):
    """metric(a[s]) - metric(b[s]), or metric(a[s]) alone when there is no ``b``."""
    value = np.asarray(metric(a[s], y, **weights), dtype=np.float64)
    return value if b is None else value - np.asarray(metric(b[s], y, **weights), dtype=np.float64)


def _stratum_draws(metric, plugin, a, b, y, n_resamples, rng) -> tuple[float, float, np.ndarray, int]:
    """Point value, plug-in value and (n_resamples,) bootstrap draws for one stratum."""
    seeds, n = a.shape[0], a.shape[1]
    counts = resample_counts(n, n_resamples, rng)
    estimate = float(np.mean([_score_of(metric, a, b, s, y) for s in range(seeds)]))
    reference = estimate if plugin is None else float(np.mean([_score_of(plugin, a, b, s, y) for s in range(seeds)]))
    # per_seed[s, r]: the score (or difference) of seed s on resample r of the test items.
    per_seed = np.array([_score_of(metric, a, b, s, y, sample_weight=counts) for s in range(seeds)])
    if per_seed.shape != (seeds, n_resamples):
        raise ValueError("metric must return one value per weight vector when given stacked sample_weight (B, N)")
    chosen = rng.integers(0, seeds, size=(n_resamples, seeds))  # the same seeds for both methods: paired
    draws = per_seed[chosen, np.arange(n_resamples)[:, None]].mean(axis=1)
    return estimate, reference, draws, n


def _bootstrap(metric, first, second, target, n_resamples, confidence, seed, method, plugin) -> Interval:
    if not callable(metric):
        raise TypeError(f"metric must be a function (predictions, target, sample_weight=None), got {metric!r}")
    if plugin is not None and not callable(plugin):
        raise TypeError(f"plugin must be a function like metric, or None; got {plugin!r}")
    if plugin is not None and method != "basic":
        raise ValueError("plugin is used by method='basic' only")
    n_resamples = check_integer(n_resamples, "n_resamples", minimum=2)
    seed = check_integer(seed, "seed", minimum=0)
    stratified = isinstance(first, (list, tuple))
    if stratified:
        seconds = [None] * len(first) if second is None else second
        strata = list(zip(first, seconds, target, strict=True))
    else:
        strata = [(first, second, target)]
    if not strata:
        raise ValueError("first, second and target must hold at least one stratum")
    rng = np.random.default_rng(seed)
    results = [_stratum_draws(metric, plugin, *_as_stratum(*stratum), n_resamples, rng) for stratum in strata]
    sizes = np.array([n for *_, n in results], dtype=np.float64)
    share = sizes / sizes.sum()
    estimate = float(np.dot([r[0] for r in results], share))
    reference = float(np.dot([r[1] for r in results], share))
    draws = np.stack([r[2] for r in results]).T @ share
    return bootstrap_interval(estimate, draws, confidence=confidence, method=method,
                              plugin=reference if method == "basic" else None)


def paired_bootstrap(
    metric: Metric,
    first: ArrayLike | Sequence[ArrayLike],
    second: ArrayLike | Sequence[ArrayLike],
    target: ArrayLike | Sequence[ArrayLike],
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    method: str = "percentile",
    plugin: Metric | None = None,
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
        ``"percentile"`` or ``"basic"``, as for :func:`bootstrap_interval`.
    plugin : callable, optional
        With ``method="basic"``: the plug-in version of a debiased
        ``metric`` (same signature); its difference on the observed items is
        the value the resampled differences scatter around.

    Returns
    -------
    Interval
        The mean difference over seeds (and strata, weighted by size) with
        its interval.
    """
    if second is None:
        raise TypeError("second must hold the predictions to compare with; for one method use score_interval")
    return _bootstrap(metric, first, second, target, n_resamples, confidence, seed, method, plugin)


def score_interval(
    metric: Metric,
    predictions: ArrayLike | Sequence[ArrayLike],
    target: ArrayLike | Sequence[ArrayLike],
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    method: str = "percentile",
    plugin: Metric | None = None,
) -> Interval:
    """Interval for ``metric(predictions)`` itself, resampling test items and seeds.

    The same resampling as :func:`paired_bootstrap`, for one method's score
    rather than a difference (for example, the share of test 3s a student
    recognises).

    Examples
    --------
    >>> import numpy as np
    >>> from lsbook.experiments.scores import accuracy
    >>> right = np.array([[1.0, 0.0]] * 3)  # three predictions of class 0: all right
    >>> str(score_interval(accuracy, right, [0, 0, 0], n_resamples=100))
    '+1.000 [1.000, 1.000]'
    """
    return _bootstrap(metric, predictions, None, target, n_resamples, confidence, seed, method, plugin)
