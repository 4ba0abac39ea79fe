"""Checks of the exercises of chapter 7, "Label smoothing in the wild".

Each exercise hands the learner a loss function as a black box (the three
mysteries below), to audit with :func:`lsbook.audit` and explain. The
exercise parameters live here too, so the notebook quotes (glues) the same
values that the checks use.
"""

from __future__ import annotations

import numpy as np

from ...core.information import entropy
from ...core.loss import cross_entropy
from ...core.softmax import log_softmax, softmax
from ...core.targets import smooth_labels
from ..check import check_function, compare, register

#: The smoothing strength each mystery is meant to apply.
MEANT_EPS = 0.1
#: The padding target of mystery B (PyTorch's default ignore_index).
PAD = -100
#: The class count of exercise 7.3.
GAP_K = 5


# The mysteries ---------------------------------------------------------------------------


def mystery_a(logits, target, label_smoothing: float = MEANT_EPS):
    """A loss meant to apply ``label_smoothing`` (exercise 7.1)."""
    k = logits.shape[-1]
    log_p = log_softmax(logits)
    soft = -(smooth_labels(target, k, label_smoothing) * log_p).sum(axis=-1)
    return float(np.mean((1 - label_smoothing) * soft - label_smoothing * log_p.mean(axis=-1)))


def mystery_b(logits, target):
    """A padded loss meant to match ``F.cross_entropy(..., label_smoothing=0.1, ignore_index=-100)`` (7.2)."""
    keep = target != PAD
    rows = cross_entropy(logits, np.where(keep, target, 0), label_smoothing=MEANT_EPS, convention="others",
                         reduction="none")
    return float(np.sum(rows * keep) / target.size)


def mystery_c(logits, target):
    """A loss meant to apply label smoothing of strength 0.1 (exercise 7.3)."""
    q = smooth_labels(target, logits.shape[-1], MEANT_EPS)
    log_p = np.log(softmax(logits) + 1e-12)
    return float(np.mean(np.sum(q * (np.log(q) - log_p), axis=-1)))


# Exercise 7.1: undo the double smoothing -----------------------------------------------------


def _compounded(eps: float) -> float:
    """The strength mystery A applies when passed ``eps``: smoothing twice keeps (1 - eps)**2 of the one-hot."""
    return 1 - (1 - eps) ** 2


@register("7.1")
def check_strength_to_pass(answer) -> None:
    """The strength to pass mystery A so that it trains with MEANT_EPS: 1 - sqrt(1 - eps)."""
    eps = MEANT_EPS
    compare(
        answer,
        1 - np.sqrt(1 - eps),
        what="the strength to pass",
        mistakes=[
            ("That is the strength mystery A applies when passed 0.1, not the one to pass it.", _compounded(eps)),
            ("Halving eps assumes the two smoothings add up; they compound: the one-hot keeps (1 - e) twice.",
             eps / 2),
            ("Passing eps unchanged gives the doubled smoothing the audit reports.", eps),
            ("That undoes a strength that grew by a factor; here the share kept by the one-hot is squared.",
             eps / _compounded(eps) * eps),
        ],
    )


# Exercise 7.2: fix mystery B ----------------------------------------------------------------


def _reference_b(logits, target):
    return float(cross_entropy(logits, target, label_smoothing=MEANT_EPS, ignore_index=PAD))


def _counted(convention: str):
    def wrong(logits, target):
        keep = target != PAD
        rows = cross_entropy(logits, np.where(keep, target, 0), label_smoothing=MEANT_EPS, convention=convention,
                             reduction="none")
        return float(np.sum(rows * keep) / target.size)

    return wrong


def _others_convention(logits, target):
    return float(cross_entropy(logits, target, label_smoothing=MEANT_EPS, ignore_index=PAD, convention="others"))


def _smoothing_term_unmasked(logits, target):
    keep = target != PAD
    log_p = log_softmax(logits)
    nll = -log_p[np.arange(len(target)), np.where(keep, target, 0)]
    rows = (1 - MEANT_EPS) * nll * keep - MEANT_EPS * log_p.mean(axis=-1)
    return float(rows.sum() / keep.sum())


def _summed(logits, target):
    return float(cross_entropy(logits, target, label_smoothing=MEANT_EPS, ignore_index=PAD, reduction="sum"))


def _padded_case(seed: int, rows: int, k: int, padded: list[int], scale: float = 2.0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=scale, size=(rows, k))
    target = rng.integers(0, k, size=rows)
    target[padded] = PAD
    return logits, target


PADDED_CASES = [
    ("6 rows, K = 4, rows 2 and 5 padding", _padded_case(71, 6, 4, [2, 5]), {}),
    ("8 rows, K = 10, the last three padding", _padded_case(72, 8, 10, [5, 6, 7]), {}),
    ("3 rows, K = 3, no padding", _padded_case(73, 3, 3, []), {}),
    ("5 rows, K = 2, row 0 padding", _padded_case(74, 5, 2, [0]), {}),
    ("4 rows, K = 5, logits of size 1000", _padded_case(75, 4, 5, [1], scale=1000.0), {}),
]


@register("7.2")
def check_fixed_b(function) -> None:
    check_function(
        function,
        PADDED_CASES,
        _reference_b,
        mistakes=[
            ("both findings of the audit are still there: the eps/(K-1) convention and padding counted in the "
             "mean.", _counted("others")),
            ("padding rows are masked but still counted in the mean: divide by the number of real rows.",
             _counted("uniform")),
            ("the target still follows the eps/(K-1) convention; spread eps/K over every class.", _others_convention),
            ("the smoothing term still includes the padding rows: mask both terms.", _smoothing_term_unmasked),
            ("that is the sum over real rows; return their mean.", _summed),
        ],
    )


# Exercise 7.3: what mystery C logs ----------------------------------------------------------


@register("7.3")
def check_logged_gap(answer) -> None:
    """How much lower mystery C logs than F.cross_entropy for a row of GAP_K classes: H(q)."""
    q = smooth_labels(0, GAP_K, MEANT_EPS)
    q_others = smooth_labels(0, GAP_K, MEANT_EPS, convention="others")
    compare(
        answer,
        float(entropy(q)),
        what="the gap between the logged values",
        mistakes=[
            ("Zero would mean the same logged numbers; the audit reports a KL form, which logs less.", 0.0),
            ("That is log K, the entropy of the uniform distribution, not of the smoothed target.", np.log(GAP_K)),
            ("That is eps * log K, only part of the entropy of the target.", MEANT_EPS * np.log(GAP_K)),
            ("That is the entropy of the eps/(K-1) target; mystery C spreads eps/K.", float(entropy(q_others))),
            ("That is -log of the true-class target alone; the entropy sums over every class.", -np.log(q[0])),
        ],
    )
