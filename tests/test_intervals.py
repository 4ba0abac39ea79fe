"""Paired bootstrap intervals: hand-checkable cases, pairing, strata, coverage, bad input."""

from functools import partial

import numpy as np
import pytest

from lsbook.experiments.intervals import (
    Interval,
    bootstrap_interval,
    paired_bootstrap,
    resample_counts,
    score_interval,
)
from lsbook.experiments.scores import accuracy, brier_score, calibrated_labels, squared_calibration_error


def mean_of_first_column(values, target, sample_weight=None):
    """A toy score: the weighted mean of column 0 of (N, K) 'predictions'."""
    column = np.asarray(values)[:, 0]
    if sample_weight is None:
        return float(column.mean())
    w = np.asarray(sample_weight, dtype=float)
    return (w @ column) / w.sum(axis=-1)


def as_predictions(column):
    column = np.asarray(column, dtype=float)
    return np.stack([column, np.zeros_like(column)], axis=-1)


def test_percentile_interval_by_hand():
    found = bootstrap_interval(0.5, [0.0, 0.5, 0.5, 1.0], confidence=0.5, method="percentile")
    # np.quantile interpolates: the 25% point lies 3/4 of the way from 0 to 0.5.
    assert (found.estimate, found.low, found.high) == (0.5, 0.375, 0.625)
    assert not found.excludes(0.5) and found.excludes(0.0) and found.excludes(0.7)


def test_basic_interval_by_hand_around_the_plug_in_value():
    # Draws 1.1..1.4 scatter around the plug-in value 1.25; their 25% and 75% quantiles are
    # 1.175 and 1.325, deviations -0.075 and +0.075, so the truth lies in 1.0 -+ 0.075.
    found = bootstrap_interval(1.0, [1.1, 1.2, 1.3, 1.4], confidence=0.5, method="basic", plugin=1.25)
    assert (found.low, found.high) == pytest.approx((0.925, 1.075))
    # Skewed draws: the basic interval reflects the skew, the percentile interval does not.
    skewed = bootstrap_interval(1.0, [0.9, 1.0, 1.0, 1.4], confidence=0.5, method="basic")
    assert (skewed.low, skewed.high) == pytest.approx((0.9, 1.025))
    # Draws centred on the estimate: both methods give the same interval.
    centred = [0.8, 0.9, 1.0, 1.1, 1.2]
    basic, percentile = (bootstrap_interval(1.0, centred, method=m) for m in ("basic", "percentile"))
    assert (basic.low, basic.high) == pytest.approx((percentile.low, percentile.high))


def test_a_plug_in_value_needs_the_basic_method():
    with pytest.raises(ValueError, match="plugin"):
        bootstrap_interval(1.0, [0.9, 1.1], plugin=1.0)


def test_score_interval_of_one_method_by_hand():
    # Two items with values 0 and 1: a resample's mean is 0, 0.5 or 1 with chances 1/4, 1/2, 1/4.
    found = score_interval(mean_of_first_column, as_predictions([0.0, 1.0]), [0, 0], n_resamples=4000, seed=1)
    assert found.estimate == pytest.approx(0.5)
    assert (found.low, found.high) == (0.0, 1.0)
    narrow = score_interval(mean_of_first_column, as_predictions([0.0, 1.0]), [0, 0], confidence=0.4,
                            n_resamples=4000, seed=1)
    assert (narrow.low, narrow.high) == (0.5, 0.5)


def test_paired_bootstrap_needs_a_second_method():
    with pytest.raises(TypeError, match="score_interval"):
        paired_bootstrap(mean_of_first_column, as_predictions([0.0, 1.0]), None, [0, 0])


def test_debiased_interval_covers_zero_for_a_calibrated_model():
    # Labels drawn from the model's own probabilities: calibrated by construction, so the true
    # squared calibration error is 0. The plug-in estimate is biased upward and its percentile
    # interval usually misses 0; the debiased estimate's basic interval around the plug-in covers it.
    rng = np.random.default_rng(3)
    hits_debiased = hits_plugin = 0
    for trial in range(40):
        probs = rng.dirichlet(np.full(3, 0.7), size=300)
        target = calibrated_labels(probs, rng)
        debiased = score_interval(squared_calibration_error, probs, target, n_resamples=200, seed=trial,
                                  method="basic", plugin=partial(squared_calibration_error, debiased=False))
        plugin = score_interval(partial(squared_calibration_error, debiased=False), probs, target,
                                n_resamples=200, seed=trial)
        hits_debiased += debiased.low <= 0.0 <= debiased.high
        hits_plugin += plugin.low <= 0.0 <= plugin.high
    assert hits_debiased >= 32 and hits_plugin <= 8


def test_interval_format_uses_minus_signs_and_no_negative_zero():
    assert Interval(-0.01234, -0.0201, -0.00001).format(3) == "\u22120.012 [\u22120.020, 0.000]"
    assert Interval(0.5, 0.25, 0.75).format(2, signed=False) == "0.50 [0.25, 0.75]"


