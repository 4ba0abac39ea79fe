"""Scores of chapter 4: Brier, NLL, accuracy, both ECE binnings, the debiased squared error, weights, bad input."""

import numpy as np
import pytest

from lsbook.experiments.scores import (
    accuracy,
    brier_score,
    calibrated_labels,
    confidence_gap,
    expected_calibration_error,
    fraction_above,
    negative_log_likelihood,
    reliability_data,
    squared_calibration_error,
)

# Four binary predictions: confidences 0.6, 0.7, 0.8, 0.9; the one at 0.7 is wrong.
PROBS = np.array([[0.6, 0.4], [0.3, 0.7], [0.8, 0.2], [0.1, 0.9]])
LABELS = np.array([0, 0, 0, 1])


def test_brier_score_by_hand():
    # Rows: (0.4^2 + 0.4^2), (0.7^2 + 0.7^2), (0.2^2 + 0.2^2), (0.1^2 + 0.1^2) = 0.32, 0.98, 0.08, 0.02.
    assert brier_score(PROBS, LABELS) == pytest.approx((0.32 + 0.98 + 0.08 + 0.02) / 4, abs=1e-12)
    # Three classes: (0.7 - 1)^2 + 0.2^2 + 0.1^2 = 0.14.
    assert brier_score([[0.7, 0.2, 0.1]], [0]) == pytest.approx(0.14, abs=1e-12)


def test_brier_score_limits():
    k = 5
    assert brier_score(np.eye(k), np.arange(k)) == pytest.approx(0.0, abs=1e-12)  # certain and right
    assert brier_score(np.eye(k), (np.arange(k) + 1) % k) == pytest.approx(2.0)  # certain and wrong
    assert brier_score(np.full((k, k), 1 / k), np.arange(k)) == pytest.approx(1 - 1 / k)  # uniform guess


def test_equal_mass_ece_by_hand():
    # Two bins of two: {0.6 right, 0.7 wrong}: accuracy 1/2, confidence 0.65, gap 0.15;
    # {0.8 right, 0.9 right}: accuracy 1, confidence 0.85, gap 0.15. ECE = 0.15.
    assert expected_calibration_error(PROBS, LABELS, 2, binning="equal-mass") == pytest.approx(0.15, abs=1e-12)
    # Equal-width bins of (0.5, 1] in halves hold {0.6, 0.7} and {0.8, 0.9} here too, with 4 bins over [0, 1].
    assert expected_calibration_error(PROBS, LABELS, 4) == pytest.approx(0.15, abs=1e-12)
    # One equal-mass bin is the overall gap: |3/4 - 0.75| = 0.
    assert expected_calibration_error(PROBS, LABELS, 1, binning="equal-mass") == pytest.approx(0.0, abs=1e-12)


def test_equal_mass_bins_hold_equal_shares_where_equal_width_bins_do_not():
    rng = np.random.default_rng(0)
    confidence = 1 - rng.exponential(0.02, 1500).clip(max=0.45)  # most predictions near 1
    probs = np.stack([confidence, 1 - confidence], axis=1)
    labels = np.zeros(1500, dtype=int)
    width = reliability_data(probs, labels, 15)
    mass = reliability_data(probs, labels, 15, binning="equal-mass")
    assert width.counts.max() > 0.8 * 1500
    assert mass.counts.min() == mass.counts.max() == 100
    assert np.all(np.diff(mass.edges) >= 0) and mass.edges[0] == 0 and mass.edges[-1] == 1
    assert mass.ece == pytest.approx(expected_calibration_error(probs, labels, 15, binning="equal-mass"))


