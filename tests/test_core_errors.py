"""Bad input fails early with a ValueError or TypeError whose message names the argument."""

from __future__ import annotations

import numpy as np
import pytest

import lsbook

Z = np.array([[2.0, 0.5, -1.0], [0.1, 1.8, 0.2]])  # N = 2, K = 3
Y = np.array([0, 1])
P = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])  # probability target


def _with(row, col, value):
    """A copy of Z with one entry replaced."""
    z = Z.copy()
    z[row, col] = value
    return z


# (logits, target, keyword arguments, exception, pattern the message must match)
LOSS_CASES = {
    "label_smoothing negative": (Z, Y, {"label_smoothing": -0.1}, ValueError, r"\blabel_smoothing\b"),
    "label_smoothing above one": (Z, Y, {"label_smoothing": 1.0001}, ValueError, r"\blabel_smoothing\b"),
    "label_smoothing nan": (Z, Y, {"label_smoothing": float("nan")}, ValueError, r"\blabel_smoothing\b"),
    "label_smoothing inf": (Z, Y, {"label_smoothing": float("inf")}, ValueError, r"\blabel_smoothing\b"),
    "label_smoothing string": (Z, Y, {"label_smoothing": "0.1"}, TypeError, r"\blabel_smoothing\b"),
    "label_smoothing None": (Z, Y, {"label_smoothing": None}, TypeError, r"\blabel_smoothing\b"),
    "label_smoothing bool": (Z, Y, {"label_smoothing": True}, TypeError, r"\blabel_smoothing\b"),
    "label equal to K": (Z, [0, 3], {}, ValueError, r"\btarget\b.*\b3\b"),
    "label negative": (Z, [-1, 0], {}, ValueError, r"\btarget\b.*-1\b"),
    "label -100 without ignore_index": (Z, [0, -100], {}, ValueError, r"\btarget\b"),
    "label -100 with another ignore_index": (Z, [0, -100], {"ignore_index": -1}, ValueError, r"\btarget\b"),
    "label out of range with smoothing": (Z, [5, 0], {"label_smoothing": 0.1}, ValueError, r"\btarget\b"),
    "label not whole": (Z, [0.0, 1.5], {}, ValueError, r"\btarget\b"),
    "label nan": (Z, [0.0, np.nan], {}, ValueError, r"\btarget\b"),
    "label inf": (Z, [0.0, np.inf], {}, ValueError, r"\btarget\b"),
    "labels too many": (Z, [0, 1, 2], {}, ValueError, r"\btarget\b"),
    "labels wrong rank": (Z, [[0, 1]], {}, ValueError, r"\btarget\b"),
    "scalar label for a batch": (Z, 0, {}, ValueError, r"\btarget\b"),
    "labels bool": (Z, [True, False], {}, TypeError, r"\btarget\b"),
    "labels strings": (Z, ["a", "b"], {}, TypeError, r"\btarget\b"),
    "integer one-hot target": (Z, np.eye(3, dtype=np.int64)[Y], {}, ValueError, r"\btarget\b"),
    "probabilities wrong width": (Z, np.full((2, 4), 0.25), {}, ValueError, r"\btarget\b"),
    "probabilities negative": (Z, np.array([[1.2, -0.2, 0.0], P[1]]), {}, ValueError, r"\btarget\b"),
    "probabilities not summing to one": (Z, np.array([[0.2, 0.2, 0.2], P[1]]), {}, ValueError, r"\btarget\b"),
    "probabilities nan": (Z, np.array([[np.nan, 0.5, 0.5], P[1]]), {}, ValueError, r"\btarget\b"),
    "one class": (Z[:, :1], Y * 0, {}, ValueError, r"\blogits\b.*\bclasses\b"),
    "scalar logits": (np.float64(1.0), 0, {}, ValueError, r"\blogits\b"),
    "nan logit": (_with(1, 2, np.nan), Y, {}, ValueError, r"\blogits\b.*\bnan\b"),
    "nan logit with smoothing": (_with(0, 1, np.nan), Y, {"label_smoothing": 0.1}, ValueError, r"\blogits\b.*\bnan\b"),
    "nan logit beside -inf": ([[-np.inf, np.nan, 0.0], [0.1, 1.8, 0.2]], Y, {}, ValueError, r"\blogits\b.*\bnan\b"),
    "+inf logit": (_with(0, 0, np.inf), Y, {}, ValueError, r"\blogits\b.*\+inf"),
    "+inf logit with smoothing": (_with(1, 2, np.inf), Y, {"label_smoothing": 0.1}, ValueError, r"\blogits\b.*\+inf"),
    "bool logits": (Z > 0, Y, {}, TypeError, r"\blogits\b"),
    "string logits": (np.array([["a", "b"], ["c", "d"]]), Y, {}, TypeError, r"\blogits\b"),
    "complex logits": (Z + 1j, Y, {}, TypeError, r"\blogits\b"),
    "weight too short": (Z, Y, {"weight": [1.0, 2.0]}, ValueError, r"\bweight\b"),
    "weight too long": (Z, Y, {"weight": [1.0, 2.0, 3.0, 4.0]}, ValueError, r"\bweight\b"),
    "weight 2-D": (Z, Y, {"weight": [[1.0, 2.0, 3.0]]}, ValueError, r"\bweight\b"),
    "weight negative": (Z, Y, {"weight": [1.0, -0.5, 1.0]}, ValueError, r"\bweight\b"),
    "weight nan": (Z, Y, {"weight": [1.0, np.nan, 1.0]}, ValueError, r"\bweight\b"),
    "weight inf": (Z, Y, {"weight": [1.0, np.inf, 1.0]}, ValueError, r"\bweight\b"),
    "weight bool": (Z, Y, {"weight": [True, False, True]}, TypeError, r"\bweight\b"),
    "weight negative, probabilities": (Z, P, {"weight": [1.0, -1.0, 1.0]}, ValueError, r"\bweight\b"),
    "reduction unknown": (Z, Y, {"reduction": "avg"}, ValueError, r"\breduction\b"),
    "reduction wrong case": (Z, Y, {"reduction": "MEAN"}, ValueError, r"\breduction\b"),
    "reduction None": (Z, Y, {"reduction": None}, ValueError, r"\breduction\b"),
    "convention unknown": (Z, Y, {"convention": "fairseq"}, ValueError, r"\bconvention\b"),
    "convention None": (Z, Y, {"convention": None}, ValueError, r"\bconvention\b"),
    "convention others, probabilities": (Z, P, {"convention": "others"}, ValueError, r"\bconvention\b"),
    "ignore_index with probabilities": (Z, P, {"ignore_index": -100}, ValueError, r"\bignore_index\b"),
    "ignore_index float": (Z, Y, {"ignore_index": 1.5}, TypeError, r"\bignore_index\b"),
    "ignore_index string": (Z, Y, {"ignore_index": "pad"}, TypeError, r"\bignore_index\b"),
}


