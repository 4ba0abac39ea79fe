"""Temperature scaling: a post-hoc fix for confidence that leaves predictions alone.

Explained in chapter 4, section "Temperature scaling, the post-hoc alternative".
Temperature scaling (Guo et al., 2017) divides the logits by one number
``T`` fitted on validation data to minimise the negative log-likelihood:
``T > 1`` softens over-confident predictions, ``T < 1`` sharpens
under-confident ones, and the predicted class never changes. The scores it
is judged by live in :mod:`lsbook.experiments.scores`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import as_class_indices, as_logits
from ..core.loss import cross_entropy


def fit_temperature(logits: ArrayLike, target: ArrayLike, *, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """The temperature T > 0 that minimises the NLL of ``softmax(logits / T)``.

    Fit it on validation data, never on the test set. The search runs on
    ``log T`` within ``bounds`` (the NLL is smooth and, in practice,
    unimodal in T).

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.array([[4.0, 0.0], [4.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    >>> round(fit_temperature(logits, [0, 0, 1, 1]), 3)  # 3 of 4 right: softmax(4 / T) = 3/4
    3.641
    """
    from scipy.optimize import minimize_scalar

    z = as_logits(logits)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {z.shape}")
    y = as_class_indices(target, z.shape[:1], z.shape[1])
    low, high = (float(b) for b in bounds)
    if not 0 < low < high:
        raise ValueError(f"bounds must satisfy 0 < low < high, got {bounds}")
    result = minimize_scalar(
        lambda log_t: float(cross_entropy(z / np.exp(log_t), y)),
        bounds=(np.log(low), np.log(high)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(np.exp(result.x))
