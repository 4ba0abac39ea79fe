"""The chapter 1 exercise checks: independent reference solutions pass, typical mistakes are named."""

from __future__ import annotations

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


def confident_gradient():
    z = np.log([0.02, 0.01, 0.95, 0.02])
    return lsbook.cross_entropy_grad(z, 2, label_smoothing=0.1)[2]


def split():
    p = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
    q = lsbook.smooth_labels(1, 5, 0.1)
    terms = -q * np.log(p)
    return np.array([np.delete(terms, 1).sum(), terms[1] + np.log(p[1])])


def single_pass(logits, target, epsilon):
    logits = np.asarray(logits, dtype=float)
    rows = np.arange(logits.shape[0])
    per_row = (
        lsbook.logsumexp(logits) - (1 - epsilon) * logits[rows, target] - epsilon / logits.shape[1] * logits.sum(axis=1)
    )
    return per_row.mean()


REFERENCES = {
    "1.1": targets_k10(),
    "1.2": required_logit,
    "1.3": confident_gradient(),
    "1.4": split(),
    "1.5": single_pass,
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
    assert confident_gradient() == pytest.approx(0.025)


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

    def test_gradient_with_hard_target(self):
        wrong(mistakes.NO_SMOOTHING, "1.3", 0.95 - 1)

    def test_gradient_overwritten_target(self):
        wrong(mistakes.OVERWRITTEN_TRUE_CLASS, "1.3", 0.95 - 0.9)

    def test_gradient_sign(self):
        wrong("sign", "1.3", -confident_gradient())

    def test_split_order(self):
        wrong("order", "1.4", split()[::-1])

    def test_split_sign_of_true_change(self):
        wrong("negative", "1.4", split() * [1, -1])

    def test_split_fairseq(self):
        p = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
        wrong(mistakes.WRONG_CONVENTION, "1.4", [-(0.1 / 4) * np.log(np.delete(p, 1)).sum(), 0.1 * np.log(0.8)])

    def test_split_overwritten(self):
        wrong(mistakes.OVERWRITTEN_TRUE_CLASS, "1.4", [split()[0], 0.1 * np.log(0.8)])

    def test_loss_sum_not_mean(self):
        def summed(logits, target, epsilon):
            return single_pass(logits, target, epsilon) * np.shape(logits)[0]

        wrong(mistakes.FORGOT_THE_MEAN, "1.5", summed)

    def test_loss_overflow(self):
        def naive(logits, target, epsilon):
            logits = np.asarray(logits, dtype=float)
            with np.errstate(all="ignore"):
                log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            q = lsbook.smooth_labels(target, logits.shape[1], epsilon)
            return -(q * log_p).sum(axis=1).mean()

        wrong(mistakes.OVERFLOW, "1.5", naive)

    def test_loss_log_of_logits(self):
        def log_of_logits(logits, target, epsilon):
            q = lsbook.smooth_labels(target, np.shape(logits)[1], epsilon)
            with np.errstate(all="ignore"):
                return -(q * np.log(logits)).sum(axis=1).mean()

        wrong(mistakes.LOGITS_AS_PROBABILITIES, "1.5", log_of_logits)

    def test_loss_overwritten_target(self):
        def overwritten(logits, target, epsilon):
            log_p = lsbook.log_softmax(logits)
            q = np.full(log_p.shape, epsilon / log_p.shape[1])
            q[np.arange(len(target)), target] = 1 - epsilon
            return -(q * log_p).sum(axis=1).mean()

        wrong(mistakes.OVERWRITTEN_TRUE_CLASS, "1.5", overwritten)

    def test_loss_fairseq(self):
        def fairseq(logits, target, epsilon):
            log_p = lsbook.log_softmax(logits)
            k = log_p.shape[1]
            q = np.full(log_p.shape, epsilon / (k - 1))
            q[np.arange(len(target)), target] = 1 - epsilon
            return -(q * log_p).sum(axis=1).mean()

        wrong(mistakes.WRONG_CONVENTION, "1.5", fairseq)

    def test_loss_function_that_raises_is_reported(self):
        def broken(logits, target, epsilon):
            raise KeyError("oops")

        wrong("KeyError", "1.5", broken)

    def test_loss_softmax_applied_twice(self):
        wrong(mistakes.SOFTMAX_TWICE, "1.5", lambda z, y, e: single_pass(lsbook.softmax(z), y, e))

    def test_loss_without_smoothing(self):
        wrong(mistakes.NO_SMOOTHING, "1.5", lambda z, y, e: single_pass(z, y, 0.0))
