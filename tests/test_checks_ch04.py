"""Chapter 4's exercise checks: independent reference answers pass, typical mistakes are named."""

import numpy as np
import pytest

import lsbook
from lsbook import check
from lsbook.experiments.calibration import fit_temperature
from lsbook.experiments.scores import expected_calibration_error
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.checks import ch04


def test_4_1_reference_passes_and_typical_mistakes_are_named():
    assert check("4.1", 0.1 - 0.1 / 10)
    assert check("4.1", 0.1).message == mistakes.OVERWRITTEN_TRUE_CLASS
    assert "confidence" in check("4.1", 0.91).message
    assert check("4.1", 0.01).message == mistakes.WRONG_CLASS_TARGET


def ece_by_loop(probs, labels, n_bins=15):
    """The ECE written as a learner would, one bin at a time."""
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == labels
    total = 0.0
    for m in range(1, n_bins + 1):
        inside = (confidence > (m - 1) / n_bins) & (confidence <= m / n_bins)
        if m == 1:
            inside |= confidence == 0.0
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return total


def test_4_2_reference_passes_and_typical_mistakes_are_named():
    assert check("4.2", ece_by_loop)
    assert "closed on the right" in check("4.2", ch04._bins_closed_on_the_left).message
    assert "share of the examples" in check("4.2", ch04._unweighted_bins).message
    assert "top probability" in check("4.2", ch04._true_class_probability).message
    assert "signed gaps cancel" in check("4.2", ch04._signed_gaps).message


EDGES = np.array([[0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.9, 0.1], [0.6, 0.4], [0.5, 0.5]])
EDGE_LABELS = np.array([0, 1, 1, 0, 1, 1])


def test_4_2_the_checks_binning_is_lsbooks_and_its_slip_differs_on_an_edge_case():
    # Guards for the test above: the private binning agrees with lsbook, and the edge case separates the two sides.
    rng = np.random.default_rng(0)
    probs, labels = lsbook.softmax(rng.normal(0, 2, (300, 4))), rng.integers(0, 4, 300)
    for p, y, n_bins in [(probs, labels, 15), (EDGES, EDGE_LABELS, 4)]:
        correct = (p.argmax(axis=1) == y).astype(float)
        assert ch04._ece_of(p.max(axis=1), correct, n_bins) == pytest.approx(expected_calibration_error(p, y, n_bins))
    assert not np.isclose(ch04._bins_closed_on_the_left(EDGES, EDGE_LABELS, n_bins=4),
                          expected_calibration_error(EDGES, EDGE_LABELS, n_bins=4))


def test_4_3_reference_passes_and_typical_mistakes_are_named():
    def grid_search(logits, labels):
        grid = np.exp(np.linspace(np.log(0.1), np.log(10), 2001))
        nll = [-np.mean(np.log(lsbook.softmax(logits / t)[np.arange(len(labels)), labels])) for t in grid]
        return grid[int(np.argmin(nll))]

    assert check("4.3", grid_search)
    assert check("4.3", lambda z, y: np.array([fit_temperature(z, y)]))  # one element is a number
    assert mistakes.TEMPERATURE_MULTIPLIES in check("4.3", lambda z, y: 1 / grid_search(z, y)).message
    assert mistakes.SOFTMAX_TWICE in check("4.3", lambda z, y: grid_search(lsbook.softmax(z), y)).message


def test_4_4_reference_passes_and_the_off_by_one_is_named():
    assert check("4.4", lambda epoch, epochs, eps_max: eps_max * (epochs - 1 - epoch) / (epochs - 1))
    assert "epochs - 1" in check("4.4", lambda epoch, epochs, eps_max: eps_max * (1 - epoch / epochs)).message
    assert "decrease" in check("4.4", lambda epoch, epochs, eps_max: eps_max * epoch / (epochs - 1)).message


def equal_mass_by_sorting(probs, labels, n_bins=15):
    """The equal-mass ECE as a learner would write it: sort, cut into equal groups, weight by size."""
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == labels
    groups = np.array_split(np.argsort(confidence), n_bins)
    return sum(len(g) * abs(correct[g].mean() - confidence[g].mean()) for g in groups) / len(confidence)


def test_4_5_reference_passes_and_typical_mistakes_are_named():
    assert check("4.5", equal_mass_by_sorting)
    assert "equal width" in check("4.5", expected_calibration_error).message
    assert "Sort the predictions by confidence" in check("4.5", ch04._groups_in_data_order).message
    assert "signed gaps cancel" in check("4.5", ch04._equal_mass_signed).message


def test_4_5_cases_separate_every_binning():
    # Guard: on each case the right answer and every typical mistake give different numbers.
    for case in ch04._equal_mass_cases():
        values = [f(*case.args, **case.kwargs) for f in (ch04.ece_equal_mass, expected_calibration_error,
                                                         ch04._groups_in_data_order, ch04._equal_mass_signed)]
        assert min(abs(a - b) for i, a in enumerate(values) for b in values[i + 1:]) > 1e-3