@pytest.mark.parametrize("function", [lsbook.cross_entropy, lsbook.cross_entropy_grad], ids=["loss", "grad"])
@pytest.mark.parametrize("case", LOSS_CASES.values(), ids=LOSS_CASES.keys())
def test_loss_and_gradient_reject_bad_input(function, case):
    logits, target, kwargs, exception, pattern = case
    with pytest.raises(exception, match=pattern):
        function(logits, target, **kwargs)


SMOOTH_LABEL_CASES = {
    "epsilon negative": ((1, 4, -0.1), {}, ValueError, r"\blabel_smoothing\b"),
    "epsilon above one": ((1, 4, 1.5), {}, ValueError, r"\blabel_smoothing\b"),
    "epsilon nan": ((1, 4, float("nan")), {}, ValueError, r"\blabel_smoothing\b"),
    "epsilon inf": ((1, 4, float("inf")), {}, ValueError, r"\blabel_smoothing\b"),
    "epsilon string": ((1, 4, "0.1"), {}, TypeError, r"\blabel_smoothing\b"),
    "one class": ((0, 1, 0.1), {}, ValueError, r"\bnum_classes\b"),
    "zero classes": ((0, 0, 0.1), {}, ValueError, r"\bnum_classes\b"),
    "num_classes float": ((0, 4.0, 0.1), {}, TypeError, r"\bnum_classes\b"),
    "num_classes bool": ((0, True, 0.1), {}, TypeError, r"\bnum_classes\b"),
    "label equal to K": ((4, 4, 0.1), {}, ValueError, r"\btarget\b.*\b4\b"),
    "label negative": (([0, -1], 4, 0.1), {}, ValueError, r"\btarget\b"),
    "label not whole": ((1.5, 4, 0.1), {}, ValueError, r"\btarget\b"),
    "label bool": ((True, 4, 0.1), {}, TypeError, r"\btarget\b"),
    "convention unknown": ((1, 4, 0.1), {"convention": "fairseq"}, ValueError, r"\bconvention\b"),
}


@pytest.mark.parametrize("case", SMOOTH_LABEL_CASES.values(), ids=SMOOTH_LABEL_CASES.keys())
def test_smooth_labels_rejects_bad_input(case):
    args, kwargs, exception, pattern = case
    with pytest.raises(exception, match=pattern):
        lsbook.smooth_labels(*args, **kwargs)


SOFTMAX_CASES = {
    "nan": ((_with(0, 1, np.nan),), ValueError, r"\blogits\b.*\bnan\b"),
    "+inf": ((_with(1, 0, np.inf),), ValueError, r"\blogits\b.*\+inf"),
    "bool": ((Z > 0,), TypeError, r"\blogits\b"),
    "scalar": ((2.0,), ValueError, r"\blogits\b"),
    "axis out of range": ((Z, 2), ValueError, r"\baxis\b"),
    "axis float": ((Z, 1.0), TypeError, r"\baxis\b"),
}


@pytest.mark.parametrize("function", [lsbook.softmax, lsbook.log_softmax, lsbook.logsumexp])
@pytest.mark.parametrize("case", SOFTMAX_CASES.values(), ids=SOFTMAX_CASES.keys())
def test_softmax_family_rejects_bad_input(function, case):
    args, exception, pattern = case
    with pytest.raises(exception, match=pattern):
        function(*args)
