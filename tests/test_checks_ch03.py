"""The chapter 3 checks accept right answers and name typical wrong ones."""

import math

import numpy as np
import pytest

import lsbook
from lsbook import check
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.checks import ch03

# Reference solutions written from scratch, as a learner would -------------------------------


def uniform_equivalent(eps_others, num_classes):
    # one wrong class: eps / K = eps_others / (K - 1); a uniform eps is at most 1
    eps = eps_others * num_classes / (num_classes - 1)
    if eps > 1 or eps_others < 0:
        raise ValueError("no uniform equivalent")
    return eps


def removable_loss():
    k, eps = ch03.FLOOR_K, ch03.FLOOR_EPS
    top, rest = 1 - eps + eps / k, eps / k
    return ch03.LOGGED_LOSS + (top * math.log(top) + (k - 1) * rest * math.log(rest))


def prior_split():
    p, c, e, u = ch03.WEATHER_P, ch03.WEATHER_CLASS, ch03.WEATHER_EPS, ch03.PRIOR
    hard = -(1 - e) * math.log(p[c])
    h_u = -sum(u_k * math.log(u_k) for u_k in u)
    kl_u_p = sum(u_k * math.log(u_k / p_k) for u_k, p_k in zip(u, p, strict=True))
    return np.array([hard, e * h_u, e * kl_u_p])


def penalty_curvature():
    # five-point second difference of lsbook's own loss along z = (s, 0, 0)
    def loss(s):
        z = np.zeros((1, ch03.NONCONVEX_K))
        z[0, 0] = s
        return float(lsbook.cross_entropy(z, [0]) + lsbook.confidence_penalty(z, ch03.NONCONVEX_BETA))

    s, h = ch03.NONCONVEX_S, 0.05
    return (-loss(s + 2 * h) + 16 * loss(s + h) - 30 * loss(s) + 16 * loss(s - h) - loss(s - 2 * h)) / (12 * h * h)


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
    assert uniform_equivalent(0.1, 4) == pytest.approx(0.4 / 3)
    assert removable_loss() == pytest.approx(0.62 - 0.50028804, rel=1e-6)  # H(q) = 0.50028804 for K = 10
    target = 0.9 * np.eye(4)[2] + 0.1 * ch03.PRIOR
    assert prior_split().sum() == pytest.approx(-np.sum(target * np.log(ch03.WEATHER_P)))
    assert penalty_curvature() < 0  # the point of exercise 3.6: not convex along this line


@pytest.mark.parametrize(
    "exercise, answer",
    [
        ("3.1", uniform_equivalent),
        ("3.2", removable_loss()),
        ("3.2", np.array([removable_loss()])),
        ("3.3", prior_split()),
        ("3.3", prior_split().tolist()),
        ("3.4", penalised_loss),
        ("3.5", penalised_grad),
        ("3.6", penalty_curvature()),
    ],
)
def test_reference_solutions_pass(exercise, answer):
    verdict = check(exercise, answer)
    assert verdict.correct, str(verdict)


# Typical wrong answers and the message each one should get -----------------------------------

@pytest.mark.parametrize(
    "exercise, answer, words",
    [
        ("3.1", lambda e, k: e * (k - 1) / k, "upside down"),
        ("3.1", lambda e, k: e, "convert it"),
        ("3.1", lambda e, k: e * k / (k - 1), "should raise ValueError"),
        ("3.2", 0.50028804, "floor H(q) itself"),
        ("3.2", 0.62, "whole logged loss"),
        ("3.2", 0.62 - math.log(10), "log K"),
        ("3.2", 0.62 + math.log(0.91), "-log q_c"),
        ("3.2", 0.62 + (0.9 * math.log(0.9) + 0.1 * math.log(0.1 / 9)), mistakes.WRONG_CONVENTION),
        ("3.2", -removable_loss(), "sign"),
        ("3.3", prior_split()[[0, 2, 1]], "wrong order"),
        ("3.3", -prior_split(), "sign"),
        ("3.3", prior_split() / [0.9, 0.1, 0.1], "carries its weight"),
        ("3.3", [prior_split()[0], 0.1 * math.log(4), prior_split()[2]], "eps log K"),
        ("3.3", prior_split()[:2], "Expected an array of shape (3,)"),
        ("3.6", -penalty_curvature(), "sign"),
        ("3.6", 2 * math.exp(-6) / (1 + 2 * math.exp(-6)) ** 2, "cross-entropy alone"),
        ("3.6", 2 * math.exp(-6) * (1.5 - 0.5 * 6), "small-r approximation"),
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


def test_prior_split_with_the_divergence_reversed_or_the_uniform_prior_is_named():
    p, c, e, u = ch03.WEATHER_P, ch03.WEATHER_CLASS, ch03.WEATHER_EPS, ch03.PRIOR
    reversed_kl = prior_split()
    reversed_kl[2] = e * float(np.sum(p * np.log(p / u)))
    assert "other way" in check("3.3", reversed_kl).message
    uniform = np.full(4, 0.25)
    as_if_uniform = [-(1 - e) * math.log(p[c]), e * math.log(4), e * float(np.sum(uniform * np.log(uniform / p)))]
    assert "uniform prior" in check("3.3", as_if_uniform).message


def test_curvature_of_the_slope_or_of_ce_plus_penalty_is_named():
    def loss(s, sign):  # CE - 0.5 H (sign +1) or CE + 0.5 H (sign -1)
        z = np.array([[s, 0.0, 0.0]])
        return float(lsbook.cross_entropy(z, [0]) + sign * lsbook.confidence_penalty(z, 0.5))

    h = 1e-4
    slope = (loss(6 + h, 1) - loss(6 - h, 1)) / (2 * h)
    assert "first derivative" in check("3.6", slope).message
    h = 0.01
    plus = (loss(6 + h, -1) - 2 * loss(6, -1) + loss(6 - h, -1)) / h**2
    assert "CE + beta H(p)" in check("3.6", plus).message
