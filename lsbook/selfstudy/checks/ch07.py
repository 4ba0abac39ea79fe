"""Checks of the exercises of chapter 7, "Label smoothing in the wild".

Each exercise hands the learner a loss function as a black box, one of the
three mysteries below, to audit with :func:`lsbook.audit` and explain. The
mysteries and the exercise data are public, so the chapter imports and
glues the very functions and values the checks use.
"""

from __future__ import annotations

import numpy as np

from ...core.information import entropy
from ...core.loss import cross_entropy
from ...core.softmax import log_softmax, softmax
from ...core.targets import smooth_labels
from .. import mistakes
from ..check import register
from ..compare import Case, check_function, compare
from ..wrong_answers import others_target

#: The smoothing strength every mystery is meant to apply.
MEANT_EPS = 0.1


# Exercise 7.1: a loss that smooths twice ---------------------------------------------------------


def mystery_a(logits, target, label_smoothing: float = MEANT_EPS):
    """A loss meant to apply label smoothing of strength ``label_smoothing``."""
    k = logits.shape[-1]
    log_p = log_softmax(logits)
    soft = -(smooth_labels(target, k, label_smoothing) * log_p).sum(axis=-1)
    return float(np.mean((1 - label_smoothing) * soft - label_smoothing * log_p.mean(axis=-1)))


def _applied_strength(label_smoothing: float) -> float:
    """What mystery A applies when passed ``label_smoothing``: the one-hot keeps (1 - eps) twice."""
    return 1 - (1 - label_smoothing) ** 2


STRENGTH_TO_PASS = 1 - float(np.sqrt(1 - MEANT_EPS))  # (1 - e)**2 = 1 - eps


@register("7.1", solution=STRENGTH_TO_PASS)
def check_strength_to_pass(answer) -> None:
    compare(answer, STRENGTH_TO_PASS, what="the strength to pass", mistakes=[
        (f"That is the strength mystery A applies when it is given {MEANT_EPS:g}, not the one to give it.",
         _applied_strength(MEANT_EPS)),
        ("Halving eps assumes the two smoothings add up; they compound: the one-hot keeps (1 - e) of its "
         "weight twice.", MEANT_EPS / 2),
        ("Passing eps unchanged gives the doubled smoothing the audit reports.", MEANT_EPS),
        ("That scales eps down by the factor the strength grew; but the share the one-hot keeps is squared, "
         "not the strength multiplied.", MEANT_EPS * MEANT_EPS / _applied_strength(MEANT_EPS)),
    ])


# Exercise 7.2: two findings, one fix --------------------------------------------------------------

#: The padding target of mystery B (PyTorch's default ignore_index).
PAD = -100


def mystery_b(logits, target):
    """A padded loss meant to match ``F.cross_entropy(..., label_smoothing=0.1, ignore_index=-100)``."""
    keep = target != PAD
    rows = cross_entropy(logits, np.where(keep, target, 0), label_smoothing=MEANT_EPS, convention="others",
                         reduction="none")
    return float(np.sum(rows * keep) / target.size)


def fixed_b(logits, target):
    """The solution: PyTorch's semantics, from lsbook."""
    return float(cross_entropy(logits, target, label_smoothing=MEANT_EPS, ignore_index=PAD))


def _counted_in_the_mean(convention: str):
    def wrong(logits, target):
        keep = target != PAD
        rows = cross_entropy(logits, np.where(keep, target, 0), label_smoothing=MEANT_EPS, convention=convention,
                             reduction="none")
        return float(np.sum(rows * keep) / target.size)

    return wrong


def _smoothing_term_unmasked(logits, target):
    keep = target != PAD
    log_p = log_softmax(logits)
    nll = -log_p[np.arange(len(target)), np.where(keep, target, 0)]
    rows = (1 - MEANT_EPS) * nll * keep - MEANT_EPS * log_p.mean(axis=-1)
    return float(rows.sum() / keep.sum())


def _padded_batch(seed: int, rows: int, k: int, padded: list[int], scale: float = 2.0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=scale, size=(rows, k))
    target = rng.integers(0, k, size=rows)
    target[padded] = PAD
    return logits, target


PADDED_CASES = [
    Case("6 rows, K = 4, rows 2 and 5 padding", _padded_batch(71, 6, 4, [2, 5])),
    Case("8 rows, K = 10, the last three padding", _padded_batch(72, 8, 10, [5, 6, 7])),
    Case("3 rows, K = 3, no padding", _padded_batch(73, 3, 3, [])),
    Case("5 rows, K = 2, row 0 padding", _padded_batch(74, 5, 2, [0])),
    Case("4 rows, K = 5, logits of size 1000", _padded_batch(75, 4, 5, [1], scale=1000.0)),
]


@register("7.2", solution=fixed_b)
def check_fixed_b(answer) -> None:
    check_function(answer, PADDED_CASES, fixed_b, mistakes=[
        ("Both findings of the audit are still there: the eps/(K-1) convention, and padding counted in the mean.",
         _counted_in_the_mean("others")),
        (mistakes.PADDING_COUNTED, _counted_in_the_mean("uniform")),
        (mistakes.WRONG_CONVENTION,
         lambda z, y: float(cross_entropy(z, y, label_smoothing=MEANT_EPS, ignore_index=PAD, convention="others"))),
        ("The smoothing term still includes the padding rows: mask both terms of the loss, not only the "
         "negative log-likelihood.", _smoothing_term_unmasked),
        (mistakes.FORGOT_THE_MEAN,
         lambda z, y: float(cross_entropy(z, y, label_smoothing=MEANT_EPS, ignore_index=PAD, reduction="sum"))),
        (mistakes.NO_SMOOTHING, lambda z, y: float(cross_entropy(z, y, ignore_index=PAD))),
    ])


# Exercise 7.3: what the log says -------------------------------------------------------------------

#: The class count of exercise 7.3.
GAP_K = 5


def mystery_c(logits, target):
    """A loss meant to apply label smoothing of strength 0.1."""
    q = smooth_labels(target, logits.shape[-1], MEANT_EPS)
    log_p = np.log(softmax(logits) + 1e-12)
    return float(np.mean(np.sum(q * (np.log(q) - log_p), axis=-1)))


LOGGED_GAP = float(entropy(smooth_labels(0, GAP_K, MEANT_EPS)))  # KL(q || p) = CE(q, p) - H(q)


@register("7.3", solution=LOGGED_GAP)
def check_logged_gap(answer) -> None:
    q = smooth_labels(0, GAP_K, MEANT_EPS)
    compare(answer, LOGGED_GAP, what="the gap between the logged values", mistakes=[
        ("Zero would mean the same logged numbers; the audit reports a KL form, which logs less.", 0.0),
        ("That is log K, the entropy of the uniform distribution, not of the smoothed target.", np.log(GAP_K)),
        (mistakes.FLOOR_SMOOTHING_PART, MEANT_EPS * np.log(GAP_K)),
        (mistakes.WRONG_CONVENTION, float(entropy(others_target(0, GAP_K, MEANT_EPS)))),
        ("That is -log of the true-class target alone; the entropy sums -q log q over every class.", -np.log(q[0])),
    ])