@pytest.mark.parametrize("binning", ["equal-width", "equal-mass"])
def test_weights_count_an_example_as_often_as_its_weight(binning):
    weights = np.array([2, 1, 1, 0])
    repeated = np.repeat(np.arange(4), weights)
    for score, args in [
        (accuracy, (PROBS, LABELS)),
        (brier_score, (PROBS, LABELS)),
        (negative_log_likelihood, (np.log(PROBS), LABELS)),
    ]:
        weighted = score(*args, sample_weight=weights)
        assert weighted == pytest.approx(score(args[0][repeated], LABELS[repeated]))
    weighted = expected_calibration_error(PROBS, LABELS, 2, binning=binning, sample_weight=weights)
    assert weighted == pytest.approx(expected_calibration_error(PROBS[repeated], LABELS[repeated], 2, binning=binning))


def test_weighted_equal_mass_ece_by_hand():
    # Weights 2, 1, 1, 0 make the sample {0.6, 0.6, 0.7, 0.8}: bins {0.6 right, 0.6 right} (gap 0.4)
    # and {0.7 wrong, 0.8 right} (accuracy 1/2, confidence 0.75, gap 0.25): ECE = 0.2 + 0.125.
    ece = expected_calibration_error(PROBS, LABELS, 2, binning="equal-mass", sample_weight=[2, 1, 1, 0])
    assert ece == pytest.approx(0.325, abs=1e-12)


@pytest.mark.parametrize("binning", ["equal-width", "equal-mass"])
def test_stacked_weights_give_one_score_per_row(binning):
    stacked = np.array([[1, 1, 1, 1], [2, 1, 1, 0], [0, 0, 3, 1]])
    ece = expected_calibration_error(PROBS, LABELS, 2, binning=binning, sample_weight=stacked)
    brier = brier_score(PROBS, LABELS, sample_weight=stacked)
    assert ece.shape == brier.shape == (3,)
    for row, weights in enumerate(stacked):
        assert ece[row] == pytest.approx(expected_calibration_error(PROBS, LABELS, 2, binning=binning,
                                                                    sample_weight=weights))
        assert brier[row] == pytest.approx(brier_score(PROBS, LABELS, sample_weight=weights))


def test_nll_is_computed_from_logits_without_overflow():
    logits = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    assert negative_log_likelihood(logits, [0, 0]) == pytest.approx(500.0)


def test_fraction_above():
    probs = np.array([[0.95, 0.05], [0.91, 0.09], [0.6, 0.4], [0.3, 0.7]])
    assert fraction_above(probs, 0.91) == 0.25  # strictly above: 0.91 itself does not count
    assert fraction_above(probs, 0.5) == 1.0


def test_squared_calibration_error_by_hand():
    # One bin of all four predictions: accuracy 3/4, mean confidence 0.75, gap 0.
    assert squared_calibration_error(PROBS, LABELS, n_bins=1, debiased=False) == pytest.approx(0.0)
    # Debiased: minus the estimated variance of the bin's accuracy, (3/4)(1/4) / (4 - 1).
    assert squared_calibration_error(PROBS, LABELS, n_bins=1) == pytest.approx(-0.0625)
    # Two equal-mass bins {0.6, 0.7} and {0.8, 0.9}: accuracies 1/2 and 1, confidences 0.65 and 0.85.
    plug_in = 0.5 * (0.5 - 0.65) ** 2 + 0.5 * (1.0 - 0.85) ** 2
    assert squared_calibration_error(PROBS, LABELS, n_bins=2, debiased=False) == pytest.approx(plug_in)
    # Variance estimates (1/2)(1/2)/1 and 0, weighted by the bins' shares.
    assert squared_calibration_error(PROBS, LABELS, n_bins=2) == pytest.approx(plug_in - 0.5 * 0.25)


def test_debiasing_removes_the_bias_for_a_calibrated_model():
    # Labels drawn from the model's own probabilities: the true squared error is 0.
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(4, 0.5), size=400)
    plug_in, debiased = [], []
    for _ in range(300):
        target = calibrated_labels(probs, rng)
        plug_in.append(squared_calibration_error(probs, target, debiased=False))
        debiased.append(squared_calibration_error(probs, target))
    standard_error = np.std(debiased) / np.sqrt(len(debiased))
    assert abs(np.mean(debiased)) < 3 * standard_error
    assert np.mean(plug_in) > np.mean(debiased) + 20 * standard_error


