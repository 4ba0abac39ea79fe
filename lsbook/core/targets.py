"""The smoothed target distribution and its two conventions.

Explained in chapter 1, section "The smoothed target", and compared in
chapter 3, section "Two conventions, side by side". Every smoothed target has the form

    q = a * onehot(c) + b * ones(K)

with ``(a, b) = (1 - eps, eps / K)`` in the uniform convention (PyTorch,
Keras, optax, timm) and ``(a, b) = (1 - eps - eps / (K - 1), eps / (K - 1))``
in the "others" convention (fairseq), where the true class gets exactly
``1 - eps``. Both sum to one.

:func:`optimal_logit_gap` is where that target leaves the logits at the
minimum of the loss (chapter 2, section "The finite optimum").
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._checks import CONVENTIONS, as_class_indices, check_choice, check_epsilon, check_num_classes


def target_coefficients(
    num_classes: int, label_smoothing: float, *, convention: str = "uniform"
) -> tuple[float, float]:
    """Return ``(a, b)`` such that the smoothed target is ``a * onehot + b``."""
    num_classes = check_num_classes(num_classes)
    epsilon = check_epsilon(label_smoothing)
    convention = check_choice(convention, CONVENTIONS, "convention")
    spread = num_classes if convention == "uniform" else num_classes - 1
    b = epsilon / spread
    return 1.0 - epsilon - (0.0 if convention == "uniform" else b), b


def smooth_labels(
    target: ArrayLike, num_classes: int, label_smoothing: float, *, convention: str = "uniform"
) -> np.ndarray:
    """The smoothed target distribution for class indices ``target``.

    Parameters
    ----------
    target : array_like of int
        Class indices in ``[0, num_classes)``, any shape. Floats holding whole
        numbers are accepted.
    num_classes : int
        K, at least 2.
    label_smoothing : float
        The smoothing strength eps, in [0, 1].
    convention : {"uniform", "others"}
        ``"uniform"`` spreads eps over all K classes (eps / K each, the
        true class keeps 1 - eps + eps / K); ``"others"`` spreads it over
        the K - 1 wrong classes.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``target.shape + (num_classes,)`` whose last
        axis sums to one.

    Examples
    --------
    >>> smooth_labels(2, 4, 0.1)
    array([0.025, 0.025, 0.925, 0.025])
    """
    a, b = target_coefficients(num_classes, label_smoothing, convention=convention)
    shape = np.shape(target)
    labels = as_class_indices(target, shape, num_classes)
    q = np.full(shape + (num_classes,), b, dtype=np.float64)
    np.put_along_axis(q, labels[..., None], a + b, axis=-1)
    return q


def optimal_logit_gap(num_classes: int, label_smoothing: float, *, convention: str = "uniform") -> float:
    """The gap ``z_c - z_j`` between the true logit and each other logit at the loss minimum.

    The smoothed loss is smallest where ``softmax(z)`` equals the target, so
    the gap is ``log(q_c / q_j) = log((a + b) / b)`` with ``(a, b)`` from
    :func:`target_coefficients`. In the uniform convention that is
    ``log((1 - eps + eps / K) / (eps / K))``.

    Returns ``inf`` for ``label_smoothing = 0`` (hard targets have no finite
    minimum), and ``-inf`` in the "others" convention at ``epsilon = 1``,
    where the true class gets no mass at all.

    Examples
    --------
    >>> round(math.exp(optimal_logit_gap(4, 0.1)), 9)  # K = 4, eps = 0.1: the gap is log 37
    37.0
    """
    a, b = target_coefficients(num_classes, label_smoothing, convention=convention)
    if b == 0.0:
        return math.inf
    ratio = (a + b) / b
    return math.log(ratio) if ratio > 0.0 else -math.inf