def test_resample_counts_draw_n_items_with_replacement():
    counts = resample_counts(7, 500, np.random.default_rng(0))
    assert counts.shape == (500, 7) and np.all(counts.sum(axis=1) == 7)
    # Each item is drawn with probability 1/7 per draw: 7 draws give it mean count 1.
    assert counts.mean() == pytest.approx(1.0) and abs(counts[:, 0].mean() - 1.0) < 0.15


def test_two_items_give_the_three_possible_means():
    # Differences 0 and 1 on two items: a resample has mean 0, 0.5 or 1 with chances 1/4, 1/2, 1/4.
    first, second = as_predictions([0.0, 1.0]), as_predictions([0.0, 0.0])
    found = paired_bootstrap(mean_of_first_column, first, second, [0, 0], n_resamples=4000, seed=1)
    assert found.estimate == pytest.approx(0.5)
    assert (found.low, found.high) == (0.0, 1.0)


def test_a_constant_paired_difference_has_no_spread_however_noisy_the_items():
    rng = np.random.default_rng(2)
    noisy = rng.normal(0, 5, (3, 50))  # 3 seeds, 50 items, large spread between items
    first = as_predictions(noisy + 0.1)
    second = as_predictions(noisy)
    found = paired_bootstrap(mean_of_first_column, first, second, np.zeros(50, int), n_resamples=200)
    assert found.estimate == pytest.approx(0.1)
    assert found.low == pytest.approx(0.1) and found.high == pytest.approx(0.1)


def test_seeds_are_resampled_too():
    # Every item scores alike, but the seeds disagree: the interval must come from the seeds.
    per_seed = np.array([0.0, 0.0, 1.0, 1.0])[:, None] * np.ones((4, 20))
    first = as_predictions(per_seed)
    second = as_predictions(np.zeros((4, 20)))
    found = paired_bootstrap(mean_of_first_column, first, second, np.zeros(20, int), n_resamples=2000, seed=3)
    assert found.estimate == pytest.approx(0.5)
    assert found.low <= 0.25 and found.high >= 0.75


def test_strata_are_averaged_by_size():
    small = (as_predictions(np.ones(10)), as_predictions(np.zeros(10)), np.zeros(10, int))
    large = (as_predictions(np.full(30, 3.0)), as_predictions(np.zeros(30)), np.zeros(30, int))
    found = paired_bootstrap(mean_of_first_column, *map(list, zip(small, large, strict=True)), n_resamples=50)
    assert found.estimate == pytest.approx((10 * 1 + 30 * 3) / 40)
    assert found.low == pytest.approx(found.estimate) and found.high == pytest.approx(found.estimate)


def test_coverage_of_a_known_mean_difference():
    """Over many data sets, the 90% interval should contain the true difference about 90% of the time."""
    rng = np.random.default_rng(4)
    hits = 0
    repeats = 150
    for repeat in range(repeats):
        base = rng.normal(0, 1, 80)
        first = as_predictions(base + 0.3 + rng.normal(0, 1, 80))  # true paired difference 0.3
        found = paired_bootstrap(mean_of_first_column, first, as_predictions(base), np.zeros(80, int),
                                 n_resamples=400, confidence=0.9, seed=repeat)
        hits += found.low <= 0.3 <= found.high
    assert 0.8 <= hits / repeats <= 0.97


def test_works_with_the_books_scores_and_pairs_the_test_items():
    rng = np.random.default_rng(5)
    target = rng.integers(0, 3, 200)
    logits = rng.normal(0, 1, (2, 200, 3))
    logits[:, np.arange(200), target] += 2.0
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    sharper = np.exp(2 * logits) / np.exp(2 * logits).sum(axis=-1, keepdims=True)
    same = paired_bootstrap(accuracy, probs, sharper, target, n_resamples=300)
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0)  # same predicted classes: no difference at all
    brier = paired_bootstrap(brier_score, probs, sharper, target, n_resamples=300)
    assert brier.low <= brier.estimate <= brier.high


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda p: paired_bootstrap("score", p, p, [0, 0]), TypeError, "metric"),
        (lambda p: paired_bootstrap(mean_of_first_column, p, p[:1], [0, 0]), ValueError, "same shape"),
        (lambda p: paired_bootstrap(mean_of_first_column, p, p, [0]), ValueError, "target must have shape"),
        (lambda p: paired_bootstrap(mean_of_first_column, p, p, [0, 0], n_resamples=1), ValueError, "n_resamples"),
        (lambda p: paired_bootstrap(mean_of_first_column, p, p, [0, 0], confidence=1.0), ValueError, "confidence"),
        (lambda p: paired_bootstrap(lambda v, t, sample_weight=None: 0.0, p, p, [0, 0]), ValueError, "one value"),
        (lambda p: bootstrap_interval(0.0, [1.0]), ValueError, "draws"),
        (lambda p: bootstrap_interval(0.0, [1.0, 2.0], method="bca"), ValueError, "method"),
        (lambda p: resample_counts(0, 10, np.random.default_rng()), ValueError, "n_items"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call(as_predictions([0.0, 1.0]))
