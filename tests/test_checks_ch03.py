"""The chapter 3 checks accept right answers and name typical wrong ones."""

import math

import numpy as np
import pytest

from lsbook import check
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.checks import ch03

# Reference solutions written from scratch, as a learner would -------------------------------


def kl_share():
    p, k, eps = ch03.WEATHER_P, ch03.WEATHER_P.size, ch03.WEATHER_EPS
    return eps * sum((1 / k) * math.log((1 / k) / p_k) for p_k in p)


def loss_floor():
    k, eps = ch03.FLOOR_K, ch03.FLOOR_EPS
    top, rest = 1 - eps + eps / k, eps / k
    return -(top * math.log(top) + (k - 1) * rest * math.log(rest))


def smoothed_targets(labels, num_classes, eps):
    q = np.full((len(labels), num_classes), eps / num_classes)
    q[np.arange(len(labels)), labels] += 1 - eps
    return q


def log_probs(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def penalised_loss(logits, labels, beta):
    log_p = log_probs(logits)
    ce = -log_p[np.arange(len(labels)), labels]
    h = -(np.exp(log_p) * log_p).sum(axis=1)
    return float(np.mean(ce - beta * h))


def penalised_grad(logits, labels, beta):
    log_p = log_probs(logits)
    p = np.exp(log_p)
    h = -(p * log_p).sum(axis=1, keepdims=True)
    grad = p.copy()
    grad[np.arange(len(labels)), labels] -= 1
    grad += beta * p * (log_p + h)
    return grad / len(labels)


def test_reference_values():
    # 0.1 * (2 log 2.5 + log 1.25 + log(0.25 / 0.6)) / 4, by hand
    assert kl_share() == pytest.approx(0.0295064069, rel=1e-8)
    assert loss_floor() == pytest.approx(0.50028804, rel=1e-7)


@pytest.mark.parametrize(
    "exercise, answer",
    [
        ("3.1", kl_share()),
        ("3.1", np.array([kl_share()])),
        ("3.2", loss_floor()),
        ("3.3", smoothed_targets),
        ("3.4", penalised_loss),
        ("3.5", penalised_grad),
    ],
)
def test_reference_solutions_pass(exercise, answer):
    verdict = check(exercise, answer)
    assert verdict.correct, str(verdict)


# Typical wrong answers and the message each one should get -----------------------------------

P, K, EPS = ch03.WEATHER_P, ch03.WEATHER_P.size, ch03.WEATHER_EPS
U = np.full(K, 1 / K)


def overwrite_slip(labels, num_classes, eps):
    q = np.full((len(labels), num_classes), eps / num_classes)
    q[np.arange(len(labels)), labels] = 1 - eps  # overwrites instead of adding
    return q


def fairseq_targets(labels, num_classes, eps):
    q = np.full((len(labels), num_classes), eps / (num_classes - 1))
    q[np.arange(len(labels)), labels] = 1 - eps
    return q


@pytest.mark.parametrize(
    "exercise, answer, words",
    [
        ("3.1", EPS * float(np.sum(P * np.log(P / U))), "reverse direction"),
        ("3.1", kl_share() / EPS, "weighs it by eps"),
        ("3.1", kl_share() + EPS * math.log(K), "constant"),
        ("3.1", -kl_share(), "sign"),
        ("3.1", 0.5, "does not match"),
        ("3.2", 0.0, mistakes.NO_SMOOTHING),
        ("3.2", -math.log(0.91), "hard-label loss"),
        ("3.2", math.log(ch03.FLOOR_K), "uniform"),
        ("3.2", -(0.9 * math.log(0.9) + 0.1 * math.log(0.1 / 9)), mistakes.WRONG_CONVENTION),
        ("3.2", ch03.FLOOR_EPS * math.log(ch03.FLOOR_K), mistakes.FLOOR_SMOOTHING_PART),
        ("3.3", overwrite_slip, mistakes.OVERWRITTEN_TRUE_CLASS),
        ("3.3", fairseq_targets, mistakes.WRONG_CONVENTION),
        ("3.3", lambda labels, k, eps: np.eye(k)[labels], mistakes.NO_SMOOTHING),
        ("3.3", lambda labels, k, eps: smoothed_targets(labels, k, eps)[0], "should return an array of shape (1, 4)"),
        ("3.4", lambda z, y, b: penalised_loss(z, y, -b), "The entropy is added"),
        ("3.4", lambda z, y, b: len(y) * penalised_loss(z, y, b), mistakes.FORGOT_THE_MEAN),
        ("3.4", lambda z, y, b: penalised_loss(z, y, 0.0), "The penalty is missing"),
        ("3.4", lambda z, y, b: penalised_loss(np.exp(log_probs(z)), y, b), mistakes.SOFTMAX_TWICE),
        ("3.4", lambda z, y, b: penalised_loss(z, y, b / math.log(2)), mistakes.IN_BITS),
        ("3.4", lambda z, y, b: None, "forget `return`"),
        ("3.5", lambda z, y, b: penalised_grad(z, y, -b), "wrong sign"),
        ("3.5", lambda z, y, b: len(y) * penalised_grad(z, y, b), mistakes.FORGOT_THE_MEAN),
        ("3.5", lambda z, y, b: penalised_grad(z, y, 0.0), "plain cross-entropy"),
    ],
)
def test_typical_mistakes_are_named(exercise, answer, words):
    verdict = check(exercise, answer)
    assert not verdict.correct and verdict.attempted
    assert words in verdict.message, verdict.message


def test_missing_h_term_in_the_gradient_is_named():
    def without_h(z, y, b):
        log_p = log_probs(z)
        p = np.exp(log_p)
        grad = p.copy()
        grad[np.arange(len(y)), y] -= 1
        return (grad + b * p * log_p) / len(y)

    verdict = check("3.5", without_h)
    assert "H term" in verdict.message, verdict.message


def test_answers_that_modify_their_input_do_not_change_the_cases():
    def destructive(logits, labels, beta):
        value = penalised_loss(logits, labels, beta)
        logits[:] = 0.0
        return value

    assert check("3.4", destructive).correct
    assert check("3.4", penalised_loss).correct
