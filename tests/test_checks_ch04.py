"""Chapter 4's exercise checks: reference answers pass, typical mistakes are named."""

import numpy as np
import pytest

from lsbook import check
from lsbook.experiments.calibration import expected_calibration_error, fit_temperature
from lsbook.selfstudy.checks import ch04


def test_4_1_reference_passes_and_eps_is_named():
    assert check("4.1", 0.1 - 0.1 / 10)
    verdict = check("4.1", 0.1)
    assert not verdict and "eps/K" in verdict.message
    verdict = check("4.1", 0.91)
    assert not verdict and "confidence" in verdict.message


def test_4_2_reference_passes_and_typical_mistakes_are_named():
    assert check("4.2", expected_calibration_error)
    assert "closed on the right" in check("4.2", ch04._bins_closed_on_the_left).message
    assert "share of the examples" in check("4.2", ch04._unweighted_bins).message
    assert "top probability" in check("4.2", ch04._true_class_probability).message


def test_4_2_left_closed_bins_differ_from_the_reference_on_an_edge_case():
    # Guard for the test above: the edge case really separates the two binnings.
    probs = np.array([[0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.9, 0.1], [0.6, 0.4], [0.5, 0.5]])
    labels = np.array([0, 1, 1, 0, 1, 1])
    assert not np.isclose(
        ch04._bins_closed_on_the_left(probs, labels, n_bins=4), expected_calibration_error(probs, labels, n_bins=4)
    )


def test_4_3_reference_passes_and_inverted_temperature_is_named():
    assert check("4.3", fit_temperature)
    verdict = check("4.3", ch04._multiplied_by_temperature)
    assert not verdict and "1/T" in verdict.message
    verdict = check("4.3", ch04._fitted_on_probabilities)
    assert not verdict and "not the probabilities" in verdict.message


def test_4_3_a_grid_search_close_enough_passes():
    def grid_search(logits, labels):
        grid = np.exp(np.linspace(np.log(0.1), np.log(10), 2001))
        nll = [-np.mean(np.log(ch04.softmax(logits / t)[np.arange(len(labels)), labels])) for t in grid]
        return grid[int(np.argmin(nll))]

    assert check("4.3", grid_search)


def test_4_4_reference_passes_and_off_by_one_is_named():
    assert check("4.4", ch04.linear_decay)
    assert "epochs - 1" in check("4.4", ch04._never_reaches_zero).message
    assert "decrease" in check("4.4", ch04._grows).message


def _stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize(("exercise", "placeholder"), [("4.1", None), ("4.2", _stub), ("4.3", _stub), ("4.4", _stub)])
def test_stubs_count_as_not_attempted(exercise, placeholder):
    verdict = check(exercise, placeholder)
    assert not verdict and not verdict.attempted
