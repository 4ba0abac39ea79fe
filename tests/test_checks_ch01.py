"""The chapter 1 exercise checks: independent reference solutions pass, typical mistakes are named."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lsbook
from lsbook import check
from lsbook.selfstudy import mistakes

# Reference solutions, written independently of the checkers.


def targets_k10():
    return lsbook.smooth_labels(3, 10, 0.1)


def required_logit(p, num_classes):
    return np.log(p / (1 - p)) + np.log(num_classes - 1)


def split():
    p = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
    q = lsbook.smooth_labels(1, 5, 0.1)
    terms = -q * np.log(p)
    return np.array([np.delete(terms, 1).sum(), terms[1] + np.log(p[1])])


def rounding_gap(num_classes, bits):
    # p_c = 1 - d, the midpoint below one, needs e^z = (K - 1)(1 - d) / d
    d = 0.5 ** (bits + 1)
    return np.log(num_classes - 1) + np.log1p(-d) - np.log(d)


def flipped_target(label, num_classes, flip_rate):
    target = np.zeros(num_classes)
    for k in range(num_classes):
        target[k] = 1 - flip_rate if k == label else flip_rate / (num_classes - 1)
    return target


REFERENCES = {
    "1.1": targets_k10(),
    "1.2": required_logit,
    "1.3": split(),
    "1.4": rounding_gap,
    "1.5": flipped_target,
}


def test_chapter_1_has_five_exercises():
    assert [ex for ex in lsbook.check.exercises() if ex.startswith("1.")] == ["1.1", "1.2", "1.3", "1.4", "1.5"]


@pytest.mark.parametrize("exercise", sorted(REFERENCES))
def test_reference_solution_passes(exercise):
    verdict = check(exercise, REFERENCES[exercise])
    assert verdict.correct, str(verdict)


def test_the_brief_numbers():
    """The values the chapter teaches, independently of the checkers."""
    np.testing.assert_allclose(targets_k10()[[0, 3]], [0.01, 0.91])
    assert required_logit(0.998, 4) == pytest.approx(np.log(1497))
    assert rounding_gap(4, 24) == pytest.approx(18.4273, abs=1e-4)  # float32, K = 4
    assert rounding_gap(4, 8) == pytest.approx(7.3350, abs=1e-4)  # bfloat16, K = 4
    np.testing.assert_allclose(flipped_target(2, 4, 0.1), [0.1 / 3, 0.1 / 3, 0.9, 0.1 / 3])


def wrong(message_part, exercise, answer):
    verdict = check(exercise, answer)
    assert not verdict.correct and verdict.attempted
    assert message_part in verdict.message, verdict.message


class TestTypicalMistakes:
    def test_targets_fairseq_convention(self):
        wrong(mistakes.WRONG_CONVENTION, "1.1", lsbook.smooth_labels(3, 10, 0.1, convention="others"))

    def test_targets_overwritten_true_class(self):
        target = np.full(10, 0.01)
        target[3] = 0.9
        wrong(mistakes.OVERWRITTEN_TRUE_CLASS, "1.1", target)

    def test_targets_k4_values(self):
        target = np.full(10, 0.025)
        target[3] = 0.925
        wrong("K = 4", "1.1", target)

    def test_targets_wrong_position(self):
        wrong("index 3", "1.1", lsbook.smooth_labels(0, 10, 0.1))

    def test_targets_wrong_shape(self):
        wrong("Expected an array of shape (10,), got an array of shape (2,).", "1.1", [0.91, 0.01])

    def test_logit_counts_k_classes(self):
        wrong(mistakes.OTHER_CLASSES_COUNT, "1.2", lambda p, k: np.log(p * k / (1 - p)))

    def test_logit_two_class_log_odds(self):
        wrong("log-odds", "1.2", lambda p, k: np.log(p / (1 - p)))

    def test_logit_forgot_the_log(self):
        wrong(mistakes.RATIO_NOT_ITS_LOG, "1.2", lambda p, k: p * (k - 1) / (1 - p))

    def test_split_order(self):
        wrong("order", "1.3", split()[::-1])

    def test_split_sign_of_true_change(self):
        wrong("negative", "1.3", split() * [1, -1])

    def test_split_fairseq(self):
        p = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
        wrong(mistakes.WRONG_CONVENTION, "1.3", [-(0.1 / 4) * np.log(np.delete(p, 1)).sum(), 0.1 * np.log(0.8)])

    def test_split_overwritten(self):
        wrong(mistakes.OVERWRITTEN_TRUE_CLASS, "1.3", [split()[0], 0.1 * np.log(0.8)])

    def test_rounding_gap_full_spacing(self):
        wrong("midpoint", "1.4", lambda k, b: np.log((k - 1) * (1 - 2.0**-b) / 2.0**-b))

    def test_rounding_gap_machine_epsilon(self):
        wrong("machine epsilon", "1.4", lambda k, b: np.log((k - 1) * (1 - 2.0 ** (1 - b)) / 2.0 ** (1 - b)))

    def test_rounding_gap_k_classes(self):
        wrong(mistakes.OTHER_CLASSES_COUNT, "1.4", lambda k, b: rounding_gap(k + 1, b))

    def test_rounding_gap_approximation(self):
        wrong("approximation", "1.4", lambda k, b: np.log(k - 1) + (b + 1) * np.log(2))

    def test_rounding_gap_without_log(self):
        wrong(mistakes.RATIO_NOT_ITS_LOG, "1.4", lambda k, b: np.exp(rounding_gap(k, b)))

    def test_rounding_gap_sign(self):
        wrong("sign", "1.4", lambda k, b: -rounding_gap(k, b))

    def test_rounding_gap_one_minus_p_in_float64(self):
        def via_probability(k, b):
            p = 1 - np.float64(2.0) ** -(b + 1)  # exactly 1 in float64 for b = 53
            with np.errstate(divide="ignore"):
                return np.log(p * (k - 1) / (1 - p))

        wrong("1 - p is 0", "1.4", via_probability)

        def python_floats(k, b):  # the same slip in Python floats divides by zero, on the 53-bit case
            p = 1 - 2.0 ** -(b + 1)
            return math.log(p * (k - 1) / (1 - p))

        wrong("53 bits", "1.4", python_floats)

    def test_flipped_uniform_replacement(self):
        wrong("uniform replacement", "1.5", lambda label, k, r: lsbook.smooth_labels(label, k, r))

    def test_flipped_true_class_gets_share_back(self):
        def shared(label, k, r):
            target = np.full(k, r / (k - 1))
            target[label] += 1 - r
            return target

        wrong("keeps 1 - r", "1.5", shared)

    def test_flipped_shares_over_k(self):
        wrong(mistakes.OTHER_CLASSES_COUNT, "1.5", lambda label, k, r: np.where(np.arange(k) == label, 1 - r, r / k))

    def test_flipped_no_flips(self):
        wrong(mistakes.NO_SMOOTHING, "1.5", lambda label, k, r: np.eye(k)[label])
