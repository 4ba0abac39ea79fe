"""Entropy, KL divergence and the confidence penalty.

Explained in chapter 3, "The information-theoretic view": section
"Cross-entropy, entropy and KL divergence" uses :func:`entropy` and
:func:`kl_divergence` to split the smoothed loss into a cross-entropy and a
KL term toward the uniform distribution; section "The confidence penalty"
uses :func:`confidence_penalty` and :func:`confidence_penalty_grad`, the
regulariser ``-beta * H(softmax(z))`` of Pereyra et al. (2017), whose
gradient is ``beta * p * (log p + H(p))``.

Distributions lie along the last axis. By the usual convention
``0 * log 0 = 0``, so zero probabilities are allowed; a divergence
``KL(q || p)`` is infinite where ``q`` puts mass on a class that ``p`` gives
probability zero.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._checks import REDUCTIONS, as_logits, as_probabilities, check_choice, check_real, working_dtype
from .softmax import log_softmax


def _as_distribution(values, name: str) -> np.ndarray:
    """``values`` as float64 probability vectors along the last axis, checked."""
    return as_probabilities(values, name).astype(np.float64, copy=False)


def _x_log_y(x: np.ndarray, log_y: np.ndarray) -> np.ndarray:
    """``x * log_y`` with ``0 * log 0 = 0`` (``log_y`` may be ``-inf`` where ``x`` is 0)."""
    with np.errstate(invalid="ignore"):
        return np.where(x == 0, 0.0, x * log_y)


def entropy(p: ArrayLike) -> np.ndarray:
    """Shannon entropy ``H(p) = -sum_k p_k log p_k`` in nats, along the last axis.

    Parameters
    ----------
    p : array_like, shape (..., K)
        Probability vectors (non-negative, summing to one).

    Returns
    -------
    numpy.ndarray
        float64, shape ``p.shape[:-1]``.

    Examples
    --------
    >>> round(float(entropy([0.5, 0.5])), 6)  # log 2
    0.693147
    """
    p = _as_distribution(p, "p")
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    return -_x_log_y(p, log_p).sum(axis=-1)


def kl_divergence(q: ArrayLike, p: ArrayLike) -> np.ndarray:
    """Kullback-Leibler divergence ``KL(q || p) = sum_k q_k log(q_k / p_k)``.

    Parameters
    ----------
    q, p : array_like, shape (..., K)
        Probability vectors of the same shape. The order matters:
        ``KL(q || p)`` weighs the log ratio by ``q``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``q.shape[:-1]``; ``inf`` where ``q_k > 0 = p_k``.

    Examples
    --------
    >>> round(float(kl_divergence([0.5, 0.5], [0.5, 0.5])), 12)
    0.0
    """
    q = _as_distribution(q, "q")
    p = _as_distribution(p, "p")
    if q.shape != p.shape:
        raise ValueError(f"q and p must have the same shape, got {q.shape} and {p.shape}")
    with np.errstate(divide="ignore"):
        log_ratio = np.log(q) - np.log(p)
    return _x_log_y(q, log_ratio).sum(axis=-1)


def _check_beta(beta) -> float:
    return check_real(beta, "beta", minimum=0.0)


def _entropy_of_logits(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``p``, ``log p`` and ``H(p)`` for ``p = softmax(z)``, in float64."""
    log_p = log_softmax(z.astype(np.float64))
    p = np.exp(log_p)
    return p, log_p, -_x_log_y(p, log_p).sum(axis=-1)


def confidence_penalty(logits: ArrayLike, beta: float, *, reduction: str = "mean"):
    """The confidence penalty ``-beta * H(softmax(logits))``, added to a loss.

    Pereyra et al. (2017) train with ``CE(y, p) - beta * H(p)``: confident
    (low-entropy) predictions cost more. Since ``H(p) = log K - KL(p || U)``,
    the penalty is ``beta * KL(p || U)`` up to the constant ``-beta log K``:
    the reverse of the ``KL(U || p)`` that label smoothing adds.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Unnormalised scores, class axis last; ``-inf`` marks a masked class.
    beta : float
        Strength, finite and non-negative.
    reduction : {"mean", "sum", "none"}
        Mean or sum over rows, or one value per row.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(confidence_penalty(np.zeros(4), 0.5)), 6)  # -0.5 * log 4
    -0.693147
    """
    beta = _check_beta(beta)
    reduction = check_choice(reduction, REDUCTIONS, "reduction")
    z = as_logits(logits)
    _, _, h = _entropy_of_logits(z)
    penalty = -beta * h
    dtype = working_dtype(z)
    if reduction == "none":
        return penalty.astype(dtype)
    if reduction == "sum":
        return dtype.type(penalty.sum())
    return dtype.type(penalty.sum() / penalty.size if penalty.size else np.nan)


def confidence_penalty_grad(logits: ArrayLike, beta: float, *, reduction: str = "mean") -> np.ndarray:
    """Gradient of :func:`confidence_penalty` with respect to ``logits``.

    Uses ``dH/dz_i = -p_i (log p_i + H(p))``, so the gradient of
    ``-beta * H`` is ``beta * p * (log p + H)``. Each row sums to zero, as
    every gradient of a function of ``softmax(z)`` does. Masked classes
    (``-inf`` logits) get zero gradient. Same arguments as
    :func:`confidence_penalty`; ``reduction="none"`` gives the gradient of
    the sum of the row penalties.
    """
    beta = _check_beta(beta)
    reduction = check_choice(reduction, REDUCTIONS, "reduction")
    z = as_logits(logits)
    p, log_p, h = _entropy_of_logits(z)
    with np.errstate(invalid="ignore"):
        grad = np.where(p == 0, 0.0, beta * p * (log_p + h[..., None]))
    if reduction == "mean":
        grad /= max(1, h.size)
    return grad.astype(working_dtype(z))
