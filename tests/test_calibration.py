"""Calibration scores (ECE by hand, bin edges) and temperature scaling, with bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import lsbook
from lsbook.experiments.calibration import fit_temperature
from lsbook.experiments.scores import (
    accuracy,
    calibrated_labels,
    expected_calibration_error,
    negative_log_likelihood,
    reliability_data,
)
from lsbook.page.plotting import plot_confidence_histogram, plot_reliability

# Five binary predictions; four bins (0, .25], (.25, .5], (.5, .75], (.75, 1].
PROBS = np.array([[0.6, 0.4], [0.3, 0.7], [0.9, 0.1], [0.2, 0.8], [0.45, 0.55]])
LABELS = np.array([0, 0, 0, 1, 0])


def test_ece_matches_a_hand_computed_example():
    # Bin (.5, .75]: confidences .6 (right), .7 (wrong), .55 (wrong): mean .61667, accuracy 1/3.
    # Bin (.75, 1]: confidences .9 (right), .8 (right): mean .85, accuracy 1.
    # ECE = 3/5 * |1/3 - .61667| + 2/5 * |1 - .85| = .17 + .06 = .23
    assert expected_calibration_error(PROBS, LABELS, n_bins=4) == pytest.approx(0.23, abs=1e-12)
    data = reliability_data(PROBS, LABELS, n_bins=4)
    assert data.counts.tolist() == [0, 0, 3, 2]
    assert np.allclose(data.confidence[2:], [1.85 / 3, 0.85])
    assert np.allclose(data.accuracy[2:], [1 / 3, 1.0])
    assert np.all(np.isnan(data.confidence[:2]))


def test_bins_are_closed_on_the_right():
    # A confidence of exactly 0.5 belongs to (0, 0.5], not to (0.5, 1].
    probs = np.array([[0.5, 0.5], [0.1, 0.9]])
    data = reliability_data(probs, [1, 1], n_bins=2)
    assert data.counts.tolist() == [1, 1]
    # 0.6 with ten bins lies in (0.5, 0.6], whatever floating point does to 6 * 0.1.
    data = reliability_data(np.array([[0.6, 0.4]]), [0], n_bins=10)
    assert data.counts.argmax() == 5


def test_a_perfectly_calibrated_set_has_zero_ece_and_one_bin_is_the_overall_gap():
    probs = np.array([[0.8, 0.2]] * 5)
    labels = np.array([0, 0, 0, 0, 1])  # 80% right at 80% confidence
    assert expected_calibration_error(probs, labels) == pytest.approx(0.0, abs=1e-12)
    gap = abs(accuracy(PROBS, LABELS) - PROBS.max(axis=1).mean())
    assert expected_calibration_error(PROBS, LABELS, n_bins=1) == pytest.approx(gap)


def test_accuracy_and_nll():
    assert accuracy(PROBS, LABELS) == pytest.approx(3 / 5)
    logits = np.log(PROBS)
    expected = -np.mean(np.log(PROBS[np.arange(5), LABELS]))
    assert negative_log_likelihood(logits, LABELS) == pytest.approx(expected)


def test_temperature_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 3.0, (20000, 5))
    true_temperature = 2.0
    # Draw labels from softmax(logits / 2): the logits are twice too sharp.
    p = lsbook.softmax(logits / true_temperature)
    labels = calibrated_labels(p, rng)
    fitted = fit_temperature(logits, labels)
    assert fitted == pytest.approx(true_temperature, rel=0.03)
    # The fitted temperature lowers the NLL and leaves the predicted classes alone.
    assert negative_log_likelihood(logits / fitted, labels) < negative_log_likelihood(logits, labels)
    assert np.array_equal((logits / fitted).argmax(axis=1), logits.argmax(axis=1))


def test_temperature_below_one_for_under_confident_logits():
    rng = np.random.default_rng(1)
    logits = rng.normal(0.0, 1.0, (5000, 4))
    labels = calibrated_labels(lsbook.softmax(logits * 2.0), rng)
    assert fit_temperature(logits, labels) == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: expected_calibration_error(PROBS, LABELS, n_bins=0), ValueError, "n_bins"),
        (lambda: expected_calibration_error(PROBS, LABELS, n_bins=2.5), TypeError, "n_bins"),
        (lambda: expected_calibration_error(PROBS, LABELS[:4]), ValueError, "target must have shape"),
        (lambda: expected_calibration_error(PROBS[:, 0], LABELS), ValueError, r"probs must have shape \(N, K\)"),
        (lambda: expected_calibration_error(np.log(PROBS), LABELS), ValueError, "not logits"),
        (lambda: expected_calibration_error(np.zeros((0, 3)), []), ValueError, "empty"),
        (lambda: accuracy(PROBS, [0, 0, 0, 2, 0]), ValueError, "outside"),
        (lambda: fit_temperature(np.log(PROBS), LABELS, bounds=(0.0, 5.0)), ValueError, "bounds"),
        (lambda: fit_temperature(np.log(PROBS), LABELS[:3]), ValueError, "target must have shape"),
        (lambda: negative_log_likelihood(np.zeros(3), 0), ValueError, "logits must have shape"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_reliability_plots_draw_one_bar_per_non_empty_bin():
    data = reliability_data(PROBS, LABELS, n_bins=4)
    fig, (left, right) = plt.subplots(1, 2)
    plot_reliability(left, data, label="model")
    plot_confidence_histogram(right, data)
    assert len(left.patches) == 2
    assert [round(bar.get_height(), 6) for bar in left.patches] == [round(1 / 3, 6), 1.0]
    assert len(right.patches) == 4
    assert sum(bar.get_height() for bar in right.patches) == pytest.approx(1.0)
    plt.close(fig)
