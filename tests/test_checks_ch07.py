"""The checks of chapter 7: independent reference answers pass, typical mistakes are named.

The mysteries themselves are tested too: each must show the audit the
findings the exercises ask the learner to explain.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lsbook
from lsbook import check
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.checks import ch07

EPS, PAD = ch07.MEANT_EPS, ch07.PAD


# The mysteries show what the exercises say they show -------------------------------------------


def test_mystery_a_smooths_twice():
    report = lsbook.audit(ch07.mystery_a, label_smoothing=EPS)
    assert report.convention == "uniform" and report.effective_epsilon == pytest.approx(1 - (1 - EPS) ** 2)
    assert len(report.findings) == 1 and "smoothing strength" in report.findings[0]


def test_mystery_b_has_two_findings():
    report = lsbook.audit(ch07.mystery_b, label_smoothing=EPS, ignore_index=PAD)
    assert report.convention == "others" and report.padding == "masked but counted in the mean"
    assert len(report.findings) == 2


def test_mystery_c_logs_a_kl_divergence_through_a_clipped_log():
    report = lsbook.audit(ch07.mystery_c, label_smoothing=EPS)
    assert report.form == "kl" and report.stable is False and report.convention == "uniform"
    assert "clipped logarithm" in report.findings[0] and "KL divergence" in report.findings[1]


# 7.1 -------------------------------------------------------------------------------------------


def strength_to_pass():
    # (1 - e)^2 must equal 1 - eps, by hand
    return 1 - math.sqrt(1 - EPS)


def test_7_1_reference_passes_and_undoes_the_double_smoothing():
    assert check("7.1", strength_to_pass())
    report = lsbook.audit(lambda z, y: ch07.mystery_a(z, y, label_smoothing=strength_to_pass()),
                          label_smoothing=EPS)
    assert report.ok


@pytest.mark.parametrize(
    "answer, words",
    [
        (1 - (1 - EPS) ** 2, "the strength mystery A applies"),
        (EPS / 2, "they compound"),
        (EPS, "Passing eps unchanged"),
        (EPS * EPS / (1 - (1 - EPS) ** 2), "squared"),
        (round(strength_to_pass(), 3), "close but not close enough"),
    ],
    ids=["the applied strength", "halved", "unchanged", "scaled", "rounded"],
)
def test_7_1_names_typical_mistakes(answer, words):
    verdict = check("7.1", answer)
    assert not verdict and verdict.attempted
    assert words in verdict.message, verdict.message


# 7.2 -------------------------------------------------------------------------------------------


def fixed_b(logits, target):
    keep = target != PAD
    n, k = logits.shape
    q = np.full((n, k), EPS / k)
    q[np.arange(n), np.where(keep, target, 0)] += 1 - EPS
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = -(q * log_p).sum(axis=1)
    return float((rows * keep).sum() / keep.sum())


def test_7_2_reference_passes_and_audits_clean():
    assert check("7.2", fixed_b)
    assert lsbook.audit(fixed_b, label_smoothing=EPS, ignore_index=PAD).ok


def counted(logits, target):
    keep = target != PAD
    n = len(target)
    return fixed_b(logits, target) * keep.sum() / n


def others_convention(logits, target):
    return float(lsbook.cross_entropy(logits, target, label_smoothing=EPS, ignore_index=PAD, convention="others"))


def smoothing_unmasked(logits, target):
    keep = target != PAD
    log_p = lsbook.log_softmax(logits)
    nll = -log_p[np.arange(len(target)), np.where(keep, target, 0)]
    return float(((1 - EPS) * nll * keep - EPS * log_p.mean(axis=1)).sum() / keep.sum())


@pytest.mark.parametrize(
    "wrong, words",
    [
        (ch07.mystery_b, "Both findings of the audit are still there"),
        (counted, mistakes.PADDING_COUNTED),
        (others_convention, mistakes.WRONG_CONVENTION),
        (smoothing_unmasked, "The smoothing term still includes the padding rows"),
        (lambda z, y: fixed_b(z, y) * np.sum(y != PAD), mistakes.FORGOT_THE_MEAN),
        (lambda z, y: float(lsbook.cross_entropy(z, y, ignore_index=PAD)), mistakes.NO_SMOOTHING),
        (lambda z, y: fixed_b(lsbook.softmax(z), y), "different result"),
    ],
    ids=["mystery B itself", "padding counted", "convention", "smoothing term unmasked", "sum", "no smoothing",
         "softmax twice"],
)
def test_7_2_names_typical_mistakes(wrong, words):
    verdict = check("7.2", wrong)
    assert not verdict and verdict.attempted
    assert words in verdict.message, verdict.message


def test_7_2_needs_a_stable_loss():
    def naive(logits, target):  # exp before subtracting the maximum
        keep = target != PAD
        q = lsbook.smooth_labels(np.where(keep, target, 0), logits.shape[1], EPS)
        with np.errstate(all="ignore"):
            log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            return float((-(q * log_p).sum(axis=1) * keep).sum() / keep.sum())

    verdict = check("7.2", naive)
    assert not verdict and "logits of size 1000" in verdict.message, verdict.message


# 7.3 -------------------------------------------------------------------------------------------


def logged_gap():
    k = ch07.GAP_K
    top, rest = 1 - EPS + EPS / k, EPS / k
    return -(top * math.log(top) + (k - 1) * rest * math.log(rest))


def test_7_3_reference_passes_and_is_what_the_audit_measures():
    assert check("7.3", logged_gap())
    rng = np.random.default_rng(0)
    logits, target = rng.normal(size=(6, ch07.GAP_K)), rng.integers(0, ch07.GAP_K, size=6)
    gap = float(lsbook.cross_entropy(logits, target, label_smoothing=EPS)) - ch07.mystery_c(logits, target)
    assert gap == pytest.approx(logged_gap(), abs=1e-9)


@pytest.mark.parametrize(
    "answer, words",
    [
        (0.0, "Zero would mean"),
        (math.log(ch07.GAP_K), "entropy of the uniform distribution"),
        (EPS * math.log(ch07.GAP_K), mistakes.FLOOR_SMOOTHING_PART),
        (-(0.9 * math.log(0.9) + 0.1 * math.log(0.1 / (ch07.GAP_K - 1))), mistakes.WRONG_CONVENTION),
        (-math.log(1 - EPS + EPS / ch07.GAP_K), "true-class target alone"),
        (-logged_gap(), "sign is flipped"),
    ],
    ids=["zero", "log K", "eps log K", "others convention", "true class only", "sign"],
)
def test_7_3_names_typical_mistakes(answer, words):
    verdict = check("7.3", answer)
    assert not verdict and verdict.attempted
    assert words in verdict.message, verdict.message