def test_stacked_weights_give_the_squared_error_of_each_resample():
    weights = np.array([[1, 1, 1, 1], [2, 0, 1, 1]])
    stacked = squared_calibration_error(PROBS, LABELS, n_bins=2, sample_weight=weights)
    one_by_one = [squared_calibration_error(PROBS, LABELS, n_bins=2, sample_weight=w) for w in weights]
    assert stacked == pytest.approx(one_by_one)
    repeated = squared_calibration_error(PROBS[[0, 0, 2, 3]], LABELS[[0, 0, 2, 3]], n_bins=2)
    assert stacked[1] == pytest.approx(repeated)


def test_confidence_gap_by_hand_and_with_weights():
    # Confidences 0.6, 0.7, 0.8, 0.9 (mean 0.75) and three of four right: gap 0.
    assert confidence_gap(PROBS, LABELS) == pytest.approx(0.0)
    # Drop the wrong one: mean confidence 0.7667, all right.
    assert confidence_gap(PROBS, LABELS, sample_weight=[1, 0, 1, 1]) == pytest.approx((0.6 + 0.8 + 0.9) / 3 - 1)
    stacked = confidence_gap(PROBS, LABELS, sample_weight=[[1, 1, 1, 1], [0, 2, 0, 0]])
    assert stacked == pytest.approx([0.0, 0.7])


def test_calibrated_labels_follow_the_probabilities():
    probs = np.array([[0.2, 0.5, 0.3]] * 20000)
    labels = calibrated_labels(probs, np.random.default_rng(0))
    assert np.bincount(labels, minlength=3) / labels.size == pytest.approx([0.2, 0.5, 0.3], abs=0.01)
    # A model scored on labels drawn from itself is calibrated: its confidence gap is 0 on average.
    rng = np.random.default_rng(1)
    many = rng.dirichlet(np.full(4, 0.5), size=5000)
    assert abs(confidence_gap(many, calibrated_labels(many, rng))) < 0.02
    # Certain rows give their class, whatever the draw (no rounding past the last class).
    assert calibrated_labels(np.eye(3), rng).tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: brier_score(np.log(PROBS), LABELS), ValueError, "not logits"),
        (lambda: brier_score(PROBS, LABELS[:3]), ValueError, "target must have shape"),
        (lambda: expected_calibration_error(PROBS, LABELS, binning="quantile"), ValueError, "binning"),
        (lambda: expected_calibration_error(PROBS, LABELS, sample_weight=[1, 1]), ValueError, "sample_weight"),
        (lambda: accuracy(PROBS, LABELS, sample_weight=[1, -1, 1, 1]), ValueError, "non-negative"),
        (lambda: accuracy(PROBS, LABELS, sample_weight=[0, 0, 0, 0]), ValueError, "positive weight"),
        (lambda: accuracy(PROBS, LABELS, sample_weight=[True] * 4), TypeError, "sample_weight"),
        (lambda: negative_log_likelihood(np.zeros(3), 0), ValueError, "logits must have shape"),
        (lambda: fraction_above(PROBS, 1.5), ValueError, "threshold"),
        (lambda: squared_calibration_error(PROBS, LABELS, debiased=1), TypeError, "debiased"),
        (lambda: calibrated_labels(PROBS, 0), TypeError, "rng"),
        (lambda: calibrated_labels(PROBS[:, 0], np.random.default_rng(0)), ValueError, "probs must have shape"),
        (lambda: confidence_gap(PROBS, LABELS[:2]), ValueError, "target"),
        (lambda: squared_calibration_error(PROBS, LABELS, n_bins=0), ValueError, "n_bins"),
        (lambda: fraction_above(PROBS[:, 0], 0.5), ValueError, "probs must have shape"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
