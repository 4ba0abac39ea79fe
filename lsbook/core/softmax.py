"""Numerically stable softmax, log-softmax and log-sum-exp.

Explained in chapter 1, section "The logit chase", and used by every
chapter. Subtracting the maximum before exponentiating keeps every
``exp`` in (0, 1], so no finite input overflows. Rows made entirely of
``-inf`` (every class masked) have no defined distribution and give ``nan``,
as in PyTorch; ``nan`` and ``+inf`` logits are rejected.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_logits, check_axis


def _checked_max(z: np.ndarray, axis: int) -> np.ndarray:
    """The maximum along ``axis``, which also reveals nan and +inf entries."""
    peak = np.max(z, axis=axis, keepdims=True)
    if np.isnan(peak).any():
        raise ValueError("logits contain nan")
    if np.isposinf(peak).any():
        raise ValueError("logits contain +inf; only -inf (a masked class) is allowed")
    return peak


def logsumexp(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """``log(sum(exp(logits)))`` along ``axis``, without overflow."""
    z = as_logits(logits)
    axis = check_axis(axis, z.ndim)
    peak = _checked_max(z, axis)
    with np.errstate(invalid="ignore"):
        shifted = np.exp(z - peak)
    total = shifted.sum(axis=axis, keepdims=True)
    return np.squeeze(peak + np.log(total), axis=axis)


def log_softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """``log(softmax(logits))`` along ``axis``, computed as ``z - logsumexp(z)``."""
    z = as_logits(logits)
    axis = check_axis(axis, z.ndim)
    peak = _checked_max(z, axis)
    with np.errstate(invalid="ignore"):
        out = z - peak
    log_total = np.log(np.exp(out).sum(axis=axis, keepdims=True))
    out -= log_total
    return out


def softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """Probabilities ``exp(z_k) / sum_j exp(z_j)`` along ``axis``."""
    z = as_logits(logits)
    axis = check_axis(axis, z.ndim)
    peak = _checked_max(z, axis)
    with np.errstate(invalid="ignore"):
        out = z - peak
    np.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    return out
